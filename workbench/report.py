"""Execute notebooks in fresh kernels and export them as self-contained HTML reports.

Reports must open anywhere, offline: every Altair chart is rendered to inline SVG
in the kernel (vl-convert; no JavaScript, no CDN), live panels contribute the
static picture and numbers of their current view, live-widget placeholders
(which would need the widget JavaScript) are removed, and the TeX in Markdown
cells becomes MathML (latex2mathml), which browsers draw natively, so formulas
need no MathJax from a CDN either. The peak memory of each
notebook's kernel is measured, since Binder gives a notebook about 2 GB.

A report is written to be sent: a header gives its title, the date, the workbench
version, quick or full mode and the sha256 of every dataset the notebook read; code
cells are hidden behind a toggle; each panel is a captioned picture of its settings;
warnings on stderr and local paths are left out; cells are numbered from 1; an
index page lists the reports as cards.
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

_DATA_MARK = "WORKBENCH_DATASETS="

_MEMORY = f"""\
import resource as _wb_resource, sys as _wb_sys, json as _wb_json
_wb_self = _wb_resource.getrusage(_wb_resource.RUSAGE_SELF).ru_maxrss
_wb_kids = _wb_resource.getrusage(_wb_resource.RUSAGE_CHILDREN).ru_maxrss
_wb_unit = 1 if _wb_sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
print("{_MARK}" + str(max(_wb_self, _wb_kids) * _wb_unit / 2**20))
from workbench.data.registry import datasets_used as _wb_used
print("{_DATA_MARK}" + _wb_json.dumps(_wb_used()))
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
    title: str = ""
    datasets: dict = field(default_factory=dict)

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
        # the kernel's own start-up warnings (e.g. "running over TCP without encryption") are not the reader's concern
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    t0 = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip().splitlines()
        raise WorkbenchError(f"{path.name} failed while executing:\n" + "\n".join(text[-25:])) from None
    seconds = time.perf_counter() - t0
    peak, used = None, {}
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith(_MARK):
                peak = float(line[len(_MARK):])
            elif line.startswith(_DATA_MARK):
                used = json.loads(line[len(_DATA_MARK):])
    nb.cells = [c for c in nb.cells if not (_tagged(c, _SETUP_TAG) or _tagged(c, _MEMORY_TAG))]
    _renumber(nb)
    nb.metadata["workbench_report"] = {"seconds": seconds, "peak_memory_mb": peak, "datasets": used, "quick": bool(quick)}
    return nb, seconds, peak


def _renumber(nb) -> None:
    """Number the executed cells 1, 2, 3 ... (the hidden set-up cell took the first count)."""
    k = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        if cell.get("execution_count") is not None:
            k += 1
            cell["execution_count"] = k
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = k


def _local_paths() -> list[str]:
    """Folders of this machine that must not appear in a report (longest first)."""
    import sys
    import tempfile

    paths = {str(Path.cwd()), str(Path(sys.prefix)), str(Path(sys.executable).parent), str(Path.home()),
             tempfile.gettempdir(), str(Path(__file__).resolve().parents[1])}
    return sorted((p for p in paths if p and len(p) > 4), key=len, reverse=True)


def _scrub(text: str, paths: list[str]) -> str:
    for p in paths:
        text = text.replace(p, "…")
    return text


def static_outputs(nb) -> None:
    """Drop live-widget views from an executed notebook's outputs, in place.

    Their JavaScript is not in a static page (a report, the documentation site). A
    panel's output also carries ``text/html`` (its chart as SVG and its numbers),
    which stays; widget outputs with nothing but a placeholder (progress bars, plain
    controls) are removed. Warnings printed on stderr are left out, and this machine's
    folders (the checkout, the virtual environment, the home folder) are replaced by "…".
    """
    paths = _local_paths()
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                if out.get("name") == "stderr":
                    continue  # warnings and progress bars: not part of the findings
                out["text"] = _scrub(out.get("text", ""), paths)
            data = out.get("data")
            if data:
                for key in ("text/plain", "text/html"):
                    if isinstance(data.get(key), str):
                        data[key] = _scrub(data[key], paths)
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


