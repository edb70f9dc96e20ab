"""Task-level prediction with a model ladder (Bhagia et al. 2024).

Bhagia et al. (2024, "Establishing Task Scaling Laws via Compute-Efficient Model
Ladders", used to plan OLMo 2) predict a large model's accuracy on a task from a
ladder of small models in two steps:

1. the *task loss* (e.g. the bits per byte of the correct answer, or any per-task
   loss) as a function of parameters and tokens,
   ``L(N, D) = E + A / N^alpha + B / D^beta``;
2. the task accuracy as a sigmoid of that loss,
   ``Acc(L) = a / (1 + exp(-k (L - L0))) + b``.

Chaining the two predicts the accuracy of a model not yet trained. Both steps
are fitted by :func:`workbench.fit`; their bootstrap refits are chained (every
pair of step-1 and step-2 refits) to give the interval of the prediction. Rows
may be checkpoints of training runs: the options of the fitting engine
(``fit_options``) apply to both steps, and step 2 uses every row (Bhagia et al.
fit the sigmoid on intermediate checkpoints too).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import ArgumentError, MissingColumnsError, RunsError
from ..fitting import Fit, fit
from ..laws import get_law
from ..results import Result, ResultWarning, percentile_interval

__all__ = ["fit_task_ladder", "TaskLadder", "TASK_LOSS_LAW"]

#: Step 1 of the ladder: Hoffmann et al.'s form fitted to a per-task loss (column ``task_loss``).
TASK_LOSS_LAW = dataclasses.replace(
    get_law("chinchilla"),
    name="ladder_task_loss",
    title="Task loss L(N, D) (Bhagia et al. 2024, model ladder step 1)",
    target="task_loss",
    reference="Bhagia et al. 2024, 'Establishing Task Scaling Laws via Compute-Efficient Model Ladders', "
    "arXiv:2412.04403 (Eq. 1); the form of Hoffmann et al. 2022",
)


class TaskLadder(Result):
    """A fitted two-step model ladder: task loss from (N, D), accuracy from task loss.

    Attributes
    ----------
    loss_fit : Fit
        Step 1, ``L(N, D) = E + A/N^alpha + B/D^beta`` fitted to the task loss.
    accuracy_fit : Fit
        Step 2, ``Acc(L) = a / (1 + exp(-k (L - L0))) + b``.
    task_loss, accuracy : str
        The columns of the user's table the two steps were fitted to.
    runs : DataFrame
        The fitted rows: ``N``, ``D``, ``task_loss``, ``accuracy``.
    level : float
        Coverage of the intervals.
    """

    loss_fit: Fit
    accuracy_fit: Fit
    task_loss: str
    accuracy: str
    runs: pd.DataFrame
    level: float = 0.95
    warnings: list = field(default_factory=list)

    _dict_exclude = ("loss_fit", "accuracy_fit", "runs")
    _dict_properties = ("step1", "step2", "n_runs")

    @property
    def n_runs(self) -> int:
        return len(self.runs)

    @property
    def step1(self) -> dict:
        return {"law": self.loss_fit.law.equation, "params": self.loss_fit.params}

    @property
    def step2(self) -> dict:
        return {"law": self.accuracy_fit.law.equation, "params": self.accuracy_fit.params}

    @property
    def intervals(self) -> dict | None:
        """Bootstrap intervals of both steps' parameters, named ``loss.<p>`` and ``accuracy.<p>``."""
        a, b = self.loss_fit.intervals, self.accuracy_fit.intervals
        if a is None or b is None:
            return None
        return {**{f"loss.{k}": v for k, v in a.items()}, **{f"accuracy.{k}": v for k, v in b.items()}}

    # ------------------------------------------------------------ prediction
    def predict(self, N=None, D=None, runs=None, level: float | None = None, kind: str = "prediction") -> pd.DataFrame:
        """Task loss and accuracy of models of ``N`` parameters trained on ``D`` tokens, each with an interval.

        Parameters
        ----------
        N, D : float or array_like
            Target models (or give ``runs``, a table with ``N`` and ``D`` columns).
        level : float, optional
            Coverage (default the ladder's ``level``).
        kind : {"prediction", "confidence"}
            ``confidence``: the uncertainty of the two fitted laws (every pair of
            step-1 and step-2 bootstrap refits); ``prediction``: also the scatter of
            single models around each law (the residual spread of each step, in log
            space), which is what an observed model's accuracy varies by.

        Returns
        -------
        DataFrame
            ``N``, ``D``, ``task_loss`` with ``task_loss_lo``/``task_loss_hi``, and
            ``accuracy`` with ``accuracy_lo``/``accuracy_hi``.
        """
        if kind not in ("prediction", "confidence"):
            raise ArgumentError(f"kind must be 'prediction' or 'confidence', not {kind!r}.")
        level = self.level if level is None else float(level)
        if not 0 < level < 1:
            raise ArgumentError(f"level must be between 0 and 1, not {level!r}.")
        if runs is not None:
            if not {"N", "D"} <= set(runs.columns):
                raise MissingColumnsError(f"predict(runs=...) needs columns N and D; the table has {list(runs.columns)}.")
            N, D = runs["N"].to_numpy(float), runs["D"].to_numpy(float)
        if N is None or D is None:
            raise ArgumentError("predict needs N and D (parameters and training tokens), or runs= with those columns.")
        N, D = np.broadcast_arrays(np.atleast_1d(np.asarray(N, float)), np.atleast_1d(np.asarray(D, float)))
        if np.any(~np.isfinite(N) | (N <= 0)) or np.any(~np.isfinite(D) | (D <= 0)):
            raise ArgumentError("N and D must be finite and > 0.")
        L = self.loss_fit.predict(N=N, D=D)
        acc = self.accuracy_fit.predict(task_loss=L)
        out = pd.DataFrame({"N": N, "D": D, "task_loss": L, "accuracy": acc})
        b1, b2 = self._draws(self.loss_fit, level), self._draws(self.accuracy_fit, level)
        if b1 is None or b2 is None or len(b1) < 2 or len(b2) < 2:
            for c in ("task_loss", "accuracy"):
                out[f"{c}_lo"] = np.nan
                out[f"{c}_hi"] = np.nan
            return out
        rng = np.random.default_rng(0)
        x = self.loss_fit.law.inputs_from(None, N=N, D=D)
        L_s = self.loss_fit.law.predict_batch(b1, x)  # (B1, n)
        if kind == "prediction":
            L_s = L_s * np.exp(rng.normal(0.0, self._scatter(self.loss_fit), L_s.shape))
        # every step-2 refit at every step-1 sample: (B2, B1 * n)
        acc_s = self.accuracy_fit.law.predict_batch(b2, {"task_loss": L_s.ravel()}).reshape(len(b2), *L_s.shape)
        acc_s = acc_s.reshape(-1, L_s.shape[1])
        if kind == "prediction":
            acc_s = acc_s * np.exp(rng.normal(0.0, self._scatter(self.accuracy_fit), acc_s.shape))
        out["task_loss_lo"], out["task_loss_hi"] = percentile_interval(L_s, level)
        out["accuracy_lo"], out["accuracy_hi"] = percentile_interval(acc_s, level)
        return out[["N", "D", "task_loss", "task_loss_lo", "task_loss_hi", "accuracy", "accuracy_lo", "accuracy_hi"]]

    @staticmethod
    def _draws(f: Fit, level: float):
        """Parameter draws for the intervals: the engine's interval draws when it has them (bootstrap refits
        widened for a scatter estimated from few runs), else the bootstrap refits."""
        if hasattr(f, "interval_draws"):
            return f.interval_draws(level)
        return f.bootstrap_values

    @staticmethod
    def _scatter(f: Fit) -> float:
        """Spread of a single run around a fitted law, in log space: the engine's noise estimate (between and
        within runs) when it has one, else the RMS of the log residuals (``n / (n - p)`` corrected)."""
        sigma = getattr(getattr(f, "noise", None), "sigma", None)
        if sigma is not None and np.isfinite(sigma):
            return float(sigma)
        r = f.residuals.to_numpy()
        dof = max(len(r) - f.n_free, 1)
        return float(np.sqrt(np.sum(r**2) / dof))

    def evaluate(self, runs: pd.DataFrame, level: float | None = None, kind: str = "prediction") -> pd.DataFrame:
        """Predict held-out runs and compare: ``observed_*``, ``abs_error`` of accuracy and task loss, coverage.

        ``runs`` needs ``N``, ``D`` and the ladder's accuracy column (and its task-loss column, when present,
        is compared too).
        """
        if self.accuracy not in runs.columns:
            raise MissingColumnsError(f"evaluate needs the accuracy column {self.accuracy!r}; the table has {list(runs.columns)}.")
        pred = self.predict(runs=runs, level=level, kind=kind).reset_index(drop=True)
        obs_acc = runs[self.accuracy].to_numpy(float)
        pred["observed_accuracy"] = obs_acc
        pred["abs_error"] = np.abs(pred["accuracy"] - obs_acc)
        pred["covered"] = (pred["accuracy_lo"] <= obs_acc) & (obs_acc <= pred["accuracy_hi"])
        if self.task_loss in runs.columns:
            obs_L = runs[self.task_loss].to_numpy(float)
            pred["observed_task_loss"] = obs_L
            pred["task_loss_abs_error"] = np.abs(pred["task_loss"] - obs_L)
            pred["accuracy_from_observed_loss"] = self.accuracy_fit.predict(task_loss=obs_L)
        return pred

    # ------------------------------------------------------------ display
    def _title(self) -> str:
        return "Model ladder: task loss from (N, D), accuracy from task loss (Bhagia et al. 2024)"

    def _summarize(self, s) -> None:
        s.subtitle = f"{self.task_loss!r} -> {self.accuracy!r}, {self.n_runs} rows"
        for step, f in (("step 1", self.loss_fit), ("step 2", self.accuracy_fit)):
            iv = f.intervals
            s.add_table((["parameter", "value", f"{100 * self.level:g}% interval"],
                         [[k, v, iv[k] if iv else "-"] for k, v in f.params.items()]), title=f"{step}: {f.law.equation}")
        s.add_fields([
            ("RMS log residual, step 1 / step 2", f"{self.loss_fit.rmse_log:.4g} / {self.accuracy_fit.rmse_log:.4g}"),
        ])

    def _headline(self) -> str:
        return f"{self.task_loss} -> {self.accuracy}, {self.n_runs} rows"


