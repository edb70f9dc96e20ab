"""``fit()``: one fitting function for every law in the catalogue."""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..data.runs import load_runs
from ..errors import ArgumentError, FitError, LawError, RunsError
from ..laws import get_law
from ..laws.core import Law
from ..results import ResultWarning
from .engine import Problem, distinct_best, single_threaded_blas
from .holdout import split_holdout
from .result import Fit, FitWarning

__all__ = ["fit"]


def _start_grid(law: Law, problem: Problem, starts, x, y) -> np.ndarray:
    free_names = [n for n, f in zip(law.param_names, problem.free) if f]
    if starts is None:
        grids = {p.name: p.grid for p in law.parameters}
        if law.start_values is not None:  # start values that depend on the data, declared with the law
            grids.update(law.start_values(x, y))
        import itertools

        grid = np.array(list(itertools.product(*(grids[n] for n in free_names))), float)
        return grid
    if isinstance(starts, Mapping):
        unknown = set(starts) - set(law.param_names)
        if unknown:
            raise LawError(f"starts= names unknown parameter(s) {sorted(unknown)}; {law.name!r} has {list(law.param_names)}.")
        import itertools

        # user grids are given as parameter *values*; convert to fit space
        cols = []
        for n in free_names:
            p = law.parameter(n)
            if n in starts:
                v = np.atleast_1d(np.asarray(starts[n], float))
                if p.log and np.any(v <= 0):
                    raise LawError(f"Start values of {n!r} must be > 0 (it is fitted on a log scale).")
                cols.append(tuple(np.log(v)) if p.log else tuple(v))
            else:
                cols.append(p.grid)
        return np.array(list(itertools.product(*cols)), float)
    arr = np.atleast_2d(np.asarray(starts, float))
    if arr.shape[1] == law.n_params:
        return problem.theta_of(arr)
    if arr.shape[1] == problem.n_free:
        full = np.tile(np.where(np.isnan(problem.fixed_values), 1.0, problem.fixed_values), (len(arr), 1))
        full[:, problem.free] = arr
        return problem.theta_of(full)
    raise LawError(f"starts= must have {law.n_params} columns (one per parameter {list(law.param_names)}).")


