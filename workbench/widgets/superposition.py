"""Panels for the superposition labs.

* :func:`superposition_panel` — train the Liu, Liu & Gore (2025) toy at several widths at once
  and watch loss against width (with the fitted slope and the ``1/m`` reference), the mean
  squared overlap against ``1/m`` and the feature norms while it trains.
* :func:`elhage_panel` — train Elhage et al.'s (2022) ``n = 5, m = 2`` toy at many sparsities at
  once; the sparsity slider then redraws the two-dimensional feature geometry instantly.

No science lives here: the panels call :mod:`workbench.toys` and :mod:`workbench.charts.superposition`.
"""

from __future__ import annotations

import math

import html

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd

from ..charts.superposition import (
    dims_per_feature_chart,
    feature_norms_chart,
    geometry_chart,
    loss_vs_width_chart,
    overlap_chart,
)
from ..config import quick
from ..toys.elhage import train_toy_models
from ..format import Quantity, number
from ..toys.superposition import SuperpositionResult, train_superposition, width_fits
from .panel import View, readout_html
from .training import TrainingPanel

__all__ = ["superposition_panel", "elhage_panel", "widths_between", "DEFAULT_WIDTHS", "ELHAGE_SPARSITIES"]


#: Default width range of the superposition lab (m from 8 to 24 with n = 256 features).
DEFAULT_WIDTHS = (8, 24)

#: Sparsities trained by the Elhage panel (the slider moves between them).
ELHAGE_SPARSITIES = (0.0, 0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)


#: Slider stops for widths and training steps (roughly geometric: these span decades).
WIDTH_CHOICES = (4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128)
STEP_CHOICES = (100, 150, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000, 4000, 6000)


def _nearest(options, value):
    return min(options, key=lambda o: abs(math.log(o / value)))


def widths_between(lo: int, hi: int, count: int = 5) -> list[int]:
    """``count`` widths spaced evenly in log between ``lo`` and ``hi`` (rounded, distinct)."""
    lo, hi = int(lo), int(hi)
    if hi <= lo:
        return [lo]
    return sorted({int(round(v)) for v in np.geomspace(lo, hi, count)})


