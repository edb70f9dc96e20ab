"""Charts of fitted scaling laws.

``fit_chart(fit)`` draws the runs (fitted and held out), the fitted law, the
region beyond the fitted data (extrapolation) and the bootstrap band, as the
fit computes them (:meth:`~workbench.fitting.Fit.curve`, :meth:`~workbench.fitting.Fit.points`):
laws of one input against that input, laws of ``(N, D)`` against compute along
their compute-optimal frontier, other laws as predicted against observed.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..fitting.result import Fit
from .data import attach_data, named
from .registry import draws
from .theme import CHART_WIDTH, ENTITY_COLORS, entity_scale

__all__ = ["fit_chart", "fit_chart_data"]

AXIS_TITLES = {
    "N": "model size N (parameters)",
    "D": "training tokens D",
    "C": "training compute C (FLOPs)",
    "loss": "loss (nats/token)",
    "error": "downstream error",
}
def fit_chart_data(fit, extend: float = 10.0) -> dict[str, pd.DataFrame]:
    """The tables behind :func:`fit_chart`, by dataset name (``runs``, ``curve``, ``extrapolated_region``
    or, for the parity chart, ``runs`` and ``diagonal``)."""
    xname, mode = fit.curve_axis
    target = fit.target
    if mode == "parity":
        pts = fit.points()
        lo = float(min(pts[target].min(), pts["predicted"].min()))
        hi = float(max(pts[target].max(), pts["predicted"].max()))
        return {"runs": pts, "diagonal": pd.DataFrame({"a": [lo, hi], "b": [lo, hi]})}
    curve = fit.curve(extend=extend)
    ext = curve[curve["region"] == "extrapolation"]
    shade = pd.DataFrame({"x0": [float(ext[xname].min())], "x1": [float(ext[xname].max())]}) if len(ext) else \
        pd.DataFrame({"x0": [], "x1": []})
    return {"curve": curve, "runs": fit.points(), "extrapolated_region": shade}


@draws(Fit)
def fit_chart(fit, width: int = CHART_WIDTH, height: int = 300, extend: float = 10.0, title: str | None = None,
              template=None) -> alt.LayerChart:
    """Runs, fitted curve, extrapolated region and bootstrap band of a :class:`~workbench.fitting.Fit`.

    Parameters
    ----------
    fit : Fit
    width, height : int
        Size in pixels.
    extend : float
        How far beyond the largest run the curve is drawn (factor on the x axis).
    title : str, optional
        Chart title (default: the law's title).
    template : chart, optional
        A chart this function built before for a fit of the same law: its data are replaced
        and it is returned (no new chart is built; what a live panel does on every move).
    """
    data = fit_chart_data(fit, extend=extend)
    if template is not None:
        return attach_data(template, **data)
    xname, mode = fit.curve_axis
    target = fit.target
    ytitle = AXIS_TITLES.get(target, target)
    title = title or fit.law.title
    roles = ["fitted", "held out"]
    color = alt.Color("role:N", title="runs", scale=entity_scale(roles))
    # the same field, title and domain for shape: Vega-Lite merges them into one legend whose symbols are the marks
    shape = alt.Shape("role:N", title="runs", scale=alt.Scale(domain=roles, range=["circle", "square"]))
    if mode == "parity":
        base = alt.Chart(named("runs")).mark_point(filled=True, size=40, opacity=0.8).encode(
            x=alt.X("predicted:Q", title=f"predicted {ytitle}", scale=alt.Scale(type="log", zero=False)),
            y=alt.Y(f"{target}:Q", title=f"observed {ytitle}", scale=alt.Scale(type="log", zero=False)),
            color=color, shape=shape,
            tooltip=[alt.Tooltip(f"{c}:Q", format=".4~g") for c in data["runs"].columns if c != "role"] + ["role:N"],
        )
        line = alt.Chart(named("diagonal")).mark_line(color="gray", strokeDash=[4, 3]).encode(x="a:Q", y="b:Q")
        chart = (line + base).properties(width=width, height=height, title=title)
        return attach_data(chart, **data)

    # data-driven domains (no fixed numbers in the spec) so that a live panel can swap the data in place
    xscale = alt.Scale(type="log", nice=False)
    yscale = alt.Scale(type="log", zero=False, nice=False, padding=8)
    x_title = AXIS_TITLES.get(xname, xname)
    x = alt.X(f"{xname}:Q", title=x_title, scale=xscale)
    layers = [
        # every layer is always present (empty when there is nothing to show), so the structure is fixed
        alt.Chart(named("extrapolated_region")).mark_rect(color="#f2f2f2", opacity=0.7).encode(
            x=alt.X("x0:Q", scale=xscale), x2="x1:Q"),
        alt.Chart(named("curve")).mark_area(opacity=0.22, color=ENTITY_COLORS["fit"]).encode(
            x=x, y=alt.Y("lo:Q", scale=yscale, title=ytitle), y2="hi:Q"),
        alt.Chart(named("curve")).mark_line(color=ENTITY_COLORS["fit"], strokeWidth=2.5).encode(
            x=x,
            y=alt.Y("fit:Q", scale=yscale, title=ytitle),
            strokeDash=alt.StrokeDash(
                "region:N",
                title="fitted law",
                scale=alt.Scale(domain=["fitted range", "extrapolation"], range=[[1, 0], [6, 4]]),
            ),
        ),
    ]
    pts = data["runs"]
    tooltip = [alt.Tooltip(f"{c}:Q", format=".4~g") for c in pts.columns if c != "role"] + ["role:N"]
    layers.append(
        alt.Chart(named("runs"))
        .mark_point(filled=True, size=36, opacity=0.75)
        .encode(x=x, y=alt.Y(f"{target}:Q", scale=yscale, title=ytitle), color=color, shape=shape, tooltip=tooltip)
    )
    what = "the law along its compute-optimal frontier" if mode == "frontier" else "the fitted law"
    subtitle = f"curve: {what} (band: {100 * fit.level:g}% bootstrap interval); grey: beyond the fitted runs"
    chart = alt.layer(*layers).properties(width=width, height=height, title=alt.TitleParams(title, subtitle=subtitle)) \
        .resolve_scale(strokeDash="independent")
    return attach_data(chart, **data)
