"""Panels of the training-dynamics lab.

* :func:`grid_panel` — train a grid of tiny language models (progress bar, Stop button, results
  cached by configuration) and fit the Chinchilla law to it live, next to the known entropy rate.
* :func:`schedule_panel` — draw a learning-rate schedule (preset, peak, warmup, decay start,
  final fraction) and see the loss curve the annealing law predicts next to measured tiny-LM
  curves; press Train to measure your schedule too.
* :func:`hyperparams_panel` — Step Law's optimal learning rate and batch size and Kaplan's
  critical batch size for a model size, token budget and loss.

No science lives here: the panels call :mod:`workbench.toys.tinylm`, :mod:`workbench.dynamics`,
:func:`workbench.fit` and the chart builders of :mod:`workbench.charts.dynamics`.
"""

from __future__ import annotations

import html

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd

from ..charts.data import named_data
from ..charts.dynamics import annealing_chart, grid_fit_chart, loss_curves_chart
from ..dynamics.annealing import fit_annealing, predict_curve
from ..dynamics.hyperparams import critical_batch_size, step_law_batch, step_law_lr
from ..dynamics.schedules import PRESETS, Schedule
from ..fitting import fit
from ..toys.tinylm import default_grid, default_source, grid_work, schedule_runs, train_grid
from ..charts.theme import ENTITY_COLORS, HALF_WIDTH
from ..format import SUPERSCRIPT, Quantity, fmt, number, percent
from .panel import Panel, View, log_slider, readout_html
from .training import TrainingPanel

__all__ = ["grid_panel", "schedule_panel", "hyperparams_panel", "WIDTHS", "BUDGETS"]

WIDTHS = (8, 16, 24, 32, 48, 64)
BUDGETS = tuple(2**k for k in range(14, 21))
def _budget_label(b: int) -> str:
    return f"{fmt(b, 'tokens')} (2{str(int(np.log2(b))).translate(SUPERSCRIPT)})"