def _report_every(state) -> int:
    # about eight partial views per run: redrawing the charts costs ~0.2 s each
    return max(25, int(state["steps"]) // 8)


def _partial_norms(result) -> pd.DataFrame | None:
    if isinstance(result, SuperpositionResult):
        return result.norms()
    return None


def superposition_panel(
    alpha: float = 1.0,
    weight_decay: float = -1.0,
    n_features: int = 256,
    widths: tuple[int, int] = DEFAULT_WIDTHS,
    steps: int | None = None,
    batch_size: int = 256,
    seed: int = 0,
    eval_samples: int = 8192,
    train_on_start: bool = True,
) -> TrainingPanel:
    """The superposition lab: loss vs width, overlap vs ``1/m`` and feature norms, live.

    Controls: the frequency exponent ``α`` (``p_i ∝ i^−α``), the weight decay ``γ`` (negative:
    the row-norm pull of strong superposition; positive: ordinary decay, weak superposition),
    the number of features ``n``, the width range (five widths spaced in log, trained together
    in one batched model) and the number of training steps. Press *Train* after changing them;
    the chart streams partial results while training runs.
    """
    if steps is None:
        steps = 600 if quick() else 1000
    controls = {
        "alpha": w.FloatSlider(value=alpha, min=0.5, max=2.0, step=0.1, description="frequency exponent α"),
        "weight_decay": w.FloatSlider(value=weight_decay, min=-1.0, max=1.0, step=0.1, description="weight decay γ"),
        "n_features": w.Dropdown(options=[128, 256, 512, 1024], value=n_features, description="features n"),
        # widths and training length span decades: both sliders step geometrically
        "widths": w.SelectionRangeSlider(options=WIDTH_CHOICES, value=(_nearest(WIDTH_CHOICES, widths[0]),
                                                                       _nearest(WIDTH_CHOICES, widths[1])),
                                         description="width range m"),
        "steps": w.SelectionSlider(options=STEP_CHOICES, value=_nearest(STEP_CHOICES, steps), description="training steps"),
    }
    help_text = {
        "alpha": "Feature frequencies p_i ∝ i^−α.",
        "weight_decay": "Weight decay γ: negative is the row-norm pull of strong superposition, positive ordinary decay "
                        "(weak superposition).",
        "n_features": "Number of features n.",
        "widths": "Five widths m spaced evenly in log between these, trained together in one batched model.",
        "steps": f"Training steps (batches of {batch_size}).",
    }
    def widths_of(state):
        n = int(state["n_features"])
        lo, hi = state["widths"]
        ws = [m for m in widths_between(lo, hi) if m < n]
        return ws or [min(int(lo), n - 1)]

    def train(state, progress):
        return train_superposition(
            widths_of(state), n_features=int(state["n_features"]), alpha=float(state["alpha"]),
            weight_decay=float(state["weight_decay"]), steps=int(state["steps"]), batch_size=batch_size,
            seed=seed, eval_samples=eval_samples, progress=progress, report_every=_report_every(state))

    def render(state, result, finished) -> View:
        runs = result.runs if isinstance(result, SuperpositionResult) else result
        norms = _partial_norms(result)
        top = [loss_vs_width_chart(runs, width=360, height=260), overlap_chart(runs, width=220, height=260)]
        chart = alt.hconcat(*top).resolve_scale(shape="independent", color="independent")
        if norms is None:  # while training: an empty norms chart, so the panel keeps its height and layout
            norms = pd.DataFrame({"m": pd.Series(dtype=int), "seed": pd.Series(dtype=int),
                                  "weight_decay": pd.Series(dtype=float), "feature": pd.Series(dtype=int),
                                  "frequency": pd.Series(dtype=float), "norm": pd.Series(dtype=float)})
        chart = alt.vconcat(chart, feature_norms_chart(norms, width=620, height=200)).resolve_scale(
            shape="independent", color="independent")
        numbers = {"finished": bool(finished), "n_widths": int(runs["N"].nunique()),
                   "represented_fraction": float(runs["represented_fraction"].mean()),
                   "overlap_times_m": float((runs["mean_squared_overlap"] * runs["N"]).mean())}
        quantities = []
        fits = width_fits(runs)
        if len(fits) == 1:  # the panel trains one weight decay
            f = next(iter(fits.values()))
            lo, hi = f.intervals["slope"]
            numbers.update(slope=f.slope, slope_low=lo, slope_high=hi)
            quantities.append(Quantity("loss ∝ m^slope, slope", f.slope, None, lo, hi, digits=3,
                                       note="(strong superposition predicts −1, weak −(α − 1))"))
        if isinstance(result, SuperpositionResult):
            numbers["seconds"] = result.seconds
            numbers["unrepresented_share"] = float((runs["unrepresented_loss"] / runs["loss"]).mean())
        quantities.append(Quantity("represented features (‖W_i‖ > 1/2)", numbers["represented_fraction"], "%"))
        quantities.append(Quantity("mean squared overlap × m", numbers["overlap_times_m"], None,
                                   note="(1 for random directions)"))
        if "unrepresented_share" in numbers:
            quantities.append(Quantity("loss carried by unrepresented features", numbers["unrepresented_share"], "%"))
        status = "final (held-out samples)" if finished else "training… (partial: recent training loss)"
        text = ("<div class='superposition-readout'>" + readout_html(quantities, [f"<b>{html.escape(status)}</b>"])
                + "</div>")
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return TrainingPanel(controls, train, render, total_steps=lambda s: int(s["steps"]),
                         title="Superposition and scaling with width (Liu, Liu & Gore 2025)",
                         train_on_start=train_on_start, help=help_text)


def elhage_panel(
    sparsities=ELHAGE_SPARSITIES,
    importance_decay: float = 0.9,
    steps: int | None = None,
    seed=(0, 1, 2),
    sparsity: float = 0.9,
    train_on_start: bool = True,
) -> TrainingPanel:
    """Elhage et al.'s ``n = 5, m = 2`` toy: move the sparsity slider to redraw the geometry.

    All sparsities (and seeds; the best seed is shown) train together when you press *Train*;
    the slider then only chooses which trained model to draw (no retraining), from an
    orthogonal pair (dense) through antipodal pairs to a pentagon (sparse).
    """
    if steps is None:
        steps = 800 if quick() else 2000
    sparsities = tuple(float(s) for s in sparsities)
    start = min(sparsities, key=lambda s: abs(s - sparsity))
    controls = {
        "sparsity": w.SelectionSlider(options=[(number(s), s) for s in sparsities], value=start, description="sparsity S",
                                      continuous_update=True),
        "importance_decay": w.FloatSlider(value=importance_decay, min=0.5, max=1.0, step=0.05,
                                          description="importance decay"),
        "steps": w.SelectionSlider(options=STEP_CHOICES, value=_nearest(STEP_CHOICES, steps), description="training steps"),
    }
    help_text = {
        "sparsity": "Sparsity S: the chance a feature is 0. Moving it only chooses which trained model to draw.",
        "importance_decay": "Feature importances I_i = decay^i (press Train after changing it).",
        "steps": "Training steps (press Train after changing them).",
    }
    def train(state, progress):
        return train_toy_models(sparsities, n_features=5, width=2, importance_decay=float(state["importance_decay"]),
                                seed=seed, steps=int(state["steps"]), progress=progress,
                                report_every=_report_every(state))

    def render(state, result, finished) -> View:
        if hasattr(result, "features"):
            feats = result.features()
            best = result.best()
        else:  # a partial runs table while training
            best = result.loc[result.groupby("sparsity")["loss"].idxmin()]
            feats = None
        s = float(state["sparsity"])
        row = best.iloc[int(np.argmin(np.abs(best["sparsity"].to_numpy() - s)))]
        if feats is not None:
            one = feats[np.isclose(feats["sparsity"], row["sparsity"])]
            geo = geometry_chart(one, title=f"S = {row['sparsity']:g}: {row['geometry']}")
        else:
            geo = geometry_chart(result.attrs["features"], sparsity=s, title=f"S = {row['sparsity']:g} (training…)") \
                if "features" in result.attrs else alt.Chart(pd.DataFrame({"x": []})).mark_point()
        runs = best.assign(m=2, n_features=5)
        dims = dims_per_feature_chart(runs, width=300, height=260)
        chart = alt.hconcat(geo, dims).resolve_scale(color="independent")
        numbers = {"sparsity": float(row["sparsity"]), "geometry": str(row["geometry"]),
                   "n_represented": int(row["n_represented"]), "loss": float(row["loss"]),
                   "dims_per_feature": float(row["dims_per_feature"]), "finished": bool(finished)}
        quantities = [Quantity("geometry", f"S = {number(row['sparsity'])}: {row['geometry']}"),
                      Quantity("features represented", f"{int(row['n_represented'])} of 5"),
                      Quantity("dimensions per feature", float(row["dims_per_feature"]), None),
                      Quantity("loss", float(row["loss"]), None, digits=4)]
        return View(chart=chart, numbers=numbers, quantities=quantities)

    return TrainingPanel(controls, train, render, total_steps=lambda s: int(s["steps"]),
                         title="Toy models of superposition: feature geometry (Elhage et al. 2022)",
                         view_controls=["sparsity"], train_on_start=train_on_start, help=help_text)