def multistart(problem: Problem, starts: np.ndarray, n_polish: int = 4, stage1_iters: int = 6, keep: int | None = None):
    """Vectorised multi-start: LM on every start, LM to convergence on the best, scipy polish on the best few.

    Returns ``(theta, objective, info)``.
    """
    starts = problem.clip(starts)
    K = len(starts)
    info = {"n_starts": K}
    if K == 1:  # warm start: straight to L-BFGS-B, LM only if that fails
        res = problem.polish(starts[0])
        if np.isfinite(res.fun) and res.fun < 1e299:
            info.update(n_finite=1, candidates=[float(res.fun)], optimizer_message=str(res.message),
                        optimizer_success=bool(res.success), n_at_best=1)
            return res.x, float(res.fun), info
    if K > 256:
        theta, F, _ = problem.levenberg_marquardt(starts, max_iter=stage1_iters)
        keep = keep or max(64, K // 16)
        idx = distinct_best(theta, F, keep, rtol=1e-4)
        if idx.size == 0:
            return None, np.inf, dict(info, n_finite=0)
        theta, F = theta[idx], F[idx]
    else:
        theta = starts
    theta, F, iters = problem.levenberg_marquardt(theta, max_iter=200)
    info["n_finite"] = int(np.isfinite(F).sum())
    info["lm_iterations"] = iters
    cand = distinct_best(theta, F, n_polish)
    if cand.size == 0:
        return None, np.inf, info
    results = [problem.polish(theta[i]) for i in cand]
    objs = np.array([r.fun for r in results])
    # a polish can only improve on its start; keep the LM point if scipy wandered off
    best_i = int(np.argmin(objs))
    best = results[best_i]
    theta_best, f_best = best.x, float(best.fun)
    if F[cand[best_i]] < f_best:
        theta_best, f_best = theta[cand[best_i]], float(F[cand[best_i]])
    info["candidates"] = objs.tolist()
    info["optimizer_message"] = str(best.message)
    info["optimizer_success"] = bool(best.success)
    info["n_at_best"] = int(np.sum(np.abs(objs - f_best) <= 1e-6 * max(abs(f_best), 1e-300)))
    return theta_best, f_best, info


def _bootstrap(problem: Problem, theta: np.ndarray, B: int, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = problem.n
    idx = rng.integers(0, n, size=(B, n))
    counts = np.zeros((B, n))
    np.add.at(counts, (np.repeat(np.arange(B), n), idx.ravel()), 1.0)
    W = counts * problem.weights[None, :]
    # 40 LM steps from the optimum bring bootstrap standard errors within ~1% of fully
    # converged refits on the Chinchilla data (each resample's optimum is close to the full one)
    th, F, _ = problem.levenberg_marquardt(np.tile(theta, (B, 1)), weights=W, max_iter=40, ftol=1e-10, xtol=1e-7)
    ok = np.isfinite(F)
    return problem.values(th[ok])


def fit(
    law,
    runs,
    *,
    loss: str = "huber",
    delta: float = 1e-3,
    weights=None,
    starts=None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    holdout=None,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
    n_polish: int = 4,
    warm_start=None,
) -> Fit:
    """Fit a scaling law to a runs table.

    The objective is the weighted sum over runs of a robust loss of the log
    residuals ``ln y - ln f(x; theta)``: Huber with threshold ``delta`` by
    default (Hoffmann et al. 2022 used ``delta = 1e-3``, as did the replication
    of Besiroglu et al. 2024), or plain least squares. Every start of the
    start grid is optimised at once by a vectorised Levenberg-Marquardt on the
    reweighted Gauss-Newton model; the best distinct results are polished with
    L-BFGS-B. Uncertainty comes from a bootstrap over runs.

    Parameters
    ----------
    law : str or Law
        A catalogue name (see :func:`workbench.laws.list_laws`) or a law object.
    runs : DataFrame, path or anything :func:`workbench.load_runs` accepts
    loss : {"huber", "squares"}
    delta : float
        Huber threshold on log residuals.
    weights : array_like or str, optional
        Per-run weights (or the name of a column holding them).
    starts : mapping or array, optional
        Start grid: ``{"alpha": [0.2, 0.4], ...}`` (values, combined with the
        default grid of the other parameters) or an array of full start points.
    fixed : mapping, optional
        Parameters held at given values, e.g. ``{"E": 1.69}``.
    bounds : mapping, optional
        Replace parameter bounds, e.g. ``{"alpha": (0, 1)}``.
    holdout : str, mask, callable or float, optional
        Runs kept out of the fit to measure extrapolation: a filter
        (``"C > 1e21"``; the language of :mod:`workbench.data.filters`, never
        evaluated as Python), a boolean mask, a function of the runs
        table returning one, or a fraction (``0.2``: the 20% largest-compute runs).
    bootstrap : int
        Number of bootstrap resamples of the fitted runs (0 to skip).
    level : float
        Coverage of the reported intervals.
    seed : int, optional
        Seed of the bootstrap resampling.
    n_polish : int
        How many distinct best starts are polished with L-BFGS-B.
    warm_start : Fit, mapping or array, optional
        Start from this solution only (fast refits when a few runs change).

    Returns
    -------
    Fit

    Raises
    ------
    FitError
        Fewer runs than free parameters, or no start converged.
    RunsError, MissingColumnsError
        The runs table is unusable; the message names the column and rows.
    """
    with single_threaded_blas():
        return _fit(law, runs, loss=loss, delta=delta, weights=weights, starts=starts, fixed=fixed, bounds=bounds,
                    holdout=holdout, bootstrap=bootstrap, level=level, seed=seed, n_polish=n_polish,
                    warm_start=warm_start)


def _fit(law, runs, *, loss, delta, weights, starts, fixed, bounds, holdout, bootstrap, level, seed, n_polish,
         warm_start) -> Fit:
    t0 = time.perf_counter()
    law = get_law(law)
    if bounds:
        law = law.with_bounds(**bounds)
    if loss not in ("huber", "squares"):
        raise ArgumentError(f"loss must be 'huber' or 'squares', not {loss!r}.")
    if not (np.isfinite(delta) and delta > 0):
        raise ArgumentError(f"delta must be a positive number, not {delta!r}.")
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}.")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise ArgumentError(f"bootstrap must be a whole number of resamples >= 0 (0 to skip), not {bootstrap!r}.")
    fixed = dict(fixed or {})
    unknown = set(fixed) - set(law.param_names)
    if unknown:
        raise LawError(f"fixed= names unknown parameter(s) {sorted(unknown)}; {law.name!r} has {list(law.param_names)}.")

    table = load_runs(runs, require=tuple(law.inputs) + (law.target,), on_duplicates="keep")
    y_all = pd.to_numeric(table[law.target], errors="coerce").to_numpy(float)
    bad = ~np.isfinite(y_all) | (y_all <= 0)
    if bad.any():
        raise RunsError(
            f"Column {law.target!r} must be finite and > 0 to be fitted on a log scale; rows "
            f"{list(table.index[bad][:8])} are not."
        )
    nonneg = set(law.extra.get("nonnegative_inputs", ()))  # inputs that may be 0 (e.g. an annealing area)
    for name in law.inputs:
        v = pd.to_numeric(table[name], errors="coerce").to_numpy(float)
        badx = ~np.isfinite(v) | ((v < 0) if name in nonneg else (v <= 0))
        if badx.any():
            need = ">= 0" if name in nonneg else "> 0"
            raise RunsError(f"Input column {name!r} must be finite and {need}; rows {list(table.index[badx][:8])} are not.")

    if isinstance(weights, str):
        if weights not in table.columns:
            raise RunsError(f"weights={weights!r} is not a column of the runs table ({list(table.columns)}).")
        w_all = pd.to_numeric(table[weights], errors="coerce").to_numpy(float)
    elif weights is None:
        w_all = np.ones(len(table))
    else:
        w_all = np.asarray(weights, float)
        if w_all.shape != (len(table),):
            raise RunsError(f"weights must have one value per run ({len(table)}), got shape {w_all.shape}.")
    if np.any(~np.isfinite(w_all)) or np.any(w_all < 0):
        raise RunsError("weights must be finite and >= 0.")

    fit_mask = ~split_holdout(table, holdout)
    fit_runs, held_runs = table.loc[fit_mask], table.loc[~fit_mask]
    n_free = law.n_params - len(fixed)
    n_fit = int(np.count_nonzero(w_all[fit_mask] > 0))
    if n_fit < n_free:
        raise FitError(
            f"Only {n_fit} runs to fit {n_free} free parameters of {law.name!r}: add runs, hold fewer out, "
            f"fix some parameters (fixed={{...}}), or choose a law with fewer parameters."
        )

    x = law.inputs_from(fit_runs)
    y = y_all[fit_mask]
    problem = Problem(law, x, y, w_all[fit_mask], loss=loss, delta=delta, fixed=fixed)

    if warm_start is not None:
        if isinstance(warm_start, Fit):
            ws_vals = np.array([warm_start.params[n] for n in law.param_names])
        else:
            ws_vals = law._values_array(warm_start)
        ws_vals = np.where(np.isnan(problem.fixed_values), ws_vals, problem.fixed_values)
        start_grid = problem.theta_of(ws_vals[None, :])
        theta, F, info = multistart(problem, start_grid, n_polish=1)
        info["warm_start"] = True
    else:
        start_grid = _start_grid(law, problem, starts, x, y)
        theta, F, info = multistart(problem, start_grid, n_polish=n_polish)
    if theta is None or not np.isfinite(F):
        raise FitError(
            f"No start of the {len(start_grid)} tried gave a finite fit of {law.name!r}: the law predicts "
            "non-positive or overflowing values everywhere it was tried. Check the units of your columns, "
            "give starts={...} near plausible values, or loosen bounds={...}."
        )

    values = problem.values(theta[None, :])[0]
    warn_list = []
    lo, hi = law.fit_bounds
    for jf, j in enumerate(np.flatnonzero(problem.free)):
        p, t = law.parameters[j], theta[jf]
        for bnd, side in ((lo[j], "lower"), (hi[j], "upper")):
            if np.isfinite(bnd) and abs(t - bnd) <= 1e-6 * max(1.0, abs(bnd)):
                shown = np.exp(bnd) if p.log else bnd
                warn_list.append(ResultWarning(
                    f"Parameter {p.name!r} ended at its {side} bound ({shown:g}): the data do not pin it down "
                    f"or the law does not fit. Try bounds={{'{p.name}': (...)}}, fix it with fixed={{'{p.name}': ...}}, "
                    "or add runs over a wider range of scale.", code="at_bound"
                ))
    if not info.get("optimizer_success", True) and "ABNORMAL" not in info.get("optimizer_message", ""):
        warn_list.append(ResultWarning(f"The polishing optimiser reported: {info.get('optimizer_message')}.", code="optimizer"))

    boot = None
    if bootstrap and bootstrap > 0:
        boot = _bootstrap(problem, theta, int(bootstrap), seed)
        if len(boot) < 0.9 * bootstrap:
            warn_list.append(ResultWarning(f"Only {len(boot)} of {bootstrap} bootstrap refits converged; intervals may be too narrow.",
                                           code="bootstrap_failed"))

    for msg in warn_list:
        warnings.warn(msg, FitWarning, stacklevel=3)

    return Fit(
        law=law,
        values=values,
        objective=float(F),
        loss=loss,
        delta=float(delta),
        fit_runs=fit_runs,
        holdout_runs=held_runs,
        fixed=fixed,
        bootstrap_values=boot,
        level=level,
        info=info,
        warnings=warn_list,
        elapsed=time.perf_counter() - t0,
        weights=problem.weights,
    )
