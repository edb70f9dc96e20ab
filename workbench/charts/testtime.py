"""Charts of the test-time compute lab: difficulty, coverage extrapolation, verifiers, FLOPs-matched comparisons."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..testtime.coverage import BetaBinomialFit, CoverageLawFit, ExtrapolationComparison, coverage_from_law
from ..testtime.flops import FlopsMatchedComparison
from ..testtime.verifier import VerifierCurve
from .data import named_data
from .registry import draws
from .theme import CHART_WIDTH

__all__ = [
    "side_by_side",
    "difficulty_chart",
    "difficulty_chart_data",
    "extrapolation_chart",
    "extrapolation_chart_data",
    "coverage_law_chart",
    "verifier_chart",
    "flops_matched_chart",
    "flops_curve_chart",
    "allocation_chart",
]

METHOD_COLORS = {"coverage law": "#f58518", "beta-binomial": "#54a24b", "truth": "#555555"}
_K_AXIS = alt.Axis(format="~s")


def side_by_side(*charts, resolve_color: str = "independent") -> alt.HConcatChart:
    """Charts placed side by side, each with its own colour scale."""
    return alt.hconcat(*charts).resolve_scale(color=resolve_color)


def difficulty_chart_data(distribution=None, *, counts=None, fit=None) -> dict[str, pd.DataFrame]:
    """The rows :func:`difficulty_chart` draws, by dataset name (``difficulty_hist``, ``difficulty_pdf``)."""
    p = np.linspace(0.005, 0.995, 100)
    out = {}
    if counts is not None:
        rate = (counts["c"] / counts["n"]).to_numpy(float)
        hist, edges = np.histogram(rate, bins=20, range=(0, 1), density=True)
        out["difficulty_hist"] = pd.DataFrame({"p0": edges[:-1], "p1": edges[1:], "density": hist})
    curves = []
    if distribution is not None:
        curves.append(pd.DataFrame({"p": p, "density": distribution.pdf(p), "source": "generating distribution"}))
    if fit is not None:
        curves.append(pd.DataFrame({"p": p, "density": fit.pdf(p), "source": "fitted Beta"}))
    if curves:
        cdf = pd.concat(curves, ignore_index=True)
        # the density diverges at p -> 0 for alpha < 1: cap what is drawn so the rest stays readable
        cap = max(5.0, float(np.nanquantile(cdf["density"], 0.9)) * 1.5)
        cdf["density"] = np.minimum(cdf["density"], cap)
        out["difficulty_pdf"] = cdf
    return out


def difficulty_chart(distribution=None, *, counts=None, fit=None, width: int = 300, height: int = 220,
                     title: str = "Per-problem success rates") -> alt.LayerChart:
    """Density of per-problem single-sample success rates ``p``.

    Draws the generating distribution (``distribution``: a Beta or logit-normal
    difficulty), a histogram of the observed rates ``c / n`` (``counts``) and a
    fitted Beta (``fit``: a :class:`~workbench.testtime.BetaBinomialFit`), as available.
    """
    data = difficulty_chart_data(distribution, counts=counts, fit=fit)
    layers = []
    if "difficulty_hist" in data:
        layers.append(
            alt.Chart(named_data(data["difficulty_hist"], "difficulty_hist")).mark_rect(color="#9ecae9", opacity=0.8).encode(
                x=alt.X("p0:Q", title="single-sample success rate p", scale=alt.Scale(domain=[0, 1])),
                x2="p1:Q",
                y=alt.Y("density:Q", title="density"),
                tooltip=[alt.Tooltip("p0:Q", title="from", format=".2f"), alt.Tooltip("p1:Q", title="to", format=".2f"),
                         alt.Tooltip("density:Q", format=".3g")],
            )
        )
    if "difficulty_pdf" in data:
        layers.append(
            alt.Chart(named_data(data["difficulty_pdf"], "difficulty_pdf")).mark_line(strokeWidth=2).encode(
                x=alt.X("p:Q", title="single-sample success rate p", scale=alt.Scale(domain=[0, 1])),
                y=alt.Y("density:Q", title="density"),
                color=alt.Color("source:N", title=None, scale=alt.Scale(
                    domain=["generating distribution", "fitted Beta"], range=["#555555", "#54a24b"])),
            )
        )
    if not layers:
        raise ArgumentError("difficulty_chart needs a distribution, counts or a fit to draw.")
    return alt.layer(*layers).properties(width=width, height=height, title=title)


def _extrapolation_frames(cmp):
    t = cmp.table
    curves = pd.concat([
        pd.DataFrame({"k": t["k"], "method": "coverage law", "coverage": t["law"], "lo": t["law_lo"], "hi": t["law_hi"]}),
        pd.DataFrame({"k": t["k"], "method": "beta-binomial", "coverage": t["beta_binomial"], "lo": t["bb_lo"], "hi": t["bb_hi"]}),
    ], ignore_index=True)
    if "truth" in t:
        curves = pd.concat([curves, pd.DataFrame({"k": t["k"], "method": "truth", "coverage": t["truth"],
                                                  "lo": t["truth"], "hi": t["truth"]})], ignore_index=True)
    obs = t.loc[t["observed"].notna(), ["k", "observed", "role"]].rename(columns={"observed": "coverage"})
    obs["role"] = np.where(obs["role"] == "fitted", "measured, fitted", "measured, held out")
    region = pd.DataFrame({"k0": [float(cmp.k_fit_max)], "k1": [float(t["k"].max())]})
    d = cmp.disagreement()
    gap = pd.DataFrame({"k": t["k"], "gap": t["gap"], "role": t["role"]})
    first = pd.DataFrame({"k": [float(d["first_k"])] if d["first_k"] else [], "label": ["they part"] if d["first_k"] else []})
    return curves, obs, region, gap, first


def extrapolation_chart_data(cmp) -> dict[str, pd.DataFrame]:
    """The rows :func:`extrapolation_chart` draws, by dataset name (to refill a live chart)."""
    curves, obs, region, gap, first = _extrapolation_frames(cmp)
    return {"coverage_curves": curves, "coverage_points": obs, "extrapolated_region": region,
            "extrapolation_gap": gap, "extrapolations_part": first}


@draws(ExtrapolationComparison)
def extrapolation_chart(cmp, *, width: int = CHART_WIDTH, height: int = 280, show_gap: bool = True,
                        title: str = "Coverage: measured, and extrapolated two ways") -> alt.TopLevelMixin:
    """Coverage against samples per problem ``k``: the measurements, the fitted coverage law and the
    beta-binomial prediction with their intervals, the extrapolated region shaded; below it (with
    ``show_gap``) the gap between the two extrapolations, with the ``k`` where they first part."""
    curves, obs, region, gap, first = _extrapolation_frames(cmp)
    xs = alt.Scale(type="log", nice=False)
    x = alt.X("k:Q", title="samples per problem k", scale=xs, axis=_K_AXIS)
    color = alt.Color("method:N", title="prediction", scale=alt.Scale(domain=list(METHOD_COLORS), range=list(METHOD_COLORS.values())))
    shade = alt.Chart(named_data(region, "extrapolated_region")).mark_rect(color="#f2f2f2", opacity=0.8).encode(
        x=alt.X("k0:Q", scale=xs), x2="k1:Q")
    band = alt.Chart(named_data(curves, "coverage_curves")).mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("lo:Q", title="coverage (share of problems solved)"), y2="hi:Q", color=color)
    lines = alt.Chart(named_data(curves, "coverage_curves")).mark_line(strokeWidth=2.2).encode(
        x=x, y=alt.Y("coverage:Q"), color=color,
        strokeDash=alt.StrokeDash("method:N", legend=None, scale=alt.Scale(
            domain=list(METHOD_COLORS), range=[[1, 0], [1, 0], [3, 3]])),
        tooltip=["method:N", alt.Tooltip("k:Q", format="~s"), alt.Tooltip("coverage:Q", format=".4f"),
                 alt.Tooltip("lo:Q", format=".4f"), alt.Tooltip("hi:Q", format=".4f")])
    pts = alt.Chart(named_data(obs, "coverage_points")).mark_point(filled=True, size=30, color="#4c78a8").encode(
        x=x, y="coverage:Q", shape=alt.Shape("role:N", title="measured", scale=alt.Scale(
            domain=["measured, fitted", "measured, held out"], range=["circle", "triangle-up"])),
        tooltip=[alt.Tooltip("k:Q", format="~s"), alt.Tooltip("coverage:Q", format=".4f"), "role:N"])
    top = alt.layer(shade, band, lines, pts).properties(width=width, height=height, title=title)
    if not show_gap:
        return top
    zero = alt.Chart(named_data(pd.DataFrame({"y": [0.0]}), "zero_line")).mark_rule(color="#999").encode(y="y:Q")
    gap_line = alt.Chart(named_data(gap, "extrapolation_gap")).mark_line(color="#b279a2", point=True).encode(
        x=x, y=alt.Y("gap:Q", title="law minus beta-binomial"),
        tooltip=[alt.Tooltip("k:Q", format="~s"), alt.Tooltip("gap:Q", format="+.4f"), "role:N"])
    part = alt.Chart(named_data(first, "extrapolations_part")).mark_rule(color="#e45756", strokeDash=[4, 3]).encode(
        x=alt.X("k:Q", scale=xs))
    bottom = alt.layer(shade, zero, gap_line, part).properties(width=width, height=110)
    return alt.vconcat(top, bottom).resolve_scale(color="independent", shape="independent")


def coverage_law_chart(a: float, b: float, points: dict | None = None, *, k_min: float = 1, k_max: float = 1e4,
                       width: int = 420, height: int = 260, title: str = "Coverage law log c(k) = a k^b") -> alt.LayerChart:
    """The law ``c(k) = exp(a k^b)`` (:func:`workbench.testtime.coverage_from_law`) over ``k_min .. k_max``
    with the points it was fitted through."""
    k = np.geomspace(k_min, k_max, 120)
    curve = pd.DataFrame({"k": k, "coverage": coverage_from_law(a, b, k)})
    xs = alt.Scale(type="log", nice=False)
    layers = [alt.Chart(named_data(curve, "law_curve")).mark_line(color="#f58518", strokeWidth=2.5).encode(
        x=alt.X("k:Q", title="samples per problem k", scale=xs, axis=_K_AXIS),
        y=alt.Y("coverage:Q", title="coverage", scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("k:Q", format="~s"), alt.Tooltip("coverage:Q", format=".3f")])]
    if points:
        pts = pd.DataFrame({"k": list(points), "coverage": list(points.values())})
        layers.append(alt.Chart(named_data(pts, "law_points")).mark_point(filled=True, size=80, color="#4c78a8").encode(
            x=alt.X("k:Q", scale=xs), y="coverage:Q",
            tooltip=[alt.Tooltip("k:Q", format="~s"), alt.Tooltip("coverage:Q", format=".3f")]))
    return alt.layer(*layers).properties(width=width, height=height, title=title)


@draws(VerifierCurve)
def verifier_chart(curve, *, width: int = CHART_WIDTH, height: int = 280,
                   title: str = "Resampling against an imperfect verifier") -> alt.LayerChart:
    """Accuracy, false positives and utility against attempts ``K``, with the accuracy ceiling and the best ``K``."""
    t = curve.table
    long = pd.concat([
        pd.DataFrame({"K": t["K"], "quantity": "accuracy", "value": t["accuracy"]}),
        pd.DataFrame({"K": t["K"], "quantity": "false positives", "value": t["false_positive"]}),
        pd.DataFrame({"K": t["K"], "quantity": "utility", "value": t["utility"]}),
    ], ignore_index=True)
    ceiling = pd.DataFrame({"y": [curve.ceiling], "label": [f"ceiling {curve.ceiling:.3f}"]})
    best_row = t.set_index("K").loc[curve.best_k]
    best = pd.DataFrame({"K": [curve.best_k], "value": [curve.best_utility], "accuracy": [best_row["accuracy"]],
                         "label": [f"best K = {curve.best_k}"]})
    xs = alt.Scale(type="log", nice=False)
    x = alt.X("K:Q", title="attempts K (stop at the first accepted sample)", scale=xs, axis=_K_AXIS)
    domain = ["accuracy", "false positives", "utility"]
    lines = alt.Chart(named_data(long, "verifier_curves")).mark_line(strokeWidth=2.2).encode(
        x=x, y=alt.Y("value:Q", title="share of problems / utility per problem"),
        color=alt.Color("quantity:N", title=None, scale=alt.Scale(domain=domain, range=["#4c78a8", "#e45756", "#54a24b"])),
        tooltip=["quantity:N", alt.Tooltip("K:Q"), alt.Tooltip("value:Q", format=".4f")])
    ceil = alt.Chart(named_data(ceiling, "verifier_ceiling")).mark_rule(color="#4c78a8", strokeDash=[6, 4]).encode(
        y="y:Q", tooltip=["label:N"])
    ceil_text = alt.Chart(named_data(ceiling, "verifier_ceiling")).mark_text(
        align="left", dy=-7, x=4, color="#4c78a8").encode(y="y:Q", text="label:N")
    best_rule = alt.Chart(named_data(best, "verifier_best")).mark_rule(color="#54a24b", strokeDash=[2, 3]).encode(
        x=alt.X("K:Q", scale=xs), tooltip=["label:N"])
    best_pt = alt.Chart(named_data(best, "verifier_best")).mark_point(filled=True, size=90, color="#54a24b").encode(
        x=alt.X("K:Q", scale=xs), y="value:Q", tooltip=["label:N", alt.Tooltip("value:Q", title="utility", format=".4f")])
    best_text = alt.Chart(named_data(best, "verifier_best")).mark_text(align="left", dx=6, dy=-8, color="#54a24b").encode(
        x=alt.X("K:Q", scale=xs), y="value:Q", text="label:N")
    return alt.layer(lines, ceil, ceil_text, best_rule, best_pt, best_text).properties(width=width, height=height, title=title)


@draws(FlopsMatchedComparison)
def flops_matched_chart(cmp, *, width: int = 420, height: int = 260, title: str | None = None) -> alt.Chart:
    """Success of the small model's ``k`` samples and the large model's one, by difficulty bin."""
    b = cmp.by_difficulty
    long = pd.concat([
        pd.DataFrame({"bin": b["bin"], "who": "small model x k", "success": b["small_k"], "n_problems": b["n_problems"]}),
        pd.DataFrame({"bin": b["bin"], "who": "large model x 1", "success": b["large_1"], "n_problems": b["n_problems"]}),
    ], ignore_index=True)
    order = list(b["bin"])
    title = title or "Equal inference FLOPs, by problem difficulty"
    return (alt.Chart(named_data(long, "flops_matched")).mark_bar().encode(
        x=alt.X("bin:N", title="difficulty bin (large model's pass@1; hardest left)", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("who:N", sort=["small model x k", "large model x 1"]),
        y=alt.Y("success:Q", title="share solved", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("who:N", title=None, scale=alt.Scale(domain=["small model x k", "large model x 1"],
                                                             range=["#f58518", "#4c78a8"])),
        tooltip=["bin:N", "who:N", alt.Tooltip("success:Q", format=".3f"), "n_problems:Q"],
    ).properties(width=width, height=height, title=title))


def flops_curve_chart(table: pd.DataFrame, *, width: int = 420, height: int = 260,
                      title: str = "Smaller models with more samples, at the FLOPs of one large sample") -> alt.LayerChart:
    """Mean success against the small model's size at equal inference FLOPs (from :func:`flops_matched_curve`)."""
    long = pd.concat([
        pd.DataFrame({"N_small": table["N_small"], "k": table["k"], "what": "small model, k samples (equal FLOPs)", "success": table["small_k"]}),
        pd.DataFrame({"N_small": table["N_small"], "k": table["k"], "what": "small model, 1 sample", "success": table["small_1"]}),
        pd.DataFrame({"N_small": table["N_small"], "k": table["k"], "what": "large model, 1 sample", "success": table["large_1"]}),
    ], ignore_index=True)
    domain = ["small model, k samples (equal FLOPs)", "small model, 1 sample", "large model, 1 sample"]
    return (alt.Chart(named_data(long, "flops_curve")).mark_line(point=True).encode(
        x=alt.X("N_small:Q", title="small model size (parameters)", scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format="~s")),
        y=alt.Y("success:Q", title="share solved", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=domain, range=["#f58518", "#fdbf6f", "#4c78a8"])),
        tooltip=["what:N", alt.Tooltip("N_small:Q", format=".3~s"), "k:Q", alt.Tooltip("success:Q", format=".3f")],
    ).properties(width=width, height=height, title=title))


