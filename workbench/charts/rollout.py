"""Chart of a rollout validation: each step's relative error with its prediction interval."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..fitting.rollout import Rollout
from .data import attach_data, named
from .registry import draws

__all__ = ["rollout_chart", "rollout_chart_data"]


def rollout_chart_data(result) -> dict[str, pd.DataFrame]:
    """The tables behind :func:`rollout_chart`: ``points`` (one per prediction) and ``zero``."""
    p = result.predictions
    size = result.size
    if len(p) == 0:
        pts = pd.DataFrame({size: [], "rel_error_pct": [], "lo_pct": [], "hi_pct": [], "inside": [], "step": []})
    else:
        obs = p["observed"].to_numpy(float)
        pts = pd.DataFrame({
            size: p[size].to_numpy(float),
            "rel_error_pct": 100 * p["rel_error"].to_numpy(float),
            # the interval on the same scale: where predicted/observed - 1 would be for the interval ends
            "lo_pct": 100 * (p["lo"].to_numpy(float) / obs - 1) if "lo" in p else np.nan,
            "hi_pct": 100 * (p["hi"].to_numpy(float) / obs - 1) if "hi" in p else np.nan,
            "inside": np.where(p["covered"].to_numpy(bool), "observed inside", "observed outside")
            if "covered" in p else "no interval",
            "step": p["step"].to_numpy(int),
            "fitted_sizes": p["fitted_sizes"].to_numpy(int),
        })
    lo = float(np.nanmin(pts[size])) if len(pts) else 1.0
    hi = float(np.nanmax(pts[size])) if len(pts) else 10.0
    return {"points": pts, "zero": pd.DataFrame({size: [lo / 1.5, hi * 1.5], "y": [0.0, 0.0]})}


@draws(Rollout)
def rollout_chart(result, width: int = 460, height: int = 280, title: str | None = None) -> alt.LayerChart:
    """Relative error of each rollout step (fit on the sizes up to one, predict the next).

    A bar spans the prediction interval (a new run's loss, noise included) expressed as
    relative error; the point is the prediction. A bar crossing the zero line means the
    observed loss fell inside its interval.
    """
    data = rollout_chart_data(result)
    size = result.size
    pct = f"{100 * result.level:g}%"
    x = alt.X(f"{size}:Q", title=f"predicted model size {size} (parameters)" if size == "N" else f"predicted {size}",
              scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format="~e"))
    color = alt.Color("inside:N", title=f"{pct} prediction interval",
                      scale=alt.Scale(domain=["observed inside", "observed outside", "no interval"],
                                      range=["#4c78a8", "#e45756", "#999999"]))
    zero = alt.Chart(named("zero")).mark_line(color="gray", strokeDash=[4, 3]).encode(x=x, y="y:Q")
    bars = alt.Chart(named("points")).mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=x, y=alt.Y("lo_pct:Q", title="predicted / observed - 1 (%)"), y2="hi_pct:Q", color=color)
    pts = alt.Chart(named("points")).mark_point(filled=True, size=50).encode(
        x=x, y="rel_error_pct:Q", color=color,
        tooltip=[alt.Tooltip(f"{size}:Q", format=".3~e"), alt.Tooltip("rel_error_pct:Q", format=".2f", title="rel. error %"),
                 alt.Tooltip("lo_pct:Q", format=".2f"), alt.Tooltip("hi_pct:Q", format=".2f"), "fitted_sizes:Q"])
    chart = alt.layer(zero, bars, pts).properties(
        width=width, height=height, title=title or f"Rollout: {result.law.title}")
    return attach_data(chart, **data)
