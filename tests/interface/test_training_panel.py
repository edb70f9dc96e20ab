"""The training-panel machinery: synchronous runs, streamed partial results, stopping, errors."""

from __future__ import annotations

import time

import altair as alt
import ipywidgets as w
import pandas as pd
import torch

from workbench.toys import Progress, generator
from workbench.widgets.panel import View
from workbench.widgets.training import TrainingPanel


def train_linear(state: dict, progress: Progress) -> pd.DataFrame:
    """Least-squares regression by gradient descent in torch; the partial result is the loss curve so far."""
    g = generator(0, "cpu")
    x = torch.randn(256, 8, generator=g)
    y = x @ torch.randn(8, generator=g)
    wts = torch.zeros(8, requires_grad=True)
    opt = torch.optim.SGD([wts], lr=state["lr"])
    rows = []
    for step in range(1, state["steps"] + 1):
        if progress.stopped:
            break
        opt.zero_grad()
        loss = ((x @ wts - y) ** 2).mean()
        loss.backward()
        opt.step()
        rows.append({"step": step, "loss": float(loss.detach())})
        if state.get("slow"):
            time.sleep(0.01)
        progress.update(step, pd.DataFrame(rows))
    return pd.DataFrame(rows)


def render(state, result, finished) -> View:
    if state["lr"] > 0.9:
        raise ValueError("learning rate too high for this demo chart")
    chart = alt.Chart(result).mark_line().encode(x="step:Q", y=alt.Y("loss:Q", scale=alt.Scale(type="log" if state["log"] else "linear")))
    return View(chart=chart, text=f"{len(result)} steps", numbers={"steps": len(result), "final": float(result["loss"].iloc[-1]), "finished": finished})


def make_panel(**kw):
    controls = {
        "lr": w.FloatSlider(value=0.05, min=0.01, max=1.0),
        "steps": w.IntSlider(value=60, min=10, max=200),
        "log": w.Checkbox(value=True),
    }
    return TrainingPanel(controls, train_linear, render, total_steps=lambda s: s["steps"], view_controls=["log"], **kw)


def test_trains_on_start_and_retrains_on_set():
    p = make_panel()
    assert p.numbers["steps"] == 60 and p.numbers["finished"]
    first = p.numbers["final"]
    p.set(steps=150)
    assert p.numbers["steps"] == 150 and p.numbers["final"] < first


def test_view_controls_rerender_without_training():
    p = make_panel()
    n = p.training_seconds
    p.set(log=False)
    assert p.training_seconds == n and p.error is None


def test_background_training_streams_and_stops():
    p = make_panel(train_on_start=False)
    p.controls["slow"] = w.Checkbox(value=True)
    p.controls["steps"].value = 200
    p.start()
    deadline = time.time() + 30
    while (p.result is None or len(p.result) < 20) and time.time() < deadline:
        time.sleep(0.02)
    assert p.result is not None and not p.finished  # partial results arrived while training
    p.stop()
    p.wait(30)
    assert p.finished and 20 <= p.numbers["steps"] < 200
    assert "stopped early" in p._status.value


def test_error_in_render_is_shown_and_recovers():
    p = make_panel()
    p.set(lr=1.0)
    assert p.error and "learning rate too high" in p.error
    p.set(lr=0.1)
    assert p.error is None


def test_sweep_every_control():
    p = make_panel()
    for name in ("steps", "log"):
        for value, error, numbers in p.sweep(name, n=3):
            assert error is None and numbers["steps"] > 0


def test_stale_cue_greys_the_result_and_resets_the_bar():
    """A change that needs Train: the old chart and readout greyed, the progress bar back at 0, a note asking for
    Train; training again clears the grey and fills the bar."""
    p = make_panel()
    p.widget  # on screen
    assert p._bar.value == 1.0 and "wb-stale" not in p._chart_box._dom_classes
    p.controls["steps"].value = 120  # as a user moves the slider
    assert "wb-stale" in p._chart_box._dom_classes and "wb-stale" in p._readout._dom_classes
    assert p._bar.value == 0.0 and "Train" in p._status.value
    assert p.numbers["steps"] == 60  # the old result, still shown (greyed)
    p.run()
    assert "wb-stale" not in p._chart_box._dom_classes and p._bar.value == 1.0 and p.numbers["steps"] == 120


def test_busy_cue_is_on_while_an_update_computes():
    """The chart box carries the busy class while the update runs (the CSS shows dim and spinner after 150 ms)."""
    from workbench.widgets.panel import PANEL_CSS, Panel

    seen = []
    panel = None

    def update(state):
        if panel is not None:
            seen.append("wb-busy" in panel._chart_box._dom_classes)
        return View(chart=alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q"), text="")

    panel = Panel({"a": w.IntSlider(value=1, min=0, max=5)}, update)
    panel.widget
    panel.set(a=3)
    assert seen and all(seen) and "wb-busy" not in panel._chart_box._dom_classes
    assert "wb-busy" in PANEL_CSS and ".15s" in PANEL_CSS


def test_chart_height_is_held_while_training():
    """Partial results drawn as a shorter chart do not shrink the chart area (no jump while training)."""
    heights = []

    def render_tall_when_done(state, result, finished):
        chart = alt.Chart(result).mark_line().encode(x="step:Q", y="loss:Q").properties(height=400 if finished else 150)
        return View(chart=chart, text="", numbers={"finished": finished})

    controls = {"lr": w.FloatSlider(value=0.05, min=0.01, max=1.0), "steps": w.IntSlider(value=30, min=10, max=200)}
    p = TrainingPanel(controls, train_linear, render_tall_when_done, total_steps=lambda s: s["steps"])
    p.widget
    tall = p._chart_box.layout.min_height
    assert tall and int(tall[:-2]) >= 400
    original = p._on_partial

    def watch(partial, fraction):
        original(partial, fraction)
        heights.append(p._chart_box.layout.min_height)

    p._on_partial = watch
    p._progress = None
    p.run(steps=40)
    assert heights and set(heights) == {tall}
