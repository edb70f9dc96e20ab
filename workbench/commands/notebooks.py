"""``scaling-workbench notebooks DIR``: copy the labs out of the installed package.

A user who installed the wheel has no notebooks/ folder: copy the labs shipped inside the
package (folder workbench/_labs, see setup.py) into DIR (created if needed), then open them
with 'jupyter lab DIR/00_tour.ipynb'. Existing files are kept unless --force.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkbenchError
from ._common import add_command


def add_parser(sub) -> None:
    p = add_command(sub, "notebooks", run, __doc__, "copy the labs (the workbench's notebooks) into a folder")
    p.add_argument("dir", metavar="DIR", help="folder to copy the notebooks into")
    p.add_argument("--force", action="store_true", help="overwrite notebooks of the same name already in DIR")


def lab_notebooks() -> list:
    """The labs shipped with the workbench, in teaching order (importlib resources or paths).

    An installed wheel carries them in the package folder ``_labs``; a source checkout (an
    editable install) reads them from the repository's ``notebooks/``.
    """
    from importlib.resources import files

    import workbench

    shipped = files("workbench") / "_labs"
    checkout = Path(workbench.__file__).resolve().parent.parent
    for root in (shipped, checkout / "notebooks" if (checkout / "pyproject.toml").is_file() else None):
        if root is not None and root.is_dir():
            found = sorted((r for r in root.iterdir() if r.name.endswith(".ipynb")), key=lambda r: r.name)
            if found:
                return found
    raise WorkbenchError(
        "This installation of the workbench carries no notebooks (its folder workbench/_labs is missing or empty): "
        "reinstall it from a wheel or from the repository, where they are in notebooks/."
    )


def copy_notebooks(target, force: bool = False) -> list[Path]:
    """Copy the labs into the folder ``target``; return the paths written.

    Raises :class:`~workbench.errors.WorkbenchError` when ``target`` is a file, or when
    notebooks of the same name are there already and ``force`` is false (nothing is
    written then).
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise WorkbenchError(f"{str(target)!r} is a file; give a folder to copy the notebooks into.")
    sources = lab_notebooks()
    clashes = [s.name for s in sources if (target / s.name).exists()]
    if clashes and not force:
        raise WorkbenchError(
            f"{str(target)!r} already holds {', '.join(clashes)}: choose another folder, or pass --force to overwrite them."
        )
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        dest = target / src.name
        dest.write_bytes(src.read_bytes())
        written.append(dest)
    return written


def run(args) -> int:
    written = copy_notebooks(args.dir, force=args.force)
    for path in written:
        print(path)
    print(f"copied {len(written)} notebooks; open them with: jupyter lab {Path(args.dir) / written[0].name}")
    return 0
