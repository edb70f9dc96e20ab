"""Panels of the test-time compute lab: coverage extrapolation, imperfect verifiers, FLOPs-matched sampling.

Each panel's update calls :mod:`workbench.testtime` and a chart builder of
:mod:`workbench.charts.testtime`; no science lives here.
"""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..charts.data import refill
from ..charts.testtime import (
    side_by_side,
    difficulty_chart,
    difficulty_chart_data,
    extrapolation_chart,
    extrapolation_chart_data,
    flops_curve_chart,
    flops_matched_chart,
    verifier_chart,
)
from ..testtime import (
    BetaDifficulty,
    LogitAbilityLaw,
    compare_extrapolations,
    difficulty,
    flops_matched_comparison,
    flops_matched_curve,
    generate_counts,
    k_grid,
    samples_at_equal_flops,
    verifier_curve,
)
from .panel import Panel, View, log_slider

__all__ = ["coverage_panel", "verifier_panel", "flops_panel"]

_STYLE = {"description_width": "initial"}
_WIDE = w.Layout(width="460px")


def _slider(description, value, lo, hi, step, fmt=".2f"):
    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, readout_format=fmt,
                         continuous_update=True, style=_STYLE, layout=_WIDE)


def _choice(description, options, value):
    return w.SelectionSlider(options=options, value=value, description=description, continuous_update=True,
                             style=_STYLE, layout=_WIDE)


# ---------------------------------------------------------------------------------------------
def coverage_panel(*, distribution: str = "beta", strength: float = 0.2, tail: float = 0.3, spread: float = 2.0,
                   problems: int = 500, fit_samples: int = 100, k_max: int = 10_000, seed: int = 0,
                   bootstrap: int = 100) -> Panel:
    """Generate per-problem data, fit the coverage law and the beta-binomial on a small budget, extrapolate.

    Controls: the difficulty distribution (Beta or logit-normal), the model's
    strength (mean pass@1), the shape of the distribution (the Beta's left-tail
    exponent alpha, or the logit-normal's spread sigma), the number of problems,
    the samples per problem the fits may see (the law is fitted on
    ``k <= fit budget``), how far to extrapolate, and the seed. The reference at
    large ``k`` is the exact coverage of the generated problems,
    ``mean_i 1 - (1 - p_i)^k``.
    """
    controls = {
        "distribution": w.Dropdown(options=[("Beta (power-law left tail)", "beta"), ("logit-normal", "logit-normal")],
                                   value=distribution, description="difficulty distribution", style=_STYLE, layout=_WIDE),
        "strength": _slider("model strength: mean pass@1", strength, 0.02, 0.8, 0.01),
        "tail": _slider("Beta tail exponent alpha (small: many near-impossible problems)", tail, 0.1, 2.0, 0.05),
        "spread": _slider("logit-normal spread sigma (logits)", spread, 0.5, 4.0, 0.1),
        "problems": _choice("problems", [50, 100, 200, 500, 1000, 2000], problems),
        "fit_samples": _choice("samples per problem (fit budget; law fitted on k <= this)", [10, 20, 50, 100, 200, 500, 1000], fit_samples),
        "k_max": _choice("extrapolate to k =", [1000, 10_000, 100_000], k_max),
        "seed": w.IntSlider(value=seed, min=0, max=20, description="seed", style=_STYLE, layout=_WIDE),
    }

    template: dict = {}

    def update(state: dict) -> View:
        shape = state["tail"] if state["distribution"] == "beta" else state["spread"]
        dist = difficulty(state["distribution"], state["strength"], shape)
        counts = generate_counts(int(state["problems"]), int(state["fit_samples"]), dist, seed=int(state["seed"]))
        ks = k_grid(max(int(state["k_max"]), int(state["fit_samples"])), per_decade=10)
        cmp = compare_extrapolations(counts, None, k=ks, bootstrap=bootstrap, seed=int(state["seed"]))
        chart = template.get("chart")
        if chart is None:  # built once; later moves only swap its rows (composing it costs ~150 ms)
            chart = template["chart"] = side_by_side(
                extrapolation_chart(cmp, width=420, height=250),
                difficulty_chart(dist, counts=counts, fit=cmp.beta_fit, width=260, height=200),
            )
        else:
            refill(chart, **extrapolation_chart_data(cmp),
                   **difficulty_chart_data(dist, counts=counts, fit=cmp.beta_fit))
        t = cmp.table
        end = t.iloc[-1]
        errors, gap = cmp.errors(), cmp.disagreement()
        law, bb = cmp.law_fit, cmp.beta_fit
        text = (
            "<div class='coverage-readout'>"
            f"<p><b>{html.escape(dist.describe())}</b>; {int(state['problems'])} problems, "
            f"{int(state['fit_samples'])} samples each.</p>"
            f"<p>Coverage law: a = {law.a:.3f}, b = {law.b:.3f} &middot; beta-binomial: alpha = {bb.alpha:.3f} "
            f"&plusmn; {bb.stderr['alpha']:.3f}, beta = {bb.beta:.3f} &plusmn; {bb.stderr['beta']:.3f}</p>"
            f"<p>At k = {int(end['k']):,}: truth <b>{end['reference']:.3f}</b>, law <b>{end['law']:.3f}</b> "
            f"[{end['law_lo']:.3f}, {end['law_hi']:.3f}], beta-binomial <b>{end['beta_binomial']:.3f}</b> "
            f"[{end['bb_lo']:.3f}, {end['bb_hi']:.3f}].</p>"
            + (f"<p>Held-out mean |error|: law {errors['law']['mean_abs_error']:.4f}, beta-binomial "
               f"{errors['beta_binomial']['mean_abs_error']:.4f}. " if errors["law"]["mean_abs_error"] is not None else "<p>")
            + (f"The two extrapolations part (by &gt; 0.02 and &gt; 2 s.e.) from k = {gap['first_k']:,}.</p>"
               if gap["first_k"] else "They never part significantly.</p>")
            + "</div>"
        )
        numbers = {
            "law": law.params, "beta_binomial": bb.params, "beta_binomial_stderr": bb.stderr,
            "k_end": int(end["k"]), "truth_at_end": float(end["reference"]), "law_at_end": float(end["law"]),
            "beta_binomial_at_end": float(end["beta_binomial"]),
            "law_holdout_mean_abs_error": errors["law"]["mean_abs_error"],
            "beta_binomial_holdout_mean_abs_error": errors["beta_binomial"]["mean_abs_error"],
            "first_k_apart": gap["first_k"], "max_gap": gap["max_gap"],
        }
        return View(chart=chart, text=text, numbers=numbers)

    return Panel(controls, update, title="Coverage: fit on a small budget, extrapolate to many samples")


