"""``benchmark_extrapolation``: every applicable law, fitted on each task's training split, scored on its held-out split.

For each task the same engine (:func:`workbench.fit`, with the same options
for every law) fits every applicable law on the training split only and
predicts the held-out split; the scores are SLDBench's R-squared, NMSE and NMAE
(:mod:`workbench.benchmark.scores`). A law is *selected* from the training split
alone: each law is refitted with the task's validation rows held out (by
default the task's own split rule applied to the training rows: the largest
remaining models or data, "leave the largest out"), and the law with the
smallest validation NMSE wins. The held-out split is never used to choose.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import FitError, WorkbenchError
from ..fitting import fit
from ..results import ResultWarning
from ..laws import get_law
from ..laws.core import Law
from .results import Leaderboard, LawScore, TaskResult
from .scores import extrapolation_scores
from .tasks import Task, get_task, list_tasks

__all__ = ["benchmark_extrapolation", "score_task", "BENCHMARK_FIT_OPTIONS", "QUICK_LAWS"]

#: Options of :func:`workbench.fit` used for every law on every task (no bootstrap: the benchmark
#: scores point predictions; one polish of the best multi-start candidate).
BENCHMARK_FIT_OPTIONS = {"loss": "huber", "delta": 1e-3, "bootstrap": 0, "n_polish": 1, "seed": 0}

#: In quick mode each task scores at most these many laws (its expert law first, then its list in order).
QUICK_LAWS = 2
#: In quick mode a task fitted per group keeps at most this many groups (the first ones, in table order).
QUICK_GROUPS = 1
#: In quick mode the training and held-out splits keep at most this many rows each (every k-th row).
QUICK_ROWS = 300


def _fit_groups(law: Law, rows: pd.DataFrame, group: str | None, options: dict):
    """Fit ``law`` to ``rows`` (one fit per group); returns ``{group: Fit}`` and ``{group: error message}``."""
    fits, errors = {}, {}
    groups = [(None, rows)] if group is None else list(rows.groupby(group, sort=False))
    for key, sub in groups:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # kept on the fit (Fit.warnings) and summarised per law
                fits[key] = fit(law, sub, **options)
        except (FitError, WorkbenchError, np.linalg.LinAlgError, FloatingPointError) as exc:
            errors[key] = str(exc)
    return fits, errors


def _predict_groups(law: Law, fits: dict, rows: pd.DataFrame, group: str | None) -> np.ndarray:
    out = np.full(len(rows), np.nan)
    if len(rows) == 0:
        return out
    keys = [None] * len(rows) if group is None else rows[group].to_numpy()
    for key, f in fits.items():
        sel = np.ones(len(rows), bool) if group is None else (keys == key)
        if sel.any():
            with np.errstate(all="ignore"):
                out[sel] = law.predict(f.values, rows.loc[sel])
    return out


def _validation_nmse(law: Law, train: pd.DataFrame, masks, target: str, group, options) -> float:
    """NMSE of ``law`` on the validation rows of the training split (each fold fitted on the rest)."""
    y = train[target].to_numpy(float)
    var = float(np.var(y)) or 1.0
    pred = np.full(len(train), np.nan)
    used = np.zeros(len(train), bool)
    for m in masks:
        fits, _ = _fit_groups(law, train.loc[~m], group, options)
        pred[m] = _predict_groups(law, fits, train.loc[m], group)
        used |= m
    if not used.any():
        return float("nan")
    p = pred[used]
    if not np.all(np.isfinite(p)):
        return float("inf")
    return float(np.mean((y[used] - p) ** 2) / var)


def _quick_table(task: Task, table: pd.DataFrame) -> pd.DataFrame:
    if task.group is None:
        return table
    keep = pd.unique(table[task.group])[:QUICK_GROUPS]
    return table[table[task.group].isin(keep)].reset_index(drop=True)


def _thin(part: pd.DataFrame) -> pd.DataFrame:
    """Every k-th row, so that at most :data:`QUICK_ROWS` remain (quick mode)."""
    if len(part) <= QUICK_ROWS:
        return part
    step = int(np.ceil(len(part) / QUICK_ROWS))
    return part.iloc[::step].reset_index(drop=True)


def score_task(
    task,
    extra_laws: Sequence = (),
    quick: bool = False,
    fit_options: Mapping | None = None,
    only: Sequence[str] | None = None,
    select: bool = True,
) -> TaskResult:
    """Fit every applicable law on one task's training split; score it on the held-out split; select a law.

    Parameters
    ----------
    task : str or Task
    extra_laws : sequence of str or Law
        Laws to try besides the task's own (those whose inputs and target the
        task's table has).
    quick : bool
        Score only the expert law and the task's next law, on at most
        :data:`QUICK_ROWS` rows of each split (every k-th row) and, for tasks
        fitted per group, the first :data:`QUICK_GROUPS` groups: the quick mode
        used in tests (its numbers are not the benchmark's).
    fit_options : mapping, optional
        Options of :func:`workbench.fit` replacing :data:`BENCHMARK_FIT_OPTIONS`
        (the same for every law).
    only : sequence of str, optional
        Score only these laws (names) of the applicable ones.
    select : bool
        Validate every law on the training split and select one (default). With
        ``False`` no validation fits are made and the human-derived law stands
        as the selection.

    Returns
    -------
    TaskResult
    """
    t0 = time.perf_counter()
    task = get_task(task)
    options = dict(BENCHMARK_FIT_OPTIONS, **(fit_options or {}))
    table = task.runs()
    if quick:
        table = _quick_table(task, table)
    held = task.held_out(table)
    train, test = table.loc[~held].reset_index(drop=True), table.loc[held].reset_index(drop=True)
    if quick:
        train, test = _thin(train), _thin(test)
    laws, skipped = task.applicable(table, extra_laws)
    if quick:
        expert = [law for law in laws if law.name == task.expert_name]
        laws = (expert + [law for law in laws if law.name != task.expert_name])[:QUICK_LAWS]
    if only is not None:
        unknown = sorted(set(only) - {law.name for law in laws})
        if unknown:
            raise WorkbenchError(f"Task {task.name!r} has no applicable law(s) {unknown}; it scores {[law.name for law in laws]}.")
        laws = [law for law in laws if law.name in set(only)]
    if not laws:
        raise WorkbenchError(f"Task {task.name!r}: none of its laws can be fitted to its table ({'; '.join(skipped)}).")
    masks = task.validation_masks(train) if select else []
    reference = table[task.target].to_numpy(float)
    observed = test[task.target].to_numpy(float)
    predictions = {}
    fitted = {}
    scores = []
    for law in laws:
        t1 = time.perf_counter()
        fits, errors = _fit_groups(law, train, task.group, options)
        pred_test = _predict_groups(law, fits, test, task.group)
        pred_train = _predict_groups(law, fits, train, task.group)
        s = extrapolation_scores(pred_test, observed, reference)
        heldout_only = extrapolation_scores(pred_test, observed, observed)["r2"] if len(observed) > 1 else float("nan")
        val = _validation_nmse(law, train, masks, task.target, task.group, options) if masks else float("nan")
        warn = sorted({f"{getattr(w, 'code', 'warning')}: {w}" for f in fits.values() for w in f.warnings})
        error = None
        if errors:
            n_groups = len(fits) + len(errors)
            error = (f"{len(errors)} of {n_groups} fits failed: {next(iter(errors.values()))}" if task.group
                     else next(iter(errors.values())))
        scores.append(
            LawScore(
                law=law.name,
                r2=s["r2"],
                nmse=s["nmse"],
                nmae=s["nmae"],
                r2_heldout=heldout_only,
                validation_nmse=val,
                n_params=law.n_params,
                seconds=time.perf_counter() - t1,
                error=error,
                fit_warnings=warn,
            )
        )
        predictions[law.name] = (pred_train, pred_test)
        fitted[law.name] = fits
    warn = [ResultWarning(f"{note} (not scored)", code="not_applicable") for note in skipped]
    warn += [ResultWarning(f"{s.law}: {s.error}", code="fit_failed") for s in scores if s.error]
    warn += [ResultWarning(f"{s.law}: no finite prediction for every held-out run, so no score", code="no_score")
             for s in scores if not np.isfinite(s.r2) and not s.error]
    finite = [s for s in scores if np.isfinite(s.validation_nmse)]
    selected = min(finite, key=lambda s: s.validation_nmse).law if finite else task.expert_name
    if selected not in {s.law for s in scores}:
        selected = scores[0].law
    return TaskResult(
        task=task,
        train=train,
        test=test,
        scores=scores,
        selected=selected,
        expert=task.expert_name,
        validation_rule=(task.validation or task.split).describe(),
        n_validation_folds=len(masks),
        predictions=predictions,
        fits=fitted,
        skipped=skipped,
        quick=quick,
        seconds=time.perf_counter() - t0,
        warnings=warn,
    )


def benchmark_extrapolation(
    tasks=None,
    *,
    extra_laws: Sequence = (),
    quick: bool | None = None,
    fit_options: Mapping | None = None,
    progress: bool = True,
) -> Leaderboard:
    """Score every applicable law on every extrapolation task, and the law chosen from each training split.

    For each task (by default the six SLDBench tasks): fit every applicable law
    on the training split only, with the same engine and options; predict the
    held-out split (larger models, more data, new mixtures); report R-squared,
    NMSE and NMAE as SLDBench defines them; and select a law by validation on
    the training split alone (the task's split rule applied to the training
    rows, "leave the largest out"; k-fold over mixtures for the domain-mixture
    task). The human-derived law of each task is marked.

    Parameters
    ----------
    tasks : str, Task or sequence of them, optional
        Task names (see :func:`list_tasks`) or :class:`Task` objects (your own
        runs table and split rule). Default: every registered task.
    extra_laws : sequence of str or Law
        Your own laws, tried on every task whose table has their inputs and target.
    quick : bool, optional
        The quick mode (two laws per task, a few groups of per-group tasks).
        Default: on when the environment variable ``WORKBENCH_QUICK`` is set.
    fit_options : mapping, optional
        Options of :func:`workbench.fit` for every law (default
        :data:`BENCHMARK_FIT_OPTIONS`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    Leaderboard
        ``.table()`` (held-out R-squared of every law on every task), ``.scores``
        (long table), ``.summary()``, ``.to_records()`` (the ``--json`` list),
        ``.chart()`` (predicted vs observed per task).

    Examples
    --------
    >>> import workbench as wb
    >>> lb = wb.benchmark_extrapolation(["moe"], quick=True)   # doctest: +SKIP
    >>> lb.table()                                              # doctest: +SKIP
    """
    t0, c0 = time.perf_counter(), time.process_time()
    if quick is None:
        quick = bool(os.environ.get("WORKBENCH_QUICK"))
    if tasks is None:
        tasks = list_tasks()
    elif isinstance(tasks, (str, Task)):
        tasks = [tasks]
    tasks = [get_task(t) for t in tasks]
    if not tasks:
        raise WorkbenchError("benchmark_extrapolation needs at least one task.")
    extra = [get_law(law) for law in extra_laws]
    results = []
    iterator = tasks
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(tasks, desc="extrapolation benchmark", unit="task", leave=False)
    for task in iterator:
        results.append(score_task(task, extra_laws=extra, quick=quick, fit_options=fit_options))
    return Leaderboard(tasks=results, quick=quick, seconds=time.perf_counter() - t0, cpu_seconds=time.process_time() - c0)
