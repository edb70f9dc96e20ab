"""Charts of the superposition toys: loss against width with the fitted slope and the ``1/m``
reference, feature norms, overlap against ``1/m``, training curves, and the two-dimensional
feature geometry and dimensions per feature of Elhage et al.'s toy models.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..toys.elhage import ToyModelsResult
from ..toys.superposition import SuperpositionResult, width_fits
from .data import named_data
from .registry import draws

__all__ = [
    "loss_vs_width_chart",
    "feature_norms_chart",
    "overlap_chart",
    "training_curves_chart",
    "superposition_dashboard",
    "geometry_chart",
    "dims_per_feature_chart",
    "width_label",
]

MAX_MARKS = 5000


def width_label(m) -> str:
    return f"m = {int(m)}"


def _regime(g: float) -> str:
    return "strong (γ < 0)" if g < 0 else ("weak (γ > 0)" if g > 0 else "no decay (γ = 0)")


def loss_vs_width_chart(runs: pd.DataFrame, width: int = 420, height: int = 300, title: str | None = None) -> alt.LayerChart:
    """Loss (summed over features) against width ``m`` on log–log axes, with the power law of each
    weight decay (:func:`workbench.toys.superposition.width_fits`) and the ``1/m`` reference
    (slope −1, anchored at the geometric mean of the strong-regime runs).

    ``runs`` is :attr:`SuperpositionResult.runs` (columns ``N``, ``loss``, ``weight_decay``, ``seed``).
    """
    runs = runs.copy()
    runs["regime"] = [f"γ = {g:g}, {_regime(g)}" for g in runs["weight_decay"]]
    cols = [c for c in ["N", "loss", "seed", "weight_decay", "regime", "represented_fraction", "mean_squared_overlap",
                        "unrepresented_loss"] if c in runs]
    pts = runs[cols].reset_index(drop=True)
    slopes = width_fits(runs)
    parts = []
    for g, f in slopes.items():
        m = runs.loc[np.isclose(runs["weight_decay"], g), "N"]
        xs = np.geomspace(m.min(), m.max(), 30)
        parts.append(pd.DataFrame({"N": xs, "loss": f.predict(xs), "series": f"fit, γ = {g:g}: slope {f.slope:.2f}"}))
    lines = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"N": [], "loss": [], "series": []})
    strong = runs[runs["weight_decay"] < 0] if (runs["weight_decay"] < 0).any() else runs
    anchor_m = float(np.exp(np.log(strong["N"]).mean()))
    anchor_l = float(np.exp(np.log(strong["loss"].clip(lower=1e-12)).mean()))
    ms = np.geomspace(runs["N"].min(), runs["N"].max(), 30)
    ref = pd.DataFrame({"N": ms, "loss": anchor_l * anchor_m / ms, "series": "reference: loss ∝ 1/m"})
    xs = alt.Scale(type="log", nice=False, padding=10)
    ys = alt.Scale(type="log", nice=False, zero=False, padding=10)
    x = alt.X("N:Q", title="width m (hidden dimensions)", scale=xs)
    y = alt.Y("loss:Q", title="loss (summed over features)", scale=ys)
    line_color = alt.Color("series:N", title="lines", scale=alt.Scale(scheme="dark2"))
    ref_layer = alt.Chart(named_data(ref, "superposition_reference")).mark_line(strokeDash=[5, 4], color="gray").encode(
        x=x, y=y, detail="series:N", tooltip=["series:N"])
    fit_layer = alt.Chart(named_data(lines, "superposition_fit")).mark_line(strokeWidth=2).encode(
        x=x, y=y, color=line_color, tooltip=["series:N"])
    pt_layer = alt.Chart(named_data(pts, "superposition_runs")).mark_point(filled=True, size=50, opacity=0.85).encode(
        x=x, y=y, shape=alt.Shape("regime:N", title="weight decay"),
        tooltip=[alt.Tooltip(f"{c}:Q", format=".4~g") if c != "regime" else alt.Tooltip("regime:N") for c in pts.columns])
    if title is None:
        title = "Loss vs width" + ("".join(f"  ·  γ = {g:g}: slope {f.slope:.2f}" for g, f in slopes.items()))
    return alt.layer(ref_layer, fit_layer, pt_layer).properties(width=width, height=height, title=title).resolve_scale(
        color="independent", shape="independent")


def feature_norms_chart(norms: pd.DataFrame, width: int = 420, height: int = 300, title: str | None = None) -> alt.LayerChart:
    """Row norms ``‖W_i‖`` against feature rank ``i`` (log axis: frequent features on the left),
    one colour per width, with the represented threshold ``‖W_i‖ = 1/2``.

    ``norms`` is :meth:`SuperpositionResult.norms`. Beyond :data:`MAX_MARKS` marks, ranks are
    thinned to a log-spaced subset.
    """
    df = norms.copy()
    if len(df) > MAX_MARKS:
        n = int(df["feature"].max())
        keep = np.unique(np.geomspace(1, n, max(10, MAX_MARKS // max(1, df.groupby(["m", "seed", "weight_decay"]).ngroups))).astype(int))
        df = df[df["feature"].isin(keep)]
    df["width"] = [width_label(m) for m in df["m"]]
    df["regime"] = [_regime(g) for g in df["weight_decay"]]
    df = df[["feature", "norm", "m", "width", "seed", "weight_decay", "regime", "frequency"]].reset_index(drop=True)
    thr = pd.DataFrame({"norm": [0.5], "label": ["represented: ‖W_i‖ > 1/2"]})
    x = alt.X("feature:Q", title="feature rank i (frequency p_i ∝ i^−α)", scale=alt.Scale(type="log", nice=False))
    sort = sorted(df["m"].unique())
    pts = alt.Chart(named_data(df, "superposition_norms")).mark_circle(size=14, opacity=0.6).encode(
        x=x, y=alt.Y("norm:Q", title="feature norm ‖W_i‖"),
        color=alt.Color("width:N", title="width", sort=[width_label(m) for m in sort], scale=alt.Scale(scheme="viridis")),
        shape=alt.Shape("regime:N", title="weight decay"),
        tooltip=["feature:Q", alt.Tooltip("norm:Q", format=".3f"), "width:N", "regime:N", alt.Tooltip("frequency:Q", format=".3~e")])
    rule = alt.Chart(named_data(thr, "superposition_norm_threshold")).mark_rule(strokeDash=[4, 3], color="gray").encode(
        y="norm:Q", tooltip=["label:N"])
    return alt.layer(rule, pts).properties(width=width, height=height, title=title or "Feature norms (strong: all ≈ 1; weak: rare features dropped)")


def overlap_chart(runs: pd.DataFrame, width: int = 300, height: int = 300, title: str | None = None) -> alt.LayerChart:
    """Mean squared overlap of the normalised represented rows against ``1/m``, with the line
    ``overlap = 1/m`` (what random directions give, and what strong superposition keeps)."""
    df = runs[["N", "inverse_width", "mean_squared_overlap", "weight_decay", "seed"]].dropna().reset_index(drop=True)
    df["regime"] = [_regime(g) for g in df["weight_decay"]]
    lo = float(min(df["inverse_width"].min(), df["mean_squared_overlap"].min())) if len(df) else 0.01
    hi = float(max(df["inverse_width"].max(), df["mean_squared_overlap"].max())) if len(df) else 0.1
    diag = pd.DataFrame({"inverse_width": [lo, hi], "mean_squared_overlap": [lo, hi], "label": ["overlap = 1/m"] * 2})
    scale = alt.Scale(type="log", nice=False, padding=10)
    x = alt.X("inverse_width:Q", title="1/m", scale=scale)
    y = alt.Y("mean_squared_overlap:Q", title="mean squared overlap ⟨(Ŵ_i·Ŵ_j)²⟩", scale=scale)
    line = alt.Chart(named_data(diag, "superposition_overlap_reference")).mark_line(strokeDash=[5, 4], color="gray").encode(
        x=x, y=y, tooltip=["label:N"])
    pts = alt.Chart(named_data(df, "superposition_overlap")).mark_point(filled=True, size=50).encode(
        x=x, y=y, shape=alt.Shape("regime:N", title="weight decay"), color=alt.Color("regime:N", legend=None),
        tooltip=["N:Q", alt.Tooltip("mean_squared_overlap:Q", format=".4f"), alt.Tooltip("inverse_width:Q", format=".4f"),
                 "regime:N"])
    return alt.layer(line, pts).properties(width=width, height=height, title=title or "Interference vs 1/m")


def training_curves_chart(history: pd.DataFrame, width: int = 420, height: int = 220, title: str | None = None) -> alt.Chart:
    """Training loss against step, one line per width (and weight decay); log–log axes."""
    df = history.copy()
    df["width"] = [width_label(m) for m in df["m"]]
    df["regime"] = [_regime(g) for g in df["weight_decay"]]
    df["run"] = df["width"] + ", " + df["regime"] + ", seed " + df["seed"].astype(str)
    df = df[["step", "loss", "width", "regime", "run", "m"]].reset_index(drop=True)
    sort = [width_label(m) for m in sorted(df["m"].unique())]
    return alt.Chart(named_data(df, "superposition_history")).mark_line().encode(
        x=alt.X("step:Q", title="training step", scale=alt.Scale(type="log", nice=False)),
        y=alt.Y("loss:Q", title="training loss", scale=alt.Scale(type="log", zero=False, nice=False)),
        color=alt.Color("width:N", sort=sort, scale=alt.Scale(scheme="viridis"), title="width"),
        strokeDash=alt.StrokeDash("regime:N", title="weight decay"),
        detail="run:N", tooltip=["run:N", "step:Q", alt.Tooltip("loss:Q", format=".4f")],
    ).properties(width=width, height=height, title=title or "Training curves")


def superposition_dashboard(runs: pd.DataFrame, norms: pd.DataFrame, title: str | None = None) -> alt.VConcatChart:
    """Loss vs width | overlap vs 1/m, above the feature norms."""
    top = alt.hconcat(loss_vs_width_chart(runs), overlap_chart(runs)).resolve_scale(shape="independent", color="independent")
    chart = alt.vconcat(top, feature_norms_chart(norms)).resolve_scale(shape="independent", color="independent")
    return chart.properties(title=title) if title else chart


# --------------------------------------------------------------------------------- Elhage et al.
def geometry_chart(features: pd.DataFrame, sparsity: float | None = None, size: int = 260,
                   title: str | None = None) -> alt.LayerChart:
    """Feature directions ``W_i`` of a width-2 model as spokes from the origin, coloured by
    importance (Elhage et al. 2022, figure 2). ``features`` is :meth:`ToyModelsResult.features`
    (or :func:`workbench.toys.elhage.feature_table` output); with several sparsities, pass
    ``sparsity`` to draw one (else each is drawn in its own facet)."""
    df = features.copy()
    if "sparsity" in df and sparsity is not None:
        s = df["sparsity"].to_numpy()
        df = df[np.isclose(s, s[np.argmin(np.abs(s - sparsity))])]
    if "sparsity" not in df:
        df["sparsity"] = np.nan
    df = df[["feature", "importance", "norm", "x", "y", "angle", "superposition", "sparsity"]].reset_index(drop=True)
    df["label"] = [f"feature {int(i)}" for i in df["feature"]]
    df["x0"] = 0.0
    df["y0"] = 0.0
    dom = [-1.6, 1.6]
    x = alt.X("x:Q", scale=alt.Scale(domain=dom), title=None, axis=alt.Axis(values=[-1, 0, 1]))
    y = alt.Y("y:Q", scale=alt.Scale(domain=dom), title=None, axis=alt.Axis(values=[-1, 0, 1]))
    color = alt.Color("importance:Q", title="importance", scale=alt.Scale(scheme="goldred", reverse=False))
    tip = ["label:N", alt.Tooltip("importance:Q", format=".3f"), alt.Tooltip("norm:Q", format=".3f"),
           alt.Tooltip("angle:Q", format=".1f"), alt.Tooltip("superposition:Q", format=".3f")]
    spokes = alt.Chart().mark_rule(strokeWidth=2.5).encode(
        x=alt.X("x0:Q", scale=alt.Scale(domain=dom), title=None), y=alt.Y("y0:Q", scale=alt.Scale(domain=dom), title=None),
        x2="x:Q", y2="y:Q", color=color, tooltip=tip)
    tips = alt.Chart().mark_point(filled=True, size=70).encode(x=x, y=y, color=color, tooltip=tip)
    features = alt.layer(spokes, tips, data=named_data(df, "elhage_features"))
    if sparsity is None and df["sparsity"].nunique() > 1:
        return features.properties(width=size, height=size).facet(
            facet=alt.Facet("sparsity:Q", title="sparsity S"), columns=4).properties(
            title=title or "Feature directions in two dimensions")
    circle = pd.DataFrame({"t": np.linspace(0, 2 * np.pi, 73)})
    circle["x"], circle["y"] = np.cos(circle["t"]), np.sin(circle["t"])
    ring = alt.Chart(named_data(circle, "elhage_unit_circle")).mark_line(color="#ddd", strokeDash=[3, 3]).encode(
        x=x, y=y, order="t:Q")
    return alt.layer(ring, features).properties(width=size, height=size,
                                                title=title or "Feature directions in two dimensions")


def dims_per_feature_chart(runs: pd.DataFrame, width: int = 420, height: int = 280, title: str | None = None) -> alt.LayerChart:
    """Dimensions per feature ``m/‖W‖_F²`` against ``1/(1 − S)`` (log axis), with reference
    lines at 1 (one feature per dimension), 1/2 (antipodal pairs), 2/5 (pentagons) and ``m/n``
    (every feature represented) — Elhage et al. 2022, "feature dimensionality"."""
    df = runs[["sparsity", "inverse_density", "dims_per_feature", "seed", "loss", "n_represented"]].reset_index(drop=True)
    m, n = int(runs["m"].iloc[0]), int(runs["n_features"].iloc[0])
    refs = pd.DataFrame({"dims_per_feature": [1.0, 0.5, 0.4, m / n],
                         "label": ["1: one feature per dimension", "1/2: antipodal pairs", "2/5: pentagons",
                                   f"m/n = {m}/{n}: every feature in"]})
    x = alt.X("inverse_density:Q", title="1/(1 − S)  (sparsity S)", scale=alt.Scale(type="log", nice=False))
    y = alt.Y("dims_per_feature:Q", title="dimensions per feature  m/‖W‖²_F", scale=alt.Scale(zero=True))
    rules = alt.Chart(named_data(refs, "elhage_dims_reference")).mark_rule(strokeDash=[4, 3], color="#bbb").encode(
        y="dims_per_feature:Q", tooltip=["label:N"])
    pts = alt.Chart(named_data(df, "elhage_dims")).mark_point(filled=True, size=45).encode(
        x=x, y=y, color=alt.Color("seed:N", title="seed"),
        tooltip=[alt.Tooltip("sparsity:Q", format=".4f"), alt.Tooltip("dims_per_feature:Q", format=".3f"),
                 "n_represented:Q", alt.Tooltip("loss:Q", format=".4g"), "seed:N"])
    return alt.layer(rules, pts).properties(width=width, height=height,
                                            title=title or f"Dimensions per feature (n = {n}, m = {m})")


@draws(SuperpositionResult)
def superposition_chart(result, **kwargs) -> alt.LayerChart:
    """Loss against width with the fitted slope and the ``1/m`` reference (:func:`loss_vs_width_chart`)."""
    return loss_vs_width_chart(result.runs, **kwargs)


@draws(ToyModelsResult)
def toy_models_chart(result, **kwargs) -> alt.LayerChart:
    """The two-dimensional feature directions (``m = 2``) or dimensions per feature."""
    if result.settings["width"] == 2:
        return geometry_chart(result.features(), **kwargs)
    return dims_per_feature_chart(result.runs, **kwargs)
