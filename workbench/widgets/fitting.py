"""The fitting panel: choose a law, hold out the largest runs, watch the extrapolation."""

from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from ..data import load_runs
from ..format import NOT_COVERING, Quantity, fmt, fmt_interval, number, percent
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
        badges, general = _diagnostics(result)
        untrusted = set(result.untrusted)
        iv = result.intervals
        law_obj = result.law
        quantities = []
        for k, v in result.params.items():
            lo, hi = iv[k] if iv and k in iv else (None, None)
            desc = next((p.description for p in law_obj.parameters if p.name == k), "")
            quantities.append(Quantity(k, v, None, lo, hi, level=result.level, digits=4, note=desc))

        def interval_cell(q):
            if not iv:
                return ""
            text = html.escape(fmt_interval(q.lo, q.hi, None, 4))
            if not q.covers:
                text += f" <span class='wb-not-covering'>&#9888; {NOT_COVERING}: the bootstrap estimates are skewed away from the fit's own</span>"
            if q.label in untrusted:  # greyed and struck through: the data do not pin this parameter down
                return f"<td class='untrusted' style='color:#999;text-decoration:line-through'>{text}</td>"
            return f"<td>{text}</td>"

        rows = "".join(
            f"<tr><td>{html.escape(q.label)}</td><td>{html.escape(number(q.value, 4))}{''.join(badges.get(q.label, []))}</td>"
            f"{interval_cell(q)}<td class='wb-param-note'>{html.escape(q.note)}</td></tr>"
            for q in quantities
        )
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
                  + ("" if iv else " &middot; <i>intervals follow when the slider rests</i>" if quick else ""))
        head = (f"<tr><th>parameter</th><th>value</th>{f'<th>{100 * result.level:g}% interval</th>' if iv else ''}"
                "<th></th></tr>")
        text = (f"<div class='fit-readout wb-readout'><p>{held_text}</p>"
                + (f"<p class='fit-warnings'>{general}</p>" if general else "")
                + f"<p>{fitted}</p><table class='wb-params'>{head}{rows}</table></div>")
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
        return View(chart=chart, text=text, numbers=numbers, quantities=quantities, warnings=list(result.warnings))

    return Panel({"law": law_box, "max_compute": compute, "delta": huber}, update,
                 title="Fit a scaling law and test its extrapolation", help=help_text)
