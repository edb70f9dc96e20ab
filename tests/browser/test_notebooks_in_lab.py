"""Every notebook in JupyterLab in a real Chromium, as a new user runs it, with every network request blocked.

For each notebook: Run All; every chart it shows draws its marks (the offline vega bundle, no CDN),
nothing outside localhost was even requested; no output is a warning on stderr or a statsmodels summary,
no table header is in snake_case (registered law and parameter-set names aside), no table cell shows float
noise, and no chart is wider than its cell. Then, in every panel: each slider track is at least 200 px wide,
no text of a chart overflows the chart's view box, and one slider is dragged three times
(a panel without sliders has a toggle switched instead):
the chart redraws after each release (a training panel greys its result instead, asking for Train).
The median time from mouse release to the redrawn chart is printed per panel (figures for the CI log,
not assertions).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest
from browserlab import run_all

import workbench as wb

pytestmark = [pytest.mark.browser, pytest.mark.needs_mirror, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"
MIN_TRACK = 200

#: Charts of the notebook's outputs: drawn (marks present) or not, and how many.
CHARTS = f"""() => {{
    const embeds = [...document.querySelectorAll('{NB} .jp-OutputArea-output .vega-embed')];
    const drawn = embeds.filter(e => e.querySelector('svg.marks [role=graphics-symbol], canvas'));
    const text = document.querySelector('{NB}').innerText;
    // charts wider than their output area (cut off or behind a scroll bar): [title, chart px, area px]
    const wide = embeds.map(e => [e, e.querySelector('svg.marks'), e.closest('.jp-OutputArea-output')])
        .filter(([e, svg, out]) => svg && out && svg.getBoundingClientRect().width > out.clientWidth + 1)
        .map(([e, svg, out]) => [(svg.querySelector('.role-title-text text') || {{}}).textContent,
                                 Math.round(svg.getBoundingClientRect().width), out.clientWidth]);
    return {{n: embeds.length, drawn: drawn.length, wide,
             failed: /Error loading script|Error displaying widget|Javascript Error/.test(text)}};
}}"""

#: Output hygiene: stderr outputs (warnings), statsmodels summary dumps, table headers in snake_case, numbers
#: with float noise or a negative zero in table cells.
HYGIENE = f"""() => {{
    const outs = [...document.querySelectorAll('{NB} .jp-OutputArea-output')];
    const stderr = outs.filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr')
        .map(o => o.textContent.trim().slice(0, 200));
    const dumps = outs.filter(o => /OLS Regression Results|Dep\\. Variable:|Generalized Linear Model Regression/.test(o.textContent))
        .map(o => o.textContent.trim().slice(0, 120));
    const heads = [], noisy = [];
    for (const t of document.querySelectorAll('{NB} .jp-OutputArea-output table')) {{
        for (const th of t.querySelectorAll('th')) {{
            const x = th.textContent.trim();
            if (/^[A-Za-z0-9]+(_[A-Za-z0-9]+)+$/.test(x)) heads.push(x);
        }}
        for (const td of t.querySelectorAll('td')) {{
            const x = td.textContent.trim();
            if (/^[-−]0(\\.0+)?%?$/.test(x) || /\\d\\.\\d{{7,}}/.test(x) || /e-1\\d$/.test(x)) noisy.push(x);
        }}
    }}
    return {{stderr, dumps, heads, noisy}};
}}"""

#: The panels: their titles, slider tracks (enabled controls only), chart text overflowing its chart.
PANELS = f"""() => [...document.querySelectorAll('{NB} .wb-panel')].map((p, i) => {{
    p.setAttribute('data-test-panel', String(i));
    const title = (p.querySelector('.wb-title h4') || {{}}).textContent || ('panel ' + i);
    const tracks = [...p.querySelectorAll('.wb-control')].filter(r => !r.classList.contains('wb-off'))
        .flatMap(r => [...r.querySelectorAll('.noUi-target')].map(t => ({{
            label: (r.querySelector('.wb-label') || {{}}).textContent, px: t.getBoundingClientRect().width}})));
    const overflow = [];
    for (const svg of p.querySelectorAll('.wb-chart svg.marks')) {{
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text')) {{
            const r = t.getBoundingClientRect();
            if (!t.textContent.trim() || r.width === 0) continue;
            if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
                overflow.push(t.textContent.trim());
        }}
    }}
    const training = !!p.querySelector('.wb-train');
    return {{title: title.trim(), tracks, overflow, training,
             marks: p.querySelectorAll('.wb-chart svg.marks [role=graphics-symbol]').length}};
}})"""

#: Times one release: resolves with the time from mouseup to the last chart change before the panel has been
#: still (no busy class, no change) for 600 ms; or, in a training panel, to the stale cue (then waits up to 2 s
#: for the progress bar's reset, which arrives as a message of its own).
WATCH = """([panelSel, limitMs]) => { window.__wbRedraw = new Promise(resolve => {
    const panel = document.querySelector(panelSel);
    const chart = panel.querySelector('.wb-chart');
    const sig = () => [...chart.querySelectorAll('svg.marks [role=graphics-symbol]')].map(e => e.getAttribute('aria-label')).join('|')
                      + '#' + [...chart.querySelectorAll('svg.marks text')].map(e => e.textContent).join('|');
    const bar = () => { const b = panel.querySelector('.wb-train .progress-bar'); return b ? b.style.width : null; };
    let last = sig(), changed = null, t0 = null, stale = null, sawBusy = false;
    const start = performance.now();
    document.addEventListener('mouseup', () => { t0 = performance.now(); }, {once: true, capture: true});
    const tick = () => {
        const now = performance.now(), s = sig();
        if (s !== last) { last = s; if (t0 !== null) changed = now; }
        if (t0 !== null && stale === null && chart.classList.contains('wb-stale')) stale = now;
        const busy = chart.classList.contains('wb-busy');
        if (busy) sawBusy = true;
        // the stale cue: resolved once the progress bar has been reset too (or 2 s after the grey, to report it)
        if (t0 !== null && stale !== null && (bar() === null || bar() === '0%' || now - stale > 2000))
            resolve({ok: true, kind: 'stale cue', ms: stale - t0, bar: bar(), barMs: now - t0});
        else if (t0 !== null && changed !== null && !busy && now - changed > 600)
            resolve({ok: true, kind: 'redraw', ms: changed - t0, sawBusy});
        else if (now - start > limitMs) resolve({ok: false, t0, changed, busy, why: 'no redraw within ' + limitMs + ' ms'});
        else requestAnimationFrame(tick);
    };
    tick();
}); }"""


def bring_into_view(page, element) -> None:
    """Scroll the notebook until ``element`` sits inside the window (JupyterLab's windowed notebook can move it
    again after one scroll, so check and repeat)."""
    viewport = page.viewport_size
    for _ in range(10):
        element.evaluate("e => e.scrollIntoView({block: 'center', inline: 'nearest'})")
        time.sleep(0.3)
        box = element.bounding_box()
        if box and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]:
            return
    raise AssertionError(f"could not scroll {element} into view: {element.bounding_box()}")


def drag(page, slider, move: int) -> None:
    """Drag a slider's handle across at least a third of its track in five steps (so every move is substantial,
    whatever the handle's start, and stays inside the range whatever width fonts and layout give the track)."""
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-target").first
    box, rail = handle.bounding_box(), track.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    now = (x - rail["x"]) / rail["width"]
    fraction = (0.85 if now < 0.5 else 0.15) if move % 2 == 0 else (0.2 if now > 0.5 else 0.8)
    goal = rail["x"] + fraction * rail["width"]
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(x + (goal - x) * k / 5, y)
        time.sleep(0.03)
    page.mouse.up()


