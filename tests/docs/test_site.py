"""The documentation site: generated from the package, complete, and offline.

`make test` builds the site (warnings are errors) before the tests; these checks read the build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

# A remote resource a page would load: scripts, stylesheets, fonts, images, frames, CSS imports.
REMOTE = re.compile(
    r"""<(script|link|img|iframe|source|video|audio)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//"""
    r"""|@import\s+(url\()?["']?(https?:)?//|url\(\s*["']?(https?:)?//""",
    re.I,
)


# Tests that read the built site are slow when the site is not built yet (the fixture builds it);
# `make test` builds it first, `make test-fast` leaves them out.
needs_site = pytest.mark.slow


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@needs_site
def test_no_page_loads_anything_from_the_network(docs_site):
    offenders = []
    for path in [*_pages(docs_site), *docs_site.rglob("*.css"), *docs_site.rglob("*.js")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in REMOTE.finditer(text):
            # a <link> that only names a page (rel=canonical) loads nothing; anything that fetches counts
            snippet = text[m.start(): m.start() + 200]
            if snippet.lower().startswith("<link") and not re.search(r"rel=[\"']?(stylesheet|preload|icon|modulepreload)", snippet, re.I):
                continue
            offenders.append(f"{path.relative_to(docs_site)}: {snippet[:120]}")
    assert not offenders, "remote resources in the site:\n" + "\n".join(offenders[:20])
    # no MathJax either (even a local one): formulas are MathML
    mathjax = re.compile(r"<script[^>]*(mathjax|tex-(mml|chtml|svg))", re.I)
    assert not any(mathjax.search(p.read_text(encoding="utf-8")) for p in _pages(docs_site))


@needs_site
def test_every_law_has_a_gallery_page_with_formula_and_chart(docs_site):
    import workbench as wb

    gallery = (docs_site / "generated" / "laws" / "index.html").read_text(encoding="utf-8")
    for name in wb.list_laws():
        page = docs_site / "generated" / "laws" / f"{name}.html"
        assert page.is_file(), f"no gallery page for law {name!r}"
        assert f'href="{name}.html"' in gallery
        html = page.read_text(encoding="utf-8")
        assert "<math" in html, f"{name}: formula not rendered as MathML"
        assert 'class="wb-law-chart"' in html and "<svg" in html, f"{name}: no chart"
        assert wb.get_law(name).reference.split(",")[0].split("'")[0].strip()[:20] in html.replace("&#8217;", "'")


def test_every_law_equation_converts_to_mathml():
    from latex2mathml.converter import convert
    from workbench_docs.equations import equation_tex

    import workbench as wb

    for name in wb.list_laws():
        lines = equation_tex(wb.get_law(name).equation)
        assert lines, name
        for tex in lines:
            assert "<math" in convert(tex), (name, tex)


def test_equation_notation():
    from workbench_docs.equations import equation_tex

    assert equation_tex("L(N, D) = E + A / N^alpha + B / D^beta") == [
        r"L \left( N , D \right) = E + A / N^{\alpha} + B / D^{\beta}"]
    assert equation_tex("y = b x^-c0 (1 + (x/d1)^(1/f1))") == [
        r"y = b x^{-c_{0}} \left( 1 + \left( x / d_{1} \right)^{1 / f_{1}} \right)"]
    assert equation_tex("B_crit(L) = B* / L^(1/alpha_B)   (tokens)") == [
        r"B_{\mathrm{crit}} \left( L \right) = B^{*} / L^{1 / \alpha_{B}}\quad\text{(tokens)}"]
    assert equation_tex("L = A / N'^alpha,  N' = U_N R*_N") == [r"L = A / N'^{\alpha}", r"N' = U_{N} R_{N}^{*}"]
    assert equation_tex("L_i = c_i,  one output per domain i") == [r"L_{i} = c_{i}", r"\text{one output per domain i}"]


@needs_site
def test_api_reference_covers_every_public_module_and_name(docs_site):
    import importlib

    from workbench_docs.apiref import public_modules

    import inspect

    import workbench

    modules = public_modules()
    assert modules[0] == "workbench" and "workbench.laws" in modules
    # every subpackage the top-level API exposes has its page
    for name in workbench.__all__:
        obj = getattr(workbench, name)
        if inspect.ismodule(obj) and hasattr(obj, "__all__"):
            assert obj.__name__ in modules, obj.__name__
    for modname in modules:
        page = docs_site / "generated" / "api" / f"{modname}.html"
        assert page.is_file(), f"no API page for {modname}"
        html = page.read_text(encoding="utf-8")
        for name in importlib.import_module(modname).__all__:
            assert f"{name}" in html, f"{modname}.{name} missing from its API page"


@needs_site
def test_cli_reference_lists_every_command(docs_site):
    import argparse

    from workbench.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    html = (docs_site / "generated" / "cli.html").read_text(encoding="utf-8")
    for name in sub.choices:
        assert f"scaling-workbench {name}" in html and f"usage: scaling-workbench {name}" in html


@needs_site
def test_data_page_lists_every_dataset_with_licence_and_citation(docs_site):
    import workbench as wb
    from workbench.data import get_dataset

    html = (docs_site / "data.html").read_text(encoding="utf-8")
    for name in wb.list_datasets():
        ds = get_dataset(name)
        assert f'id="dataset-{name}"' in html
        assert ds.commit in html


@needs_site
def test_user_guide_has_every_lab_executed(docs_site):
    labs = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    for stem in labs:
        page = docs_site / "generated" / "labs" / f"{stem}.html"
        assert page.is_file(), f"no user-guide page for {stem}"
        html = page.read_text(encoding="utf-8")
        assert "cell_output" in html, f"{stem}: no outputs (not executed?)"
    index = (docs_site / "generated" / "labs" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{stem}.html"' in index for stem in labs)


@needs_site
@pytest.mark.parametrize("page", ["index.html", "data.html", "generated/laws/index.html", "generated/api/index.html"])
def test_landing_pages_exist(docs_site, page):
    assert (docs_site / page).is_file()
