"""Panels for the data-pruning toy and the four scaling regimes.

* :func:`pruning_panel` — a :class:`~workbench.widgets.training.TrainingPanel`: choose the
  probe angle and the range of pool sizes, press Train (a few seconds), then switch between
  keeping hard, easy or random examples without retraining.
* :func:`regimes_panel` — a :class:`~workbench.widgets.panel.Panel`: choose the spectrum
  exponent, the number of random features and of samples; see the student's loss against
  data and against width, which regime it is in, and the local slopes.

No science here: the panels call :mod:`workbench.toys.pruning`,
:mod:`workbench.toys.random_features` and the chart builders of :mod:`workbench.charts.pruning`.
"""

from __future__ import annotations

import functools
import html
import math

import ipywidgets as w
import numpy as np
import pandas as pd

from ..charts.pruning import pruning_chart, regime_explorer_chart
from ..toys import pruning as pr
from ..toys import random_features as rf
from ..format import Quantity, number
from .panel import Panel, View, readout_html
from .training import TrainingPanel

__all__ = ["pruning_panel", "regimes_panel"]



def pruning_grid(log2_pool: tuple[int, int], max_log2_alpha: int = 5, min_log2_alpha: int = -1,
                 min_log2_fraction: int = -7) -> dict:
    """The (α_prune, f) lattice the pruning panel trains: powers of two, pools 2^a … 2^b."""
    a, b = int(log2_pool[0]), int(log2_pool[1])
    return {
        "alpha_prune": [2.0**k for k in range(min_log2_alpha, max_log2_alpha + 1)],
        "fractions": [2.0**-j for j in range(0, -min_log2_fraction + 1)],
        "alpha_total_range": (2.0**a, 2.0**b),
    }


def pruning_panel(dim: int = 32, seed=(0, 1, 2), theta: float = 0.0, strategy: str = "hard",
                  log2_pool: tuple[int, int] = (0, 9), train_on_start: bool = True) -> TrainingPanel:
    """Data pruning in the teacher–student perceptron, live.

    Controls: the probe angle ``θ`` (0 = perfect pruning metric), which examples to keep
    (hardest, easiest, random — switching does not retrain), and the range of pool sizes
    ``α_total`` (powers of two). Each training run prunes pools of every size in the range to
    every fraction ``f = 1, ½, ¼, …, 1/128`` that leaves ``α_prune = 2^-1 … 2^5`` examples per
    dimension, and trains a max-margin student on each (one repeat per ``seed``).

    The chart shows each fraction's learning curve, random pruning with its fitted power law
    (dashed red) and the best-``f`` frontier (black). The readout gives the power law's slope,
    how far the frontier beats it at the largest ``α_prune``, and whether an exponential or a
    power law describes the frontier better.
    """
    theta_box = w.FloatSlider(value=theta, min=0.0, max=30.0, step=1.0, description="probe angle θ",
                              readout_format=".0f", continuous_update=False)
    keep = w.ToggleButtons(options=[("hardest", "hard"), ("easiest", "easy"), ("random", "random")],
                           value=strategy, description="keep")
    pool = w.SelectionRangeSlider(options=[(f"{2 ** k:,}", k) for k in range(0, 11)],
                                  index=(int(log2_pool[0]), int(log2_pool[1])), description="pool size α_total",
                                  continuous_update=False)
    help_text = {
        "theta": "Angle (degrees) between the probe that ranks examples and the teacher: 0 is a perfect pruning metric.",
        "keep": "Which examples pruning keeps: the hardest, the easiest or random ones (switching does not retrain).",
        "pool": "Range of pool sizes α_total (examples per dimension before pruning), powers of two.",
    }
    def total_steps(state):
        return len(pruning_grid(state["pool"])["alpha_prune"])

    def train(state, progress):
        grid = pruning_grid(state["pool"])
        return pr.prune_and_train(thetas=[state["theta"]], seed=seed, dim=dim, progress=progress, **grid)

    def render(state, runs, finished):
        strat, th = state["keep"], float(state["theta"])
        if runs is None or len(runs) == 0:
            raise RuntimeError("No runs yet: the pool range leaves no (α_prune, f) pair; widen it.")
        law = None
        try:
            law = pr.random_pruning_law(runs, min_alpha=2.0)
        except Exception:  # too few points while streaming: draw without the law
            law = None
        front = None
        try:
            front = pr.frontier(runs, strategy=strat, theta=th)
        except Exception:
            front = None
        chart = pruning_chart(pr.mean_curves(runs), random_law=law, front=front, strategy=strat, theta=th)
        numbers = {"n_runs": int(len(runs)), "finished": bool(finished)}
        quantities, lines = [], []
        if law is not None:
            lo, hi = law.intervals["slope"]
            numbers["random_slope"] = law.slope
            quantities.append(Quantity("random pruning: error ∝ α_prune^slope, slope", law.slope, None, lo, hi,
                                       digits=3, note="(theory: −1)"))
        if front is not None and law is not None and strat != "random":
            last = front.iloc[-1]
            gain = float(law.predict(last["alpha_prune"]) / last["error"])
            numbers["frontier_gain_at_max"] = gain
            numbers["frontier_error_at_max"] = float(last["error"])
            quantities.append(Quantity(f"best-f frontier at α_prune = {number(last['alpha_prune'])}: error",
                                       float(last["error"]), None, note=f"(f = {number(last['best_f'])})"))
            quantities.append(Quantity("frontier below the power law by", gain, "×"))
            limited = front["best_f"] <= front["best_f"].min() + 1e-12
            if len(front) >= 3:
                try:
                    cmp = pr.compare_frontier_fits(front)
                    numbers["frontier_better_fit"] = cmp["better"]
                    lines.append(f"Over the whole range the frontier is better described by "
                                 f"<b>{cmp['better']}</b> (AIC {number(cmp['aic_exponential'], 3)} exponential vs "
                                 f"{number(cmp['aic_power'], 3)} power law).")
                except Exception:
                    pass
            if limited.any():
                first = float(front.loc[limited, "alpha_prune"].iloc[0])
                lines.append(f"From α_prune = {number(first)} on the best fraction is the smallest the pools allow: "
                             f"larger pools would push the frontier lower.")
        if not finished:
            lines.append("<i>training…</i>")
        text = "<div class='pruning-readout'>" + readout_html(quantities, lines) + "</div>"
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return TrainingPanel({"theta": theta_box, "keep": keep, "pool": pool}, train, render, total_steps,
                         title="Data pruning: keep the right examples and beat the power law",
                         view_controls=["keep"], train_on_start=train_on_start, help=help_text)


