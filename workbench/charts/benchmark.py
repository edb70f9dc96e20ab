"""Charts of the extrapolation benchmark: predicted against observed on each task's held-out split, residuals,
and one task's fit (training and held-out runs) for one law."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..benchmark.results import Leaderboard, TaskResult
from ..errors import ArgumentError
from .data import attach_data, named
from .registry import draws

__all__ = ["leaderboard_chart", "task_chart", "leaderboard_chart_data", "task_chart_data"]

#: At most this many training runs are drawn per chart (every k-th run), to keep views under ~5,000 marks.
MAX_TRAIN_POINTS = 1500
ROLE_COLOURS = {"selected": "#4c78a8", "human-derived": "#e45756", "selected and human-derived": "#54a24b", "other": "#bab0ac"}


def _role(t: TaskResult, law: str) -> str:
    if law == t.selected and law == t.expert:
        return "selected and human-derived"
    if law == t.selected:
        return "selected"
    if law == t.expert:
        return "human-derived"
    return "other"


def leaderboard_chart_data(lb: Leaderboard, laws: str = "selected") -> pd.DataFrame:
    """Held-out runs of every task with each drawn law's prediction (long format).

    ``laws``: ``"selected"`` (the selected and the human-derived law) or ``"all"``.
    """
    rows = []
    for t in lb.tasks:
        names = t.laws if laws == "all" else list(dict.fromkeys([t.selected, t.expert]))
        for law in names:
            if t._scored(law) is None:
                continue
            pred = t.predictions[law][1]
            obs = t.test[t.task.target].to_numpy(float)
            s = t.score(law)
            rows.append(pd.DataFrame({
                "task": t.name,
                "law": law,
                "role": _role(t, law),
                "label": f"{law} (R2 {s.r2:.3f})",
                "observed": obs,
                "predicted": pred,
                "rel_error": (pred - obs) / np.abs(obs),
            }))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["task", "law", "role", "label", "observed", "predicted", "rel_error"])


@draws(Leaderboard)
def leaderboard_chart(lb: Leaderboard, kind: str = "parity", laws: str = "selected", columns: int = 3,
                      width: int = 220, height: int = 200) -> alt.FacetChart:
    """One panel per task: held-out predictions of the selected and the human-derived law.

    Parameters
    ----------
    kind : {"parity", "residuals"}
        ``parity``: predicted against observed, with the line of perfect prediction;
        ``residuals``: relative error of each held-out run, by law.
    laws : {"selected", "all"}
        Draw the selected and human-derived laws, or every scored law.
    """
    if kind not in ("parity", "residuals"):
        raise ArgumentError(f"kind must be 'parity' or 'residuals', not {kind!r}.")
    if laws not in ("selected", "all"):
        raise ArgumentError(f"laws must be 'selected' or 'all', not {laws!r}.")
    df = leaderboard_chart_data(lb, laws)
    color = alt.Color("role:N", title="law", scale=alt.Scale(domain=list(ROLE_COLOURS), range=list(ROLE_COLOURS.values())))
    tooltip = ["task:N", "law:N", alt.Tooltip("observed:Q", format=".4~g"), alt.Tooltip("predicted:Q", format=".4~g"),
               alt.Tooltip("rel_error:Q", format="+.2%")]
    if kind == "parity":
        lo = df.groupby("task")[["observed", "predicted"]].min().min(axis=1)
        hi = df.groupby("task")[["observed", "predicted"]].max().max(axis=1)
        diag = pd.DataFrame({"task": np.repeat(lo.index, 2), "a": np.ravel(np.column_stack([lo, hi]))})
        diag["b"] = diag["a"]
        data = pd.concat([df.assign(kind="point"), diag.assign(kind="diagonal")], ignore_index=True)
        base = alt.Chart(named("benchmark"))
        points = base.transform_filter(alt.datum.kind == "point").mark_point(filled=True, size=28, opacity=0.7).encode(
            x=alt.X("observed:Q", title="observed (held out)", scale=alt.Scale(zero=False)),
            y=alt.Y("predicted:Q", title="predicted", scale=alt.Scale(zero=False)),
            color=color,
            shape=alt.Shape("law:N", legend=None),
            tooltip=tooltip,
        )
        line = base.transform_filter(alt.datum.kind == "diagonal").mark_line(color="gray", strokeDash=[4, 3]).encode(
            x="a:Q", y="b:Q", detail="task:N")
        chart = alt.layer(line, points).properties(width=width, height=height).facet(
            facet=alt.Facet("task:N", title=None), columns=columns
        ).resolve_scale(x="independent", y="independent")
    else:
        data = df
        chart = alt.Chart(named("benchmark")).mark_tick(thickness=2, size=14).encode(
            x=alt.X("law:N", title=None),
            y=alt.Y("rel_error:Q", title="relative error of held-out predictions", axis=alt.Axis(format="+%")),
            color=color,
            tooltip=tooltip,
        ).properties(width=width, height=height).facet(
            facet=alt.Facet("task:N", title=None), columns=columns
        ).resolve_scale(x="independent", y="independent")
    title = "Held-out predictions of each task: " + ("predicted against observed" if kind == "parity" else "relative errors")
    chart = chart.properties(title=title)
    return attach_data(chart, benchmark=data)


def task_chart_data(t: TaskResult, law: str | None = None, x: str | None = None) -> pd.DataFrame:
    """Training (every k-th, at most :data:`MAX_TRAIN_POINTS`) and held-out runs with ``law``'s predictions."""
    res = t.residuals(law)
    train = res[res["split"] == "train"]
    if len(train) > MAX_TRAIN_POINTS:
        train = train.iloc[:: int(np.ceil(len(train) / MAX_TRAIN_POINTS))]
    out = pd.concat([train, res[res["split"] == "test"]], ignore_index=True)
    cols = ["split", "observed", "predicted", "rel_error"] + ([x] if x and x not in ("observed", "predicted") else [])
    out = out[cols].copy()
    out["split"] = out["split"].map({"train": "training split (fitted)", "test": "held out (predicted)"})
    return out


