"""Static export of charts (SVG, PNG, self-contained HTML) with no network access."""

from __future__ import annotations

import altair as alt

__all__ = ["chart_svg", "chart_png", "spec_of"]


def spec_of(chart) -> dict:
    return chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)


def chart_svg(chart) -> str:
    """The chart rendered to an SVG string by vl-convert (no browser, no network)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec_of(chart))


def chart_png(chart, scale: float = 2.0) -> bytes:
    """The chart rendered to PNG bytes by vl-convert."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec_of(chart), scale=scale)