@pytest.fixture(scope="module")
def offline_context(browser):
    """A browser context where every request that does not go to this machine is refused (and recorded)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    blocked: list[str] = []

    def route(r):
        host = r.request.url.split("/")[2] if "://" in r.request.url else ""
        if r.request.url.startswith(("data:", "blob:")) or host.split(":")[0] in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    yield context, blocked
    context.close()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_runs_offline_and_its_panels_work(jupyter_lab, offline_context, notebook, capsys):
    url, _ = jupyter_lab
    context, blocked = offline_context
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    try:
        blocked.clear()
        run_all(page, url, notebook)
        # every chart draws, from the offline bundle
        deadline = time.time() + 60
        charts = page.evaluate(CHARTS)
        while charts["drawn"] < charts["n"] and time.time() < deadline:
            time.sleep(0.5)
            charts = page.evaluate(CHARTS)
        assert not charts["failed"], f"{notebook}: a chart or widget failed to load"
        assert charts["drawn"] == charts["n"], f"{notebook}: {charts['n'] - charts['drawn']} of {charts['n']} charts drew nothing"
        assert not charts["wide"], f"{notebook}: charts wider than their cell: {charts['wide']}"
        assert blocked == [], f"{notebook} asked the network for {blocked[:5]}"
        assert not [c for c in console if "Cannot set properties of undefined" in c], console
        # clean outputs: no warnings on stderr, no statsmodels dumps, readable table headers (a registered law or
        # parameter-set name, which a reader types to use it, may stay as it is) and no float noise
        hygiene = page.evaluate(HYGIENE)
        names = set(wb.list_laws()) | set(wb.laws.list_parameter_sets())
        assert not hygiene["stderr"], f"{notebook}: stderr output: {hygiene['stderr'][:3]}"
        assert not hygiene["dumps"], f"{notebook}: a statsmodels summary: {hygiene['dumps'][:2]}"
        snake = sorted({h for h in hygiene["heads"] if h not in names})
        assert not snake, f"{notebook}: table headers in snake_case: {snake}"
        assert not hygiene["noisy"], f"{notebook}: table cells with float noise: {hygiene['noisy'][:5]}"

        panels = page.evaluate(PANELS)
        figures = []
        for i, p in enumerate(panels):
            narrow = [(t["label"], round(t["px"])) for t in p["tracks"] if t["px"] < MIN_TRACK]
            assert not narrow, f"{notebook}, {p['title']}: slider tracks under {MIN_TRACK} px: {narrow}"
            assert not p["overflow"], f"{notebook}, {p['title']}: chart text overflows its chart: {p['overflow'][:5]}"
            assert p["marks"] > 0, f"{notebook}, {p['title']}: the panel's chart drew nothing"
            sel = f"[data-test-panel='{i}']"
            enabled = page.locator(f"{sel} .wb-control:not(.wb-off)")
            sliders = enabled.filter(has=page.locator(".noUi-target"))
            toggles = enabled.filter(has=page.locator(".widget-toggle-button"))
            # a panel without a slider (a choice of task and metric) has its first toggle switched instead
            assert sliders.count() or toggles.count(), f"{notebook}, {p['title']}: no slider or toggle to move"
            slider, what = (sliders.first, "slider") if sliders.count() else (toggles.first, "toggle")
            times, kind = [], ""
            for move in range(3):
                bring_into_view(page, slider)
                page.evaluate(WATCH, [sel, 180_000])
                if what == "slider":
                    drag(page, slider, move)
                else:
                    slider.locator(".widget-toggle-button:not(.mod-active)").first.click()
                result = page.evaluate("window.__wbRedraw")
                assert result["ok"], f"{notebook}, {p['title']}: {result}"
                times.append(result["ms"])
                kind = result["kind"]
                if kind == "redraw" and result["ms"] > 1000:  # a slow update shows that it is busy (dim, spinner)
                    assert result["sawBusy"], f"{notebook}, {p['title']}: {result['ms']:.0f} ms with no busy cue"
                if kind == "stale cue":  # a training panel: greyed until Train, so later moves change nothing
                    assert result["bar"] in (None, "0%"), f"{notebook}, {p['title']}: progress bar not reset: {result}"
                    break
                time.sleep(0.3)
            label = slider.locator(".wb-label").evaluate(
                "e => { const c = e.cloneNode(true); c.querySelectorAll('.wb-help').forEach(h => h.remove()); "
                "return c.textContent.trim(); }")
            figures.append(f"  {p['title'][:60]:60s} {what} '{label}': release to {kind}: median "
                           f"{statistics.median(times):.0f} ms (each: {', '.join(f'{t:.0f}' for t in times)})")
        with capsys.disabled():  # the figures belong in the CI log
            print(f"\n{notebook}: {charts['n']} charts drawn offline, {len(panels)} panel(s)")
            for line in figures:
                print(line)
    finally:
        page.close()
