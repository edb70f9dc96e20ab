"""In a real browser: open each exported report with the network cut off (the live notebooks and their
panels are driven in JupyterLab by test_notebooks_in_lab.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.needs_mirror, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MARKS = ".widget-vbox svg [role='graphics-symbol']"

# Every notebook is executed by the docs build and driven live in JupyterLab (test_notebooks_in_lab.py); the
# exported reports share one code path, so three labs with different outputs stand for all of them (the tour;
# the planner's panel and tables; a trained toy with its progress), which keeps CI under its budget.
NOTEBOOKS = ["00_tour.ipynb", "02_compute_optimal.ipynb", "04_superposition.ipynb"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """``python -m workbench report --quick`` over three labs (what ``make report`` does, CI-sized)."""
    out = tmp_path_factory.mktemp("reports")
    r = subprocess.run([sys.executable, "-m", "workbench", "report", *[str(ROOT / "notebooks" / n) for n in NOTEBOOKS],
                        "--out", str(out), "--quick"], capture_output=True, text=True, timeout=1500, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_exported_report_renders_offline(browser, reports, notebook):
    """Each report opens with the network cut off and every chart in it is drawn (marks with data labels)."""
    html = reports / notebook.replace(".ipynb", ".html")
    assert html.is_file()
    context = browser.new_context(offline=True)
    page = context.new_page()
    try:
        failed = []
        page.on("requestfailed", lambda req: failed.append(req.url))
        page.goto(html.as_uri())
        charts = page.locator("svg.marks")
        assert charts.count() >= 1
        empty = page.evaluate(
            "() => [...document.querySelectorAll('svg.marks')]"
            ".filter(s => s.querySelectorAll('[role=graphics-symbol]').length === 0).length"
        )
        assert empty == 0, f"{empty} chart(s) drew no marks"
        marks = page.locator("svg [role='graphics-symbol']")
        assert all(marks.nth(i).get_attribute("aria-label") for i in range(min(3, marks.count())))
        assert failed == [], failed  # nothing was fetched: formulas are MathML, charts SVG
        if notebook != "05_pruning_and_regimes.ipynb":  # every other notebook has formulas
            formulas = page.locator("math")
            assert formulas.count() >= 1 and formulas.first.bounding_box()["width"] > 5  # drawn, not raw TeX
    finally:
        context.close()
