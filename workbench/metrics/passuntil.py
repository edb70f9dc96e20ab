"""PassUntil: measure tiny pass rates by sampling until success, and the task scaling law.

Hu et al. (2023, 'Predicting Emergent Abilities with Infinite Resolution
Evaluation') resolve pass rates far below ``1/n`` by sampling each test item
until it is solved ``r`` times instead of a fixed number of times. The number of
attempts ``K`` then follows a negative binomial distribution, and ``r / K``
estimates the pass rate however small it is (the unbiased estimator is
``(r - 1)/(K - 1)`` for ``r >= 2``). With such estimates, a task's pass rate
follows a smooth law in model size,

    PU(N) = exp(-c N^(-alpha)),   i.e.   log(-log PU) = log c - alpha log N,

a straight line in log N. Curvature of that line separates "accelerated
emergence" (concave: the line steepens) from smooth scaling.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import ArgumentError, FitError
from ..fitting.linear import ols
from ..laws import get_law
from ..results import Result
from .sampling import check_items
from .tokens import check_probability

__all__ = ["pass_until", "fixed_budget", "fit_task_law", "TaskLawFit"]


def pass_until(pass_rate, n_items: int = 100, r: int = 1, max_samples: int = 10**7, seed=0) -> pd.DataFrame:
    """Estimate pass rates by sampling every item until it passes ``r`` times.

    Parameters
    ----------
    pass_rate : array_like, shape (G,) or (G, n_items)
        True chance that one sample solves an item, per scale (or per scale and item).
    n_items : int
        Test items.
    r : int
        Successes to wait for per item (1 in Hu et al.'s basic form).
    max_samples : int
        Budget per item; an item not solved ``r`` times within it is cut off.
    seed : int or numpy Generator

    Returns
    -------
    DataFrame, one row per scale
        ``estimate`` (mean over items of the per-item estimate: ``(r-1)/(K-1)``
        if ``r >= 2``, else ``r/K``, with ``s/K`` for cut-off items),
        ``pooled`` (total successes / total samples), ``stderr`` (of the mean
        over items), ``samples`` (total samples drawn), ``cut_off`` (items that
        hit the budget).
    """
    rate = np.asarray(check_probability(pass_rate, "pass rate"), float)
    n_items = check_items(n_items)
    if isinstance(r, bool) or int(r) != r or r < 1:
        raise ArgumentError(f"r (successes to wait for) must be a whole number >= 1, got {r!r}.")
    rate = np.broadcast_to(rate[:, None] if rate.ndim == 1 else rate, (rate.shape[0], n_items))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(rate > 0, rate, 1.0)
        failures = np.where(rate > 0, rng.negative_binomial(int(r), safe), np.iinfo(np.int64).max // 4)
    K = failures.astype(float) + r
    cut = K > max_samples
    successes = np.where(cut, 0.0, float(r))
    if cut.any():  # successes seen within the budget: Binomial(max, p) conditioned on < r
        partial = rng.binomial(int(max_samples), np.where(cut, rate, 0.0))
        successes = np.where(cut, np.minimum(partial, r - 1), successes)
    K = np.minimum(K, max_samples)
    if r >= 2:
        per_item = np.where(cut, successes / K, (r - 1.0) / np.maximum(K - 1.0, 1.0))
    else:
        per_item = successes / K
    out = pd.DataFrame(
        {
            "estimate": per_item.mean(axis=1),
            "pooled": successes.sum(axis=1) / K.sum(axis=1),
            "stderr": per_item.std(axis=1, ddof=1) / np.sqrt(n_items) if n_items > 1 else np.nan,
            "samples": K.sum(axis=1),
            "cut_off": cut.sum(axis=1),
        }
    )
    return out


def fixed_budget(pass_rate, n_items: int = 100, samples_per_item: int = 1, seed=0) -> pd.DataFrame:
    """The usual evaluation: ``samples_per_item`` samples of each of ``n_items`` items.

    Returns ``estimate`` (fraction of samples that pass), ``stderr`` and
    ``floor`` (``1 / (n_items * samples_per_item)``: smaller rates mostly read 0).
    """
    rate = np.atleast_1d(check_probability(pass_rate, "pass rate"))
    n_items = check_items(n_items)
    m = check_items(samples_per_item)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    total = n_items * m
    hits = rng.binomial(total, rate)
    est = hits / total
    return pd.DataFrame({"estimate": est, "stderr": np.sqrt(est * (1 - est) / total), "floor": 1.0 / total, "samples": total})


class TaskLawFit(Result):
    """Fit of ``log(-log PU) = log c - alpha log N`` (statsmodels OLS) with a curvature test.

    Attributes
    ----------
    params : dict
        ``c`` and ``alpha``.
    ols : statsmodels RegressionResults
        The straight-line fit (``.summary()`` for the full table).
    curvature : float
        Coefficient of ``(log N)^2`` when added to the line (negative: the line
        steepens, "accelerated emergence").
    curvature_pvalue : float
        Its two-sided p-value.
    """

    params: dict
    ols: object
    curvature: float
    curvature_pvalue: float
    n: int
    level: float = 0.95

    @property
    def intervals(self) -> dict:
        """Confidence intervals of ``c`` and ``alpha`` from the least-squares line."""
        ci = self.ols.conf_int(alpha=1 - self.level)
        (u_lo, u_hi), (s_lo, s_hi) = ci.loc["const"], ci.loc["log_N"]
        return {"c": (float(np.exp(u_lo)), float(np.exp(u_hi))), "alpha": (float(-s_hi), float(-s_lo))}

    @property
    def accelerated(self) -> bool:
        """Curvature significantly negative at the 5% level."""
        return bool(self.curvature < 0 and self.curvature_pvalue < 0.05)

    def predict(self, N) -> np.ndarray:
        """Pass rate ``exp(-c N^-alpha)`` at model sizes ``N``."""
        return get_law("task_law_N").predict(self.params, N=N)

    def _title(self) -> str:
        return "Task scaling law (Hu et al. 2023, PassUntil)"

    def _summarize(self, s) -> None:
        c, a = self.params["c"], self.params["alpha"]
        shape = "accelerated (concave)" if self.accelerated else "consistent with a straight line"
        s.subtitle = f"PU(N) = exp(-{c:.4g} N^-{a:.4g})"
        s.add_fields([("model sizes", self.n), ("R^2 of log(-log PU) on log N", self.ols.rsquared),
                      ("curvature of log(-log PU) in log N", f"{self.curvature:.3g} (p = {self.curvature_pvalue:.3g}): {shape}")])

    def _headline(self) -> str:
        return f"c={self.params['c']:.4g}, alpha={self.params['alpha']:.4g}; {self.n} sizes"

    _dict_exclude = ("ols",)
    _dict_properties = ("accelerated",)


def fit_task_law(N, pass_rate) -> TaskLawFit:
    """Fit the task law ``PU(N) = exp(-c N^-alpha)`` by least squares on ``log(-log PU)`` against ``log N``.

    Parameters
    ----------
    N : array_like
        Model sizes (parameters).
    pass_rate : array_like
        Measured pass rates, strictly between 0 and 1 (PassUntil estimates are).

    Returns
    -------
    TaskLawFit
    """
    N = np.asarray(N, float)
    pu = np.asarray(pass_rate, float)
    if N.shape != pu.shape:
        raise FitError(f"N and pass_rate must have the same length, got {N.size} and {pu.size}.")
    ok = np.isfinite(N) & (N > 0) & np.isfinite(pu) & (pu > 0) & (pu < 1)
    if ok.sum() < 3:
        raise FitError(
            "The task law needs at least 3 model sizes with a pass rate strictly between 0 and 1; "
            f"got {int(ok.sum())}. Rates of exactly 0 are below the test set's resolution: estimate them with pass_until()."
        )
    x, y = np.log(N[ok]), np.log(-np.log(pu[ok]))
    line = ols(x, y, names=("log_N",), y_name="log_neg_log_PU")
    if ok.sum() >= 4:
        quad = ols(np.column_stack([x, (x - x.mean()) ** 2]), y, names=("log_N", "log_N_squared"), y_name="log_neg_log_PU")
        curv, pval = float(quad.params["log_N_squared"]), float(quad.pvalues["log_N_squared"])
    else:
        curv, pval = float("nan"), float("nan")
    params = {"c": float(np.exp(line.params["const"])), "alpha": float(-line.params["log_N"])}
    return TaskLawFit(params, line, curv, pval, int(ok.sum()))
