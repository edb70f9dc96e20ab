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
from ..format import Quantity, fmt, number, percent
from .panel import Panel, View, log_slider, readout_html

__all__ = ["coverage_panel", "verifier_panel", "flops_panel"]

def _slider(description, value, lo, hi, step, fmt=".2f"):
    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=description, readout_format=fmt,
                         continuous_update=True)


def _choice(description, options, value):
    return w.SelectionSlider(options=options, value=value, description=description, continuous_update=True)


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
                                   value=distribution, description="difficulty"),
        "strength": _slider("mean pass@1", strength, 0.02, 0.8, 0.01),
        "tail": _slider("Beta tail α", tail, 0.1, 2.0, 0.05),
        "spread": _slider("logit spread σ", spread, 0.5, 4.0, 0.1),
        "problems": _choice("problems", [50, 100, 200, 500, 1000, 2000], problems),
        "fit_samples": _choice("fit budget k", [10, 20, 50, 100, 200, 500, 1000], fit_samples),
        "k_max": _choice("extrapolate to k", [1000, 10_000, 100_000], k_max),
        "seed": w.IntSlider(value=seed, min=0, max=20, description="seed"),
    }
    help_text = {
        "distribution": "How per-problem pass rates are distributed: Beta (a power-law left tail of near-impossible "
                        "problems) or logit-normal.",
        "strength": "The model's strength: mean single-sample pass rate over the problems.",
        "tail": "Beta left-tail exponent α: small means many near-impossible problems (Beta distribution only).",
        "spread": "Spread σ of the logit pass rates (logit-normal distribution only).",
        "problems": "Number of problems generated.",
        "fit_samples": "Samples per problem the fits may see: the coverage law is fitted on k up to this budget.",
        "k_max": "How many samples per problem to extrapolate to.",
        "seed": "Random seed of the generated problems and samples.",
    }
    applies = {"tail": lambda st: st["distribution"] == "beta" or "the logit-normal distribution has no tail exponent",
               "spread": lambda st: st["distribution"] == "logit-normal" or "the Beta distribution has no logit spread"}
    sections = {"problems": ["distribution", "strength", "tail", "spread", "problems", "seed"],
                "fit and extrapolation": ["fit_samples", "k_max"]}

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
        k_end = int(end["k"])
        quantities = [
            Quantity(f"true coverage at k = {number(k_end)}", float(end["reference"]), "%", digits=3),
            Quantity(f"coverage law at k = {number(k_end)}", float(end["law"]), "%", float(end["law_lo"]), float(end["law_hi"]),
                     digits=3, reason="a bootstrap of the law's two parameters can leave its own fit at the edge"),
            Quantity(f"beta-binomial at k = {number(k_end)}", float(end["beta_binomial"]), "%", float(end["bb_lo"]),
                     float(end["bb_hi"]), digits=3),
        ]
        notes = [
            f"<b>{html.escape(dist.describe())}</b>; {int(state['problems'])} problems, {int(state['fit_samples'])} samples each.",
            f"Coverage law: a = {number(law.a)}, b = {number(law.b)} &middot; beta-binomial: α = {number(bb.alpha)} "
            f"&plusmn; {number(bb.stderr['alpha'], 2)}, β = {number(bb.beta)} &plusmn; {number(bb.stderr['beta'], 2)}",
        ]
        if errors["law"]["mean_abs_error"] is not None:
            notes.append(f"Held-out mean |error|: law {number(errors['law']['mean_abs_error'], 2)}, beta-binomial "
                         f"{number(errors['beta_binomial']['mean_abs_error'], 2)}.")
        notes.append(f"The two extrapolations part (by more than 0.02 and 2 standard errors) from k = {number(gap['first_k'])}."
                     if gap["first_k"] else "The two extrapolations never part significantly.")
        text = "<div class='coverage-readout'>" + readout_html(quantities, notes) + "</div>"
        numbers = {
            "law": law.params, "beta_binomial": bb.params, "beta_binomial_stderr": bb.stderr,
            "k_end": int(end["k"]), "truth_at_end": float(end["reference"]), "law_at_end": float(end["law"]),
            "beta_binomial_at_end": float(end["beta_binomial"]),
            "law_holdout_mean_abs_error": errors["law"]["mean_abs_error"],
            "beta_binomial_holdout_mean_abs_error": errors["beta_binomial"]["mean_abs_error"],
            "first_k_apart": gap["first_k"], "max_gap": gap["max_gap"],
        }
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return Panel(controls, update, title="Coverage: fit on a small budget, extrapolate to many samples",
                 sections=sections, help=help_text, applies=applies)


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
        "accuracy": _slider("accuracy r", accuracy, 0.02, 0.98, 0.01),
        "evenness": log_slider("problem evenness", evenness, 0.1, 100.0),
        "completeness": _slider("completeness c", completeness, 0.0, 1.0, 0.01),
        "soundness": _slider("soundness s", soundness, 0.0, 1.0, 0.01),
        "fp_cost": _slider("false-positive cost", fp_cost, 0.0, 10.0, 0.1, fmt=".1f"),
        "k_max": _choice("largest K", [10, 100, 1000, 10_000], k_max),
    }
    help_text = {
        "accuracy": "Single-sample accuracy r: mean over problems of the chance one attempt is right.",
        "evenness": "How alike the problems are: the Beta shape α of per-problem accuracies (large: all identical).",
        "completeness": "Verifier completeness c: the share of correct samples it accepts.",
        "soundness": "Verifier soundness s: the share of wrong samples it rejects.",
        "fp_cost": "Cost of accepting a wrong answer, in units of the reward of a correct one (= 1).",
        "k_max": "Largest number of attempts K drawn.",
    }
    sections = {"model and problems": ["accuracy", "evenness"], "verifier and costs": ["completeness", "soundness", "fp_cost", "k_max"]}

    def update(state: dict) -> View:
        dist = BetaDifficulty.from_mean(state["accuracy"], state["evenness"])
        curve = verifier_curve(dist, state["completeness"], state["soundness"], fp_cost=state["fp_cost"],
                               k_max=int(state["k_max"]))
        t = curve.table.set_index("K")
        reach = curve.k_to_reach
        acc_best = float(t.loc[curve.best_k, "accuracy"])
        quantities = [
            Quantity("accuracy ceiling", curve.ceiling, "%", digits=3, note="= c r / (c r + (1 − s)(1 − r)), averaged over problems"),
            Quantity("single-sample accuracy", float(t["accuracy"].iloc[0]), "%", digits=3),
            Quantity("attempts to reach 90% of the ceiling", reach[0.9], None),
            Quantity("Best K (number of attempts)", curve.best_k, None,
                     note=("(utility never falls with K here: where it levels off)" if curve.rising else "")
                     + (" (every K loses: better to abstain)" if curve.best_utility < 0 else "")),
            Quantity("utility at the best K", curve.best_utility, None, digits=3),
            Quantity("accuracy at the best K", acc_best, "%", digits=3),
            Quantity("false positives at the best K", float(t.loc[curve.best_k, "false_positive"]), "%", digits=3),
        ]
        text = "<div class='verifier-readout'>" + readout_html(quantities) + "</div>"
        numbers = {"ceiling": curve.ceiling, "best_k": curve.best_k, "best_utility": curve.best_utility,
                   "rising": curve.rising, "accuracy_at_best": float(t.loc[curve.best_k, "accuracy"])}
        return View(chart=verifier_chart(curve), text=text, numbers=numbers, quantities=quantities)

    return Panel(controls, update, title="Imperfect verifiers: accuracy ceiling and the best number of attempts",
                 sections=sections, help=help_text)


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
        "N_large": log_slider("large model N", N_large, 1e9, 1e12),
        "ratio": log_slider("size ratio = samples k", ratio, 1.0, 1000.0),
        "strength": _slider("large model pass@1", strength, 0.02, 0.95, 0.01),
        "spread": _slider("difficulty spread", spread, 0.5, 4.0, 0.1),
        "slope": _slider("logits per 10× N", slope, 0.5, 5.0, 0.1),
        "completeness": _slider("completeness c", completeness, 0.0, 1.0, 0.01),
        "soundness": _slider("soundness s", soundness, 0.0, 1.0, 0.01),
    }
    help_text = {
        "N_large": "Parameters of the large model (sampled once).",
        "ratio": "How many times smaller the small model is; at equal inference FLOPs it draws that many samples k.",
        "strength": "The large model's mean single-sample pass rate.",
        "spread": "Spread of problem difficulty (standard deviation of logit pass rates).",
        "slope": "Logit gain per 10× parameters: how much a 10× smaller model loses on every problem.",
        "completeness": "Verifier completeness c (with c = s = 1 the verifier is perfect: success = coverage).",
        "soundness": "Verifier soundness s: the share of wrong samples it rejects.",
    }
    sections = {"models": ["N_large", "ratio", "strength", "spread", "slope"], "verifier": ["completeness", "soundness"]}

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
        quantities = [
            Quantity("samples k of the small model", k, None, note=f"({fmt(N_s, 'parameters')} each, vs {fmt(N_l, 'parameters')} × 1 sample)"),
            Quantity("FLOPs per answer token", 2 * N_l, "FLOPs", note="(equal for both)"),
            Quantity("solved by the small model, k samples", cmp.small_k, "%", digits=3),
            Quantity("solved by the large model, 1 sample", cmp.large_1, "%", digits=3),
            Quantity("problems where the small model wins", cmp.share_small_wins, "%", digits=2),
        ]
        notes = [f"Hardest fifth: {percent(b['small_k'].iloc[0], 3)} vs {percent(b['large_1'].iloc[0], 3)}; easiest fifth: "
                 f"{percent(b['small_k'].iloc[-1], 3)} vs {percent(b['large_1'].iloc[-1], 3)} (small model, k samples vs large model)."]
        text = "<div class='flops-readout'>" + readout_html(quantities, notes) + "</div>"
        numbers = {"k": k, "small_k": cmp.small_k, "large_1": cmp.large_1, "share_small_wins": cmp.share_small_wins,
                   "hardest_bin": (float(b["small_k"].iloc[0]), float(b["large_1"].iloc[0])),
                   "easiest_bin": (float(b["small_k"].iloc[-1]), float(b["large_1"].iloc[-1]))}
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return Panel(controls, update, title="Equal inference FLOPs: a small model sampled k times vs a large model once",
                 sections=sections, help=help_text)
