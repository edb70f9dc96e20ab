"""Charts of training dynamics: whole loss curves, the tiny-LM grid with its Chinchilla fit,
learning-rate schedules with the loss curves the annealing law predicts, and learning-rate sweeps.

Every chart keeps its rows in named inline datasets (:func:`~workbench.charts.data.named_data`),
so a live panel can swap the rows without rebuilding the view. Names used:
``curves``, ``entropy``, ``grid_points``, ``grid_fit``, ``schedule_lr``, ``measured``,
``predicted``, ``sweep_points``, ``sweep_optimum``.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..dynamics.annealing import AnnealingFit
from ..toys.tinylm import TinyLMGrid
from .data import named_data
from .registry import draws
from .theme import CHART_WIDTH

__all__ = [
    "loss_curves_chart",
    "grid_fit_chart",
    "grid_fit_data",
    "schedule_chart",
    "annealing_chart",
    "lr_sweep_chart",
    "thin_curves",
]

MAX_POINTS = 1500
LOSS_TITLE = "held-out loss (nats/token)"


def thin_curves(curves: pd.DataFrame, max_points: int = MAX_POINTS, by: str = "label") -> pd.DataFrame:
    """Keep at most ``max_points`` rows of a per-step table, evenly per run (charts stay responsive)."""
    if len(curves) <= max_points:
        return curves
    groups = curves.groupby(by, sort=False) if by in curves.columns else [(None, curves)]
    n_groups = max(1, curves[by].nunique() if by in curves.columns else 1)
    per = max(2, max_points // n_groups)
    parts = []
    for _, g in groups:
        idx = np.unique(np.linspace(0, len(g) - 1, per).round().astype(int))
        parts.append(g.iloc[idx])
    return pd.concat(parts)


def _tips(df: pd.DataFrame, cols) -> list[str]:
    """Typed tooltip fields (inline named data carry no pandas dtypes for Altair to infer from)."""
    return [f"{c}:{'Q' if pd.api.types.is_numeric_dtype(df[c]) else 'N'}" for c in cols if c in df.columns]


def _entropy_rule(entropy_rate: float | None, label: str = "entropy rate E (irreducible loss)"):
    if entropy_rate is None or not np.isfinite(entropy_rate):
        return None
    df = pd.DataFrame({"loss": [float(entropy_rate)], "what": [f"{label} = {entropy_rate:.3f}"]})
    return (
        alt.Chart(named_data(df, "entropy"))
        .mark_rule(strokeDash=[6, 3], color="black")
        .encode(y="loss:Q", tooltip=["what:N"])
    )


def loss_curves_chart(curves: pd.DataFrame, x: str = "step", color: str = "label", entropy_rate: float | None = None,
                      title: str = "Held-out loss during training", width: int = CHART_WIDTH, height: int = 280,
                      log_x: bool = True) -> alt.Chart:
    """Held-out loss against steps (or tokens ``D``) for every run, with the entropy rate as a floor.

    Parameters
    ----------
    curves : DataFrame
        Per-step table from :func:`workbench.toys.tinylm.train_tinylm` (rows without a held-out
        ``loss`` are dropped).
    x : {"step", "D"}
    color : str
        Column telling the runs apart (``label``, ``N``, ``width``, ``schedule``).
    entropy_rate : float, optional
        Draws the irreducible loss as a dashed rule (default: the ``entropy_rate`` column).
    """
    df = curves[curves["loss"].notna()].copy()
    if entropy_rate is None and "entropy_rate" in df.columns and len(df):
        entropy_rate = float(df["entropy_rate"].iloc[0])
    keep = [c for c in dict.fromkeys([x, "loss", color, "lr", "label", "N", "D", "step"]) if c in df.columns]
    df = thin_curves(df[keep], by=color if color in df.columns else "label")
    ctype = "O" if color in ("N", "width", "D") else "N"
    xtitle = {"step": "optimisation step", "D": "training tokens D"}.get(x, x)
    line = (
        alt.Chart(named_data(df, "curves"), title=title)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X(f"{x}:Q", title=xtitle, scale=alt.Scale(type="log" if log_x else "linear")),
            y=alt.Y("loss:Q", title=LOSS_TITLE, scale=alt.Scale(type="log", zero=False)),
            color=alt.Color(f"{color}:{ctype}", title=color),
            tooltip=_tips(df, keep),
        )
        .properties(width=width, height=height)
    )
    rule = _entropy_rule(entropy_rate)
    return line + rule if rule is not None else line


def grid_fit_data(runs: pd.DataFrame, fit=None, n_points: int = 60, extend: float = 4.0) -> pd.DataFrame:
    """Fitted Chinchilla curves ``L(N, D)`` against ``D`` for each model size of the grid (and beyond)."""
    if fit is None or len(runs) == 0:
        return pd.DataFrame(columns=["N", "D", "loss"])
    D = np.logspace(np.log10(runs["D"].min()), np.log10(runs["D"].max() * extend), n_points)
    parts = []
    for N in sorted(runs["N"].unique()):
        L = fit.law.predict(fit.params, N=np.full_like(D, N), D=D)
        parts.append(pd.DataFrame({"N": N, "D": D, "loss": L}))
    return pd.concat(parts, ignore_index=True)


def grid_fit_chart(runs: pd.DataFrame, fit=None, entropy_rate: float | None = None,
                   title: str = "Tiny-LM grid: final held-out loss and the fitted Chinchilla law",
                   width: int = CHART_WIDTH - 40, height: int = 300) -> alt.Chart:
    """Final loss of every run against tokens, one colour per model size, with the fitted law's curves.

    The dashed black rule is the source's true entropy rate; the dotted red rule the fitted ``E``.
    """
    pts = runs[["N", "D", "loss"] + [c for c in ("width", "layers") if c in runs.columns]].copy()
    scale_x = alt.Scale(type="log")
    scale_y = alt.Scale(type="log", zero=False)
    color = alt.Color("N:O", title="model size N (non-embedding params)", scale=alt.Scale(scheme="viridis"))
    points = (
        alt.Chart(named_data(pts, "grid_points"), title=title)
        .mark_point(filled=True, size=60)
        .encode(x=alt.X("D:Q", title="training tokens D", scale=scale_x), y=alt.Y("loss:Q", title=LOSS_TITLE, scale=scale_y),
                color=color, tooltip=_tips(pts, pts.columns))
        .properties(width=width, height=height)
    )
    layers = [points]
    curves = grid_fit_data(runs, fit)
    layers.append(
        alt.Chart(named_data(curves, "grid_fit")).mark_line(strokeWidth=1.5, opacity=0.8)
        .encode(x=alt.X("D:Q", scale=scale_x), y=alt.Y("loss:Q", scale=scale_y), color=color, detail="N:O")
    )
    rule = _entropy_rule(entropy_rate)
    if rule is not None:
        layers.append(rule)
    if fit is not None:
        e = pd.DataFrame({"loss": [float(fit.params["E"])], "what": [f"fitted E = {fit.params['E']:.3f}"]})
        layers.append(alt.Chart(named_data(e, "fitted_E")).mark_rule(strokeDash=[2, 2], color="#c0392b")
                      .encode(y="loss:Q", tooltip=["what:N"]))
    return alt.layer(*layers)


def schedule_chart(table: pd.DataFrame, color: str = "label", title: str = "Learning-rate schedules",
                   width: int = CHART_WIDTH, height: int = 140) -> alt.Chart:
    """Learning rate against step for one or several schedules (``step``, ``lr``, ``label`` columns)."""
    df = thin_curves(table[[c for c in ("step", "lr", color) if c in table.columns]], by=color)
    return (
        alt.Chart(named_data(df, "schedule_lr"), title=title)
        .mark_line()
        .encode(x=alt.X("step:Q", title="optimisation step"), y=alt.Y("lr:Q", title="learning rate"),
                color=alt.Color(f"{color}:N", title="schedule"), tooltip=["step:Q", "lr:Q", f"{color}:N"])
        .properties(width=width, height=height)
    )


def annealing_chart(measured: pd.DataFrame, predicted: pd.DataFrame, entropy_rate: float | None = None,
                    title: str = "Loss curves: measured (points) and predicted by the annealing law (lines)",
                    width: int = CHART_WIDTH, height: int = 260, lr_height: int = 110) -> alt.VConcatChart:
    """Measured held-out loss (points) and the annealing law's predicted curves (lines), with the schedules below.

    Parameters
    ----------
    measured : DataFrame
        ``step``, ``loss``, ``label`` (schedule name) of the measured runs; may be empty.
    predicted : DataFrame
        ``step``, ``loss_pred``, ``lr``, ``label`` of the predicted curves.
    """
    meas = measured[measured["loss"].notna()][["step", "loss", "label"]] if len(measured) else pd.DataFrame(
        columns=["step", "loss", "label"])
    pred = thin_curves(predicted[["step", "loss_pred", "lr", "label"]], max_points=120 * max(1, predicted["label"].nunique()),
                       by="label")
    lo = np.nanmin(np.concatenate([meas["loss"].to_numpy(float), pred["loss_pred"].to_numpy(float)]))
    hi = np.nanquantile(np.concatenate([meas["loss"].to_numpy(float), pred["loss_pred"].to_numpy(float)]), 0.9)
    yscale = alt.Scale(domain=[float(lo) * 0.99, float(hi) * 1.01], zero=False, clamp=True)
    color = alt.Color("label:N", title="schedule")
    xs = alt.X("step:Q", title="optimisation step")
    lines = (
        alt.Chart(named_data(pred, "predicted"), title=title).mark_line(strokeWidth=2)
        .encode(x=xs, y=alt.Y("loss_pred:Q", title=LOSS_TITLE, scale=yscale), color=color,
                tooltip=["label:N", "step:Q", alt.Tooltip("loss_pred:Q", format=".4f")])
        .properties(width=width, height=height)
    )
    points = (
        alt.Chart(named_data(meas, "measured")).mark_point(size=25, filled=True, opacity=0.8)
        .encode(x=xs, y=alt.Y("loss:Q", scale=yscale), color=color,
                tooltip=["label:N", "step:Q", alt.Tooltip("loss:Q", format=".4f")])
    )
    top = lines + points
    rule = _entropy_rule(entropy_rate)
    if rule is not None:
        top = top + rule
    lr = (
        alt.Chart(named_data(pred, "predicted")).mark_line()
        .encode(x=xs, y=alt.Y("lr:Q", title="learning rate"), color=color)
        .properties(width=width, height=lr_height)
    )
    return alt.vconcat(top, lr)


def lr_sweep_chart(runs: pd.DataFrame, optimum: pd.DataFrame | None = None,
                   title: str = "Learning-rate sweep: final loss against peak learning rate",
                   width: int = CHART_WIDTH, height: int = 280) -> alt.Chart:
    """Final loss against peak learning rate, one line per model size, with each size's optimum marked."""
    pts = runs[["N", "lr", "loss"]].sort_values(["N", "lr"])
    color = alt.Color("N:O", title="model size N", scale=alt.Scale(scheme="viridis"))
    base = (
        alt.Chart(named_data(pts, "sweep_points"), title=title)
        .mark_line(point=True)
        .encode(x=alt.X("lr:Q", title="peak learning rate", scale=alt.Scale(type="log")),
                y=alt.Y("loss:Q", title=LOSS_TITLE, scale=alt.Scale(type="log", zero=False)), color=color,
                tooltip=["N:Q", "lr:Q", alt.Tooltip("loss:Q", format=".4f")])
        .properties(width=width, height=height)
    )
    if optimum is None or len(optimum) == 0:
        return base
    opt = optimum[["N", "lr_opt", "loss_opt"]].rename(columns={"lr_opt": "lr", "loss_opt": "loss"})
    star = (
        alt.Chart(named_data(opt, "sweep_optimum")).mark_point(shape="diamond", size=160, filled=True, stroke="black")
        .encode(x="lr:Q", y="loss:Q", color=color, tooltip=["N:Q", alt.Tooltip("lr:Q", format=".4g", title="optimal lr")])
    )
    return base + star


@draws(AnnealingFit)
def annealing_fit_chart(result, **kwargs) -> alt.VConcatChart:
    """The fitted loss curves: measured points and the law's prediction at the same steps (:func:`annealing_chart`)."""
    runs = result.fit.fit_runs
    key = next((c for c in ("label", "run") if c in runs.columns), None)
    t = runs.assign(label=runs[key].astype(str) if key else "fitted curve", loss_pred=result.fit.predict(runs))
    return annealing_chart(t, t.sort_values(["label", "step"]), **kwargs)


@draws(TinyLMGrid)
def tinylm_grid_chart(result, **kwargs) -> alt.LayerChart:
    """The grid's final losses against tokens, one line per model size (:func:`grid_fit_chart`)."""
    return grid_fit_chart(result.runs, entropy_rate=result.entropy_rate, **kwargs)
