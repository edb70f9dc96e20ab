"""Chart of a model ladder (Bhagia et al. 2024): task loss against compute, accuracy against task loss, and the
predicted targets with their intervals."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..metrics.ladder import TaskLadder
from .data import attach_data, named
from .registry import draws

__all__ = ["ladder_chart", "ladder_chart_data"]

MAX_POINTS = 2000


def ladder_chart_data(ladder: TaskLadder, targets: pd.DataFrame | None = None, n_curve: int = 120) -> dict:
    runs = ladder.runs.copy()
    if len(runs) > MAX_POINTS:
        runs = runs.iloc[:: int(np.ceil(len(runs) / MAX_POINTS))]
    runs = runs.assign(C=6.0 * runs["N"] * runs["D"], predicted_task_loss=ladder.loss_fit.predict(runs))
    runs = runs[["N", "D", "C", "task_loss", "predicted_task_loss", "accuracy"]]
    lo = float(runs["task_loss"].min())
    hi = float(runs["task_loss"].max())
    if targets is not None and len(targets):
        lo = min(lo, float(np.nanmin(targets["task_loss_lo"].fillna(targets["task_loss"]))))
        hi = max(hi, float(np.nanmax(targets["task_loss_hi"].fillna(targets["task_loss"]))))
    grid = np.linspace(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), n_curve)
    curve = pd.DataFrame({"task_loss": grid, "accuracy": ladder.accuracy_fit.predict(task_loss=grid)})
    if targets is None:
        targets = pd.DataFrame(columns=["N", "D", "task_loss", "task_loss_lo", "task_loss_hi", "accuracy", "accuracy_lo",
                                        "accuracy_hi"])
    t = targets.copy()
    t["C"] = 6.0 * t["N"].astype(float) * t["D"].astype(float)
    keep = [c for c in ("N", "D", "C", "task_loss", "task_loss_lo", "task_loss_hi", "accuracy", "accuracy_lo",
                        "accuracy_hi", "observed_accuracy", "observed_task_loss") if c in t]
    return {"runs": runs, "sigmoid": curve, "targets": t[keep]}


@draws(TaskLadder)
def ladder_chart(ladder: TaskLadder, targets: pd.DataFrame | None = None, width: int = 300, height: int = 240,
                 title: str | None = None) -> alt.HConcatChart:
    """Two panels: the task loss of every fitted row against compute ``C = 6ND`` (step 1), and accuracy against
    task loss with the fitted sigmoid (step 2). ``targets`` (from :meth:`TaskLadder.predict` or
    :meth:`TaskLadder.evaluate`) are drawn as diamonds with their intervals, and observed values as crosses."""
    data = ladder_chart_data(ladder, targets)
    size = alt.Color("N:Q", title="parameters N", scale=alt.Scale(type="log", scheme="viridis"), legend=alt.Legend(format="~s"))
    runs = alt.Chart(named("runs"))
    tg = alt.Chart(named("targets"))
    x_c = alt.X("C:Q", title="training compute C = 6ND (FLOPs)", scale=alt.Scale(type="log"), axis=alt.Axis(format="~e"))
    y_l = alt.Y("task_loss:Q", title=f"task loss ({ladder.task_loss})", scale=alt.Scale(zero=False))
    left = alt.layer(
        runs.mark_point(filled=True, size=22, opacity=0.6).encode(x=x_c, y=y_l, color=size,
                                                                  tooltip=["N:Q", "D:Q", "task_loss:Q", "predicted_task_loss:Q"]),
        tg.mark_rule(color="#e45756").encode(x=x_c, y="task_loss_lo:Q", y2="task_loss_hi:Q"),
        tg.mark_point(shape="diamond", filled=True, size=90, color="#e45756").encode(
            x=x_c, y=y_l, tooltip=["N:Q", "D:Q", "task_loss:Q", "task_loss_lo:Q", "task_loss_hi:Q"]),
        *([tg.mark_point(shape="cross", filled=True, size=90, color="black").encode(
            x=x_c, y="observed_task_loss:Q", tooltip=["N:Q", "D:Q", "observed_task_loss:Q"])]
          if "observed_task_loss" in data["targets"] else []),
    ).properties(width=width, height=height, title="step 1: task loss from N and D")
    x_l = alt.X("task_loss:Q", title=f"task loss ({ladder.task_loss})", scale=alt.Scale(zero=False))
    y_a = alt.Y("accuracy:Q", title=f"accuracy ({ladder.accuracy})", scale=alt.Scale(zero=False))
    right_layers = [
        runs.mark_point(filled=True, size=22, opacity=0.6).encode(x=x_l, y=y_a, color=size, tooltip=["N:Q", "D:Q", "task_loss:Q", "accuracy:Q"]),
        alt.Chart(named("sigmoid")).mark_line(color="#f58518", strokeWidth=2).encode(x=x_l, y=y_a),
        tg.mark_rule(color="#e45756").encode(x=x_l, y="accuracy_lo:Q", y2="accuracy_hi:Q"),
        tg.mark_point(shape="diamond", filled=True, size=90, color="#e45756").encode(
            x=x_l, y=y_a, tooltip=["N:Q", "D:Q", "accuracy:Q", "accuracy_lo:Q", "accuracy_hi:Q"]),
    ]
    if "observed_accuracy" in data["targets"]:
        right_layers.append(tg.mark_point(shape="cross", filled=True, size=90, color="black").encode(
            x=alt.X("observed_task_loss:Q" if "observed_task_loss" in data["targets"] else "task_loss:Q"),
            y="observed_accuracy:Q", tooltip=["N:Q", "observed_accuracy:Q"]))
    right = alt.layer(*right_layers).properties(width=width, height=height, title="step 2: accuracy from task loss")
    chart = alt.hconcat(left, right).properties(
        title=title or "Model ladder (diamonds: predicted targets with intervals; crosses: observed)")
    return attach_data(chart, **data)