def fit_task_ladder(
    runs,
    task_loss: str = "task_loss",
    accuracy: str = "accuracy",
    *,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
    **fit_options,
) -> TaskLadder:
    """Fit the two steps of a model ladder (Bhagia et al. 2024) to a table of runs or checkpoints.

    Step 1 fits ``L(N, D) = E + A/N^alpha + B/D^beta`` to the column ``task_loss``;
    step 2 fits ``Acc(L) = a / (1 + exp(-k (L - L0))) + b`` to (``task_loss``,
    ``accuracy``). The result predicts a target model's task loss and accuracy,
    each with an interval (:meth:`TaskLadder.predict`).

    Parameters
    ----------
    runs : DataFrame
        One row per run or checkpoint, with ``N`` (parameters), ``D`` (tokens seen)
        and the two columns named below.
    task_loss : str
        The per-task loss column: bits per byte of the correct answer, the log
        perplexity of the target, or any loss that tracks the task.
    accuracy : str
        The accuracy column (fraction, 0..1).
    bootstrap : int
        Bootstrap refits of each step, chained for the intervals (0: no intervals).
    level : float
        Coverage of the intervals.
    seed : int, optional
    **fit_options
        Passed to :func:`workbench.fit` for both steps (e.g. ``loss="squares"``,
        ``delta=``, ``starts=``, and the trajectory options: ``group="model"`` to
        resample whole runs, ``min_fraction=0.1`` to leave out each run's first 10% of
        tokens, applied once to the rows of both steps).

    Returns
    -------
    TaskLadder

    Examples
    --------
    >>> import workbench as wb
    >>> ladder = wb.fit_task_ladder(small_runs, task_loss="loss", accuracy="acc")   # doctest: +SKIP
    >>> ladder.predict(N=7e9, D=1.4e11)                                             # doctest: +SKIP
    """
    if not isinstance(runs, pd.DataFrame):
        raise ArgumentError(f"fit_task_ladder takes a DataFrame of runs, not {type(runs).__name__}.")
    needed = ["N", "D", task_loss, accuracy]
    missing = [c for c in dict.fromkeys(needed) if c not in runs.columns]
    if missing:
        raise MissingColumnsError(f"fit_task_ladder needs columns {missing}; the table has {list(runs.columns)}.")
    if task_loss == accuracy:
        raise ArgumentError("task_loss and accuracy must be two different columns.")
    table = pd.DataFrame({
        "N": pd.to_numeric(runs["N"], errors="coerce").to_numpy(float),
        "D": pd.to_numeric(runs["D"], errors="coerce").to_numpy(float),
        "task_loss": pd.to_numeric(runs[task_loss], errors="coerce").to_numpy(float),
        "accuracy": pd.to_numeric(runs[accuracy], errors="coerce").to_numpy(float),
    }, index=runs.index)
    extra = [c for c in runs.columns if c not in needed and c not in table.columns]
    for c in extra:  # group / step / run columns the engine's options may name
        table[c] = runs[c]
    notes = []
    min_fraction = fit_options.pop("min_fraction", None)
    if min_fraction:
        # the engine's trajectory option, applied once for both steps and before the checks below: the
        # earliest checkpoints of a run (accuracy still 0, loss not yet finite) are what it drops
        from ..fitting.groups import resolve_groups
        from ..fitting.selection import early_checkpoints

        ok = np.isfinite(table["N"].to_numpy()) & np.isfinite(table["D"].to_numpy())
        groups = resolve_groups(table.loc[ok], fit_options.get("group"))
        early = np.zeros(len(table), bool)
        early[np.flatnonzero(ok)] = early_checkpoints(table.loc[ok], groups.codes, float(min_fraction))
        table = table.loc[~early]
        notes.append(ResultWarning(f"dropped {int(early.sum())} early row(s): the first {100 * float(min_fraction):g}% "
                                   "of each run's tokens (min_fraction)", code="min_fraction"))
    for c in ("N", "D", "task_loss", "accuracy"):
        bad = ~np.isfinite(table[c].to_numpy()) | (table[c].to_numpy() <= 0)
        if bad.any():
            name = {"task_loss": task_loss, "accuracy": accuracy}.get(c, c)
            raise RunsError(f"Column {name!r} must be finite and > 0 in every row; rows {list(table.index[bad][:8])} are not.")
    if (table["accuracy"] > 1).any():
        raise RunsError(f"Column {accuracy!r} must hold fractions (0 to 1), not percentages.")
    table = table.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss_fit = fit(TASK_LOSS_LAW, table, bootstrap=bootstrap, level=level, seed=seed, **fit_options)
        acc_fit = fit("ladder_accuracy", table, bootstrap=bootstrap, level=level, seed=seed, **fit_options)
    warn = notes + [ResultWarning(f"step 1: {w}", code=getattr(w, "code", "warning")) for w in loss_fit.warnings]
    warn += [ResultWarning(f"step 2: {w}", code=getattr(w, "code", "warning")) for w in acc_fit.warnings]
    return TaskLadder(loss_fit=loss_fit, accuracy_fit=acc_fit, task_loss=task_loss, accuracy=accuracy, runs=table,
                      level=level, warnings=warn)
