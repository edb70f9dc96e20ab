"""The documentation site in a real browser, opened from disk with the network blocked.

Checks that the law gallery lists every law of the catalogue (compared with
``workbench.list_laws()`` now, not a fixed list), that its pictures load, that each law
page and each lab page draws its charts (SVG marks with a size on screen, no text clipped
at a picture's edge) and its formulas (MathML), and that no page asks for anything over the network. Writes
screenshots of the gallery and of a lab page to docs/_build/screenshots/ (not committed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "_build" / "screenshots"


@pytest.fixture(scope="module")
def offline_page(browser, docs_site):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    requests, errors = [], []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, requests, errors
    context.close()
    assert not requests, f"pages asked the network for: {requests[:10]}"
    assert not errors, f"JavaScript errors: {errors[:5]}"


def _open(page, site: Path, rel: str):
    page.goto((site / rel).as_uri())
    page.wait_for_load_state("load")


# drawn marks of every chart in the selector: SVG shapes with a non-zero size on screen
_DRAWN = """(sel) => Array.from(document.querySelectorAll(sel)).map(svg => {
  const box = svg.getBoundingClientRect();
  const marks = Array.from(svg.querySelectorAll('[role="graphics-symbol"], path.mark, .mark-line path, .mark-symbol path, .mark-rect path, .mark-area path'))
    .filter(m => { const b = m.getBoundingClientRect(); return b.width > 0 || b.height > 0; });
  return {w: box.width, h: box.height, marks: marks.length};
})"""


# text of a chart picture drawn outside its own view box (clipped): [chart index, text, left, right, width]
_OVERFLOW = """(sel) => { const out = [];
  document.querySelectorAll(sel).forEach((svg, i) => {
    const vb = svg.viewBox.baseVal, toSvg = svg.getScreenCTM().inverse();
    svg.querySelectorAll('text').forEach(t => {
      if (!t.textContent.trim()) return;
      const r = t.getBoundingClientRect(), p = svg.createSVGPoint();
      p.x = r.left; p.y = r.top; const a = p.matrixTransform(toSvg);
      p.x = r.right; const b = p.matrixTransform(toSvg);
      if (a.x < -1 || b.x > vb.width + 1) out.push([i, t.textContent, Math.round(a.x), Math.round(b.x), vb.width]);
    });
  });
  return out; }"""


def test_gallery_lists_every_law_and_draws_their_charts(offline_page, docs_site):
    import workbench as wb

    page, _, _ = offline_page
    _open(page, docs_site, "generated/laws/index.html")
    cards = page.locator(".wb-gallery .wb-card")
    listed = cards.evaluate_all("cs => cs.map(c => c.querySelector('code').textContent.trim())")
    assert sorted(listed) == wb.list_laws()  # every law of the catalogue, nothing else
    thumbs = page.locator(".wb-gallery img.wb-thumb")
    assert thumbs.count() == len(listed)
    drawn = thumbs.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)")
    assert all(drawn), [n for n, ok in zip(listed, drawn) if not ok]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "law-gallery.png"), full_page=True)

    for name in wb.list_laws():
        _open(page, docs_site, f"generated/laws/{name}.html")
        charts = page.evaluate(_DRAWN, "figure.wb-law-chart svg")
        assert len(charts) == 1 and charts[0]["w"] > 100 and charts[0]["marks"] > 0, (name, charts)
        assert not page.evaluate(_OVERFLOW, "figure.wb-law-chart svg"), name
        formula = page.locator("div.math math").first
        box = formula.bounding_box()
        assert box and box["width"] > 20 and box["height"] > 5, f"{name}: formula not drawn"


def test_lab_pages_draw_their_charts(offline_page, docs_site):
    page, _, _ = offline_page
    labs = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    for stem in labs:
        _open(page, docs_site, f"generated/labs/{stem}.html")
        charts = page.evaluate(_DRAWN, ".cell_output svg[class*='marks'], .cell_output .workbench-chart svg")
        assert charts, f"{stem}: no chart on the page"
        assert all(c["w"] > 50 and c["h"] > 50 and c["marks"] > 0 for c in charts), (stem, charts)
        clipped = page.evaluate(_OVERFLOW, ".cell_output .workbench-chart svg")
        assert not clipped, f"{stem}: chart text drawn outside its picture (clipped): {clipped[:5]}"
        if stem.startswith("01_"):
            page.locator(".cell_output svg").first.scroll_into_view_if_needed()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"lab-{stem}.png"))


def test_landing_page_and_search_work_offline(offline_page, docs_site):
    page, _, _ = offline_page
    _open(page, docs_site, "index.html")
    assert "Scaling Workbench" in page.title()
    for text in ("User guide", "Law gallery", "API reference", "Command line", "Data"):
        assert page.get_by_role("link", name=text).first.is_visible(), text
    page.goto((docs_site / "search.html").as_uri() + "?q=chinchilla")
    page.wait_for_selector("#search-results li", timeout=15000)
    assert page.locator("#search-results li").count() > 0
