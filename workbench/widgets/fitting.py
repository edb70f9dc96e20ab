"""The fitting panel: choose a law, hold out the largest runs, watch the extrapolation."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..data import load_runs
from ..format import number
from ..fitting import fit
from ..laws import get_law
from .panel import Panel, View, log_slider

__all__ = ["fitting_panel", "FITTING_LAWS"]

#: Laws offered in the dropdown (those that take N and D, or compute C).
FITTING_LAWS = ("chinchilla", "power_law_C", "overtraining", "kaplan_ND", "broken_power_law_C")


def _badge(code: str, message: str) -> str:
    """A small labelled badge; the full message (with what to do) shows on hover."""
    return (f"<span class='fit-badge' data-code='{html.escape(code)}' title='{html.escape(message, quote=True)}' "
            "style='background:#fde2e1;color:#a33;border-radius:3px;padding:0 4px;margin-left:4px;"
            f"font-size:85%'>&#9888; {html.escape(code)}</span>")


def _diagnostics(result) -> tuple[dict, str]:
    """Badges per parameter, and the badges of the warnings that concern the fit as a whole."""
    per: dict = {}
    general = []
    for w in result.warnings:
        code = getattr(w, "code", "warning")
        names = getattr(w, "parameters", ())
        if code in ("at_bound", "not_identified") and names:
            for n in names:
                per.setdefault(n, []).append(_badge(code, str(w)))
        else:
            general.append(_badge(code, str(w)))
    return per, "".join(general)


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
    law_box = w.Dropdown(
        options=[(f"{get_law(n).title} [{n}]", n) for n in laws],
        value=law,
        description="law",
        layout=w.Layout(width="460px"),
    )
    compute = log_slider("largest compute in the fit (FLOPs)", max_compute, c_lo, c_hi)
    huber = log_slider("Huber delta (on log loss)", delta, 1e-4, 1e-1, step=0.1)
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
        badges, general = _diagnostics(result)
        untrusted = set(result.untrusted)
        iv = result.intervals

        def interval_cell(k):
            if not iv:
                return ""
            text = f"[{number(iv[k][0], 4)}, {number(iv[k][1], 4)}]"
            if k in untrusted:  # greyed and struck through: the data do not pin this parameter down
                return f"<td class='untrusted' style='color:#999;text-decoration:line-through'>{text}</td>"
            return f"<td>{text}</td>"

        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{number(v, 4)}{''.join(badges.get(k, []))}</td>{interval_cell(k)}</tr>"
            for k, v in result.params.items()
        )
        if he:
            held_text = (
                f"<b>Held out</b> (C &gt; {cmax:.3g} FLOPs): {he['n']} runs, "
                f"mean |relative error| <b class='holdout-error'>{100 * he['mean_abs_rel_error']:.2f}%</b>, "
                f"max {100 * he['max_abs_rel_error']:.2f}%"
            )
        else:
            held_text = "<b>Held out</b>: none (every run is in the fit) &mdash; move the slider left to test extrapolation."
        text = (
            f"<div class='fit-readout'><p>{held_text}</p>"
            + (f"<p class='fit-warnings'>{general}</p>" if general else "")
            + 
            f"<p>{result.n_runs} runs fitted &middot; RMSE of log residuals {result.rmse_log:.4f} &middot; "
            f"{'warm-started from the last fit' if previous is not None else str(result.info.get('n_starts', 0)) + ' starts'}</p>"
            f"<table><tr><th>parameter</th><th>value</th>{'<th>95% interval</th>' if result.intervals else ''}</tr>{rows}</table></div>"
        )
        numbers = {
            "params": result.params,
            "n_fit": result.n_runs,
            "n_held_out": 0 if he is None else he["n"],
            "holdout_mean_abs_rel_error": None if he is None else he["mean_abs_rel_error"],
            "rmse_log": result.rmse_log,
            "warnings": [getattr(w, "code", "warning") for w in result.warnings],
            "untrusted": sorted(untrusted),
        }
        # a constant title keeps the chart structure fixed, so slider moves swap data in place
        chart = templates[name] = result.chart(title=get_law(name).title, template=templates.get(name))
        return View(chart=chart, text=text, numbers=numbers)

    return Panel({"law": law_box, "max_compute": compute, "delta": huber}, update, title="Fit a scaling law and test its extrapolation")

