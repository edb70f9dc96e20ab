"""In a real browser: run notebook 01 in JupyterLab, move the compute slider, watch the panel redraw;
open an exported report with the network cut off."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.needs_mirror, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
MARKS = ".widget-vbox svg [role='graphics-symbol']"

# Times the redraw after a mouse release. After the release it reads the slider's value (again on every
# frame, as the slider's readout may trail the last mouse step) and waits until the held-out readout
# names it; "quick" is the first change of the chart's marks after that (the panel's fast view for the
# final position), "full" the last change before the chart has been still for 400 ms (the refined view
# with the bootstrap band). Intermediate redraws during the drag do not count.
WATCH = """([sel, sliderSel, limitMs]) => { window.__wbRedraw = new Promise(resolve => {
    const marks = () => [...document.querySelectorAll(sel)].map(e => e.getAttribute('aria-label')).join('|');
    const readout = () => (document.querySelector('.fit-readout') || {}).textContent || '';
    const heldError = () => (document.querySelector('.holdout-error') || {}).textContent || '';
    const shown = () => { const m = readout().match(/C > ([0-9.eE+-]+) FLOPs/); return m ? parseFloat(m[1]) : NaN; };
    const m0 = marks(), e0 = heldError(), start = performance.now();
    let sig = m0, lastChange = -1, t0 = null, target = null, tText = null, tQuick = null;
    document.addEventListener('mouseup', () => { t0 = performance.now(); }, {once: true, capture: true});
    const state = () => ({text: tText === null ? null : tText - t0, quick: tQuick === null ? null : Math.max(0, tQuick - t0),
                          full: tQuick === null ? null : Math.max(0, Math.max(lastChange, tText) - t0), before: e0, after: heldError(),
                          changed: sig !== m0, marks: document.querySelectorAll(sel).length, value: target, shown: shown(),
                          released: t0 !== null, readout: readout().slice(0, 200)});
    const tick = () => {
      try {
        const now = performance.now(), s = marks();
        const changed = s !== sig;
        if (changed) { sig = s; lastChange = now; }
        if (t0 !== null && tText === null) {
            // the slider's own readout can trail the last mouse step by a frame: re-read it until the panel matches
            const r = document.querySelector(sliderSel + ' .widget-readout');
            target = r ? parseFloat(r.textContent) : NaN;
        }
        if (target !== null && tText === null && Math.abs(shown() / target - 1) < 0.02) tText = now;
        if (tText !== null && tQuick === null && (changed || lastChange >= tText - 1)) tQuick = Math.max(lastChange, tText);
        if (tQuick !== null && now - Math.max(lastChange, tText) > 400) resolve({ok: true, ...state()});
        else if (now - start > limitMs) resolve({ok: false, why: 'no redraw within ' + limitMs + ' ms', ...state()});
        else requestAnimationFrame(tick);
      } catch (err) { resolve({ok: false, why: String(err), ...state()}); }
    };
    tick();
}); }"""

SETTLED = """(sliderSel) => { const r = document.querySelector(sliderSel + ' .widget-readout');
    const m = ((document.querySelector('.fit-readout') || {}).textContent || '').match(/C > ([0-9.eE+-]+) FLOPs/);
    return r && m && Math.abs(parseFloat(m[1]) / parseFloat(r.textContent) - 1) < 0.02; }"""


def test_fitting_panel_redraws_when_the_compute_slider_moves(browser, jupyter_lab, capsys):
    url, _ = jupyter_lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{url}/lab/tree/01_fitting_scaling_laws.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_function("() => document.querySelector('.jp-Notebook') && !document.querySelector('.jp-Spinner')", timeout=60_000)
        time.sleep(2)  # let the kernel connect
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        page.wait_for_function(
            """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent);
                       const failed = document.querySelector(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']");
                       return (failed && /Error/.test(failed.textContent)) || (p.length > 0 && p.every(t => /\\[\\d+\\]/.test(t))); }""",
            timeout=420_000,
        )
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", has_text="Error")
        assert errors.count() == 0, errors.first.text_content()[:2000]
        page.wait_for_selector(MARKS, timeout=60_000)
        slider = page.locator(".widget-slider", has_text="largest compute").first
        slider.scroll_into_view_if_needed()
        slider.evaluate("e => e.setAttribute('data-test-slider', 'compute')")
        handle = slider.locator(".noUi-handle").first
        track = slider.locator(".noUi-target").first
        quick, full, texts = [], [], []
        # drag to fixed fractions of the track, so every move is substantial and stays inside the range
        # whatever width fonts and layout give the slider on this machine
        for fraction in (0.3, 0.6, 0.35, 0.7, 0.4, 0.65):
            page.evaluate(WATCH, [MARKS, "[data-test-slider='compute']", 120_000])
            box, rail = handle.bounding_box(), track.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            goal = rail["x"] + fraction * rail["width"]
            page.mouse.move(x, y)
            page.mouse.down()
            for k in range(1, 6):
                page.mouse.move(x + (goal - x) * k / 5, y)
                time.sleep(0.03)
            page.mouse.up()
            result = page.evaluate("window.__wbRedraw")
            assert result["ok"], f"slider track {rail['width']:.0f} px wide, dragged to {fraction:.0%}: {result}"
            assert result["changed"] and result["before"] != result["after"] and result["marks"] > 100, result
            # and the panel ends on the value the slider shows
            page.wait_for_function(SETTLED, arg="[data-test-slider='compute']", timeout=60_000)
            quick.append(result["quick"])
            texts.append(result["text"])
            full.append(result["full"])
            time.sleep(0.3)
        with capsys.disabled():  # the figure belongs in the CI log
          print(f"\nfitting panel (slider track {rail['width']:.0f} px), slider release to redrawn chart (final position): median {statistics.median(quick):.0f} ms "
                f"(each: {', '.join(f'{t:.0f}' for t in quick)} ms); to the refined view with bootstrap band: "
                f"median {statistics.median(full):.0f} ms; to the readout naming the final value: "
                f"median {statistics.median(texts):.0f} ms")
    finally:
        page.close()


NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """``python -m workbench report --quick`` over every notebook (what ``make report`` does, CI-sized)."""
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
