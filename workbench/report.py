"""Execute notebooks in fresh kernels and export them as self-contained HTML reports.

Reports must open anywhere, offline: every Altair chart is rendered to inline SVG
in the kernel (vl-convert; no JavaScript, no CDN), live panels contribute the
static picture and numbers of their current view, live-widget placeholders
(which would need the widget JavaScript) are removed, and the TeX in Markdown
cells becomes MathML (latex2mathml), which browsers draw natively, so formulas
need no MathJax from a CDN either. The peak memory of each
notebook's kernel is measured, since Binder gives a notebook about 2 GB.
"""

from __future__ import annotations

import html
import json
import os
import re
import time
from dataclasses import field
from pathlib import Path

from .errors import ArgumentError, WorkbenchError
from .results import Result

__all__ = ["ReportResult", "execute_notebook", "static_outputs", "export_html", "build_reports"]

_SETUP_TAG = "workbench-report-setup"
_MEMORY_TAG = "workbench-report-memory"
_MARK = "WORKBENCH_PEAK_RSS_MB="

_SETUP = """\
from workbench.charts.export import use_static_charts as _wb_static
_wb_static()  # every Altair chart as inline SVG: static, offline
"""

_MEMORY = f"""\
import resource as _wb_resource, sys as _wb_sys
_wb_self = _wb_resource.getrusage(_wb_resource.RUSAGE_SELF).ru_maxrss
_wb_kids = _wb_resource.getrusage(_wb_resource.RUSAGE_CHILDREN).ru_maxrss
_wb_unit = 1 if _wb_sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
print("{_MARK}" + str(max(_wb_self, _wb_kids) * _wb_unit / 2**20))
"""

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

# code fences and code spans, whose dollars are not math
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)
# $$display$$ or $inline$ (no space just inside the dollars, no digit right after: "$5 and $6" is money)
_TEX = re.compile(r"(?<![\\$])\$\$(.+?)\$\$|(?<![\\$])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\d$])", re.S)
# nbconvert's lab template loads MathJax from a CDN between these comments
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)


class ReportResult(Result):
    """What happened to one notebook: its HTML report, time, peak memory, and the error if it failed."""

    notebook: Path
    html: Path | None
    seconds: float
    peak_memory_mb: float | None
    error: str | None = None
    notes: list = field(default_factory=list)

    _dict_properties = ("ok",)

    @property
    def ok(self) -> bool:
        return self.error is None

    def _title(self) -> str:
        return f"Report of {Path(self.notebook).name}"

    def _summarize(self, s) -> None:
        mem = "n/a" if self.peak_memory_mb is None else f"{self.peak_memory_mb:.0f} MB"
        s.add_fields([("result", "ok" if self.ok else "failed"), ("report", str(self.html) if self.html else "none"),
                      ("time", f"{self.seconds:.1f} s"), ("peak memory", mem)])
        s.add_text(*(self.notes or []), *([self.error] if self.error else []))

    def _headline(self) -> str:
        return f"{Path(self.notebook).name}: {'ok' if self.ok else 'failed'}, {self.seconds:.1f} s"


def _tagged(cell, tag):
    return tag in cell.get("metadata", {}).get("tags", [])


def execute_notebook(path, *, quick: bool = False, timeout: int = 1200, kernel_name: str = "python3"):
    """Run a notebook top to bottom in a fresh kernel (cwd = its folder).

    Returns ``(executed_notebook, seconds, peak_memory_mb)``. Raises
    :class:`~workbench.errors.WorkbenchError` naming the failing cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if not path.is_file():
        raise ArgumentError(f"No notebook at {str(path)!r}.")
    nb = nbformat.read(path, as_version=4)
    setup = nbformat.v4.new_code_cell(_SETUP, metadata={"tags": [_SETUP_TAG]})
    memory = nbformat.v4.new_code_cell(_MEMORY, metadata={"tags": [_MEMORY_TAG]})
    nb.cells = [setup] + list(nb.cells) + [memory]
    env = dict(os.environ)
    if quick:
        env["WORKBENCH_QUICK"] = "1"
    env["WORKBENCH_REPORT"] = "1"
    env.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        store_widget_state=False,
        allow_errors=False,
    )
    t0 = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
        raise WorkbenchError(f"{path.name} failed while executing:\n" + "\n".join(text[-25:])) from None
    seconds = time.perf_counter() - t0
    peak = None
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith(_MARK):
                peak = float(line[len(_MARK):])
    nb.cells = [c for c in nb.cells if not (_tagged(c, _SETUP_TAG) or _tagged(c, _MEMORY_TAG))]
    return nb, seconds, peak


def static_outputs(nb) -> None:
    """Drop live-widget views from an executed notebook's outputs, in place.

    Their JavaScript is not in a static page (a report, the documentation site). A
    panel's output also carries ``text/html`` (its chart as SVG and its numbers),
    which stays; widget outputs with nothing but a placeholder (progress bars, plain
    controls) are removed.
    """
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and WIDGET_MIME in data:
                data.pop(WIDGET_MIME)
                if not (set(data) - {"text/plain"}):
                    continue  # only "HBox(children=...)" left: nothing to show
            kept.append(out)
        cell["outputs"] = kept


def markdown_math_to_mathml(text: str) -> str:
    """Replace ``$...$`` and ``$$...$$`` TeX in Markdown with MathML elements.

    Code spans and fences are left alone; TeX that latex2mathml cannot read is
    left as written (it then shows as source rather than breaking the report).
    """
    from latex2mathml.converter import convert

    def one(m: re.Match) -> str:
        display, inline = m.group(1), m.group(2)
        tex = display if display is not None else inline
        try:
            mathml = convert(" ".join(tex.split()), display="block" if display is not None else "inline")
        except Exception:  # noqa: BLE001 - any parse failure: keep the source text
            return m.group(0)
        return mathml

    parts = _CODE.split(text)
    return "".join(part if i % 2 else _TEX.sub(one, part) for i, part in enumerate(parts))


def _static_math(nb) -> None:
    """TeX in Markdown cells as MathML, so a report needs no MathJax."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            cell["source"] = markdown_math_to_mathml(cell["source"])