def regimes_panel(alpha: float = 1.0, P: int = 32, D: int = 512, latent_dim: int = 2048, seed=(0, 1, 2),
                  max_P: int = 512, max_D: int = 1024, ridge: float = 1e-8) -> Panel:
    """Which scaling regime is a random-feature student in?

    Controls: the spectrum exponent ``α`` (latent variances ``k^−(1+α)``), the number of
    random features ``P`` and of training samples ``D`` (powers of √2). Left: the loss of a
    ``P``-feature student against ``D`` (with its infinite-data limit and the infinitely wide
    student); right: the loss of a ``D``-sample student against ``P`` (with its infinite-width
    limit and the infinite-data curve). The cross marks the chosen student. The readout names
    the regime in each direction and the local slopes of ``L − L∞``.

    Curves are cached: moving ``P`` recomputes one curve, moving ``D`` the other, moving ``α``
    everything (a few seconds).
    """
    D_grid = rf.size_grid(8, max_D)
    P_grid = rf.size_grid(8, max_P)
    alpha_box = w.FloatSlider(value=alpha, min=0.3, max=2.0, step=0.1, description="spectrum exponent α",
                              continuous_update=False)
    P_box = w.SelectionSlider(options=P_grid, value=min(P_grid, key=lambda v: abs(math.log(v / P))),
                              description="random features P", continuous_update=False)
    D_box = w.SelectionSlider(options=D_grid, value=min(D_grid, key=lambda v: abs(math.log(v / D))),
                              description="training samples D", continuous_update=False)
    help_text = {
        "alpha": "Spectrum exponent α: latent variances fall as k^−(1+α). Changing it recomputes every curve (seconds).",
        "P": "Random features of the student (its width).",
        "D": "Training samples.",
    }
    @functools.lru_cache(maxsize=64)
    def at_width(a, p):
        return rf.curves_at_width(a, p, D_grid, latent_dim, seed, ridge, infinite=False)

    @functools.lru_cache(maxsize=64)
    def at_data(a, d):
        return rf.curves_at_data(a, d, P_grid, latent_dim, seed, ridge, infinite=False)

    @functools.lru_cache(maxsize=8)
    def infinite(a):
        return (rf.infinite_width_curve(a, D_grid, latent_dim, seed, ridge),
                rf.infinite_data_curve(a, P_grid, latent_dim, seed, ridge))

    def update(state):
        a, p, d = round(float(state["alpha"]), 6), int(state["P"]), int(state["D"])
        inf_w, inf_d = infinite(a)
        dc, pc = at_width(a, p), at_data(a, d)
        info = rf.describe_student(dc, pc, p, d)
        Dc = pd.concat([dc, inf_w], ignore_index=True)
        Pc = pd.concat([pc, inf_d], ignore_index=True)
        L0 = rf.null_loss(a, latent_dim)  # loss of predicting zero
        Dc["loss"] = Dc["loss"].clip(upper=10 * L0)
        Pc["loss"] = Pc["loss"].clip(upper=10 * L0)
        p_loss = float(pc[(pc["curve"] == f"D = {d}") & np.isclose(pc["P"], p)]["loss"].iloc[0])
        chart = regime_explorer_chart(Dc, Pc, {"P": p, "D": d, "loss": min(info["loss"], 10 * L0)})
        chart = chart.properties(title=f"α = {number(a)}: a student with P = {number(p)} features and D = {number(d)} samples")

        quantities = [
            Quantity("scaling D here", f"{info['in_D']}, local slope of L − L(P, D = ∞): {number(info['slope_D'], 3)}"),
            Quantity("scaling P here", f"{info['in_P']}, local slope of L − L(D, P = ∞): {number(info['slope_P'], 3)}"),
            Quantity("loss of this student", info["loss"], None, digits=4, note="(from the D curve)"),
        ]
        notes = [html.escape(info["summary"]),
                 f"Theory: slope −1 when variance-limited, −α = {number(-a, 3)} when resolution-limited. The feature-averaged "
                 f"loss read from the P curve is {number(p_loss, 4)}."]
        text = "<div class='regime-readout'>" + readout_html(quantities, notes) + "</div>"
        numbers = {"loss": info["loss"], "slope_D": info["slope_D"], "slope_P": info["slope_P"],
                   "in_D": info["in_D"], "in_P": info["in_P"], "alpha": a, "P": p, "D": d}
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return Panel({"alpha": alpha_box, "P": P_box, "D": D_box}, update,
                 title="Four scaling regimes: where is this student?", help=help_text)
