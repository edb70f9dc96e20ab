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
from . import diagnostics as diag
from .engine import Problem, single_threaded_blas
from .groups import resolve_groups
from .holdout import split_holdout
from .result import Fit, FitWarning
from .search import multistart, start_grid
from .selection import duplicate_rows, early_checkpoints, largest_sizes
from .uncertainty import REFIT_WORK, RESAMPLE_METHODS, bootstrap as run_bootstrap, choose_resample, noise_components, score_bootstrap

__all__ = ["fit"]



def fit(
    law,
    runs,
    *,
    loss: str = "huber",
    delta: float = 1e-3,
    weights=None,
    starts=None,
    fixed: Mapping[str, float] | None = None,
    tie=None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    cap_E: bool = False,
    overestimate_penalty: float = 1.0,
    holdout=None,
    holdout_largest: int | None = None,
    min_fraction: float | None = None,
    group=None,
    by: str | None = None,
    on_duplicates: str = "raise",
    force: bool = False,
    bootstrap: int = 200,
    resample: str = "auto",
    level: float = 0.95,
    seed: int | None = 0,
    n_polish: int = 4,
    warm_start=None,
    memory_budget: int | None = None,
):
    """Fit a scaling law to a runs table.

    The objective is the weighted sum over runs of a robust loss of the log
    residuals ``ln y - ln f(x; theta)``: Huber with threshold ``delta`` by
    default (Hoffmann et al. 2022 used ``delta = 1e-3``, as did the replication
    of Besiroglu et al. 2024), or plain least squares. Every start of the
    start grid is optimised at once by a vectorised Levenberg-Marquardt on the
    reweighted Gauss-Newton model; the best distinct results are polished with
    L-BFGS-B. Uncertainty comes from a bootstrap over whole runs
    (:func:`workbench.fitting.uncertainty.bootstrap`), and the scatter of a new run
    around the law from the residuals (:func:`~workbench.fitting.uncertainty.noise_components`),
    so that :meth:`Fit.predict_interval` gives both confidence and prediction intervals.

    The fit checks itself: ``fit.warnings`` lists what deserves attention, each with a
    machine-readable ``code`` (see :mod:`workbench.fitting.diagnostics`).

    Parameters
    ----------
    law : str or Law
        A catalogue name (see :func:`workbench.laws.list_laws`) or a law object.
    runs : DataFrame, path or anything :func:`workbench.load_runs` accepts
    loss : {"huber", "squares"}
    delta : float
        Huber threshold on log residuals.
    weights : array_like or str, optional
        Per-row weights (or the name of a column holding them).
    starts : mapping or array, optional
        Start grid: ``{"alpha": [0.2, 0.4], ...}`` (values, combined with the
        default grid of the other parameters) or an array of full start points.
    fixed : mapping, optional
        Parameters held at given values, e.g. ``{"alpha": 0.34}``.
    tie : sequence of tuples, optional
        Parameters constrained to be equal, e.g. ``[("alpha", "beta")]`` (both must be
        fitted on the same scale); the group takes the first name's start grid.
    bounds : mapping, optional
        Replace parameter bounds, e.g. ``{"alpha": (0, 1)}``.
    cap_E : bool
        Bound the irreducible loss ``E`` above by the lowest loss in the fit (as
        OLMo-core's ladder fits do): the law's floor cannot lie above a loss already reached.
    overestimate_penalty : float
        Multiply the loss of residuals where the law predicts *more* than observed by this
        factor (``> 1`` fits the lower envelope of the runs, as OLMo-core's
        ``overestimate_penalty``; 1 is symmetric).
    holdout : str, mask, callable or float, optional
        Runs kept out of the fit to measure extrapolation: a filter
        (``"C > 1e21"``; the language of :mod:`workbench.data.filters`, never
        evaluated as Python), a boolean mask, a function of the runs
        table returning one, or a fraction (``0.2``: the 20% largest-compute runs).
    holdout_largest : int, optional
        Hold out every row of the ``K`` largest model sizes ``N``.
    min_fraction : float, optional
        Drop each run's rows in the first ``min_fraction`` of its tokens (early
        checkpoints of a training curve; Choshen et al. 2024 leave them out).
    group : str, array or False, optional
        Which rows belong to one run (see :func:`workbench.fitting.groups.resolve_groups`):
        a column name, one label per row, or ``False`` (every row its own run). By
        default a ``group`` or ``run`` column, else runs inferred from a ``step`` column
        or repeated model sizes, and the summary says so.
    by : str, optional
        Fit one law per value of this column (one per model family) and return a
        :class:`~workbench.fitting.families.FitTable`.
    on_duplicates : {"raise", "drop", "keep"}
        Rows repeating another row's inputs and target: an error (default, as
        :func:`workbench.load_runs`), dropped, or kept; the last two add a
        ``duplicates`` warning.
    force : bool
        Fit even with no residual degrees of freedom (as many free parameters as
        points); the fit then carries a ``no_residual_dof`` warning.
    bootstrap : int
        Number of bootstrap resamples (0 to skip).
    resample : {"auto", "runs", "residuals"}
        How the bootstrap draws data sets (:func:`workbench.fitting.uncertainty.bootstrap`):
        ``"runs"`` resamples whole runs with replacement; ``"residuals"`` keeps every run and
        redraws its offset and its within-run noise as one block; ``"auto"`` (default) takes
        ``"runs"`` with at least 6 runs per free parameter and ``"residuals"`` with fewer
        (:func:`~workbench.fitting.uncertainty.choose_resample`).
    level : float
        Coverage of the reported intervals.
    seed : int, optional
        Seed of the bootstrap resampling.
    n_polish : int
        How many distinct best starts are polished with L-BFGS-B.
    warm_start : Fit, mapping or array, optional
        Start from this solution only (fast refits when a few runs change).
    memory_budget : int, optional
        Bytes the engine may use for its working arrays (default
        :func:`~workbench.fitting.engine.default_memory_budget`); larger tables are
        processed in chunks.

    Returns
    -------
    Fit
        (a :class:`~workbench.fitting.families.FitTable` with ``by=``)

    Raises
    ------
    FitError
        No residual degrees of freedom (unless ``force``), or no start converged, or
        the data would not fit in memory even in chunks.
    RunsError, MissingColumnsError
        The runs table is unusable (duplicates included); the message names the column and rows.
    """
    options = dict(loss=loss, delta=delta, weights=weights, starts=starts, fixed=fixed, tie=tie, bounds=bounds,
                   cap_E=cap_E, overestimate_penalty=overestimate_penalty, holdout=holdout,
                   holdout_largest=holdout_largest, min_fraction=min_fraction, group=group,
                   on_duplicates=on_duplicates, force=force, bootstrap=bootstrap, resample=resample, level=level,
                   seed=seed, n_polish=n_polish, warm_start=warm_start, memory_budget=memory_budget)
    if by is not None:
        from .families import fit_by

        return fit_by(law, runs, by, **options)
    with single_threaded_blas():
        return _fit(law, runs, **options)


