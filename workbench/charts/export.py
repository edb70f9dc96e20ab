"""Static export of charts (SVG, PNG, self-contained HTML) with no network access."""

from __future__ import annotations

import altair as alt

__all__ = ["chart_svg", "chart_png", "spec_of", "STATIC_FONT"]


#: The font of static charts. vl-convert lays text out (legend widths, title and label room) with
#: the first of these fonts it finds, and writes the same list into the SVG, so a browser that
#: opens the picture draws with a font of the same widths: DejaVu Sans on Linux, Verdana (whose
#: widths DejaVu Sans shares) on macOS and Windows. The live theme's system-ui list would be
#: measured with one font here and drawn with a wider one there, clipping legends and titles.
STATIC_FONT = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"


def spec_of(chart) -> dict:
    """The chart's Vega-Lite spec in the house style (:func:`workbench.charts.theme.house_style`),
    with :data:`STATIC_FONT` for pictures."""
    from .theme import house_style

    spec = house_style(chart.to_dict() if hasattr(chart, "to_dict") else dict(chart))
    spec.setdefault("config", {})["font"] = STATIC_FONT
    return spec


def chart_svg(chart) -> str:
    """The chart rendered to an SVG string by vl-convert (no browser, no network)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec_of(chart))


def chart_png(chart, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG bytes by vl-convert."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec_of(chart), scale=scale)


def static_html_renderer(spec: dict, **metadata) -> dict:
    """Altair renderer for static reports: the chart as inline SVG inside HTML (no JavaScript).

    Inline SVG keeps every mark in the page (with Vega's ARIA labels), opens offline, and
    survives nbconvert, which would sanitise or base64-encode an ``image/svg+xml`` output.
    """
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec_of(spec))
    return {"text/html": f"<div class='workbench-chart'>{svg}</div>", "text/plain": "<Altair chart (static SVG)>"}


def use_static_charts() -> None:
    """Make Altair display every chart as inline SVG (what ``python -m workbench report`` does)."""
    alt.renderers.register("workbench-static", static_html_renderer)
    alt.renderers.enable("workbench-static")
