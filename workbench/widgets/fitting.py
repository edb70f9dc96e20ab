"""The fitting panel: choose a law, hold out the largest runs, watch the extrapolation."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..data import load_runs
from ..format import Quantity, fmt, number, percent
from ..fitting import fit
from ..laws import get_law
from .panel import Panel, View, log_slider, readout_html

__all__ = ["fitting_panel", "FITTING_LAWS"]

#: Laws offered in the dropdown (those that take N and D, or compute C).
FITTING_LAWS = ("chinchilla", "power_law_C", "overtraining", "kaplan_ND", "broken_power_law_C")


def fitting_panel(
    runs,
    laws=FITTING_LAWS,
    law: str = "chinchilla",
    max_compute: float | None = None,
    delta: float = 1e-3,
    bootstrap: int = 40,
    seed: int = 0,
) -> Panel:
    """A live fit of a scaling law to ``runs`` with the largest-compute runs held out.

    Controls: the law, the largest training compute included in the fit
    (runs above it are held out and predicted), and the Huber threshold.
    The chart shows the runs, the fitted law with its bootstrap band and the
    extrapolated region; the readout gives the parameters and the held-out error.

    Parameters
    ----------
    runs : DataFrame or path
        Runs with ``N``, ``D`` (or ``C``) and ``loss``.
    laws : sequence of str
        Laws offered in the dropdown.
    max_compute : float, optional
        Initial slider position (FLOPs); default: the 80th percentile of ``C``.
    delta : float
        Initial Huber threshold.
    bootstrap : int
        Bootstrap resamples per update (for the band and intervals).
    """
    runs = load_runs(runs, on_duplicates="keep")
    C = runs["C"].to_numpy(float)
    c_lo, c_hi = float(np.quantile(C, 0.25)), float(C.max())
    if max_compute is None:
        max_compute = float(np.quantile(C, 0.8))
    law_box = w.Dropdown(options=[(get_law(n).title, n) for n in laws], value=law, description="law")
    compute = log_slider("fit runs up to C", max_compute, c_lo, c_hi)
    huber = log_slider("Huber delta", delta, 1e-4, 1e-1, step=0.02)
    help_text = {
        "law": "The scaling law to fit (" + ", ".join(laws) + ").",
        "max_compute": "The largest training compute C (FLOPs) included in the fit: runs above it are held out and "
                       "predicted, to test the extrapolation.",
        "delta": "Threshold of the Huber loss on log loss residuals: residuals beyond it count linearly (robust to "
                 "outliers).",
    }
    cache: dict = {}
    templates: dict = {}  # one chart per law, refilled with new data on every move

    def update(state: dict, quick: bool = False) -> View:
        # quick: while a slider is moving, skip the bootstrap (the band follows when it stops)
        name, cmax, d = state["law"], state["max_compute"], state["delta"]
        held = C > cmax * (1 + 1e-12)
        previous = cache.get((name, d)) or cache.get(name)
        result = fit(
            name,
            runs,
            delta=d,
            holdout=held,
            bootstrap=0 if quick else bootstrap,
            seed=seed,
            warm_start=previous,
        )
        cache[(name, d)] = cache[name] = result
        he = result.holdout_error
        law_obj = result.law
        quantities = []
        for k, v in result.params.items():
            lo, hi = result.intervals[k] if result.intervals and k in result.intervals else (None, None)
            desc = next((p.description for p in law_obj.parameters if p.name == k), "")
            quantities.append(Quantity(f"{k}", v, None, lo, hi, level=result.level, digits=4,
                                       note=f"— {desc}" if desc else ""))
        cut = f"<span class='cutoff' data-value='{cmax:.6e}'>{html.escape(fmt(cmax, 'FLOPs'))}</span>"
        if he:
            held_text = (
                f"<b>Held out</b> (C &gt; {cut}): {he['n']} runs, "
                f"mean |relative error| <b class='holdout-error'>{html.escape(percent(he['mean_abs_rel_error'], 3))}</b>, "
                f"max {html.escape(percent(he['max_abs_rel_error'], 3))}"
            )
        else:
            held_text = (f"<b>Held out</b>: none (every run up to {cut} is in the fit) &mdash; move the slider left "
                         "to test extrapolation.")
        fitted = (f"{result.n_runs} runs fitted &middot; RMSE of log residuals {number(result.rmse_log, 3)} &middot; "
                  + ("warm-started from the last fit" if previous is not None else f"{result.info.get('n_starts', 0)} starts")
                  + ("" if result.intervals else " &middot; <i>intervals follow when the slider rests</i>" if quick else ""))
        table = readout_html(quantities, warnings=list(getattr(result, "warnings", []) or []))
        text = f"<div class='fit-readout'><p>{held_text}</p><p>{fitted}</p>{table}</div>"
        numbers = {
            "params": result.params,
            "n_fit": result.n_runs,
            "n_held_out": 0 if he is None else he["n"],
            "holdout_mean_abs_rel_error": None if he is None else he["mean_abs_rel_error"],
            "rmse_log": result.rmse_log,
        }
        # a constant title keeps the chart structure fixed, so slider moves swap data in place
        chart = templates[name] = result.chart(title=get_law(name).title, template=templates.get(name))
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities)

    return Panel({"law": law_box, "max_compute": compute, "delta": huber}, update,
                 title="Fit a scaling law and test its extrapolation", help=help_text)