# ---------------------------------------------------------------------------------------------
def verifier_panel(*, accuracy: float = 0.5, evenness: float = 1.0, completeness: float = 1.0, soundness: float = 0.75,
                   fp_cost: float = 1.0, k_max: int = 1000) -> Panel:
    """Accuracy against attempts with an imperfect verifier, its ceiling, and the best number of attempts.

    Controls: the mean single-sample accuracy over problems, how alike the
    problems are (Beta shape alpha of per-problem accuracies; large: all
    alike), the verifier's completeness c and soundness s, the cost of a
    false positive (reward of a correct answer = 1) and the largest ``K``.
    """
    controls = {
        "accuracy": _slider("single-sample accuracy r (mean over problems)", accuracy, 0.02, 0.98, 0.01),
        "evenness": log_slider("how alike problems are (Beta alpha; large = identical)", evenness, 0.1, 100.0, step=0.1),
        "completeness": _slider("verifier completeness c (correct samples accepted)", completeness, 0.0, 1.0, 0.01),
        "soundness": _slider("verifier soundness s (wrong samples rejected)", soundness, 0.0, 1.0, 0.01),
        "fp_cost": _slider("cost of a false positive (reward of a correct answer = 1)", fp_cost, 0.0, 10.0, 0.1),
        "k_max": _choice("largest K", [10, 100, 1000, 10_000], k_max),
    }

    def update(state: dict) -> View:
        dist = BetaDifficulty.from_mean(state["accuracy"], state["evenness"])
        curve = verifier_curve(dist, state["completeness"], state["soundness"], fp_cost=state["fp_cost"],
                               k_max=int(state["k_max"]))
        t = curve.table.set_index("K")
        reach = curve.k_to_reach
        text = (
            "<div class='verifier-readout'>"
            f"<p>Accuracy ceiling <b>{curve.ceiling:.3f}</b> = c r / (c r + (1 - s)(1 - r)), averaged over problems "
            f"(single sample: {float(t['accuracy'].iloc[0]):.3f}); 90% of it reached at K = {reach[0.9]}.</p>"
            f"<p>Best K for false-positive cost {curve.fp_cost:g}: <b>{curve.best_k}</b> "
            f"(utility {curve.best_utility:.3f}, accuracy {float(t.loc[curve.best_k, 'accuracy']):.3f}, "
            f"false positives {float(t.loc[curve.best_k, 'false_positive']):.3f})"
            + (" &mdash; utility never falls with K here, so this is where it levels off" if curve.rising else "")
            + (" &mdash; every K loses: better to abstain" if curve.best_utility < 0 else "")
            + ".</p></div>"
        )
        numbers = {"ceiling": curve.ceiling, "best_k": curve.best_k, "best_utility": curve.best_utility,
                   "rising": curve.rising, "accuracy_at_best": float(t.loc[curve.best_k, "accuracy"])}
        return View(chart=verifier_chart(curve), text=text, numbers=numbers)

    return Panel(controls, update, title="Imperfect verifiers: accuracy ceiling and the best number of attempts")


