"""Finding the optimum: start grids and the vectorised multi-start search.

Every start of the grid takes a few Levenberg-Marquardt steps at once; the best
distinct end points are iterated to convergence and polished with L-BFGS-B. On a
large table (more than :data:`SCREEN_ROWS` runs) the starts are first *screened* on
a fixed random subsample of runs, so the cost of trying thousands of starts does not
grow with the table; only the best few candidates are then iterated on every run
(in chunks sized to the memory budget, see :class:`~workbench.fitting.engine.Problem`)
and the best one polished.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from ..errors import LawError
from ..laws.core import Law
from .engine import Problem, distinct_best

__all__ = ["start_grid", "multistart", "SCREEN_ROWS"]

#: Above this many runs, starts are screened on a random subsample of this many runs.
SCREEN_ROWS = 1024


def start_grid(law: Law, problem: Problem, starts, x, y) -> np.ndarray:
    free_names = [n for n, f in zip(law.param_names, problem.free) if f]
    if starts is None:
        grids = {p.name: p.grid for p in law.parameters}
        if law.start_values is not None:  # start values that depend on the data, declared with the law
            grids.update(law.start_values(x, y))
        grid = np.array(list(itertools.product(*(grids[n] for n in free_names))), float)
        return grid
    if isinstance(starts, Mapping):
        unknown = set(starts) - set(law.param_names)
        if unknown:
            raise LawError(f"starts= names unknown parameter(s) {sorted(unknown)}; {law.name!r} has {list(law.param_names)}.")
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

    With more than :data:`SCREEN_ROWS` runs, the first two stages run on a fixed random
    subsample of that many runs; the best two distinct candidates are then polished on
    every run.

    Returns ``(theta, objective, info)``; ``info["candidates"]`` lists the polished
    candidates as ``(theta, objective)`` pairs (used to spot equally good, distinct optima).
    """
    starts = problem.clip(starts)
    K = len(starts)
    info = {"n_starts": K}
    if K == 1:  # warm start: straight to L-BFGS-B, LM only if that fails
        res = problem.polish(starts[0])
        if np.isfinite(res.fun) and res.fun < 1e299:
            info.update(n_finite=1, candidates=[(np.asarray(res.x), float(res.fun))], optimizer_message=str(res.message),
                        optimizer_success=bool(res.success), n_at_best=1)
            return res.x, float(res.fun), info
    screen = problem
    if problem.n > SCREEN_ROWS:
        screen = problem.subset(np.random.default_rng(0).choice(problem.n, SCREEN_ROWS, replace=False))
        info["screened_on"] = SCREEN_ROWS
    if K > 256:
        theta, F, _ = screen.levenberg_marquardt(starts, max_iter=stage1_iters)
        keep = keep or max(64, K // 16)
        idx = distinct_best(theta, F, keep, rtol=1e-4)
        if idx.size == 0:
            return None, np.inf, dict(info, n_finite=0)
        theta, F = theta[idx], F[idx]
    else:
        theta = starts
    # on a subsample the candidates only need ranking; the polish on every run finishes them
    theta, F, iters = screen.levenberg_marquardt(theta, max_iter=200 if screen is problem else 30)
    info["n_finite"] = int(np.isfinite(F).sum())
    info["lm_iterations"] = iters
    if screen is not problem:
        # the best distinct candidates of the subsample, polished on every run (each polish is a
        # pass over the rows per step, so only the best two: they start close to the optimum)
        cand = distinct_best(theta, F, min(n_polish, 2))
        if cand.size == 0:
            return None, np.inf, info
        theta = theta[cand]
        F = problem.objective(theta)
        n_polish = len(cand)
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
    info["candidates"] = [(np.asarray(r.x), float(r.fun)) for r in results]
    info["optimizer_message"] = str(best.message)
    info["optimizer_success"] = bool(best.success)
    info["n_at_best"] = int(np.sum(np.abs(objs - f_best) <= 1e-6 * max(abs(f_best), 1e-300)))
    return theta_best, f_best, info
