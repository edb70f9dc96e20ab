"""Sphinx extension that writes the site's generated pages from the package itself.

At the start of every build (``builder-inited``) it writes, under ``docs/generated/``:

- ``laws/``: the law gallery, one page per law in :func:`workbench.list_laws` (formula,
  inputs and units, parameters and bounds, published parameter sets, paper, a chart);
- ``api/``: the API reference, one page per public module, listing what its
  ``__all__`` exports (so the reference follows the package, not a hand-kept list);
- ``cli.rst``: the command line reference, from each command's ``--help``;
- ``datasets.rst``: the registered public datasets, from the registry;
- ``labs/``: the labs, executed (cached, quick mode under ``WORKBENCH_QUICK=1``) with
  their charts as static SVG, rendered by myst-nb.

Files are rewritten only when their text changes, so incremental builds stay incremental.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds exactly that; return whether it wrote."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def prune(folder: Path, keep: set[Path]) -> None:
    """Remove generated files in ``folder`` that this build did not write (a law or module that went away)."""
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        if path.is_file() and path not in keep:
            path.unlink()


def generate(app) -> None:
    from . import apiref, cliref, datapage, gallery, labs

    out = Path(app.srcdir) / "generated"
    out.mkdir(exist_ok=True)
    gallery.write(out / "laws", app)
    apiref.write(out / "api", app)
    cliref.write(out / "cli.rst")
    datapage.write(out / "datasets.rst")
    labs.write(out / "labs", app)


def setup(app):
    from . import apiref, mathml

    mathml.setup(app)
    app.connect("missing-reference", apiref.private_reference)
    app.add_config_value("workbench_notebooks", "../notebooks", "env")
    app.add_config_value("workbench_notebook_cache", "_build/.notebook-cache", "env")
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
