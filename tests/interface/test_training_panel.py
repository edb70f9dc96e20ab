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
