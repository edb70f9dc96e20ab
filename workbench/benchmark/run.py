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
import sys
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

__all__ = ["benchmark_extrapolation", "score_task", "BENCHMARK_FIT_OPTIONS", "QUICK_LAWS", "SELECTIONS"]

#: Options of :func:`workbench.fit` used for every law on every task (no bootstrap: the benchmark
#: scores point predictions; one polish of the best multi-start candidate).
BENCHMARK_FIT_OPTIONS = {"loss": "huber", "delta": 1e-3, "bootstrap": 0, "n_polish": 1, "seed": 0}

#: In quick mode each task scores at most these many laws (its expert law first, then its list in order).
QUICK_LAWS = 2
#: In quick mode a task fitted per group keeps at most this many groups (the first ones, in table order).
QUICK_GROUPS = 1
#: In quick mode the training and held-out splits keep at most this many rows each (every k-th row).
QUICK_ROWS = 300
#: In quick mode at most this many validation folds are fitted (the first ones).
QUICK_FOLDS = 2


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


#: How a law is chosen from the training split: the task's split rule applied to the training rows, or a
#: rollout along the task's size ladder (fit on the sizes up to the k-th, predict the next, for every k).
SELECTIONS = ("leave-largest-out", "rollout")
#: A rollout starts from this many sizes (fewer when the training split has fewer than four).
ROLLOUT_MIN_SIZES = 3


