"""Only the files a dataset's manifest pins (each with its sha256) are read; extras in a mirror or cache are ignored."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.data import registry
from workbench.data.datasets import read_overtraining, read_pythia_evals
from workbench.errors import DatasetError

pytestmark = pytest.mark.needs_mirror


def _copy_pinned(mirror: Path, name: str, target: Path) -> Path:
    """A mirror of one dataset made of links to the pinned files only."""
    root = target / name
    for f in registry.get_dataset(name).files:
        dest = root / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(mirror / name / f.path)
    return root


def _plant_fakes(root: Path, name: str) -> list[Path]:
    """Drop plausible extra files where a globbing reader would pick them up: a fake run with loss 0.5."""
    if name == "overtraining":
        real = json.loads(sorted((root / "exp_data" / "models").glob("*.json"))[0].read_text())
        real["name"] = "fake-run"
        for res in real["results"]:
            res["loss"] = 0.5
        model = root / "exp_data" / "models" / "fake-run.json"
        model.write_text(json.dumps(real))
        evals = root / "exp_data" / "evals" / "evaluation_fake-run_heavy.json"
        evals.write_text(json.dumps({"eval_metrics": {"icl": {"hellaswag": 0.99}}}))
        return [model, evals]
    real_path = sorted((root / "evals" / "pythia-v1" / "pythia-70m").rglob("*.json"))[0]
    real = json.loads(real_path.read_text())
    for res in real["results"].values():
        for metric in res:
            res[metric] = 0.5
    fake = real_path.parent / "pythia-70m_fake_step999999.json"
    fake.write_text(json.dumps(real))
    return [fake]


class _Opens:
    """Paths opened while switched on (audit events, PEP 578)."""

    paths: list | None = None
    installed = False

    @classmethod
    def hook(cls, event, args):
        if cls.paths is not None and event == "open" and isinstance(args[0], (str, Path)):
            cls.paths.append(str(args[0]))


def _load_recording_opens(name, **options):
    if not _Opens.installed:
        sys.addaudithook(_Opens.hook)
        _Opens.installed = True
    _Opens.paths = []
    try:
        return wb.load_dataset(name, **options), _Opens.paths
    finally:
        _Opens.paths = None


@pytest.mark.parametrize("name", ["overtraining", "pythia-evals"])
@pytest.mark.parametrize("where", ["mirror", "cache"])
def test_an_extra_unlisted_file_is_not_read(name, where, mirror, tmp_path, monkeypatch):
    reference = wb.load_dataset(name, **({"evals": True} if name == "overtraining" else {}))
    base = tmp_path / where
    root = _copy_pinned(mirror, name, base)
    fakes = _plant_fakes(root, name)
    # the fake is where a reader that globs its folder would find it (the old behaviour)
    globbing = read_overtraining(root) if name == "overtraining" else read_pythia_evals(root)
    assert len(globbing) > len(reference)
    if where == "mirror":
        monkeypatch.setenv("WORKBENCH_DATA_MIRROR", str(base))
    else:
        monkeypatch.delenv("WORKBENCH_DATA_MIRROR", raising=False)
        monkeypatch.setenv("WORKBENCH_CACHE", str(base))
        monkeypatch.setenv("WORKBENCH_OFFLINE", "1")        # a download would fail loudly
    got, opened = _load_recording_opens(name, **({"evals": True} if name == "overtraining" else {}))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), reference.reset_index(drop=True))
    assert not {str(f) for f in fakes} & set(opened), "an unlisted file was opened"
    assert (got.get("loss", pd.Series(dtype=float)) != 0.5).all() and "fake-run" not in set(got.get("name", []))


@pytest.mark.filterwarnings("ignore:.*swapped")   # a reader's own note about its data, not this test's concern
def test_every_reader_opens_pinned_files_only(mirror):
    read = 0
    for name in wb.list_datasets():
        try:
            _, opened = _load_recording_opens(name)
        except DatasetError as exc:
            if "has no reader" in str(exc):
                continue
            raise
        root = (mirror / registry.get_dataset(name).folder_name).resolve()
        pinned = {(root / f.path).resolve() for f in registry.get_dataset(name).files}
        inside = {Path(p).resolve() for p in opened if Path(p).resolve().is_relative_to(root)}
        assert inside and inside <= pinned, (name, sorted(map(str, inside - pinned))[:5])
        read += 1
    assert read >= 6


def test_pinned_folder_refuses_other_names(mirror):
    folder = wb.data.dataset_files("overtraining")
    assert (folder / "exp_data" / "eval_metadata.csv").is_file()
    models = (folder / "exp_data" / "models").glob("*.json")
    assert len(models) == 104 and all(p.suffix == ".json" for p in models)
    assert len(folder.rglob("*.json")) == 104 + len((folder / "exp_data" / "evals").glob("*.json"))
    for bad in ("final_losses_long.csv", "exp_data/models/fake-run.json", "../chinchilla/chinchilla_extracted.csv",
                "LICENSE"):
        with pytest.raises(DatasetError, match="is not a file of dataset 'overtraining'"):
            folder / bad