def export_html(nb, target, *, hide_code: bool = False, title: str | None = None) -> Path:
    """Write an executed notebook as one self-contained HTML file."""
    from nbconvert import HTMLExporter

    static_outputs(nb)
    _static_math(nb)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = hide_code
    exporter.exclude_output_prompt = hide_code
    exporter.embed_images = False  # SVG charts stay inline (readable marks and aria labels), not base64 images
    resources = {"metadata": {"name": title or Path(target).stem}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # require.js only serves live widgets, which a static report does not have; drop the CDN script
    body = re.sub(r'<script[^>]*src="[^"]*require(\.min)?\.js"[^>]*>\s*</script>', "", body)
    body = _MATHJAX.sub("<!-- formulas are MathML: no MathJax needed -->", body)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def _index(results: list[ReportResult], out: Path) -> Path:
    rows = []
    for r in results:
        name = html.escape(r.notebook.stem)
        link = f"<a href='{html.escape(r.html.name)}'>{name}</a>" if r.html else name
        mem = "&ndash;" if r.peak_memory_mb is None else f"{r.peak_memory_mb:.0f} MB"
        status = "ok" if r.ok else "<span style='color:#b00'>failed</span>"
        rows.append(f"<tr><td>{link}</td><td>{r.seconds:.1f} s</td><td>{mem}</td><td>{status}</td></tr>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Scaling Workbench reports</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;text-align:left}</style></head><body>"
        "<h1>Scaling Workbench reports</h1><table><tr><th>notebook</th><th>run time</th><th>peak memory</th><th>status</th></tr>"
        + "".join(rows)
        + "</table></body></html>"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def build_reports(notebooks, out, *, quick: bool = False, hide_code: bool = False, timeout: int = 1200,
                  echo=print) -> list[ReportResult]:
    """Execute each notebook in a fresh kernel and write ``out/<name>.html`` plus ``out/index.html``.

    Prints (via ``echo``) one line per notebook with its run time and peak memory.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for nb_path in [Path(p) for p in notebooks]:
        t0 = time.perf_counter()
        try:
            nb, seconds, peak = execute_notebook(nb_path, quick=quick, timeout=timeout)
            target = export_html(nb, out / f"{nb_path.stem}.html", hide_code=hide_code)
            r = ReportResult(nb_path, target, seconds, peak)
        except WorkbenchError as exc:
            r = ReportResult(nb_path, None, time.perf_counter() - t0, None, error=str(exc))
        results.append(r)
        mem = "?" if r.peak_memory_mb is None else f"{r.peak_memory_mb:.0f} MB"
        flag = "" if r.peak_memory_mb is None or r.peak_memory_mb < 2048 else "  (over Binder's 2 GB!)"
        echo(f"{nb_path.name}: {'ok' if r.ok else 'FAILED'}, {r.seconds:.1f} s, peak memory {mem}{flag}")
        if r.error:
            echo(r.error)
    _index(results, out)
    (out / "report.json").write_text(json.dumps([
        {"notebook": str(r.notebook), "html": None if r.html is None else str(r.html), "seconds": r.seconds,
         "peak_memory_mb": r.peak_memory_mb, "error": r.error} for r in results], indent=1))
    return results