def _grid_spec(state: dict) -> tuple[list, list]:
    """Widths 8 .. the largest; as many budgets as the default grid, halving down from the largest."""
    sizes = [(d, 1) for d in WIDTHS if d <= state["largest_width"]]
    top = int(state["largest_budget"])
    n = len(default_grid()["budgets"])
    budgets = [top // 2**k for k in range(n - 1, -1, -1)]
    return sizes, budgets


def grid_panel(cache_dir=None, source=None, train_on_start: bool = True, bootstrap: int = 50) -> TrainingPanel:
    """Train a grid of tiny LMs (widths 8 .. largest, three token budgets) and fit Chinchilla to it live.

    Controls: the largest model width (all widths from 8 up to it are trained), the largest
    token budget (with halves of it: three budgets in all, four outside quick mode), and what to show (final losses with the
    fitted law, or the whole loss curves). Results are cached by configuration, so returning
    to a grid you trained is instant. The readout compares the fitted irreducible loss ``E``
    with the source's exact entropy rate.

    Parameters
    ----------
    cache_dir : path or False, optional
        Sweep cache (default :func:`workbench.sweeps.default_cache_dir`).
    source : corpus, optional
        Default :func:`workbench.toys.tinylm.default_source`.
    train_on_start : bool
        Train the default grid when the panel is built.
    bootstrap : int
        Bootstrap resamples of the final fit (for the interval on ``E``).
    """
    source = default_source() if source is None else source
    g = default_grid()
    largest_width = max(d for d, _ in g["sizes"])
    largest_budget = max(g["budgets"])
    controls = {
        "largest_width": w.SelectionSlider(options=[(str(d), d) for d in WIDTHS],
                                           value=largest_width if largest_width in WIDTHS else 32,
                                           description="largest width d"),
        "largest_budget": w.SelectionSlider(options=[(_budget_label(b), b) for b in BUDGETS],
                                            value=largest_budget if largest_budget in BUDGETS else 2**17,
                                            description="largest budget"),
        "show": w.ToggleButtons(options=[("final losses + fit", "fit"), ("loss curves", "curves")],
                                value="fit", description="show"),
    }
    help_text = {
        "largest_width": "Every model width from 8 up to this one is trained (press Train after changing it).",
        "largest_budget": "The largest token budget; halves of it make the other budgets (press Train after changing it).",
        "show": "Final losses with the fitted Chinchilla law, or the whole loss curves (no retraining).",
    }
    fits: dict = {}

    def train(state, progress):
        sizes, budgets = _grid_spec(state)
        return train_grid(sizes, budgets, source=source, cache_dir=cache_dir, progress=progress,
                          batch_size=g["batch_size"], context=g["context"])

    def total_steps(state):
        sizes, budgets = _grid_spec(state)
        return grid_work(sizes, budgets, g["batch_size"], g["context"])

    def fit_grid(runs, finished):
        key = (tuple(np.round(runs["loss"].to_numpy(float), 6)), tuple(runs["N"]), tuple(runs["D"]), finished)
        if key in fits:
            return fits[key]
        if len(runs) < 6 or runs["N"].nunique() < 2 or runs["D"].nunique() < 2:
            return None
        previous = fits.get("last")
        result = fit("chinchilla", runs[["N", "D", "loss"]], bootstrap=bootstrap if finished else 0,
                     warm_start=None if finished or previous is None else previous)
        fits[key] = fits["last"] = result
        return result

    def render(state, result, finished) -> View:
        H = result.entropy_rate
        runs = result.runs
        if state["show"] == "curves":
            chart = loss_curves_chart(result.curves, x="D", color="N", entropy_rate=H,
                                      title="Held-out loss while training, one line per run (colour: model size N)")
            f = fit_grid(runs, finished) if finished else None
        else:
            f = fit_grid(runs, finished)
            chart = grid_fit_chart(runs, f, entropy_rate=H)
        numbers = {"n_runs": len(runs), "entropy_rate": H, "seconds": result.seconds, "finished": bool(finished),
                   "n_cached": result.n_cached}
        quantities = [Quantity("finished runs", len(runs), None, note="" if finished else "so far (training…)"),
                      Quantity("source entropy rate (true E)", H, "nats/token")]
        if len(runs):
            numbers["best_loss"] = float(runs["loss"].min())
            quantities.append(Quantity("best held-out loss", float(runs["loss"].min()), "nats/token",
                                       note=f"(unigram entropy {number(source.unigram_entropy, 4)})"))
        warnings = []
        if f is not None:
            E = float(f.params["E"])
            numbers.update(E_fit=E, E_rel_error=E / H - 1, alpha=float(f.params["alpha"]), beta=float(f.params["beta"]))
            ci = f.intervals.get("E") if getattr(f, "intervals", None) is not None and finished else None
            lo, hi = (ci if ci is not None and np.all(np.isfinite(ci)) else (None, None))
            quantities.append(Quantity("fitted E", E, "nats/token", lo, hi, note=f"({percent(E / H - 1, 2)} from the truth)"))
            quantities.append(Quantity("fitted α, β", f"{number(f.params['alpha'])}, {number(f.params['beta'])}"))
            warnings = list(getattr(f, "warnings", []) or [])
        return View(chart=chart, numbers=numbers, quantities=quantities, warnings=warnings)

    return TrainingPanel(controls, train, render, total_steps,
                         title="Train tiny language models, then fit Chinchilla to them",
                         view_controls=["show"], train_on_start=train_on_start, help=help_text)


# ------------------------------------------------------------------------------------- schedules
REFERENCE_SCHEDULES = ("constant", "cosine", "wsd", "step")


def _drawn(state) -> Schedule:
    return Schedule(kind=state["schedule"], peak=float(state["peak"]), warmup=float(state["warmup"]),
                    decay_start=float(state["decay_start"]), final=float(state["final"]) if state["schedule"] != "step"
                    else max(float(state["final"]), 0.01))


def schedule_panel(steps: int | None = None, width: int = 32, peak: float = 0.01, fit_on: str = "cosine",
                   cache_dir=None, source=None, train_on_start: bool = True) -> TrainingPanel:
    """Draw a learning-rate schedule and see the loss curve the annealing law predicts.

    On Train, a tiny LM of width ``width`` is trained under four reference schedules
    (constant, cosine, warmup-stable-decay, step) and under the schedule you drew (one
    stack: same initialisation, same data; cached). The law ``L = L0 + A S1^-alpha - C S2``
    (Tissue et al. 2024) is fitted to the run(s) chosen in *fit the law on*; every curve is
    then predicted from its schedule alone. Moving the schedule controls redraws your
    predicted curve at once (no training): press Train to measure it.

    Parameters
    ----------
    steps : int, optional
        Steps per run (default 600, or 1,000 outside quick mode).
    width : int
        Model width.
    peak : float
        Peak learning rate of the reference schedules (and the initial drawn one).
    fit_on : {"cosine", "constant", "wsd", "step", "cosine+constant"}
    """
    from ..config import quick

    steps = int(steps if steps is not None else (600 if quick() else 1000))
    source = default_source() if source is None else source
    controls = {
        "schedule": w.Dropdown(options=list(PRESETS), value="wsd", description="schedule"),
        "peak": log_slider("peak learning rate", peak, peak / 10, peak * 3),
        "warmup": w.FloatSlider(value=PRESETS["wsd"]["warmup"], min=0.0, max=0.3, step=0.01, description="warmup",
                                readout_format=".0%"),
        "decay_start": w.FloatSlider(value=PRESETS["wsd"]["decay_start"], min=0.0, max=1.0, step=0.05,
                                     description="decay starts at", readout_format=".0%"),
        "final": w.FloatSlider(value=PRESETS["wsd"]["final"], min=0.0, max=1.0, step=0.05, description="final lr",
                               readout_format=".0%"),
        "fit_on": w.Dropdown(options=["cosine", "constant", "wsd", "step", "cosine+constant"], value=fit_on,
                             description="fit the law on"),
    }
    help_text = {
        "schedule": "Shape of your learning-rate schedule (choosing one sets warmup, decay start and final lr).",
        "peak": "Peak learning rate of your schedule.",
        "warmup": "Warmup, as a fraction of the run.",
        "decay_start": "Where the decay starts, as a fraction of the run.",
        "final": "Final learning rate, as a fraction of the peak.",
        "fit_on": "Which measured run(s) the annealing law is fitted on; every curve is then predicted from its schedule.",
    }
    view_controls = list(controls)
    fits: dict = {}
    trained: dict = {}  # the schedules of the runs last trained, by label

    def train(state, progress):
        scheds = {name: Schedule(**{**PRESETS[name], "peak": peak}) for name in REFERENCE_SCHEDULES}
        scheds["yours"] = _drawn(state)
        trained.clear()
        trained.update(scheds)
        return schedule_runs(scheds, steps, width=width, layers=1, source=source, cache_dir=cache_dir,
                             progress=progress)

    def annealing_fit(curves, on, finished):
        names = on.split("+")
        key = (on, finished, len(curves), trained["yours"])
        if key not in fits:
            sel = curves[curves["label"].isin(names)]
            if sel["loss"].notna().sum() < 8:
                return None
            fits[key] = fit_annealing(sel, by="label", min_step=max(1, steps // 10), bootstrap=0)
        return fits[key]

    def render(state, result, finished) -> View:
        curves = result.curves
        H = result.entropy_rate
        # fitted once training is over (partial curves stream in while training; fitting each would slow it)
        fa = annealing_fit(curves, state["fit_on"], finished) if finished else None
        drawn = _drawn(state)
        numbers = {"steps": steps, "finished": bool(finished)}
        text = []
        preds = []
        if fa is not None:
            for name in REFERENCE_SCHEDULES:
                preds.append(predict_curve(fa, trained[name], steps).assign(label=name))
            mine = predict_curve(fa, drawn, steps).assign(label="yours (drawn)")
            preds.append(mine)
            numbers["predicted_final"] = float(mine["loss_pred"].iloc[-1])
            p = fa.params
            text.append(f"law fitted on <b>{html.escape(state['fit_on'])}</b>: L0 = {number(p['L0'], 4)}, A = {number(p['A'])}, "
                        f"α = {number(p['alpha'])}, C = {number(p['C'])}, λ = {number(fa.decay)}")
            text.append(f"your schedule ({html.escape(drawn.describe())}): predicted final loss "
                        f"<b>{fmt(numbers['predicted_final'], 'nats/token')}</b>")
            rows = []
            for name, sched in trained.items():
                meas = curves[(curves["label"] == name) & (curves["step"] == steps) & curves["loss"].notna()]
                if len(meas) == 0:
                    continue
                m = float(meas["loss"].iloc[0])
                pr = float(predict_curve(fa, sched, steps)["loss_pred"].iloc[-1])
                err = 100 * (pr / m - 1)
                numbers[f"error_pct_{name}"] = err
                rows.append(f"{name}: measured {number(m, 4)}, predicted {number(pr, 4)} ({percent(err / 100, 2)})")
            if rows:
                text.append("final loss, measured vs predicted: " + "; ".join(rows))
        else:
            text.append("training&hellip; the law is fitted when training ends" if not finished else
                        "the chosen run has too few measurements to fit the law")
        measured = curves[curves["loss"].notna()].copy()
        measured["label"] = measured["label"].replace({"yours": "yours (as trained)"})
        if preds:
            chart = annealing_chart(measured, pd.concat(preds, ignore_index=True), entropy_rate=H)
        else:
            chart = loss_curves_chart(curves, x="step", color="label", entropy_rate=H, log_x=False)
        found = list(getattr(fa, "warnings", []) or []) if fa is not None else []
        return View(chart=chart, text="<div class='wb-readout'>" + "<br>".join(text) + "</div>"
                    + (readout_html([], [], found) if found else ""), numbers=numbers, warnings=found)

    def total_steps(state):
        return steps * (len(REFERENCE_SCHEDULES) + 1)

    panel = TrainingPanel(controls, train, render, total_steps,
                          title="Learning-rate schedules and the loss curves they give (annealing law)",
                          view_controls=view_controls, train_on_start=False, help=help_text)

    def on_kind(change):
        preset_values = PRESETS[change["new"]]
        was = panel._muted
        panel._muted = True
        try:
            for k in ("warmup", "decay_start", "final"):
                controls[k].value = preset_values[k]
        finally:
            panel._muted = was
        if not was and panel.result is not None:
            panel.refresh()

    controls["schedule"].observe(on_kind, names="value")
    if train_on_start:
        panel.run()
    return panel


# ------------------------------------------------------------------------------ hyperparameters
def hyperparams_panel(N: float = 1e9, D: float = 2e10, loss: float = 2.5) -> Panel:
    """Step Law's optimal peak learning rate and batch size, and Kaplan's critical batch size.

    Controls: model size ``N`` (non-embedding parameters), training tokens ``D``, and a loss
    (nats/token) for the critical batch size. The chart shows the optimal learning rate
    against model size for the chosen ``D`` and for 10x less and more data.
    """
    controls = {
        "N": log_slider("model size N", N, 1e6, 1e12),
        "D": log_slider("training tokens D", D, 1e8, 1e14),
        "loss": w.FloatSlider(value=loss, min=1.5, max=6.0, step=0.05, description="loss"),
    }
    help_text = {
        "N": "Non-embedding parameters of the model.",
        "D": "Training tokens.",
        "loss": "Loss (nats/token) at which Kaplan's critical batch size is read.",
    }

    def update(state) -> View:
        Nv, Dv, Lv = float(state["N"]), float(state["D"]), float(state["loss"])
        lr = float(step_law_lr(Nv, Dv))
        B = float(step_law_batch(Dv))
        Bc = float(critical_batch_size(Lv))
        Ns = np.logspace(6, 12, 61)
        rows = []
        for f, lab in ((0.1, "D ÷ 10"), (1.0, "D"), (10.0, "10 × D")):
            rows.append(pd.DataFrame({"N": Ns, "lr": step_law_lr(Ns, Dv * f), "tokens": lab}))
        df = pd.concat(rows, ignore_index=True)
        lines = (
            alt.Chart(named_data(df, "step_law"), title=alt.TitleParams("Optimal peak learning rate (Step Law)",
                                                                        subtitle="dot: your model"))
            .mark_line()
            .encode(x=alt.X("N:Q", title="model size N (parameters)", scale=alt.Scale(type="log")),
                    y=alt.Y("lr:Q", title="optimal peak learning rate", scale=alt.Scale(type="log")),
                    color=alt.Color("tokens:N", title="training tokens", sort=["D ÷ 10", "D", "10 × D"]))
            .properties(width=HALF_WIDTH, height=260)
        )
        dot = (alt.Chart(named_data(pd.DataFrame({"N": [Nv], "lr": [lr]}), "step_law_point"))
               .mark_point(size=120, filled=True, color="black").encode(x="N:Q", y="lr:Q"))
        Ds = np.logspace(8, 14, 61)
        batch = pd.DataFrame({"D": Ds, "batch": step_law_batch(Ds)})
        bline = (alt.Chart(named_data(batch, "step_law_batch"), title=alt.TitleParams("Optimal batch size (Step Law)",
                                                                                       subtitle="dot: your training tokens"))
                 .mark_line(color=ENTITY_COLORS["fit"])
                 .encode(x=alt.X("D:Q", title="training tokens D", scale=alt.Scale(type="log")),
                         y=alt.Y("batch:Q", title="optimal batch (tokens)", scale=alt.Scale(type="log")))
                 .properties(width=HALF_WIDTH, height=260))
        bdot = (alt.Chart(named_data(pd.DataFrame({"D": [Dv], "batch": [B]}), "step_law_batch_point"))
                .mark_point(size=120, filled=True, color="black").encode(x="D:Q", y="batch:Q"))
        quantities = [
            Quantity("optimal peak learning rate", lr, None, note="(Step Law, 1.79 N^−0.713 D^0.307)"),
            Quantity("optimal batch size", B, "tokens", note="(Step Law, 0.58 D^0.571)"),
            Quantity("critical batch size", Bc, "tokens", note=f"(Kaplan et al., 2 × 10⁸ / L^(1/0.21) at {number(Lv)} nats/token)"),
        ]
        chart = alt.hconcat(lines + dot, bline + bdot).resolve_scale(color="independent")
        return View(chart=chart, numbers={"lr_opt": lr, "batch_opt": B, "critical_batch": Bc}, quantities=quantities)

    return Panel(controls, update, title="Hyperparameter laws: learning rate and batch size", help=help_text)