# ---------------------------------------------------------------------------------------------
def flops_panel(*, N_large: float = 70e9, ratio: float = 14.0, strength: float = 0.4, spread: float = 2.0,
                slope: float = 2.5, completeness: float = 1.0, soundness: float = 1.0) -> Panel:
    """A small model with ``k = N_large / N_small`` samples against a large model with one, at equal FLOPs.

    Per-problem pass rates come from a :class:`~workbench.testtime.LogitAbilityLaw`: the
    large model's logit pass rates are logit-normal (its mean pass@1 and spread are
    controls) and a model ``10x`` smaller loses ``slope`` logits on every problem.
    With ``c = s = 1`` the verifier is perfect (success = coverage).
    """
    controls = {
        "N_large": log_slider("large model size (parameters)", N_large, 1e9, 1e12),
        "ratio": log_slider("how many times smaller the small model is (= samples k)", ratio, 1.0, 1000.0),
        "strength": _slider("large model's mean pass@1", strength, 0.02, 0.95, 0.01),
        "spread": _slider("spread of problem difficulty (logits)", spread, 0.5, 4.0, 0.1),
        "slope": _slider("logit gain per 10x parameters", slope, 0.5, 5.0, 0.1),
        "completeness": _slider("verifier completeness c", completeness, 0.0, 1.0, 0.01),
        "soundness": _slider("verifier soundness s (1 with c = 1: perfect)", soundness, 0.0, 1.0, 0.01),
    }

    def update(state: dict) -> View:
        N_l = float(state["N_large"])
        N_s = N_l / float(state["ratio"])
        law = LogitAbilityLaw.from_distribution(difficulty("logit-normal", state["strength"], state["spread"]),
                                                slope=state["slope"], N_ref=N_l)
        k = int(samples_at_equal_flops(N_s, N_l))
        verifier = (state["completeness"], state["soundness"])
        cmp = flops_matched_comparison(law.pass_rates(N_s), law.pass_rates(N_l), k, verifier=verifier,
                                       N_small=N_s, N_large=N_l)
        curve = flops_matched_curve(law, N_l, N_l / np.geomspace(1, 1000, 13), verifier=verifier)
        chart = side_by_side(flops_matched_chart(cmp, width=330), flops_curve_chart(curve, width=330))
        b = cmp.by_difficulty
        text = (
            "<div class='flops-readout'>"
            f"<p>{N_s:.3g}-parameter model &times; <b>{k}</b> samples vs {N_l:.3g} &times; 1, each "
            f"{2 * N_l:.3g} FLOPs per token of answer: <b>{cmp.small_k:.3f}</b> vs <b>{cmp.large_1:.3f}</b> solved; "
            f"the small model wins on {100 * cmp.share_small_wins:.0f}% of problems.</p>"
            f"<p>Hardest fifth: {b['small_k'].iloc[0]:.3f} vs {b['large_1'].iloc[0]:.3f}; easiest fifth: "
            f"{b['small_k'].iloc[-1]:.3f} vs {b['large_1'].iloc[-1]:.3f}.</p></div>"
        )
        numbers = {"k": k, "small_k": cmp.small_k, "large_1": cmp.large_1, "share_small_wins": cmp.share_small_wins,
                   "hardest_bin": (float(b["small_k"].iloc[0]), float(b["large_1"].iloc[0])),
                   "easiest_bin": (float(b["small_k"].iloc[-1]), float(b["large_1"].iloc[-1]))}
        return View(chart=chart, text=text, numbers=numbers)

    return Panel(controls, update, title="Equal inference FLOPs: a small model sampled k times vs a large model once")