def _check_options(law, loss, delta, level, fixed, tie, on_duplicates, resample, overestimate_penalty, bootstrap):
    if loss not in ("huber", "squares"):
        raise ArgumentError(f"loss must be 'huber' or 'squares', not {loss!r}.")
    if not (np.isfinite(delta) and delta > 0):
        raise ArgumentError(f"delta must be a positive number, not {delta!r}.")
    if not 0 < level < 1:
        raise ArgumentError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}.")
    if on_duplicates not in ("raise", "drop", "keep"):
        raise ArgumentError(f"on_duplicates must be 'raise', 'drop' or 'keep', not {on_duplicates!r}.")
    if resample not in RESAMPLE_METHODS:
        raise ArgumentError(f"resample must be one of {list(RESAMPLE_METHODS)}, not {resample!r}.")
    if not (np.isfinite(overestimate_penalty) and overestimate_penalty > 0):
        raise ArgumentError(f"overestimate_penalty must be a positive number (1 = symmetric), not {overestimate_penalty!r}.")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise ArgumentError(f"bootstrap must be a whole number of resamples >= 0 (0 to skip), not {bootstrap!r}.")
    fixed = dict(fixed or {})
    unknown = set(fixed) - set(law.param_names)
    if unknown:
        raise LawError(f"fixed= names unknown parameter(s) {sorted(unknown)}; {law.name!r} has {list(law.param_names)}.")
    ties = []
    if tie:
        if isinstance(tie, (tuple, list)) and tie and all(isinstance(t, str) for t in tie):
            tie = [tuple(tie)]  # tie=("alpha", "beta")
        seen = set()
        for group in tie:
            group = tuple(group)
            unknown = set(group) - set(law.param_names)
            if len(group) < 2 or unknown:
                raise LawError(f"tie= takes groups of at least two parameter names of {law.name!r} "
                               f"({list(law.param_names)}), e.g. tie=[('alpha', 'beta')]; got {group!r}.")
            if seen & set(group):
                raise LawError(f"Parameter(s) {sorted(seen & set(group))} appear in two tie groups: merge the groups.")
            if set(group) & set(fixed):
                raise LawError(f"Parameter(s) {sorted(set(group) & set(fixed))} are both fixed and tied: fix the "
                               "whole group instead (fixed= every member).")
            scales = {law.parameter(n).log for n in group}
            if len(scales) > 1:
                raise LawError(f"Tied parameters {group} are fitted on different scales (log and linear); tie "
                               "parameters of the same kind, e.g. two exponents.")
            seen |= set(group)
            ties.append(group)
    return fixed, tuple(ties)


