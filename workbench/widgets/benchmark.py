"""The extrapolation panel: pick a task and a law, see how the law fitted on the training split predicts the
held-out runs."""

from __future__ import annotations

import html

import ipywidgets as w

from ..benchmark import Leaderboard, benchmark_extrapolation
from ..errors import WorkbenchError
from .panel import Panel, View

__all__ = ["extrapolation_panel"]

_STYLE = {"description_width": "initial"}


def _law_options(t):
    out = []
    for s in t.scores:
        tags = [tag for tag, on in (("selected", s.law == t.selected), ("human-derived", s.law == t.expert)) if on]
        out.append((f"{s.law} (R2 {s.r2:.3f}{', ' + ', '.join(tags) if tags else ''})", s.law))
    return out


def extrapolation_panel(leaderboard: Leaderboard | None = None, task: str | None = None, law: str | None = None) -> Panel:
    """Choose a task and a law; the chart shows the law's fit on the training split and its predictions of the
    held-out runs (predicted against observed, or the relative error along the task's split column).

    Parameters
    ----------
    leaderboard : Leaderboard, optional
        A finished :func:`~workbench.benchmark.benchmark_extrapolation` (default: run it, in quick mode
        when ``WORKBENCH_QUICK`` is set). Every fit is already made, so moving a control only redraws.
    task, law : str, optional
        Initial choices (default: the first task and its selected law).
    """
    if leaderboard is None:
        leaderboard = benchmark_extrapolation(progress=False)
    if not leaderboard.tasks:
        raise WorkbenchError("The leaderboard has no tasks to show.")
    task = task or leaderboard.tasks[0].name
    first = leaderboard.task(task)
    law = law or first.selected
    first.score(law)
    controls = {
        "task": w.Dropdown(options=[(f"{t.task.title} [{t.name}]", t.name) for t in leaderboard.tasks], value=task,
                           description="task", style=_STYLE, layout=w.Layout(width="560px")),
        "law": w.Dropdown(options=_law_options(first), value=law, description="law", style=_STYLE,
                          layout=w.Layout(width="560px")),
        "view": w.ToggleButtons(options=[("predicted vs observed", "parity"), ("relative error", "residuals")],
                                value="parity", description="show", style=_STYLE),
    }

    def update(state) -> View:
        t = leaderboard.task(state["task"])
        name = state["law"] if state["law"] in t.laws else t.selected
        s = t.score(name)
        chart = t.chart(law=name, kind=state["view"])
        bold = " style='font-weight:bold'"
        rows = "".join(
            f"<tr{bold if x.law == name else ''}><td>{html.escape(x.law)}</td>"
            f"<td>{x.r2:.4f}</td><td>{x.nmse:.4f}</td><td>{x.nmae:.4f}</td><td>{x.validation_nmse:.4f}</td>"
            f"<td>{'selected' if x.law == t.selected else ''}{' human-derived' if x.law == t.expert else ''}</td></tr>"
            for x in t.scores
        )
        text = (
            f"<div class='extrapolation-readout'><p>{html.escape(t.task.title)}: fitted on {t.n_train} training rows, "
            f"predicting {t.n_test} held-out rows ({html.escape(t.task.split.describe())}). "
            f"<b>{html.escape(name)}</b>: held-out R&sup2; <b class='heldout-r2'>{s.r2:.4f}</b>.</p>"
            f"<table><tr><th>law</th><th>R&sup2;</th><th>NMSE</th><th>NMAE</th><th>validation NMSE (training split)</th>"
            f"<th></th></tr>{rows}</table>"
            f"<p>The law is chosen by the validation NMSE alone (holding out {html.escape(t.validation_rule)} of the "
            f"training split); the held-out split never enters the choice.</p></div>"
        )
        numbers = {"task": t.name, "law": name, "r2": s.r2, "nmse": s.nmse, "nmae": s.nmae,
                   "selected": t.selected, "expert": t.expert}
        return View(chart=chart, text=text, numbers=numbers)

    panel = Panel(controls, update, title="Which law extrapolates? Fit on the training split, predict the held-out runs")

    def on_task(change):
        t = leaderboard.task(change["new"])
        was = panel._muted
        panel._muted = True
        try:
            controls["law"].options = _law_options(t)
            controls["law"].value = t.selected
        finally:
            panel._muted = was
        if not was:
            panel.refresh()

    controls["task"].observe(on_task, names="value")
    return panel
