"""The user guide: every lab notebook, executed, with its charts as static SVG.

Notebooks run through :func:`workbench.report.execute_notebook` (fresh kernel, every
Altair chart rendered to inline SVG by vl-convert: the same path as ``scaling-workbench
report``), live-widget views are dropped by :func:`workbench.report.static_outputs`,
and myst-nb renders the stored outputs (its own execution is off). ``WORKBENCH_QUICK=1``
runs the labs at their CI size.

Executed notebooks are cached under ``docs/_build/.notebook-cache``, keyed by the
notebook's bytes, the package's source files and the quick flag, so a rebuild with no
change runs nothing. Up to two notebooks run at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from sphinx.util import logging

from . import prune, write_if_changed

logger = logging.getLogger(__name__)


def quick_mode() -> bool:
    return os.environ.get("WORKBENCH_QUICK", "") not in ("", "0")


def package_digest() -> str:
    """sha256 over the package's source and data files: any code change re-runs the labs."""
    import workbench

    root = Path(workbench.__file__).parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _execute(path: str, quick: bool) -> tuple[str, float, str | None]:
    """Worker: run one notebook; return (notebook JSON, seconds, error)."""
    import nbformat

    from workbench.errors import WorkbenchError
    from workbench.report import execute_notebook, static_outputs

    t0 = time.perf_counter()
    try:
        nb, _, _ = execute_notebook(path, quick=quick)
    except WorkbenchError as exc:
        return "", time.perf_counter() - t0, str(exc)
    static_outputs(nb)
    return nbformat.writes(nb), time.perf_counter() - t0, None


def _first_heading_and_paragraph(nb: dict) -> tuple[str, str]:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        lines = src.strip().splitlines()
        if lines and lines[0].startswith("# "):
            title = lines[0][2:].strip()
            para = []
            for line in lines[1:]:
                if not line.strip():
                    if para:
                        break
                    continue
                if line.startswith("#"):
                    break
                para.append(line.strip())
            return title, " ".join(para)
    return "", ""


def write(folder: Path, app) -> None:
    nb_dir = (Path(app.confdir) / app.config.workbench_notebooks).resolve()
    cache = (Path(app.confdir) / app.config.workbench_notebook_cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    quick = quick_mode()
    digest = package_digest()
    notebooks = sorted(nb_dir.glob("*.ipynb"))
    if not notebooks:
        logger.warning("no notebooks in %s: the user guide has no labs", nb_dir, type="workbench", subtype="labs")
    keyed = {}
    for path in notebooks:
        key = hashlib.sha256(path.read_bytes() + digest.encode() + (b"quick" if quick else b"full")).hexdigest()[:20]
        keyed[path] = cache / f"{path.stem}.{key}.ipynb"
    todo = [p for p, c in keyed.items() if not c.is_file()]
    if todo:
        logger.info("executing %d lab(s) (%s mode): %s", len(todo), "quick" if quick else "full",
                    ", ".join(p.name for p in todo))
        workers = max(1, min(2, os.cpu_count() or 1, len(todo)))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = {p: pool.submit(_execute, str(p), quick) for p in todo}
            for path, fut in futures.items():
                text, seconds, error = fut.result()
                if error:
                    logger.warning("lab %s failed to execute:\n%s", path.name, error, type="workbench", subtype="labs")
                    continue
                for stale in cache.glob(f"{path.stem}.*.ipynb"):
                    stale.unlink()
                keyed[path].write_text(text, encoding="utf-8")
                logger.info("executed %s in %.1f s", path.name, seconds)
    written = set()
    entries = []
    for path in notebooks:
        source = keyed[path] if keyed[path].is_file() else path  # a failed lab still gets its page, unexecuted
        text = source.read_text(encoding="utf-8")
        target = folder / path.name
        write_if_changed(target, text)
        written.add(target)
        title, para = _first_heading_and_paragraph(json.loads(text))
        entries.append((path.stem, title or path.stem, para))
    lines = [
        ".. _user-guide:", "", "User guide: the labs", "====================", "",
        "Each lab is one of the workbench's notebooks, executed when this site was built"
        + (" at its quick (CI) size" if quick else "") + ", with its charts drawn as static pictures.",
        "Open the same notebooks in JupyterLab (``make lab``, or ``scaling-workbench notebooks DIR`` after",
        "``pip install``) to move the sliders.", "",
        ".. toctree::", "   :maxdepth: 1", "   :hidden:", "",
        *[f"   {stem}" for stem, _, _ in entries], "",
    ]
    for stem, title, para in entries:
        lines += [f"- :doc:`{stem}`" + (f": {para}" if para else ""), ""]
    index = folder / "index.rst"
    write_if_changed(index, "\n".join(lines) + "\n")
    written.add(index)
    prune(folder, written)