def _fit(law, runs, *, loss, delta, weights, starts, fixed, tie, bounds, cap_E, overestimate_penalty, holdout,
         holdout_largest, min_fraction, group, on_duplicates, force, bootstrap, resample, level, seed, n_polish,
         warm_start, memory_budget) -> Fit:
    t0 = time.perf_counter()
    law = get_law(law)
    if bounds:
        law = law.with_bounds(**bounds)
    fixed, ties = _check_options(law, loss, delta, level, fixed, tie, on_duplicates, resample, overestimate_penalty,
                                 bootstrap)
    warn_list: list = []
    notes: list[str] = []

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

    # ---------------------------------------------------------------- rows
    group_col = [group] if isinstance(group, str) else [c for c in ("group", "run") if c in table.columns][:1]
    dup = duplicate_rows(table, list(law.inputs) + [law.target] + group_col)
    if dup.any():
        rows = list(table.index[dup][:8])
        if on_duplicates == "raise":
            raise RunsError(
                f"{int(dup.sum())} row(s) repeat the inputs ({', '.join(law.inputs)}) and {law.target!r} of an earlier "
                f"row (e.g. rows {rows}): each would count as another run and make the intervals too narrow. "
                "Remove the copies, or pass on_duplicates='drop' (fit each once) or 'keep'."
            )
        kept = on_duplicates == "keep"
        warn_list.append(diag.diagnostic(
            "duplicates",
            f"{int(dup.sum())} row(s) repeat an earlier row's inputs and {law.target!r} (e.g. rows {rows}); "
            + ("they were kept, so those runs count several times and the intervals are too narrow: pass "
               "on_duplicates='drop'." if kept else "they were dropped (each measurement fitted once).")))
        if not kept:
            table, w_all, y_all = table.loc[~dup], w_all[~dup], y_all[~dup]
            if group is not None and group is not False and not isinstance(group, str):
                group = np.asarray(group)[~dup]
    groups = resolve_groups(table, group, sizes_name_runs="N" in law.inputs)
    use = np.ones(len(table), bool)
    if min_fraction:
        early = early_checkpoints(table, groups.codes, float(min_fraction))
        use &= ~early
        notes.append(f"dropped {int(early.sum())} early row(s): the first {100 * float(min_fraction):g}% of each "
                     "run's tokens")
    if holdout is not None and holdout_largest is not None:
        raise ArgumentError("Give holdout= or holdout_largest=, not both.")
    if holdout_largest is not None:
        held = largest_sizes(table, holdout_largest)
        notes.append(f"held out the {holdout_largest} largest model size(s) (N >= {table['N'][held].min():.4g})")
    else:
        held = split_holdout(table, holdout)
    fit_mask = use & ~held
    fit_runs, held_runs = table.loc[fit_mask], table.loc[held & use]
    fit_groups = groups.subset(fit_mask)

    x = law.inputs_from(fit_runs)
    y = y_all[fit_mask]
    if cap_E:
        if "E" not in law.param_names:
            raise LawError(f"cap_E=True caps the irreducible loss E, but {law.name!r} has no parameter 'E'.")
        p = law.parameter("E")
        law = law.with_bounds(E=(p.lower, min(p.upper, float(np.min(y)))))
        notes.append(f"E capped at the lowest fitted {law.target} ({float(np.min(y)):.4g})")
    problem = Problem(law, x, y, w_all[fit_mask], loss=loss, delta=delta, fixed=fixed, tie=ties,
                      overestimate_penalty=float(overestimate_penalty), memory_budget=memory_budget)
    _check_memory(problem)

    # ---------------------------------------------------------------- degrees of freedom
    n_free = problem.n_free
    n_fit = int(np.count_nonzero(problem.weights > 0))
    G_fit = int(len(np.unique(fit_groups.codes[problem.weights > 0]))) if n_fit else 0
    if n_fit <= n_free:
        if not force:
            raise FitError(
                f"Only {n_fit} runs to fit {n_free} free parameters of {law.name!r} (no residual degrees of freedom): "
                "the law would pass through every point, with nothing left to estimate the noise, so its intervals "
                "would mean nothing. Add runs, hold fewer out, fix some parameters (fixed={...}) or tie them "
                "(tie=[...]), choose a law with fewer parameters, or pass force=True to fit anyway."
            )
        warn_list.append(diag.diagnostic(
            "no_residual_dof",
            f"{n_fit} runs for {n_free} free parameters (forced): no residual degrees of freedom, so the fit "
            "interpolates and its intervals mean nothing. Add runs, or fix or tie parameters."))
    elif G_fit <= n_free:
        warn_list.append(diag.diagnostic(
            "no_residual_dof",
            f"Only {G_fit} runs for {n_free} free parameters: each run's own offset cannot be told from the law, "
            "so the run-to-run scatter is not estimated and prediction intervals for a new run are too narrow. "
            "Add runs (model sizes), or fix or tie parameters."
            + (f" (The runs were {fit_groups.basis.split(' (')[0]}: if every row is a separate training run, "
               "pass group=False.)" if fit_groups.source == "inferred" else "")))

    # ---------------------------------------------------------------- optimum
    if warm_start is not None:
        if isinstance(warm_start, Fit):
            ws_vals = np.array([warm_start.params[n] for n in law.param_names])
        else:
            ws_vals = law._values_array(warm_start)
        ws_vals = np.where(np.isnan(problem.fixed_values), ws_vals, problem.fixed_values)
        grid = problem.theta_of(ws_vals[None, :])
        theta, F, info = multistart(problem, grid, n_polish=1)
        info["warm_start"] = True
    else:
        grid = start_grid(law, problem, starts, x, y)
        theta, F, info = multistart(problem, grid, n_polish=n_polish)
    if theta is None or not np.isfinite(F):
        raise FitError(
            f"No start of the {len(grid)} tried gave a finite fit of {law.name!r}: the law predicts "
            "non-positive or overflowing values everywhere it was tried. Check the units of your columns, "
            "give starts={...} near plausible values, or loosen bounds={...}."
        )
    theta = np.asarray(theta, float)
    values = problem.values(theta[None, :])[0]
    bound_warnings = diag.at_bound(problem, theta)
    warn_list += bound_warnings
    if not info.get("optimizer_success", True) and "ABNORMAL" not in info.get("optimizer_message", ""):
        warn_list.append(diag.diagnostic(
            "optimizer",
            f"The polishing optimiser (L-BFGS-B) stopped without converging: {info.get('optimizer_message')}. The "
            "parameters may not be at the optimum: refit from them (warm_start=fit) or with starts={...} near "
            "plausible values, and compare the objectives."))

    # ---------------------------------------------------------------- noise and bootstrap
    noise = None
    live = problem.weights > 0
    if n_fit > n_free:
        noise = _noise(problem, theta, fit_groups)
    boot_theta = None
    boot = None
    resample = choose_resample(resample, fit_groups, n_free)
    if bootstrap and bootstrap > 0 and n_fit > n_free and problem.n * bootstrap > REFIT_WORK:
        boot_theta = score_bootstrap(problem, theta, fit_groups.codes, fit_groups.n_groups, int(bootstrap), seed,
                                     method=resample)
        boot = problem.values(boot_theta)
        notes.append(f"bootstrap by one Newton step per resample (score bootstrap): {problem.n:,} rows are too many "
                     f"to refit {bootstrap} times")
    elif bootstrap and bootstrap > 0 and n_fit > n_free:
        boot_theta = run_bootstrap(problem, theta, fit_groups.codes, fit_groups.n_groups, int(bootstrap), seed,
                                   method=resample, noise=noise)
        boot = problem.values(boot_theta) if len(boot_theta) else None
        if len(boot_theta) < 0.9 * bootstrap:
            warn_list.append(diag.diagnostic(
                "bootstrap_failed",
                f"Only {len(boot_theta)} of {bootstrap} bootstrap refits converged; intervals may be too narrow."))
    flagged = {n for w in bound_warnings for n in w.parameters}
    warn_list += diag.identification(problem, theta, float(F), info.get("candidates", ()), boot_theta, level, flagged)
    warn_list += diag.few_sizes(law, fit_runs[live] if live.size else fit_runs)
    if groups.source == "inferred":
        notes.append(fit_groups.description)

    for msg in warn_list:
        warnings.warn(msg, FitWarning, stacklevel=4)

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
        tie=ties,
        groups=fit_groups,
        noise=noise,
        resample=resample,
        notes=notes,
        overestimate_penalty=float(overestimate_penalty),
    )