REPORT_CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }
.wb-report-header { max-width: 1100px; margin: 24px auto 8px; padding: 18px 22px; border: 1px solid #e3e3e3;
  border-radius: 10px; background: #fafbfc; font-size: 14px; color: #222; }
.wb-report-header h1 { font-size: 24px; margin: 0 0 6px; }
.wb-report-header .wb-meta { color: #555; margin: 2px 0 10px; }
.wb-report-header .wb-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  background: #e8f0fb; color: #1f5fa8; margin-right: 6px; }
.wb-report-header .wb-badge.wb-quick { background: #fff1d6; color: #8a5a00; }
.wb-report-header table { border-collapse: collapse; font-size: 12px; margin-top: 6px; }
.wb-report-header td, .wb-report-header th { padding: 2px 10px 2px 0; text-align: left; }
.wb-report-header code { font-size: 11px; color: #444; word-break: break-all; }
.wb-report-header button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid #bbb;
  background: white; cursor: pointer; }
body:not(.wb-show-code) .jp-CodeCell .jp-Cell-inputWrapper { display: none; }
figure.workbench-panel-static { margin: 8px 0; }
figure.workbench-panel-static figcaption { font-size: 13px; color: #333; margin: 0 0 6px; padding: 6px 10px;
  background: #f5f7fa; border-left: 3px solid #1f6fb2; }
"""

_TOGGLE = ("<button type='button' onclick=\"document.body.classList.toggle('wb-show-code');"
           "this.textContent = document.body.classList.contains('wb-show-code') ? 'Hide the code' : 'Show the code'\">"
           "Show the code</button>")


def _title_of(nb, fallback: str) -> str:
    """The notebook's first level-1 heading (its title), or ``fallback``."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#\s+(.+)$", cell["source"], re.M)
            if m:
                return re.sub(r"<[^>]+>", "", m.group(1)).strip()
    return fallback


def _header(nb, title: str, hide_code: bool) -> str:
    """The report's header: title, date, version, mode, the datasets read (with sha256), the code toggle."""
    from . import __version__

    meta = nb.metadata.get("workbench_report", {})
    quick = meta.get("quick", False)
    mode = ("<span class='wb-badge wb-quick'>quick mode: toy models trained briefly, fewer bootstrap resamples</span>"
            if quick else "<span class='wb-badge'>full mode</span>")
    used = meta.get("datasets") or {}
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(path)}</td><td><code>{html.escape(sha)}</code></td></tr>"
                   for name, files in sorted(used.items()) for path, sha in sorted(files.items()))
    data = (f"<table><tr><th>dataset</th><th>file</th><th>sha256</th></tr>{rows}</table>" if rows
            else "<p>No public dataset was read (the data are generated or trained here).</p>")
    when = time.strftime("%Y-%m-%d %H:%M %Z")
    took = f" &middot; {meta['seconds']:.0f} s" if meta.get("seconds") else ""
    toggle = "" if hide_code else f"<p>{_TOGGLE} &nbsp;The code is hidden; the outputs are what it produced.</p>"
    return (
        f"<header class='wb-report-header'><h1>{html.escape(title)}</h1>"
        f"<p class='wb-meta'>Scaling Workbench {html.escape(__version__)} &middot; run {html.escape(when)}{took}"
        f" &nbsp;{mode}</p>"
        "<p>A static report: each live panel appears as a captioned picture of the settings it had when the notebook "
        "ran. Open the notebook in JupyterLab to move its controls (where the text says <i>press Train</i>, that is "
        "where the live notebook trains).</p>"
        f"{toggle}<details><summary>Data: {len(used)} dataset{'s' if len(used) != 1 else ''}, each file checked by "
        f"its sha256</summary>{data}</details></header>"
    )


def export_html(nb, target, *, hide_code: bool = False, title: str | None = None) -> Path:
    """Write an executed notebook as one self-contained HTML file (a header; code hidden behind a toggle,
    or left out with ``hide_code``)."""
    from nbconvert import HTMLExporter

    static_outputs(nb)
    _static_math(nb)
    title = title or _title_of(nb, Path(target).stem)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = hide_code
    exporter.exclude_output_prompt = hide_code
    exporter.embed_images = False  # SVG charts stay inline (readable marks and aria labels), not base64 images
    resources = {"metadata": {"name": title}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    # require.js only serves live widgets, which a static report does not have; drop the CDN script
    body = re.sub(r'<script[^>]*src="[^"]*require(\.min)?\.js"[^>]*>\s*</script>', "", body)
    body = _MATHJAX.sub("<!-- formulas are MathML: no MathJax needed -->", body)
    body = body.replace("</head>", f"<style>{REPORT_CSS}</style></head>", 1)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + _header(nb, title, hide_code), body, count=1)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


_INDEX_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;background:#f4f6f9;color:#1a1a1a}"
    "header{background:#1f3b5c;color:white;padding:28px 40px}header h1{margin:0;font-size:28px}"
    "header p{margin:6px 0 0;opacity:.85}main{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));"
    "gap:18px;padding:28px 40px;max-width:1200px}article{background:white;border-radius:10px;padding:16px 20px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12)}article h2{font-size:17px;margin:0 0 4px}article a{color:#1f5fa8;"
    "text-decoration:none}article a:hover{text-decoration:underline}.file{color:#777;font-size:12px;margin:0 0 8px}"
    ".ok{color:#2a7d4f}.failed{color:#b00}.data{color:#555;font-size:13px}pre{white-space:pre-wrap;font-size:11px}"
)


def _index(results: list[ReportResult], out: Path, quick: bool = False) -> Path:
    """The index page: one card per notebook (title, status, run time, memory, data)."""
    from . import __version__

    cards = []
    for r in results:
        name = html.escape(r.title or r.notebook.stem)
        link = f"<a href='{html.escape(r.html.name)}'>{name}</a>" if r.html else name
        mem = "&ndash;" if r.peak_memory_mb is None else f"{r.peak_memory_mb:.0f} MB"
        status = ("<span class='ok'>ran without errors</span>" if r.ok
                  else f"<span class='failed'>failed</span><pre>{html.escape((r.error or '')[-600:])}</pre>")
        data = ", ".join(sorted(r.datasets)) or "generated data"
        cards.append(f"<article><h2>{link}</h2><p class='file'>{html.escape(r.notebook.name)}</p>"
                     f"<p>{status} &middot; {r.seconds:.0f} s &middot; peak memory {mem}</p>"
                     f"<p class='data'>data: {html.escape(data)}</p></article>")
    mode = "quick mode (CI-sized toy training)" if quick else "full mode"
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>Scaling Workbench reports</title><style>{_INDEX_CSS}</style></head><body>"
        f"<header><h1>Scaling Workbench reports</h1><p>version {html.escape(__version__)} &middot; "
        f"{time.strftime('%Y-%m-%d %H:%M %Z')} &middot; {mode} &middot; {len(results)} notebooks</p></header>"
        f"<main>{''.join(cards)}</main></body></html>"
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
            title = _title_of(nb, nb_path.stem)
            target = export_html(nb, out / f"{nb_path.stem}.html", hide_code=hide_code, title=title)
            r = ReportResult(nb_path, target, seconds, peak, title=title,
                             datasets=nb.metadata.get("workbench_report", {}).get("datasets", {}))
        except WorkbenchError as exc:
            r = ReportResult(nb_path, None, time.perf_counter() - t0, None, error=str(exc))
        results.append(r)
        mem = "?" if r.peak_memory_mb is None else f"{r.peak_memory_mb:.0f} MB"
        flag = "" if r.peak_memory_mb is None or r.peak_memory_mb < 2048 else "  (over Binder's 2 GB!)"
        echo(f"{nb_path.name}: {'ok' if r.ok else 'FAILED'}, {r.seconds:.1f} s, peak memory {mem}{flag}")
        if r.error:
            echo(r.error)
    _index(results, out, quick=quick)
    (out / "report.json").write_text(json.dumps([
        {"notebook": str(r.notebook), "html": None if r.html is None else str(r.html), "seconds": r.seconds,
         "peak_memory_mb": r.peak_memory_mb, "error": r.error} for r in results], indent=1))
    return results
