"""Charts of fitted scaling laws.

``fit_chart(fit)`` draws the runs (fitted and held out), the fitted law, the
region beyond the fitted data (extrapolation) and the bootstrap band. Laws of
one input are drawn against that input; laws of ``(N, D)`` are drawn against
compute along their compute-optimal frontier ``L*(C) = min_N L(N, C / 6N)``;
other laws as predicted against observed.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..fitting.result import Fit
from .data import attach_data, named
from .registry import draws
from .theme import CHART_WIDTH, ENTITY_COLORS, entity_scale

__all__ = ["fit_chart", "fit_chart_data", "frontier", "curve_data"]

AXIS_TITLES = {
    "N": "model size N (parameters)",
    "D": "training tokens D",
    "C": "training compute C (FLOPs)",
    "loss": "loss (nats/token)",
    "error": "downstream error",
}
MAX_BAND_SAMPLES = 100


def frontier(law, values: np.ndarray, C: np.ndarray, n_grid: int = 161) -> tuple[np.ndarray, np.ndarray]:
    """Compute-optimal loss and model size along ``C``, for a batch of parameter sets.

    Minimises ``L(N, C / (6N))`` over a log grid of ``N`` (10^-4 .. 10^4 times
    ``sqrt(C/6)``) for each compute value; uses the law's closed form when it
    has one. ``values`` is ``(K, P)``; returns ``(K, len(C))`` losses and sizes.
    """
    values = np.atleast_2d(values)
    C = np.asarray(C, float)
    if law.compute_optimal is not None:
        p = {n: values[:, j : j + 1] for j, n in enumerate(law.param_names)}
        N, D = law.compute_optimal(p, C[None, :])
        L = np.stack([law.predict_batch(values[k : k + 1], {"N": N[k], "D": D[k]})[0] for k in range(len(values))])
        return L, N
    base = np.sqrt(C / 6.0)
    mult = np.logspace(-4, 4, n_grid)
    Ngrid = base[:, None] * mult[None, :]  # (nC, nG)
    Dgrid = (C[:, None] / 6.0) / Ngrid
    L = law.predict_batch(values, {"N": Ngrid.ravel(), "D": Dgrid.ravel()}).reshape(len(values), len(C), n_grid)
    L = np.where(np.isfinite(L), L, np.inf)
    i = np.argmin(L, axis=2)
    Lmin = np.take_along_axis(L, i[:, :, None], axis=2)[:, :, 0]
    Nopt = Ngrid[np.arange(len(C))[None, :], i]
    return Lmin, Nopt


def _x_of(fit):
    law = fit.law
    if len(law.inputs) == 1:
        return law.inputs[0], "direct"
    if set(law.inputs) == {"N", "D"}:
        return "C", "frontier"
    return None, "parity"


def curve_data(fit, extend: float = 10.0, n_points: int = 80) -> pd.DataFrame:
    """The fitted curve (and band, when bootstrapped) over the data range and ``extend`` times beyond it."""
    law = fit.law
    xname, mode = _x_of(fit)
    runs = pd.concat([fit.fit_runs, fit.holdout_runs]) if fit.holdout_runs is not None else fit.fit_runs
    if xname == "C" and "C" not in runs:
        runs = runs.assign(C=6.0 * runs["N"] * runs["D"])
    xs_fit = fit.fit_runs[xname] if xname in fit.fit_runs else 6.0 * fit.fit_runs["N"] * fit.fit_runs["D"]
    lo, hi_fit = float(np.min(runs[xname])), float(np.max(xs_fit))
    hi = max(float(np.max(runs[xname])), hi_fit) * extend
    grid = np.logspace(np.log10(lo), np.log10(hi), n_points) if lo > 0 else np.linspace(lo, hi, n_points)
    grid = np.unique(np.concatenate([grid, [hi_fit]]))
    samples = fit.interval_draws()  # the refits, widened like the fit's intervals
    if samples is not None and len(samples) > MAX_BAND_SAMPLES:
        samples = samples[np.linspace(0, len(samples) - 1, MAX_BAND_SAMPLES).astype(int)]
    if mode == "direct":
        y = law.predict(fit.values, **{xname: grid})
        band = law.predict_batch(samples, {xname: grid}) if samples is not None else None
    else:
        y = frontier(law, fit.values[None, :], grid)[0][0]
        band = frontier(law, samples, grid)[0] if samples is not None else None
    df = pd.DataFrame({xname: grid, "fit": y, "region": np.where(grid <= hi_fit * (1 + 1e-12), "fitted range", "extrapolation")})
    if band is not None:
        q = (1 - fit.level) / 2
        df["lo"] = np.nanquantile(band, q, axis=0)
        df["hi"] = np.nanquantile(band, 1 - q, axis=0)
    else:  # no bootstrap: an empty band, so the chart keeps the same structure either way
        df["lo"] = df["hi"] = np.nan
    return df


def _points(fit, xname):
    parts = [fit.fit_runs.assign(role="fitted")]
    if fit.holdout_runs is not None and len(fit.holdout_runs):
        parts.append(fit.holdout_runs.assign(role="held out"))
    pts = pd.concat(parts)
    if xname == "C" and "C" not in pts:
        pts = pts.assign(C=6.0 * pts["N"] * pts["D"])
    pts = pts.assign(predicted=fit.law.predict(fit.values, pts))
    keep = [c for c in dict.fromkeys([xname, fit.target, "predicted", "role", "N", "D"]) if c in pts]
    return pts[keep].reset_index(drop=True)


def fit_chart_data(fit, extend: float = 10.0) -> dict[str, pd.DataFrame]:
    """The tables behind :func:`fit_chart`, by dataset name (``runs``, ``curve``, ``extrapolated_region``
    or, for the parity chart, ``runs`` and ``diagonal``)."""
    xname, mode = _x_of(fit)
    target = fit.target
    if mode == "parity":
        pts = _points(fit, None)
        lo = float(min(pts[target].min(), pts["predicted"].min()))
        hi = float(max(pts[target].max(), pts["predicted"].max()))
        return {"runs": pts, "diagonal": pd.DataFrame({"a": [lo, hi], "b": [lo, hi]})}
    curve = curve_data(fit, extend=extend)
    ext = curve[curve["region"] == "extrapolation"]
    shade = pd.DataFrame({"x0": [float(ext[xname].min())], "x1": [float(ext[xname].max())]}) if len(ext) else \
        pd.DataFrame({"x0": [], "x1": []})
    return {"curve": curve, "runs": _points(fit, xname), "extrapolated_region": shade}


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
    xname, mode = _x_of(fit)
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
