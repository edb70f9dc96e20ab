"""Charts of the metrics lab: the mirage, real model families, the downstream chain and predictions.

Every chart keeps its data in named inline datasets (:func:`~workbench.charts.data.named_data`)
and keeps the same structure when only numbers change, so live panels can swap
the rows in place.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..metrics.downstream import DownstreamFit
from ..metrics.inverse import InverseFit
from ..metrics.mirage import MirageResult
from ..metrics.observational import ObservationalFit, PCAResult
from ..metrics.realdata import SharpnessComparison
from .data import named_data
from .registry import draws
from .theme import CHART_WIDTH, THIRD_WIDTH, wrap

__all__ = [
    "mirage_chart",
    "metric_grid_chart",
    "family_curves_chart",
    "sharpness_comparison_chart",
    "chain_chart",
    "passuntil_chart",
    "loss_error_chart",
    "pca_chart",
    "observational_chart",
    "inverse_chart",
]

_N_AXIS = alt.Axis(format="~e", labelOverlap="greedy", labelSeparation=6)
_BLUE, _ORANGE, _RED, _GRAY = "#4c78a8", "#f58518", "#e45756", "#888888"


def _tooltip(df: pd.DataFrame, cols) -> list:
    """Tooltips with explicit types (the data are inline, so Altair cannot infer them)."""
    out = []
    for c in cols:
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            out.append(alt.Tooltip(f"{c}:Q", format=".4~g"))
        else:
            out.append(alt.Tooltip(f"{c}:N"))
    return out


def _xlog(field: str, title: str, **kw) -> alt.X:
    return alt.X(f"{field}:Q", title=title, scale=alt.Scale(type="log", nice=False), axis=_N_AXIS, **kw)


@draws(MirageResult)
def mirage_chart(result, width: int = CHART_WIDTH, height: int = 300, log_y: bool = False, name: str = "mirage",
                 show_verdict: bool = True) -> alt.LayerChart:
    """One model family under one metric: expected curve, a finite test set, the resolution floor, the verdict.

    Layers (named datasets ``<name>_window``, ``<name>_floor``, ``<name>_curve``,
    ``<name>_test_set``, ``<name>_verdict``): the sharpest one-decade window
    (shaded), the resolution floor ``1/n`` (dashed, proportions only), the
    expected score (line), the scores measured on ``n`` items with one standard
    error (points and bars; a hollow point reads exactly 0), and the verdict.

    Parameters
    ----------
    result : MirageResult
    log_y : bool
        Log y axis (proportions only): exact match then looks smooth again.
    name : str
        Prefix of the dataset names (to put several on one page).
    """
    info = result.metric
    curve = result.curve[["N", "expected"]]
    ts = result.test_set.assign(
        lo=result.test_set["score"] - result.test_set["stderr"].fillna(0),
        hi=result.test_set["score"] + result.test_set["stderr"].fillna(0),
        zero=np.where(result.test_set["score"] == 0, "reads 0", "above 0"),
    )[["N", "score", "stderr", "lo", "hi", "zero", "expected"]]
    v = result.verdict
    window = pd.DataFrame({"x0": [v.window[0]], "x1": [v.window[1]], "emergent": [v.emergent]})
    floor = pd.DataFrame({"floor": [result.floor] if result.floor is not None else []})
    verdict = pd.DataFrame(
        {"text": [("emergent-looking" if v.emergent else "smooth")
                  + f" (measured on n = {result.settings['n']}: "
                  + ("emergent-looking" if result.measured_verdict.emergent else "smooth") + ")"],
         "N": [float(result.curve["N"].min())]}
    )
    ylog = bool(log_y and info.proportion)
    if ylog:
        ts = ts.assign(score=ts["score"].where(ts["score"] > 0), lo=ts["lo"].clip(lower=None).where(ts["lo"] > 0))
    yscale = alt.Scale(type="log") if ylog else alt.Scale(zero=False, nice=True)
    y_title = info.label
    x = _xlog("N", "model size N (parameters)")
    rect = (
        alt.Chart(named_data(window, f"{name}_window"))
        .mark_rect(opacity=0.18)
        .encode(x=alt.X("x0:Q", scale=alt.Scale(type="log", nice=False)), x2=alt.X2("x1:Q"),
                color=alt.Color("emergent:N", scale=alt.Scale(domain=[True, False], range=[_RED, _GRAY]), legend=None))
    )
    rule = alt.Chart(named_data(floor, f"{name}_floor")).mark_rule(color=_GRAY, strokeDash=[5, 4]).encode(
        y=alt.Y("floor:Q", scale=yscale), tooltip=[alt.Tooltip("floor:Q", title="resolution floor 1/n", format=".3g")]
    )
    line = alt.Chart(named_data(curve, f"{name}_curve")).mark_line(color=_ORANGE, strokeWidth=2.5).encode(
        x=x, y=alt.Y("expected:Q", title=y_title, scale=yscale),
        tooltip=[alt.Tooltip("N:Q", format=".3~e"), alt.Tooltip("expected:Q", title="expected score", format=".4~g")],
    )
    bars = alt.Chart(named_data(ts, f"{name}_test_set")).mark_rule(color=_BLUE).encode(x=x, y=alt.Y("lo:Q", scale=yscale), y2=alt.Y2("hi:Q"))
    points = alt.Chart(named_data(ts, f"{name}_test_set")).mark_point(size=55, color=_BLUE).encode(
        x=x, y=alt.Y("score:Q", scale=yscale),
        fill=alt.Fill("zero:N", scale=alt.Scale(domain=["above 0", "reads 0"], range=[_BLUE, "white"]),
                      title="test set of n items"),
        tooltip=[alt.Tooltip("N:Q", format=".3~e"), alt.Tooltip("score:Q", title="measured", format=".4~g"),
                 alt.Tooltip("stderr:Q", title="standard error", format=".2~g"), alt.Tooltip("expected:Q", format=".4~g")],
    )
    text = alt.Chart(named_data(verdict, f"{name}_verdict")).mark_text(align="left", baseline="bottom", dy=-6, y=0, fontWeight="bold", color=_RED if v.emergent else "#333333").encode(
        x=alt.X("N:Q", scale=alt.Scale(type="log", nice=False)), text=alt.Text("text:N"),
    )
    layers = [rect, rule, line, bars, points] + ([text] if show_verdict else [])
    return alt.layer(*layers).properties(width=width, height=height)


def metric_grid_chart(results: dict, columns: int = 3, width: int = THIRD_WIDTH, height: int = 170) -> alt.ConcatChart:
    """Several :class:`MirageResult` side by side (same family, different metrics), titled with their verdicts."""
    charts = []
    for i, (title, r) in enumerate(results.items()):
        c = mirage_chart(r, width=width, height=height, name=f"grid{i}", show_verdict=False)
        verdict = "emergent-looking" if r.emergent else "smooth"
        charts.append(c.properties(title=alt.TitleParams(wrap(title, 30), subtitle=verdict, fontSize=13,
                                                         subtitleColor=_RED if r.emergent else "#555555")))
    return alt.concat(*charts, columns=columns)


def family_curves_chart(curves: pd.DataFrame, info: dict, verdicts: pd.DataFrame | None = None, width: int = CHART_WIDTH,
                        height: int = 280, name: str = "real") -> alt.LayerChart:
    """Score against scale for each family (series) of a real task; emergent-looking series drawn thicker."""
    df = curves.copy()
    if verdicts is not None and len(verdicts):
        df = df.merge(verdicts[["series", "emergent"]], on="series", how="left")
        df["emergent"] = df["emergent"].fillna(False).map({True: "emergent-looking", False: "not emergent-looking"})
    else:
        df["emergent"] = "not emergent-looking"
    yscale = alt.Scale(zero=False)
    x = _xlog("N", info["scale_label"])
    base = alt.Chart(named_data(df[["series", "N", "value", "emergent"]], f"{name}_curves"))
    enc = dict(x=x, y=alt.Y("value:Q", title=info["metric_label"], scale=yscale), color=alt.Color("series:N", title="family"))
    lines = base.mark_line().encode(
        **enc, strokeWidth=alt.StrokeWidth("emergent:N", scale=alt.Scale(domain=["emergent-looking", "not emergent-looking"], range=[4, 1.5]),
                                           title="verdict"))
    pts = base.mark_point(filled=True, size=50).encode(
        **enc, tooltip=["series:N", alt.Tooltip("N:Q", format=".3~e"), alt.Tooltip("value:Q", format=".4~g"), "emergent:N"])
    return alt.layer(lines, pts).properties(width=width, height=height, title=info["label"])


@draws(SharpnessComparison)
def sharpness_comparison_chart(comparison, width: int = 300, height: int = 300) -> alt.LayerChart:
    """Sharpness under metric ``a`` against metric ``b`` for every comparable curve; above the diagonal: sharper under ``a``."""
    a, b = comparison.a, comparison.b
    t = comparison.table[comparison.table["sharper"] != "not comparable"]
    t = t.rename(columns={f"share_{a}": "share_a", f"share_{b}": "share_b"})
    keep = [c for c in ("task", "family", "prompt", "shots", "share_a", "share_b", "sharper") if c in t]
    diag = pd.DataFrame({"x": [0.0, 1.2], "y": [0.0, 1.2]})
    line = alt.Chart(named_data(diag, "cmp_diagonal")).mark_line(color=_GRAY, strokeDash=[4, 3]).encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    pts = alt.Chart(named_data(t[keep], "cmp_points")).mark_point(filled=True, opacity=0.7).encode(
        x=alt.X("share_b:Q", title=f"sharpness under {b}", scale=alt.Scale(domain=[0, 1.2], clamp=True)),
        y=alt.Y("share_a:Q", title=f"sharpness under {a}", scale=alt.Scale(domain=[0, 1.2], clamp=True)),
        color=alt.Color("family:N") if "family" in t else alt.value(_BLUE),
        tooltip=_tooltip(t, keep),
    )
    return alt.layer(line, pts).properties(width=width, height=height, title=f"above the line: sharper under {a}")


def chain_chart(correlations: pd.DataFrame, width: int = 360, height: int = 200) -> alt.Chart:
    """Mean per-item correlation with log scale at each step of the downstream chain."""
    df = correlations[["step", "description", "per_item", "average"]].copy()
    order = list(df["description"])
    return (
        alt.Chart(named_data(df, "chain"))
        .mark_bar(color=_BLUE)
        .encode(
            y=alt.Y("description:N", sort=order, title=None),
            x=alt.X("per_item:Q", title="mean per-item correlation with log scale", scale=alt.Scale(domain=[0, 1])),
            tooltip=["description:N", alt.Tooltip("per_item:Q", format=".3f"), alt.Tooltip("average:Q", title="benchmark average", format=".3f")],
        )
        .properties(width=width, height=height, title="The downstream chain: correlation with scale at each step")
    )


def passuntil_chart(table: pd.DataFrame, width: int = CHART_WIDTH, height: int = 280) -> alt.LayerChart:
    """Pass rate against size, log scale: truth, fixed-budget estimates (zeros at the floor), PassUntil, the task law.

    ``table`` has ``N``, ``true``, ``fixed`` (fixed-budget estimate), ``floor``,
    ``passuntil`` and, optionally, ``law`` (fitted task law).
    """
    long = []
    for col, label in (("fixed", "fixed budget"), ("passuntil", "PassUntil")):
        d = table[["N", col]].rename(columns={col: "estimate"}).assign(method=label)
        d["reads_zero"] = d["estimate"] <= 0
        d["estimate"] = np.where(d["reads_zero"], table["floor"] / 3, d["estimate"])
        long.append(d)
    pts = pd.concat(long, ignore_index=True)
    x = _xlog("N", "model size N (parameters)")
    y = alt.Y("estimate:Q", title="pass rate (log scale)", scale=alt.Scale(type="log"))
    layers = [
        alt.Chart(named_data(table[["N", "true"]], "pu_truth")).mark_line(color=_GRAY, strokeDash=[2, 2]).encode(x=x, y=alt.Y("true:Q", scale=alt.Scale(type="log"))),
        alt.Chart(named_data(table[["N", "floor"]], "pu_floor")).mark_line(color=_GRAY, strokeDash=[6, 4]).encode(x=x, y=alt.Y("floor:Q", scale=alt.Scale(type="log"))),
    ]
    if "law" in table:
        layers.append(alt.Chart(named_data(table[["N", "law"]], "pu_law")).mark_line(color=_ORANGE, strokeWidth=2.5)
                      .encode(x=x, y=alt.Y("law:Q", scale=alt.Scale(type="log"))))
    layers.append(
        alt.Chart(named_data(pts, "pu_points")).mark_point(size=60, filled=True).encode(
            x=x, y=y, color=alt.Color("method:N", scale=alt.Scale(domain=["fixed budget", "PassUntil"], range=[_RED, _BLUE])),
            shape=alt.Shape("reads_zero:N", title="reads 0 (drawn below the floor)"),
            tooltip=["method:N", alt.Tooltip("N:Q", format=".3~e"), alt.Tooltip("estimate:Q", format=".3~e"), "reads_zero:N"],
        )
    )
    return alt.layer(*layers).properties(width=width, height=height,
                                         title="Dotted: true pass rate; dashed: 1/(samples) floor; orange: task law fitted to PassUntil")


@draws(DownstreamFit)
def loss_error_chart(result, width: int = 420, height: int = 280) -> alt.LayerChart:
    """Average downstream error against validation loss: fitted runs, held-out runs, the law and chance."""
    f = result.fit
    pts = pd.concat([f.fit_runs.assign(role="fitted"), f.holdout_runs.assign(role="held out")])
    keep = [c for c in ("loss", "error", "role", "N", "D", "model", "multiplier") if c in pts]
    pts = pts[keep].reset_index(drop=True)
    lo, hi = float(pts["loss"].min()) - 0.1, float(pts["loss"].max()) + 0.1
    grid = np.linspace(lo, hi, 80)
    curve = pd.DataFrame({"loss": grid, "law": f.law.predict(f.params, loss=grid)})
    chance = pd.DataFrame({"chance": [result.chance_error]})
    x = alt.X("loss:Q", title="validation loss (C4, nats/token)", scale=alt.Scale(zero=False))
    return alt.layer(
        alt.Chart(named_data(chance, "downstream_chance")).mark_rule(color=_GRAY, strokeDash=[5, 4]).encode(y=alt.Y("chance:Q")),
        alt.Chart(named_data(curve, "downstream_law")).mark_line(color=_ORANGE, strokeWidth=2.5).encode(
            x=x, y=alt.Y("law:Q", title=f"average top-1 error ({len(result.tasks)} tasks)", scale=alt.Scale(zero=False))),
        alt.Chart(named_data(pts, "downstream_runs")).mark_point(filled=True, size=45).encode(
            x=x, y=alt.Y("error:Q"), color=alt.Color("role:N", scale=alt.Scale(domain=["fitted", "held out"], range=[_BLUE, _RED])),
            tooltip=_tooltip(pts, keep)),
    ).properties(width=width, height=height, title="Err(L) = eps - k exp(-gamma L); dashed: random guessing")


@draws(PCAResult)
def pca_chart(pca, width: int = 300, height: int = 180) -> alt.Chart:
    """Share of variance explained by each principal component."""
    df = pd.DataFrame({"component": list(pca.loadings.columns), "share": pca.explained_variance_ratio})
    return (
        alt.Chart(named_data(df, "pca_variance")).mark_bar(color=_BLUE)
        .encode(x=alt.X("component:N", sort=None, title=None), y=alt.Y("share:Q", title="share of variance", axis=alt.Axis(format="%")),
                tooltip=["component:N", alt.Tooltip("share:Q", format=".1%")])
        .properties(width=width, height=height, title=f"{len(pca.scores)} models: PC1 explains {100 * pca.explained_variance_ratio[0]:.1f}%")
    )


@draws(ObservationalFit)
def observational_chart(result, width: int = 320, height: int = 300) -> alt.LayerChart:
    """Observed against predicted target; held-out (larger) models in red."""
    t = result.table
    keep = [c for c in ("model", "family", "C", "observed", "predicted", "role") if c in t]
    lo = float(min(t["observed"].min(), t["predicted"].min()))
    hi = float(max(t["observed"].max(), t["predicted"].max()))
    diag = pd.DataFrame({"x": [lo, hi], "y": [lo, hi]})
    return alt.layer(
        alt.Chart(named_data(diag, "obs_diagonal")).mark_line(color=_GRAY, strokeDash=[4, 3]).encode(x=alt.X("x:Q"), y=alt.Y("y:Q")),
        alt.Chart(named_data(t[keep], "obs_models")).mark_point(filled=True, size=45, opacity=0.8).encode(
            x=alt.X("predicted:Q", title=f"predicted {result.target}"), y=alt.Y("observed:Q", title=f"observed {result.target}"),
            color=alt.Color("role:N", scale=alt.Scale(domain=["fitted", "held out"], range=[_BLUE, _RED])),
            tooltip=_tooltip(t, keep)),
    ).properties(width=width, height=height, title="Sigmoid of principal components: held-out larger models in red")


@draws(InverseFit)
def inverse_chart(result, width: int = 420, height: int = 260, title: str | None = None) -> alt.LayerChart:
    """Measured points and the fitted broken power law (in the metric's own units)."""
    f = result.fit
    x = result.x
    s = f.fit_runs[x].to_numpy(float)
    y = result.ceiling - f.fit_runs["loss"].to_numpy(float) if result.higher_is_better else f.fit_runs["loss"].to_numpy(float)
    grid = np.logspace(np.log10(s.min()) - 0.3, np.log10(s.max()) + 0.5, 120)
    curve = pd.DataFrame({x: grid, "fit": result.predict(grid)})
    pts = pd.DataFrame({x: s, "score": y})
    xe = _xlog(x, {"N": "model size N (parameters)", "D": "tokens D", "C": "compute C (FLOPs)"}[x])
    return alt.layer(
        alt.Chart(named_data(curve, "inverse_fit")).mark_line(color=_ORANGE, strokeWidth=2.5).encode(x=xe, y=alt.Y("fit:Q", title="score", scale=alt.Scale(zero=False))),
        alt.Chart(named_data(pts, "inverse_points")).mark_point(filled=True, size=55, color=_BLUE).encode(x=xe, y=alt.Y("score:Q"),
                                                                                                           tooltip=[alt.Tooltip(f"{x}:Q", format=".3~e"), alt.Tooltip("score:Q", format=".4~g")]),
    ).properties(width=width, height=height, title=title or f"broken power law: {result.shape}")