def _x_column(t: TaskResult, x: str | None) -> str:
    if x is not None:
        if x not in t.train.columns:
            raise ArgumentError(f"x={x!r} is not a column of task {t.name!r} ({list(t.train.columns)}).")
        return x
    for c in t.task.split.columns():
        if c in t.train.columns and pd.api.types.is_numeric_dtype(t.train[c]):
            return c
    return "observed"


@draws(TaskResult)
def task_chart(t: TaskResult, law: str | None = None, kind: str = "parity", x: str | None = None,
               width: int = 420, height: int = 300, title: str | None = None) -> alt.LayerChart:
    """One task, one law: training and held-out runs, predicted against observed (``kind="parity"``) or the
    relative error against a column (``kind="residuals"``, ``x`` default: the column the split rule reads)."""
    if kind not in ("parity", "residuals"):
        raise ArgumentError(f"kind must be 'parity' or 'residuals', not {kind!r}.")
    law = law or t.selected
    s = t.score(law)
    xcol = _x_column(t, x) if kind == "residuals" else None
    data = task_chart_data(t, law, xcol)
    color = alt.Color("split:N", title="runs", scale=alt.Scale(
        domain=["training split (fitted)", "held out (predicted)"], range=["#9ecae9", "#e45756"]))
    tip = ["split:N", alt.Tooltip("observed:Q", format=".4~g"), alt.Tooltip("predicted:Q", format=".4~g"),
           alt.Tooltip("rel_error:Q", format="+.2%")]
    title = title or f"{t.name}: {law} — held-out R2 {s.r2:.3f}"
    if kind == "parity":
        lo = float(np.nanmin(data[["observed", "predicted"]].to_numpy()))
        hi = float(np.nanmax(data[["observed", "predicted"]].to_numpy()))
        diag = pd.DataFrame({"a": [lo, hi], "b": [lo, hi]})
        line = alt.Chart(named("diagonal")).mark_line(color="gray", strokeDash=[4, 3]).encode(x="a:Q", y="b:Q")
        pts = alt.Chart(named("runs")).mark_point(filled=True, size=30, opacity=0.7).encode(
            x=alt.X("observed:Q", title=f"observed {t.task.target}", scale=alt.Scale(zero=False)),
            y=alt.Y("predicted:Q", title=f"predicted {t.task.target}", scale=alt.Scale(zero=False)),
            color=color, tooltip=tip)
        chart = alt.layer(line, pts).properties(width=width, height=height, title=title)
        return attach_data(chart, runs=data, diagonal=diag)
    log = xcol != "observed" and bool((data[xcol] > 0).all()) and data[xcol].max() / data[xcol].min() > 20
    zero = pd.DataFrame({"y": [0.0]})
    rule = alt.Chart(named("zero")).mark_rule(color="gray", strokeDash=[4, 3]).encode(y="y:Q")
    pts = alt.Chart(named("runs")).mark_point(filled=True, size=30, opacity=0.7).encode(
        x=alt.X(f"{xcol}:Q", title=xcol, scale=alt.Scale(type="log" if log else "linear", zero=False),
                axis=alt.Axis(format="~e" if log else "~g")),
        y=alt.Y("rel_error:Q", title="relative error (predicted - observed)", axis=alt.Axis(format="+%")),
        color=color, tooltip=tip + ([alt.Tooltip(f"{xcol}:Q", format=".4~g")] if xcol != "observed" else []))
    chart = alt.layer(rule, pts).properties(width=width, height=height, title=title)
    return attach_data(chart, runs=data, zero=zero)
