"""Render Sphinx math as MathML at build time (latex2mathml), so pages need no MathJax.

Browsers draw MathML natively; the site opens from disk with no network. The same
converter writes the formulas of the HTML reports (:mod:`workbench.report`). TeX that
latex2mathml cannot read is a build warning (an error under ``-W``), never a silent
fallback.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)


def to_mathml(tex: str, display: bool, node=None) -> str:
    from latex2mathml.converter import convert

    try:
        return convert(" ".join(tex.split()), display="block" if display else "inline")
    except Exception as exc:  # noqa: BLE001 - any parse failure is reported with its location
        logger.warning("cannot render TeX as MathML (%s): %s", exc, tex, location=node, type="workbench", subtype="math")
        from html import escape

        return f"<code>{escape(tex)}</code>"


def visit_math(self, node):
    self.body.append(f'<span class="math">{to_mathml(node.astext(), False, node)}</span>')
    raise nodes.SkipNode


def visit_displaymath(self, node):
    if node.get("no-wrap") or node.get("nowrap"):
        lines = [node.astext()]
    else:
        # one display per blank-line-separated block, as Sphinx's other renderers do
        lines = [part for part in node.astext().split("\n\n") if part.strip()]
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    for tex in lines:  # one line each (the theme lays div.math out as a row, made for MathJax)
        self.body.append(f'<div class="wb-math-line">{to_mathml(tex, True, node)}</div>')
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