def _noise(problem: Problem, theta: np.ndarray, groups):
    """Between- and within-run scatter of the log residuals (see :func:`noise_components`)."""
    r = problem.residuals(theta[None, :])[0] if len(problem.chunks(1)) == 1 else np.concatenate(
        [problem.residuals(theta[None, :], None, sl)[0] for sl in problem.chunks(1)])
    J = np.concatenate([problem.jacobian(theta[None, :], sl)[0].T for sl in problem.chunks(1)])
    keep = problem.weights > 0
    codes = groups.codes[keep]
    codes = np.unique(codes, return_inverse=True)[1]
    # the hat matrix of the weighted least-squares fit (prior weights only): the robust loss's
    # IRLS weights are a fixed point, not the fit's sensitivity to the data, and would distort it
    return noise_components(r[keep], J[keep], problem.weights[keep], codes, int(codes.max()) + 1)


def _check_memory(problem: Problem) -> None:
    """Refuse, before allocating, a table whose smallest working set would not fit in memory."""
    from .engine import available_memory

    # the data (inputs, target, weights), one start's residuals and Jacobian for every run, and the
    # bootstrap's per-run targets for one resample at a time
    need = 8 * problem.n * (len(problem.x) + 4 + problem.n_free + 4)
    free = available_memory()
    if free is not None and need > free:
        raise FitError(
            f"Fitting {problem.n:,} rows needs about {need / 2**30:.1f} GiB of working memory but only "
            f"{free / 2**30:.1f} GiB is available: fit a random subsample of runs, average repeated "
            "measurements, or free memory."
        )
