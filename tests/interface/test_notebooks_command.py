"""`scaling-workbench notebooks DIR` copies the labs shipped in the package (workbench._labs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.cli import main
from workbench.commands.notebooks import copy_notebooks, lab_notebooks
from workbench.errors import WorkbenchError

REPO_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_every_lab_is_found_in_teaching_order():
    shipped = [r.name for r in lab_notebooks()]
    assert shipped == sorted(p.name for p in REPO_NOTEBOOKS.glob("*.ipynb"))
    assert shipped[0] == "00_tour.ipynb"


def test_copies_every_lab_byte_for_byte(tmp_path):
    written = copy_notebooks(tmp_path / "labs")
    assert [p.name for p in written] == sorted(p.name for p in REPO_NOTEBOOKS.glob("*.ipynb"))
    for path in written:
        assert path.read_bytes() == (REPO_NOTEBOOKS / path.name).read_bytes()


def test_keeps_existing_notebooks_unless_forced(tmp_path, capsys):
    assert main(["notebooks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "copied" in out and "00_tour.ipynb" in out
    (tmp_path / "00_tour.ipynb").write_text("my edits")
    assert main(["notebooks", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "already holds" in err and "--force" in err
    assert (tmp_path / "00_tour.ipynb").read_text() == "my edits"  # nothing was overwritten
    assert main(["notebooks", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "00_tour.ipynb").read_bytes() == (REPO_NOTEBOOKS / "00_tour.ipynb").read_bytes()


def test_a_file_is_not_a_folder(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(WorkbenchError, match="is a file"):
        copy_notebooks(target)