def _rollout_nmse(law: Law, train: pd.DataFrame, task: Task, options) -> float:
    """NMSE of every prediction of a rollout of ``law`` along the task's size ladder (training split only)."""
    from ..fitting import rollout

    n_sizes = train[task.ladder].nunique()
    opts = {k: v for k, v in options.items() if k not in ("bootstrap", "seed")}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = rollout(train, law, size=task.ladder, min_sizes=max(1, min(ROLLOUT_MIN_SIZES, n_sizes - 1)),
                        predict="all", bootstrap=0, seed=options.get("seed", 0), **opts)
    except (FitError, WorkbenchError):
        return float("inf")
    p = r.predictions
    if len(p) == 0 or not np.all(np.isfinite(p["predicted"].to_numpy(float))):
        return float("inf")
    var = float(np.var(train[task.target].to_numpy(float))) or 1.0
    return float(np.mean((p["observed"].to_numpy(float) - p["predicted"].to_numpy(float)) ** 2) / var)


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
    selection: str = "leave-largest-out",
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
        :data:`QUICK_ROWS` rows of each split (every k-th row), with at most
        :data:`QUICK_FOLDS` validation folds and, for tasks fitted per group, the
        first :data:`QUICK_GROUPS` groups: the quick mode used in tests (its
        numbers are not the benchmark's).
    fit_options : mapping, optional
        Options of :func:`workbench.fit` replacing :data:`BENCHMARK_FIT_OPTIONS`
        (the same for every law).
    only : sequence of str, optional
        Score only these laws (names) of the applicable ones.
    select : bool
        Validate every law on the training split and select one (default). With
        ``False`` no validation fits are made and the human-derived law stands
        as the selection.
    selection : {"leave-largest-out", "rollout"}
        How a law is validated on the training split: hold out the rows the task's
        validation rule marks (by default its split rule applied to the training
        rows), or roll out along the task's size ladder with :func:`workbench.rollout`
        (fit on the sizes up to the k-th, predict the next, for every k). A task
        with no ladder (fitted per group, or without a size column) falls back to
        leave-the-largest-out, with a warning.

    Returns
    -------
    TaskResult
    """
    t0 = time.perf_counter()
    task = get_task(task)
    if selection not in SELECTIONS:
        raise WorkbenchError(f"selection must be one of {list(SELECTIONS)}, not {selection!r}.")
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
    use_rollout = select and selection == "rollout" and task.ladder is not None and task.group is None \
        and task.ladder in train.columns
    masks = task.validation_masks(train) if select and not use_rollout else []
    if quick:
        masks = masks[:QUICK_FOLDS]
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
        if use_rollout:
            val = _rollout_nmse(law, train, task, options)
        else:
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
    if select and selection == "rollout" and not use_rollout:
        warn.append(ResultWarning(f"task {task.name!r} has no single size ladder to roll out along (one law per "
                                  f"{task.group!r} or no ladder column): chosen by leave-the-largest-out instead",
                                  code="selection_fallback"))
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
        validation_rule=(f"rollout along {task.ladder} (fit on the sizes up to the k-th, predict the next)" if use_rollout
                         else (task.validation or task.split).describe()),
        n_validation_folds=len(masks) if not use_rollout else int(train[task.ladder].nunique() - min(
            ROLLOUT_MIN_SIZES, train[task.ladder].nunique() - 1)),
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
    workers: int = 1,
    selection: str = "leave-largest-out",
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
    selection : {"leave-largest-out", "rollout"}
        How each law is validated on the training split to select one (see :func:`score_task`).
    workers : int
        Score this many tasks at once in separate processes (``2`` uses both cores of a
        two-core machine). The numbers are the same as with one worker; tasks or laws that
        cannot be sent to another process (a law whose formula is a local function) make it
        fall back to one process, with a warning in the result.

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
    workers = int(workers)
    if workers < 1:
        raise WorkbenchError(f"workers must be 1 or more, not {workers}.")
    notes: list = []
    results = None
    cpu_children = 0.0
    if workers > 1 and len(tasks) > 1:
        results, cpu_children, why = _score_in_processes(tasks, extra, quick, fit_options, workers, progress, selection)
        if results is None:
            notes.append(ResultWarning(f"ran in one process: {why}", code="serial"))
    if results is None:
        results = []
        iterator = tasks
        if progress:
            from tqdm.auto import tqdm

            iterator = tqdm(tasks, desc="extrapolation benchmark", unit="task", leave=False)
        for task in iterator:
            results.append(score_task(task, extra_laws=extra, quick=quick, fit_options=fit_options, selection=selection))
    lb = Leaderboard(tasks=results, quick=quick, seconds=time.perf_counter() - t0,
                     cpu_seconds=time.process_time() - c0 + cpu_children)
    lb.warnings = list(lb.warnings) + notes
    return lb


def _score_timed(task, extra, quick, fit_options, selection):
    """:func:`score_task` in a worker process, with the processor time it took."""
    c0 = time.process_time()
    result = score_task(task, extra_laws=extra, quick=quick, fit_options=fit_options, selection=selection)
    return result, time.process_time() - c0


def _score_in_processes(tasks, extra, quick, fit_options, workers, progress, selection):
    """Score tasks in a pool of processes; ``(results, processor seconds, None)`` or ``(None, 0, why)``."""
    import multiprocessing
    import pickle
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    try:
        pickle.dumps((tasks, extra, fit_options))
    except Exception as exc:  # a law or a task's data that only this process can hold
        return None, 0.0, f"a task or law cannot be sent to another process ({type(exc).__name__}: {exc})"
    # fork (Linux) starts workers at once and needs no importable __main__ (a notebook, python -c); the
    # workers run numpy and scipy only, whose BLAS pools survive a fork. Elsewhere: spawn.
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    results: dict = {}
    cpu = 0.0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(tasks), desc="extrapolation benchmark", unit="task", leave=False)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx) as pool:
            futures = {pool.submit(_score_timed, t, extra, quick, fit_options, selection): i for i, t in enumerate(tasks)}
            for fut in as_completed(futures):
                result, seconds = fut.result()
                results[futures[fut]] = result
                cpu += seconds
                if bar is not None:
                    bar.update(1)
    except BrokenProcessPool as exc:
        return None, 0.0, f"a worker process could not start or died ({exc})"
    finally:
        if bar is not None:
            bar.close()
    return [results[i] for i in range(len(tasks))], cpu, None
