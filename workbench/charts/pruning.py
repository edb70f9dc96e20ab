"""Charts for the data-pruning and scaling-regime toys.

* :func:`pruning_chart` — test error against examples kept per dimension (``α_prune``),
  log–log: the learning curve of each kept fraction ``f``, the random-pruning power law and
  the best-``f`` frontier (Sorscher et al. 2022, Fig. 1).
* :func:`regimes_chart` — the four regimes of the random-feature model with their fitted
  slopes (Bahri et al. 2021).
* :func:`regime_explorer_chart` — where one student (``P`` features, ``D`` samples) sits:
  its loss against ``D`` at that ``P`` and against ``P`` at that ``D``, with the limits.

Every chart keeps its data in named inline datasets (:func:`workbench.charts.data.named_data`)
so a live panel can swap the rows without rebuilding the view.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..errors import ArgumentError
from .data import named_data
from .theme import CHART_WIDTH, ENTITY_COLORS, wrap

__all__ = ["pruning_chart", "regimes_chart", "regime_explorer_chart"]

_STRATEGY_WORDS = {"hard": "keep hardest", "easy": "keep easiest", "random": "keep random"}


_REFERENCES = ["random-pruning power law", "best-f frontier"]


def _fraction_label(f: float) -> str:
    """A kept fraction as people write it: 1 (no pruning), 1/2, 1/4 ... (0.0078125 is 1/128)."""
    if f >= 1:
        return "1 (no pruning)"
    inv = 1.0 / f
    return f"1/{int(round(inv))}" if abs(inv - round(inv)) < 1e-9 else f"{f:.3g}"


def pruning_chart(
    curves: pd.DataFrame,
    random_law=None,
    front: pd.DataFrame | None = None,
    strategy: str = "hard",
    theta: float = 0.0,
    title: str | None = None,
    width: int = CHART_WIDTH,
    height: int = 320,
) -> alt.LayerChart:
    """Test error against examples kept per dimension, with the power law and the frontier.

    Parameters
    ----------
    curves : DataFrame
        Seed-averaged errors with ``alpha_prune``, ``f``, ``strategy``, ``theta``, ``error``:
        :func:`workbench.toys.pruning.mean_curves` of the runs table.
    random_law : PowerLawFit, optional
        The random-pruning power law (drawn dashed across the whole range).
    front : DataFrame, optional
        The best-``f`` frontier (``alpha_prune``, ``error``, ``best_f``).
    strategy, theta : which learning curves to draw (random pruning is always drawn).
    """
    df = curves
    if "seed" in df.columns:
        raise ArgumentError("pruning_chart draws seed-averaged curves: pass workbench.toys.pruning.mean_curves(runs).")
    th = df["theta"].fillna(-1.0)
    sel = df[((df["strategy"] == strategy) & np.isclose(th, theta if strategy != "random" else -1.0))
             | (df["f"] == 1.0)].copy()
    sel = sel.drop_duplicates(["f", "alpha_prune"])
    sel = sel.sort_values(["f", "alpha_prune"], ascending=[False, True])
    sel["fraction kept"] = [_fraction_label(f) for f in sel["f"]]
    order = list(dict.fromkeys(sel["fraction kept"]))
    rnd = df[df["strategy"] == "random"].groupby("alpha_prune", as_index=False)["error"].mean()
    lo, hi = float(df["alpha_prune"].min()), float(df["alpha_prune"].max())
    words = _STRATEGY_WORDS.get(strategy, strategy)
    title = title or (f"{words}" + (f", probe {theta:g}° from the teacher" if strategy != "random" else "")
                      + ": error vs examples kept")
    x = alt.X("alpha_prune:Q", scale=alt.Scale(type="log", domain=[lo / 1.1, hi * 1.1]),
              title="examples kept per dimension α_prune = f·α_total")
    y_scale = alt.Scale(type="log")
    ytitle = "test error arccos(R)/π"
    # the two reference lines have a legend of their own (stroke and dash by the same field, so one legend whose
    # symbols are the lines: red dashed law, black frontier); the curves are coloured by the fraction kept
    ref = dict(title="reference", legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5))
    stroke = alt.Stroke("what:N", scale=alt.Scale(domain=_REFERENCES, range=[ENTITY_COLORS["random-pruning power law"],
                                                                           ENTITY_COLORS["best-f frontier"]]), **ref)
    dash = alt.StrokeDash("what:N", scale=alt.Scale(domain=_REFERENCES, range=[[6, 4], [1, 0]]), **ref)
    layers = [
        alt.Chart(named_data(sel[["alpha_prune", "f", "error", "fraction kept"]], "pruning_curves"))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.2, opacity=0.8)
        .encode(x=x, y=alt.Y("error:Q", scale=y_scale, title=ytitle),
                color=alt.Color("fraction kept:N", scale=alt.Scale(scheme="viridis"), sort=order,
                                title="fraction kept f"),
                tooltip=["fraction kept:N", alt.Tooltip("alpha_prune:Q", format=".3g"),
                         alt.Tooltip("error:Q", format=".3g")]),
        alt.Chart(named_data(rnd, "random_points"))
        .mark_point(shape="diamond", size=50, filled=True, color=ENTITY_COLORS["random-pruning power law"])
        .encode(x=x, y=alt.Y("error:Q", scale=y_scale), tooltip=[alt.Tooltip("error:Q", format=".3g")]),
    ]
    if random_law is not None:
        grid = np.logspace(np.log10(lo), np.log10(hi), 40)
        law_df = pd.DataFrame({"alpha_prune": grid, "error": random_law.predict(grid),
                               "what": _REFERENCES[0], "curve": f"random pruning power law (slope {random_law.slope:.2f})"})
        layers.append(
            alt.Chart(named_data(law_df, "random_law"))
            .mark_line(strokeWidth=2)
            .encode(x=x, y=alt.Y("error:Q", scale=y_scale), stroke=stroke, strokeDash=dash, tooltip=["curve:N"]))
    if front is not None and len(front):
        fr = front[["alpha_prune", "error", "best_f"]].assign(what=_REFERENCES[1])
        layers.append(
            alt.Chart(named_data(fr, "frontier"))
            .mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=30, color=ENTITY_COLORS["best-f frontier"]))
            .encode(x=x, y=alt.Y("error:Q", scale=y_scale), stroke=stroke, strokeDash=dash,
                    tooltip=[alt.Tooltip("alpha_prune:Q", format=".3g"), alt.Tooltip("error:Q", format=".3g"),
                             alt.Tooltip("best_f:Q", title="best f", format="g")]))
    subtitle = "diamonds: random pruning, measured; lines: one fraction kept f each"
    return alt.layer(*layers).properties(title=alt.TitleParams(wrap(title, 80), subtitle=subtitle), width=width,
                                         height=height)


def regimes_chart(runs: pd.DataFrame, slopes: dict | None = None, width: int = 300, height: int = 260):
    """The four regimes: excess loss ``L − L∞`` against ``D`` (left) and ``P`` (right), log–log.

    Parameters
    ----------
    runs : DataFrame
        The table of :func:`workbench.toys.random_features.regimes` (averaged over seeds here).
    slopes : dict, optional
        ``{regime: PowerLawFit}`` from :func:`~workbench.toys.random_features.regime_slopes`;
        the fitted lines are drawn dashed and their slopes given in the legend.
    """
    rows = []
    for name, sub in runs.groupby("regime"):
        var = "D" if sub["scaled"].iloc[0] == "D" else "N"
        m = sub.groupby(var, as_index=False)["excess"].mean()
        label = name
        if slopes and name in slopes:
            label = f"{name} (slope {slopes[name].slope:.2f})"
        for v, e in zip(m[var], m["excess"]):
            rows.append({"scaled": "D" if var == "D" else "P", "size": float(v), "excess": float(e), "regime": label})
    pts = pd.DataFrame(rows)
    fits = []
    if slopes:
        for name, f in slopes.items():
            sub = pts[pts["regime"].str.startswith(name)]
            if sub.empty:
                continue
            grid = np.logspace(np.log10(sub["size"].min()), np.log10(sub["size"].max()), 20)
            fits += [{"scaled": sub["scaled"].iloc[0], "size": g, "excess": float(f.predict(g)),
                      "regime": sub["regime"].iloc[0]} for g in grid]
    fits = pd.DataFrame(fits, columns=["scaled", "size", "excess", "regime"])
    color = alt.Color("regime:N", title="regime", legend=alt.Legend(orient="bottom", columns=2, labelLimit=320))

    def panel(which, xtitle):
        x = alt.X("size:Q", scale=alt.Scale(type="log"), title=xtitle)
        y = alt.Y("excess:Q", scale=alt.Scale(type="log"), title="excess loss L − L∞")
        p = pts[pts["scaled"] == which]
        f = fits[fits["scaled"] == which]
        return alt.layer(
            alt.Chart(named_data(f, f"regime_fits_{which}")).mark_line(strokeDash=[5, 3]).encode(x=x, y=y, color=color),
            alt.Chart(named_data(p, f"regime_points_{which}")).mark_point(filled=True, size=45).encode(
                x=x, y=y, color=color, tooltip=["regime:N", alt.Tooltip("size:Q", format=".4g"),
                                                alt.Tooltip("excess:Q", format=".3g")]),
        ).properties(width=width, height=height, title=f"adding {'data' if which == 'D' else 'features'}")

    return alt.hconcat(panel("D", "training samples D"), panel("P", "random features P (parameters)")).resolve_scale(
        color="shared").properties(title="Four scaling regimes of a random-feature model")


def regime_explorer_chart(D_curve: pd.DataFrame, P_curve: pd.DataFrame, point: dict, width: int = 300,
                          height: int = 250):
    """Loss of a ``P``-feature student against ``D``, and of a ``D``-sample student against ``P``.

    Parameters
    ----------
    D_curve : DataFrame
        ``D``, ``curve`` (e.g. ``"P = 64"`` or ``"P = ∞"``), ``loss``; a horizontal limit can be
        given as rows whose ``curve`` contains ``" limit"`` (drawn dashed).
    P_curve : DataFrame
        ``P``, ``curve``, ``loss``, likewise.
    point : dict
        ``{"P": …, "D": …, "loss": …}``: the student, marked on both panels.
    """
    pt = pd.DataFrame([point])
    color = alt.Color("curve:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=280))

    def panel(df, var, name, xtitle):
        lo, hi = float(df[var].min()), float(df[var].max())
        x = alt.X(f"{var}:Q", scale=alt.Scale(type="log", domain=[lo, hi], nice=False), title=xtitle)
        y = alt.Y("loss:Q", scale=alt.Scale(type="log"), title="population loss L")
        dashed = df["curve"].str.contains(" limit", regex=False)
        return alt.layer(
            alt.Chart(named_data(df[~dashed], f"{name}_curves")).mark_line(point=alt.OverlayMarkDef(size=16)).encode(
                x=x, y=y, color=color, tooltip=["curve:N", alt.Tooltip(f"{var}:Q", format=".4g"),
                                                alt.Tooltip("loss:Q", format=".3g")]),
            alt.Chart(named_data(df[dashed], f"{name}_limits")).mark_line(strokeDash=[6, 4]).encode(
                x=x, y=y, color=color),
            alt.Chart(named_data(pt, f"{name}_point")).mark_point(shape="cross", size=220, strokeWidth=3,
                                                                 color="black").encode(x=x, y=y),
        ).properties(width=width, height=height)

    return alt.hconcat(
        panel(D_curve, "D", "by_data", "training samples D"),
        panel(P_curve, "P", "by_width", "random features P"),
    ).resolve_scale(color="independent")
