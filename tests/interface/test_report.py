"""Reports: notebooks executed in fresh kernels, exported as self-contained HTML."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.needs_mirror, pytest.mark.slow]


@pytest.fixture(scope="module")
def tour_report(tmp_path_factory, mirror):
    out = tmp_path_factory.mktemp("reports")
    r = subprocess.run(
        [sys.executable, "-m", "workbench", "report", str(ROOT / "notebooks" / "00_tour.ipynb"), "--out", str(out), "--quick"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return out, r.stdout


def test_report_written_with_time_and_memory(tour_report):
    out, stdout = tour_report
    assert (out / "00_tour.html").is_file() and (out / "index.html").is_file()
    assert re.search(r"00_tour\.ipynb: ok, [\d.]+ s, peak memory \d+ MB", stdout)
    meta = json.loads((out / "report.json").read_text())
    assert meta[0]["error"] is None and 50 < meta[0]["peak_memory_mb"] < 2048


def test_report_is_self_contained(tour_report):
    out, _ = tour_report
    page = (out / "00_tour.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts == []  # no CDN: charts are SVG, formulas MathML
    assert "mathjax" not in page.lower().replace("no mathjax needed", "")
    assert re.search(r'<math [^>]*display="inline"', page)  # the tour's L(C) formula, as MathML
    assert "<svg" in page and page.count('role="graphics-symbol"') > 100  # the chart's marks are in the page
    assert "application/vnd.jupyter.widget-view+json" not in page
    assert re.search(r"alpha\s+[\d.]+", page)  # fitted numbers appear as text


def test_hide_code(tmp_path, mirror):
    from workbench.report import build_reports

    results = build_reports([ROOT / "notebooks" / "00_tour.ipynb"], tmp_path, quick=True, hide_code=True, echo=lambda *_: None)
    page = results[0].html.read_text()
    assert "import workbench as wb" not in page and "<svg" in page


def test_failing_notebook_is_reported(tmp_path):
    import nbformat

    from workbench.report import build_reports

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    lines = []
    results = build_reports([path], tmp_path / "out", echo=lines.append)
    assert not results[0].ok and "ZeroDivisionError" in results[0].error
    assert any("FAILED" in line for line in lines)


def test_cli_rejects_missing_notebook(tmp_path):
    r = subprocess.run([sys.executable, "-m", "workbench", "report", "nope.ipynb", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "No such notebook" in r.stderr


@pytest.mark.parametrize(
    "markdown, expect",
    [
        ("inline $p^l$ here", ['display="inline"', "<msup><mi>p</mi><mi>l</mi></msup>"]),
        ("$$L = E + \\frac{A}{N^{\\alpha}}$$", ['display="block"', "<mfrac>", "&#x003B1;"]),
        ("$$a\nb$$", ['display="block"']),  # display math over two lines
    ],
)
def test_markdown_tex_becomes_mathml(markdown, expect):
    from workbench.report import markdown_math_to_mathml

    out = markdown_math_to_mathml(markdown)
    assert "$" not in out
    for piece in expect:
        assert piece in out, out


@pytest.mark.parametrize(
    "markdown",
    [
        "it costs $5 and $6 per hour",  # money, not math
        "code `$x$` and fences\n```\n$y$\n```\n",  # code is left alone
        "escaped \\$x$",
        "unreadable $\\frac{$ TeX",  # latex2mathml cannot parse it: kept as written
    ],
)
def test_markdown_without_math_is_unchanged(markdown):
    from workbench.report import markdown_math_to_mathml

    assert markdown_math_to_mathml(markdown) == markdown


def test_report_header_says_what_when_and_from_which_data(tour_report):
    """A report worth sending: title, date, version, mode, the sha256 of each dataset read, hidden code with a toggle,
    cells numbered from 1, no local paths, no warnings on stderr; the index is a styled page of cards."""
    import workbench as wb
    from workbench.data.registry import get_dataset

    out, stdout = tour_report
    page = (out / "00_tour.html").read_text()
    header = page[page.index("<header class='wb-report-header'>"):page.index("</header>")]
    assert "<h1>" in header and f"Scaling Workbench {wb.__version__}" in header
    assert re.search(r"run \d{4}-\d{2}-\d{2} \d{2}:\d{2}", header) and "quick mode" in header
    for f in get_dataset("chinchilla").files:  # the tour loads the Chinchilla runs
        assert f.sha256 in header
    assert "Show the code" in header and "body:not(.wb-show-code)" in page
    prompts = [int(n) for n in re.findall(r"\[(\d+)\]:", page)]
    assert prompts and min(prompts) == 1
    assert str(ROOT) not in page and sys.prefix not in page
    assert "jp-OutputArea-output" in page and 'data-mime-type="application/vnd.jupyter.stderr"' not in page
    assert "WARNING" not in stdout
    index = (out / "index.html").read_text()
    assert "<article>" in index and "<style>" in index and "chinchilla" in index


def test_panel_becomes_a_captioned_picture_of_its_settings(tmp_path, mirror):
    """A live panel in a report: a figure whose caption names the panel and every setting it was shown with (the
    settings a later cell gave it), then its chart as SVG and its readout; no widget placeholder."""
    import nbformat

    from workbench.report import build_reports

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Mirage panel"),
                nbformat.v4.new_code_cell("from workbench.widgets import mirage_panel\n"
                                          "panel = mirage_panel()\npanel.set(l=7)\npanel")]
    path = tmp_path / "panel.ipynb"
    nbformat.write(nb, path)
    results = build_reports([path], tmp_path / "out", quick=True, echo=lambda *_: None)
    assert results[0].ok, results[0].error
    page = results[0].html.read_text()
    figure = page[re.search(r"<figure class=['\"]workbench-panel-static['\"]>", page).start():]
    caption = figure[figure.index("<figcaption"):figure.index("</figcaption>")]
    assert "The mirage" in caption and "settings:" in caption
    assert "answer length l = 7" in caption  # the setting the cell gave it, in the control's own label
    assert caption.count(" = ") >= 3  # every control, not only the one set
    assert "<svg" in figure[:figure.index("</figure>")] and "application/vnd.jupyter.widget-view+json" not in page
    assert str(tmp_path) not in page