def allocation_chart(table: pd.DataFrame, *, width: int = 300, height: int = 220) -> alt.HConcatChart:
    """Model size and tokens per parameter against lifetime inference tokens.

    ``table`` is :meth:`workbench.compute.InferencePlan.to_frame` of
    :func:`workbench.compute.inference_optimum` over several inference demands.
    """
    df = table.copy()
    x = alt.X("inference_tokens:Q", title="lifetime inference tokens", scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format="~e"))
    tip = [alt.Tooltip("inference_tokens:Q", format=".3~e"), alt.Tooltip("N:Q", format=".3~s"),
           alt.Tooltip("tokens_per_parameter:Q", format=".1f"), alt.Tooltip("saving:Q", format=".1%")]
    left = alt.Chart(named_data(df, "allocation")).mark_line(point=True, color="#4c78a8").encode(
        x=x, y=alt.Y("N:Q", title="parameters N", scale=alt.Scale(type="log", nice=False), axis=alt.Axis(format="~s")),
        tooltip=tip).properties(width=width, height=height, title="Smaller model ...")
    right = alt.Chart(named_data(df, "allocation")).mark_line(point=True, color="#f58518").encode(
        x=x, y=alt.Y("tokens_per_parameter:Q", title="training tokens per parameter", scale=alt.Scale(type="log", nice=False)),
        tooltip=tip).properties(width=width, height=height, title="... trained far longer")
    return alt.hconcat(left, right)


@draws(BetaBinomialFit)
def beta_binomial_chart(fit, **kwargs) -> alt.LayerChart:
    """The fitted Beta density of per-problem success rates (:func:`difficulty_chart`)."""
    return difficulty_chart(fit=fit, **kwargs)


@draws(CoverageLawFit)
def coverage_fit_chart(fit, **kwargs) -> alt.LayerChart:
    """A fitted coverage law over its measured ``k`` and ten times beyond, with the measured coverage."""
    t = fit.table[fit.table["role"] != "dropped"]
    return coverage_law_chart(fit.a, fit.b, dict(zip(t["k"], t["coverage"])), k_min=1, k_max=10 * float(t["k"].max()),
                              **kwargs)
