"""Screenshots of every lab's panels as a new user sees them: JupyterLab in headless Chromium, Run All.

    python tests/browser/screenshots.py --out reports/screenshots/after            # this checkout
    python tests/browser/screenshots.py --repo /tmp/before --out reports/screenshots/before

(``make screenshots`` runs the first.) For each notebook, every panel (an interactive widget
box) is saved as ``<notebook>-<k>.png`` once all cells have run; ``measurements.json`` beside
them records, per panel, the width of every slider track (and its label), the chart texts that
overflow their chart and the panel's size, so that two folders can be compared in numbers too.
Kernels import the checkout given by ``--repo`` (through ``PYTHONPATH``) and run in quick mode
unless ``--full``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browserlab import CHROMIUM_ARGS, REPO, LabError, chromium_path, run_all, running_lab, shutdown_kernels  # noqa: E402

#: The outermost widget boxes of the notebook's outputs: one per panel.
PANELS = """() => [...document.querySelectorAll('.jp-OutputArea-output .widget-vbox')]
    .filter(e => !e.parentElement.closest('.widget-vbox'))"""

#: Slider tracks, chart text overflow and size of one panel (the element passed in).
MEASURE = """(panel) => {
    const sliders = [...panel.querySelectorAll('.widget-slider, .widget-hslider')].map(s => {
        const label = s.querySelector('.widget-label');
        const track = s.querySelector('.noUi-target, .slider-container');
        return {label: label ? label.textContent.trim() : '', track_px: track ? Math.round(track.getBoundingClientRect().width) : null,
                hidden: s.offsetParent === null};
    }).filter(s => !s.hidden);
    const overflow = [];
    for (const svg of panel.querySelectorAll('svg.marks')) {
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent.trim()) continue;
            const r = t.getBoundingClientRect();
            if (r.width === 0) continue;
            if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
                overflow.push(t.textContent.trim().slice(0, 60));
        }
    }
    const b = panel.getBoundingClientRect();
    const title = panel.querySelector('h4, .wb-panel-title');
    return {title: title ? title.textContent.trim() : '', width: Math.round(b.width), height: Math.round(b.height),
            sliders, overflowing_text: overflow, charts: panel.querySelectorAll('svg.marks').length};
}"""


def screenshot_notebook(browser, url: str, notebook: str, out: Path, timeout_ms: int) -> list[dict]:
    # tall enough that a whole panel fits in the notebook's scrolling area (an element screenshot shows what is visible)
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    try:
        run_all(page, url, notebook, timeout_ms=timeout_ms)
        time.sleep(3)  # charts finish drawing
        panels = page.evaluate_handle(PANELS)
        n = page.evaluate("(ps) => ps.length", panels)
        found = []
        for k in range(n):
            el = page.evaluate_handle("([ps, k]) => ps[k]", [panels, k]).as_element()
            el.scroll_into_view_if_needed()
            time.sleep(0.5)
            name = f"{Path(notebook).stem}-{k + 1}.png"
            el.screenshot(path=str(out / name))
            found.append({"notebook": notebook, "file": name, **page.evaluate(MEASURE, el)})
        page.screenshot(path=str(out / f"{Path(notebook).stem}-page.png"), full_page=False)
        for f in found:
            f["console_errors"] = console[:10]
        return found
    finally:
        page.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=REPO, help="checkout whose notebooks and package to use")
    ap.add_argument("--out", type=Path, default=REPO / "reports" / "screenshots")
    ap.add_argument("--notebooks", nargs="*", help="names (default: every notebook of the checkout)")
    ap.add_argument("--full", action="store_true", help="full mode (default: WORKBENCH_QUICK=1)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per notebook")
    args = ap.parse_args(argv)
    repo = args.repo.resolve()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    exe = chromium_path()
    if exe is None:
        print("no Chromium found: install the 'chromium' package", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    names = args.notebooks or sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))
    scratch = Path(tempfile.mkdtemp(prefix="workbench-screenshots-"))
    env = {"PYTHONPATH": str(repo), "WORKBENCH_SWEEP_CACHE": str(scratch / "sweeps")}
    if not args.full:
        env["WORKBENCH_QUICK"] = "1"
    mirror = repo.parent / "shared" / "data"
    if mirror.is_dir():
        env.setdefault("WORKBENCH_DATA_MIRROR", str(mirror))
    results, failures = [], []
    with running_lab(scratch / "root", scratch / "state", notebooks=repo / "notebooks", env=env) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for nb in names:
            t0 = time.perf_counter()
            try:
                found = screenshot_notebook(browser, url, nb, out, int(args.timeout * 1000))
                results.extend(found)
                print(f"{nb}: {len(found)} panel(s) in {time.perf_counter() - t0:.0f} s", flush=True)
            except (LabError, Exception) as err:  # one failing notebook must not lose the others' pictures
                failures.append(f"{nb}: {err}")
                print(f"{nb}: FAILED {str(err)[:500]}", flush=True)
            shutdown_kernels(url)
        browser.close()
    (out / "measurements.json").write_text(json.dumps({"repo": str(repo), "panels": results, "failures": failures},
                                                      indent=1))
    print(f"{len(results)} panel screenshots in {out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
