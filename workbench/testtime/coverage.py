"""Coverage laws: how the share of problems solved grows with the number of samples.

Two ways to extrapolate coverage ``c(k)`` (the mean of pass@k over problems)
from a small sampling budget to large ``k``:

1. **The coverage power law** of Brown et al. (2024, "Large Language Monkeys"):
   ``log c(k) = a k^b`` with ``a, b < 0`` (the catalogue's law ``coverage_power_law``),
   fitted to the measured curve at small ``k`` by the fit layer's straight-line
   estimator (:func:`workbench.fitting.linear.line_fit`).

   *Residual space.* The law is a straight line in ``ln(-ln c)`` against
   ``ln k``, and that is where it is fitted (the engine's log residuals of
   the target ``-ln c``): ``r = ln(-ln c_obs) - ln(-ln c_fit)``. Where
   coverage is high, ``-ln c ~ 1 - c``, so ``r`` is the *relative* error of
   the miss rate — the quantity extrapolation is about; residuals on ``c``
   itself would give the points near saturation almost no say. The ``k``
   at which the curve is measured are spread evenly in ``log k``, so each
   decade counts the same. Least squares (``loss="squares"``) is the
   default: the measured curve is smooth (every ``k`` reuses the same
   samples), so there are no outliers to guard against, and least squares
   in this space is ordinary regression of ``ln(-ln c)`` on ``ln k``.
   Because the points at different ``k`` share samples, a bootstrap over
   the points would be wrong; intervals come from a bootstrap over
   *problems* (resample problems, recompute the curve, refit with the same
   estimator as the point estimate).

2. **The beta-binomial model** of per-problem success rates (Schaeffer et
   al. 2025): ``p_i ~ Beta(alpha, beta)`` and ``c_i ~ Binomial(n_i, p_i)``,
   fitted by maximum likelihood to the per-problem counts; then
   ``c(k) = 1 - B(alpha, beta + k) / B(alpha, beta)``, which for large ``k``
   behaves as ``1 - Gamma(alpha+beta)/Gamma(beta) k^(-alpha)``. Standard
   errors come from the observed information (the analytic Hessian of the
   log-likelihood), intervals on coverage from the delta method.

:func:`compare_extrapolations` fits both on a small budget of samples per
problem and scores them on held-out large ``k``.
"""

from __future__ import annotations

import math
from dataclasses import field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import SamplesError
from ..fitting.linear import line_fit, ols
from ..laws import get_law
from ..results import Result, ResultWarning, jsonable, percentile_interval
from .counts import validate_counts, subsample_counts
from .passk import k_grid, pass_at_k

__all__ = [
    "CoverageLawFit",
    "BetaBinomialFit",
    "ExtrapolationComparison",
    "coverage_table",
    "fit_coverage_law",
    "fit_beta_binomial",
    "compare_extrapolations",
    "coverage_law_through",
    "coverage_from_law",
    "BROWN2024_SWE_BENCH_LITE",
]

#: Brown et al. (2024), abstract: DeepSeek-Coder-V2-Instruct on SWE-bench Lite solves 15.9% of the
#: issues with one sample and 56% with 250 samples.
BROWN2024_SWE_BENCH_LITE = {1: 0.159, 250: 0.56}

LAW_NAME = "coverage_power_law"


def one_model(counts: pd.DataFrame, model=None, what: str = "this fit") -> pd.DataFrame:
    """The rows of one model: all of them when the table has one model (or no ``model`` column),
    those of ``model`` when given; several models and no ``model`` is an error that names them.

    Pooling the problems of several models into one fit describes none of them.
    """
    if "model" not in counts.columns:
        if model is not None:
            raise SamplesError(f"model={model!r} was given but the counts have no 'model' column.")
        return counts
    models = list(dict.fromkeys(counts["model"].tolist()))
    if model is None:
        if len(models) == 1:
            return counts
        shown = ", ".join(repr(m) for m in models[:8]) + (" ..." if len(models) > 8 else "")
        raise SamplesError(
            f"The counts hold {len(models)} models ({shown}); {what} describes one model: pass model=... "
            "(or split them with group_counts(counts) and fit each)."
        )
    if model not in models:
        raise SamplesError(f"model={model!r} is not in the counts; their models are {models[:8]}.")
    return counts[counts["model"] == model].reset_index(drop=True)


def coverage_from_law(a, b, k) -> np.ndarray:
    """Coverage ``c(k) = exp(a k^b)`` of the Brown et al. (2024) law (``a``, ``b`` floats or broadcastable arrays).

    Evaluates the catalogue's declaration ``coverage_power_law`` (``-ln c = -a k^b``).
    """
    a, b, k = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(k, float))
    return np.exp(-get_law(LAW_NAME).predict_rows(np.column_stack([a.ravel(), b.ravel()]), k=k.reshape(-1, 1))[:, 0]).reshape(k.shape)


def coverage_law_through(k1: float, c1: float, k2: float, c2: float) -> tuple[float, float]:
    """The law ``log c(k) = a k^b`` through two points ``(k1, c1)`` and ``(k2, c2)``.

    ``b = ln(ln c2 / ln c1) / ln(k2 / k1)`` and ``a = ln c1 / k1^b``. For the
    SWE-bench Lite headline of Brown et al. (2024), 15.9% at one sample and
    56% at 250, ``a = ln 0.159 = -1.839`` and ``b = -0.209``.
    """
    for c in (c1, c2):
        if not 0 < c < 1:
            raise SamplesError(f"Coverages must lie strictly between 0 and 1 to fit log c = a k^b, got {c!r}.")
    if not (0 < k1 < k2):
        raise SamplesError(f"Need 0 < k1 < k2, got {k1!r} and {k2!r}.")
    if not c2 > c1:
        raise SamplesError("Coverage must grow with k (c2 > c1) for a law with b < 0.")
    b = math.log(math.log(c2) / math.log(c1)) / math.log(k2 / k1)
    a = math.log(c1) / k1**b
    return a, b


# ---------------------------------------------------------------------------------------------
def coverage_table(counts, k, *, _trusted: bool = False, _per_problem: bool = False):
    """Measured coverage (mean pass@k), its standard error over problems and ``-ln`` coverage at each ``k``
    (and, with ``_per_problem``, the per-problem pass@k matrix it averages)."""
    counts = counts if _trusted else validate_counts(counts)
    k = np.atleast_1d(k)
    pk = pass_at_k(counts["n"].to_numpy(), counts["c"].to_numpy(), k, problems=counts["problem"].to_numpy())
    cov = pk.mean(axis=0)
    se = pk.std(axis=0, ddof=1) / math.sqrt(len(counts)) if len(counts) > 1 else np.full(len(k), np.nan)
    with np.errstate(divide="ignore"):
        table = pd.DataFrame({"k": np.asarray(k, np.int64), "coverage": cov, "stderr": se, "neg_log_coverage": -np.log(cov)})
    return (table, pk) if _per_problem else table


class CoverageLawFit(Result):
    """A fitted coverage law ``log c(k) = a k^b`` with problem-bootstrap intervals.

    A fitted law (like :class:`~workbench.fitting.Fit`): ``law`` (the catalogue's
    ``coverage_power_law``), ``params``, parameter ``samples``, ``level`` and
    :meth:`predict`. The point estimate and every bootstrap resample come from
    the same estimator: the line ``ln(-ln c) = ln(-a) + b ln k`` fitted with
    ``loss`` (least squares, or Huber's loss) by :func:`workbench.fitting.linear.line_fit`.

    Attributes
    ----------
    params : dict
        ``a`` (< 0) and ``b`` (< 0).
    table : DataFrame
        ``k``, measured ``coverage``, its ``stderr``, ``neg_log_coverage`` and
        ``role`` ("fitted", "held out" or "dropped": coverage 0 or 1 cannot be
        placed on the ``ln(-ln c)`` scale).
    samples : ndarray, shape (B, 2)
        ``(a, b)`` refitted on ``B`` resamples of the problems.
    """

    params: dict
    table: pd.DataFrame
    samples: np.ndarray | None
    loss: str = "squares"
    level: float = 0.95
    k_fit_max: int = 0
    n_problems: int = 0
    warnings: list = field(default_factory=list)

    _dict_exclude = ("samples",)
    _dict_properties = ("stderr", "holdout_error")

    @property
    def law(self):
        return get_law(LAW_NAME)

    @property
    def a(self) -> float:
        return self.params["a"]

    @property
    def b(self) -> float:
        return self.params["b"]

    @property
    def stderr(self) -> dict | None:
        if self.samples is None or len(self.samples) < 2:
            return None
        return dict(zip(("a", "b"), np.std(self.samples, axis=0, ddof=1).tolist()))

    @property
    def intervals(self) -> dict | None:
        if self.samples is None or len(self.samples) < 2:
            return None
        lo, hi = percentile_interval(self.samples, self.level)
        return {"a": (float(lo[0]), float(hi[0])), "b": (float(lo[1]), float(hi[1]))}

    def predict(self, k) -> np.ndarray:
        """Predicted coverage ``exp(a k^b)`` at ``k``."""
        return coverage_from_law(self.a, self.b, k)

    def predict_interval(self, k, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Problem-bootstrap interval of the predicted coverage at ``k``."""
        if self.samples is None:
            raise SamplesError("This coverage fit has no bootstrap: refit with bootstrap=200 for intervals.")
        k = np.atleast_1d(np.asarray(k, float))
        preds = coverage_from_law(self.samples[:, :1], self.samples[:, 1:], k[None, :])
        return percentile_interval(preds, self.level if level is None else level)

    @property
    def holdout_error(self) -> dict | None:
        """Mean and max absolute error of predicted coverage on the held-out ``k`` (coverage points)."""
        t = self.table[self.table["role"] == "held out"]
        if t.empty:
            return None
        err = self.predict(t["k"]) - t["coverage"].to_numpy()
        return {"n": int(len(t)), "mean_abs_error": float(np.mean(np.abs(err))), "max_abs_error": float(np.max(np.abs(err)))}

    def ols(self):
        """The same straight line, ``ln(-ln c) = ln(-a) + b ln k``, as a statsmodels OLS result.

        For its familiar summary and diagnostics. Its standard errors assume
        independent points, which the coverage curve is not (every ``k`` reuses
        the same samples): prefer :attr:`stderr`, from the bootstrap over problems.
        """
        t = self.table[self.table["role"] == "fitted"]
        return ols(np.log(t["k"].to_numpy(float)), np.log(t["neg_log_coverage"].to_numpy(float)), names=("ln_k",),
                   y_name="ln_neg_log_coverage")

    def _title(self) -> str:
        return "Coverage law (Brown et al. 2024)"

    def _summarize(self, s) -> None:
        s.subtitle = "log c(k) = a k^b"
        se, iv = self.stderr, self.intervals
        s.add_table((["parameter", "value", "std err", f"{100 * self.level:g}% interval"],
                     [[n, v, se[n] if se else "-", iv[n] if iv else "-"] for n, v in self.params.items()]))
        s.add_fields([("fitted on", f"k = 1..{self.k_fit_max} ({int((self.table['role'] == 'fitted').sum())} points), "
                                    f"{self.n_problems} problems"),
                      ("residuals", f"ln(-ln coverage), {self.loss}; standard errors from a bootstrap over problems")])
        he = self.holdout_error
        if he:
            s.add_fields([("held out", f"{he['n']} values of k, mean |error| {he['mean_abs_error']:.4f}, "
                                       f"max {he['max_abs_error']:.4f} (coverage)")])

    def _headline(self) -> str:
        return f"a={self.a:.4g}, b={self.b:.4g}; k <= {self.k_fit_max}"


def fit_coverage_law(
    counts,
    k_fit_max: int | None = None,
    *,
    k=None,
    loss: str = "squares",
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
    per_decade: int = 12,
    model=None,
    _trusted: bool = False,
) -> CoverageLawFit:
    """Fit ``log c(k) = a k^b`` (Brown et al. 2024) to the measured coverage for ``k <= k_fit_max``.

    The measured coverage (mean unbiased pass@k over problems) at ``k`` spread
    evenly in ``log k`` is fitted as the straight line of law ``coverage_power_law``,
    ``ln(-ln c) = ln(-a) + b ln k`` (residuals ``ln(-ln c_obs) - ln(-ln c_fit)``;
    see the module notes); larger ``k`` (up to the smallest ``n``) are kept as
    held-out points. Intervals come from a bootstrap over problems: each
    resample recomputes the curve and refits it with the same estimator
    (the same ``loss``) as the point estimate.

    Parameters
    ----------
    counts : DataFrame
        Per-problem counts ``n``, ``c`` of one model (or name it with ``model=``).
    k_fit_max : int, optional
        Largest ``k`` in the fit (default: the smallest ``n``, no hold-out).
    k : array_like of int, optional
        The ``k`` at which to measure coverage (default: ~12 per decade from 1
        to the smallest ``n``).
    loss : {"squares", "huber"}
        Least squares, or Huber's loss (threshold 1e-3 on the log residuals), for the
        point estimate and every bootstrap refit alike.
    bootstrap : int
        Resamples of the problems (0 to skip).
    model : optional
        Which model's rows to fit when ``counts`` has a ``model`` column with several models
        (without it, several models are an error: pooling them describes none).
    """
    counts = one_model(counts if _trusted else validate_counts(counts), model, "a coverage law")
    n_min = int(counts["n"].min())
    k_fit_max = n_min if k_fit_max is None else int(k_fit_max)
    if k_fit_max > n_min:
        raise SamplesError(
            f"k_fit_max = {k_fit_max} exceeds the smallest number of samples per problem ({n_min}): "
            "pass@k is undefined for k > n. Lower k_fit_max or draw more samples."
        )
    if k_fit_max < 3:
        raise SamplesError(f"k_fit_max must be at least 3 to fit two parameters, got {k_fit_max}.")
    if k is None:
        k = np.union1d(k_grid(k_fit_max, per_decade=per_decade), k_grid(n_min, per_decade=per_decade))
    k = np.unique(np.asarray(k, np.int64))
    if k.max() > n_min:
        raise SamplesError(f"k = {int(k.max())} exceeds the smallest number of samples per problem ({n_min}).")
    P = len(counts)
    table, pk = coverage_table(counts, k, _trusted=True, _per_problem=True)
    usable = ((table["coverage"] > 0) & (table["coverage"] < 1)).to_numpy()
    table["role"] = np.where(~usable, "dropped", np.where(k <= k_fit_max, "fitted", "held out"))
    notes = []
    if (~usable).any():
        notes.append(ResultWarning(
            f"{int((~usable).sum())} value(s) of k dropped: coverage 0 or 1 cannot be placed on the ln(-ln c) scale",
            code="dropped_points"))
    fitted = table[table["role"] == "fitted"]
    if len(fitted) < 3:
        raise SamplesError(
            f"Only {len(fitted)} usable coverage points with k <= {k_fit_max} (coverage must be strictly between 0 "
            "and 1): use more problems, a larger k_fit_max, or a harder/easier benchmark."
        )
    # One estimator for the point and every resample: the line ln(-ln c) = ln(-a) + b ln k, fitted by
    # `loss` on the measured curve (row 0) and on B curves recomputed from resampled problems.
    fit_cols = (k <= k_fit_max) & usable
    rows = [pk[:, fit_cols].mean(axis=0)]
    if bootstrap and bootstrap > 0 and P > 1:
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, P, size=(int(bootstrap), P))
        rows.append(np.stack([np.bincount(i, minlength=P) for i in idx]) / P @ pk[:, fit_cols])
    cov_rows = np.vstack(rows)
    ok = (cov_rows > 0) & (cov_rows < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        Y = np.log(-np.log(np.where(ok, cov_rows, 0.5)))
    u, b = line_fit(np.log(k[fit_cols].astype(float)), Y, ok.astype(float), loss=loss)
    good = np.isfinite(u) & np.isfinite(b) & (ok.sum(axis=1) >= 3)
    boot = np.column_stack([-np.exp(u[1:][good[1:]]), b[1:][good[1:]]]) if len(u) > 1 else None
    params = {"a": float(-np.exp(u[0])), "b": float(b[0])}
    return CoverageLawFit(params, table, boot, loss, level, k_fit_max, P, notes)


# ---------------------------------------------------------------------------------------------
class BetaBinomialFit(Result):
    """Maximum-likelihood Beta distribution of per-problem success rates.

    Attributes
    ----------
    alpha, beta : float
        The fitted Beta(alpha, beta) of per-problem pass@1 rates.
    cov : ndarray (2, 2)
        Covariance of ``(alpha, beta)``: inverse of the observed information.
    loglik : float
        Maximised log-likelihood (including the binomial coefficients).
    """

    alpha: float
    beta: float
    cov: np.ndarray
    loglik: float
    n_problems: int
    level: float = 0.95
    converged: bool = True
    message: str = ""

    @property
    def params(self) -> dict:
        return {"alpha": self.alpha, "beta": self.beta}

    @property
    def stderr(self) -> dict:
        sd = np.sqrt(np.clip(np.diag(self.cov), 0, None))
        return {"alpha": float(sd[0]), "beta": float(sd[1])}

    @property
    def mean(self) -> float:
        """Mean per-problem success rate (expected pass@1)."""
        return self.alpha / (self.alpha + self.beta)

    def miss_rate(self, k) -> np.ndarray:
        k = np.asarray(k, float)
        return np.exp(special.betaln(self.alpha, self.beta + k) - special.betaln(self.alpha, self.beta))

    def predict(self, k) -> np.ndarray:
        """Expected coverage ``1 - B(alpha, beta + k) / B(alpha, beta)``."""
        return 1.0 - self.miss_rate(k)

    def predict_stderr(self, k) -> np.ndarray:
        """Delta-method standard error of the predicted coverage at ``k``.

        ``d ln miss / d alpha = psi(alpha+beta) - psi(alpha+beta+k)``,
        ``d ln miss / d beta = psi(beta+k) - psi(beta) + psi(alpha+beta) - psi(alpha+beta+k)``.
        """
        k = np.asarray(k, float)
        a, b = self.alpha, self.beta
        miss = self.miss_rate(k)
        ga = special.digamma(a + b) - special.digamma(a + b + k)
        gb = special.digamma(b + k) - special.digamma(b) + ga
        g = np.stack([miss * ga, miss * gb])  # derivative of miss (= -coverage) w.r.t. (alpha, beta)
        var = np.einsum("i...,ij,j...->...", g, self.cov, g)
        return np.sqrt(np.clip(var, 0, None))

    def predict_interval(self, k, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Normal (delta-method) interval of the predicted coverage, clipped to [0, 1]."""
        level = self.level if level is None else level
        z = float(stats.norm.ppf(0.5 + level / 2))
        m, s = self.predict(k), self.predict_stderr(k)
        return np.clip(m - z * s, 0, 1), np.clip(m + z * s, 0, 1)

    def pdf(self, p) -> np.ndarray:
        return stats.beta.pdf(p, self.alpha, self.beta)

    @property
    def intervals(self) -> dict:
        """Normal (Wald) intervals of ``alpha`` and ``beta`` at ``level`` from the observed information."""
        z = float(stats.norm.ppf(0.5 + self.level / 2))
        return {k: (v - z * self.stderr[k], v + z * self.stderr[k]) for k, v in self.params.items()}

    @property
    def warnings(self) -> list:
        return [] if self.converged else [ResultWarning(f"The optimiser did not converge ({self.message}).", "not_converged")]

    def _title(self) -> str:
        return "Beta-binomial model of per-problem success rates (maximum likelihood)"

    def _summarize(self, s) -> None:
        s.subtitle = "coverage(k) = 1 - B(alpha, beta + k) / B(alpha, beta); large k: miss rate ~ k^-alpha"
        s.add_table((["parameter", "value", "std err", f"{100 * self.level:g}% interval"],
                     [[n, v, self.stderr[n], self.intervals[n]] for n, v in self.params.items()]))
        s.add_fields([("mean pass@1", self.mean), ("problems", self.n_problems), ("log-likelihood", f"{self.loglik:.2f}")])

    def _headline(self) -> str:
        return f"alpha={self.alpha:.4g}, beta={self.beta:.4g}; {self.n_problems} problems"

    _dict_properties = ("params", "stderr", "mean")


def _bb_terms(theta, n, c, w):
    a, b = np.exp(theta)
    ll = np.sum(w * (special.betaln(c + a, n - c + b) - special.betaln(a, b)))
    psi_ab = special.digamma(a + b)
    psi_nab = special.digamma(n + a + b)
    ga = np.sum(w * (special.digamma(c + a) - psi_nab - special.digamma(a) + psi_ab))
    gb = np.sum(w * (special.digamma(n - c + b) - psi_nab - special.digamma(b) + psi_ab))
    return ll, ga, gb, a, b


def _bb_hessian(a, b, n, c, w) -> np.ndarray:
    t_ab = special.polygamma(1, a + b)
    t_nab = special.polygamma(1, n + a + b)
    haa = np.sum(w * (special.polygamma(1, c + a) - t_nab - special.polygamma(1, a) + t_ab))
    hbb = np.sum(w * (special.polygamma(1, n - c + b) - t_nab - special.polygamma(1, b) + t_ab))
    hab = np.sum(w * (t_ab - t_nab))
    return np.array([[haa, hab], [hab, hbb]])


_BB_BOUNDS = (-12.0, 14.0)  # on ln(alpha), ln(beta)


def _bb_objective(theta, n, c, w):
    """Negative log-likelihood in ``theta = (ln alpha, ln beta)``, its gradient and its Hessian.

    ``H_theta = D H D + diag(g)`` with ``D = diag(alpha, beta)`` (chain rule for the log scale).
    """
    ll, ga, gb, a, b = _bb_terms(theta, n, c, w)
    g = np.array([ga * a, gb * b])
    Hv = _bb_hessian(a, b, n, c, w)
    H = np.array([[a * a * Hv[0, 0] + g[0], a * b * Hv[0, 1]], [a * b * Hv[1, 0], b * b * Hv[1, 1] + g[1]]])
    return -ll, -g, -H


def fit_beta_binomial(counts, *, level: float = 0.95, model=None, _trusted: bool = False) -> BetaBinomialFit:
    """Fit ``p_i ~ Beta(alpha, beta)``, ``c_i ~ Binomial(n_i, p_i)`` by maximum likelihood.

    The log-likelihood of one problem is
    ``ln C(n, c) + ln B(c + alpha, n - c + beta) - ln B(alpha, beta)``
    (the beta-binomial distribution); it is maximised over
    ``(ln alpha, ln beta)`` by scipy's trust-region Newton method with the
    analytic gradient (digamma) and Hessian (trigamma), from method-of-moments
    starting values, grouping problems with equal ``(n, c)`` (bounded L-BFGS-B
    takes over if it fails or leaves the bounds). Standard errors are the square roots of the diagonal of the
    inverse observed information (analytic Hessian, trigamma).

    Parameters
    ----------
    counts : DataFrame
        Per-problem ``n`` and ``c`` of one model (or name it with ``model=``).
    model : optional
        Which model's rows to fit when ``counts`` holds several.

    Raises
    ------
    SamplesError
        Fewer than 2 problems, or every problem has the same success rate
        with no spread to fit (all ``c = 0``, or all ``c = n``), or several
        models and no ``model=``.
    """
    counts = one_model(counts if _trusted else validate_counts(counts), model, "a beta-binomial fit")
    n_all = counts["n"].to_numpy(np.int64)
    c_all = counts["c"].to_numpy(np.int64)
    if len(counts) < 2:
        raise SamplesError("Fitting a distribution of success rates needs at least 2 problems.")
    if np.all(c_all == 0) or np.all(c_all == n_all):
        raise SamplesError(
            "Every problem was " + ("never solved" if np.all(c_all == 0) else "always solved")
            + ": there is no spread of success rates to fit a Beta distribution to."
        )
    pairs, w = np.unique(np.column_stack([n_all, c_all]), axis=0, return_counts=True)
    n, c, w = pairs[:, 0].astype(float), pairs[:, 1].astype(float), w.astype(float)
    # method of moments on the observed rates (shrunk into (0, 1)), for the start
    r = (c_all + 0.5) / (n_all + 1.0)
    m, v = float(r.mean()), float(r.var()) + 1e-6
    conc = max(m * (1 - m) / v - 1.0, 0.05)
    theta0 = np.log([max(m * conc, 1e-3), max((1 - m) * conc, 1e-3)])

    res = optimize.minimize(lambda t: _bb_objective(t, n, c, w)[:2], theta0, jac=True, method="trust-exact",
                            hess=lambda t: _bb_objective(t, n, c, w)[2], options={"gtol": 1e-9 * max(1.0, float(w.sum()))})
    if not np.all((res.x >= _BB_BOUNDS[0]) & (res.x <= _BB_BOUNDS[1])) or not res.success:
        res = optimize.minimize(lambda t: _bb_objective(t, n, c, w)[:2], np.clip(res.x, *_BB_BOUNDS), jac=True,
                                method="L-BFGS-B", bounds=[_BB_BOUNDS] * 2, options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})
    a, b = np.exp(res.x)
    H = _bb_hessian(a, b, n, c, w)
    try:
        cov = np.linalg.inv(-H)
        if np.any(np.diag(cov) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.nan)
    ll = float(-res.fun + np.sum(w * (special.gammaln(n + 1) - special.gammaln(c + 1) - special.gammaln(n - c + 1))))
    at_bound = bool(np.any((res.x <= _BB_BOUNDS[0] + 1e-6) | (res.x >= _BB_BOUNDS[1] - 1e-6)))
    msg = str(res.message)
    if at_bound:
        msg = "a parameter reached its bound: the success rates show almost no spread (or an extreme one)"
    return BetaBinomialFit(float(a), float(b), cov, ll, int(len(counts)), level, bool(res.success) and not at_bound, msg)


# ---------------------------------------------------------------------------------------------
class ExtrapolationComparison(Result):
    """Two extrapolations of coverage from a small budget, scored on held-out large ``k``.

    Attributes
    ----------
    table : DataFrame
        One row per ``k``: ``k``, ``role`` ("fitted" or "held out"),
        ``observed`` coverage (from all samples; NaN beyond the smallest ``n``),
        ``truth`` (mean of ``1 - (1 - p_i)^k`` over the generating ``p_i``, when
        the counts carry ``p_true``), ``reference`` (observed where measurable,
        else truth), ``law`` and ``law_lo``/``law_hi``, ``beta_binomial`` and
        ``bb_lo``/``bb_hi``, ``law_error`` and ``bb_error`` (prediction minus
        reference) and ``gap`` (law minus beta-binomial).
    law_fit : CoverageLawFit
    beta_fit : BetaBinomialFit
    """

    table: pd.DataFrame
    law_fit: CoverageLawFit
    beta_fit: BetaBinomialFit
    fit_samples: int
    k_fit_max: int

    def errors(self) -> dict:
        """Mean and max absolute error of each extrapolation on the held-out ``k``."""
        t = self.table[self.table["role"] == "held out"]
        out = {}
        for name, col in (("law", "law_error"), ("beta_binomial", "bb_error")):
            e = np.abs(t[col].to_numpy())
            out[name] = {"mean_abs_error": float(e.mean()) if e.size else None, "max_abs_error": float(e.max()) if e.size else None}
        return out

    def disagreement(self, threshold: float = 0.02) -> dict:
        """Where the two extrapolations part, beyond the fitted range: the first held-out ``k`` at which they
        differ by more than ``threshold`` (coverage) and by more than twice their combined standard error,
        and the largest gap (law minus beta-binomial) with its ``k``."""
        t = self.table[self.table["role"] == "held out"]
        if t.empty:
            t = self.table
        gap = t["gap"].to_numpy()
        z = 2 * float(stats.norm.ppf(0.5 + self.level / 2))  # interval width in standard errors, at the fits' level
        se_law = (t["law_hi"] - t["law_lo"]).to_numpy() / z
        se_bb = (t["bb_hi"] - t["bb_lo"]).to_numpy() / z
        sig = (np.abs(gap) > threshold) & (np.abs(gap) > 2 * np.hypot(se_law, se_bb))
        i = int(np.argmax(np.abs(gap)))
        return {
            "first_k": int(t["k"].to_numpy()[np.argmax(sig)]) if sig.any() else None,
            "max_gap": float(gap[i]),
            "k_at_max_gap": int(t["k"].to_numpy()[i]),
        }

    @property
    def level(self) -> float:
        return self.law_fit.level

    def _title(self) -> str:
        return f"Coverage extrapolated from {self.fit_samples} samples per problem (law fitted on k <= {self.k_fit_max})"

    def _summarize(self, s) -> None:
        e, d = self.errors(), self.disagreement()
        lf, bf = self.law_fit, self.beta_fit
        s.add_fields([("coverage law", f"a = {lf.a:.4g}, b = {lf.b:.4g}"),
                      ("beta-binomial", f"alpha = {bf.alpha:.4g}, beta = {bf.beta:.4g}")])
        if e["law"]["mean_abs_error"] is not None:
            s.add_table((["held-out |error| (coverage)", "mean", "max"],
                         [["law", e["law"]["mean_abs_error"], e["law"]["max_abs_error"]],
                          ["beta-binomial", e["beta_binomial"]["mean_abs_error"], e["beta_binomial"]["max_abs_error"]]]))
        s.add_text(f"largest gap between the two: {d['max_gap']:+.4f} at k = {d['k_at_max_gap']}"
                   + (f"; they first differ significantly at k = {d['first_k']}" if d["first_k"] else "; never significantly"))

    def _headline(self) -> str:
        d = self.disagreement()
        return f"fitted on {self.fit_samples} samples; largest gap {d['max_gap']:+.4f} at k = {d['k_at_max_gap']}"

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["errors"], out["disagreement"] = jsonable(self.errors()), jsonable(self.disagreement())
        return out


def compare_extrapolations(
    counts,
    fit_samples: int | None = 100,
    *,
    k_fit_max: int | None = None,
    k=None,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int | None = 0,
    model=None,
) -> ExtrapolationComparison:
    """Fit the coverage law and the beta-binomial model on a small budget; score both at large ``k``.

    Both methods see only ``fit_samples`` samples per problem (a hypergeometric
    subsample of the given counts, as if sampling had stopped there; pass
    ``fit_samples=None`` to let them see everything). The coverage law is
    fitted on ``k <= k_fit_max`` (default ``fit_samples``), the Beta on the
    subsampled counts. Both are scored against the reference coverage at every
    ``k``: the coverage measured from all samples where ``k`` is at most the
    smallest ``n``; beyond that, for generated counts (with ``p_true``), the
    exact coverage of the generated problems, ``mean_i 1 - (1 - p_i)^k``.

    Parameters
    ----------
    counts : DataFrame
        Per-problem counts of one model (or name it with ``model=``); ``p_true`` optional.
    fit_samples : int or None
        Samples per problem the fits may use.
    k_fit_max : int, optional
        Largest ``k`` in the coverage-law fit (default ``fit_samples``).
    k : array_like of int, optional
        Where to compare (default ~12 per decade up to the smallest ``n``, or
        up to ``100 x fit_samples`` for generated counts whose ``n`` is the
        fitting budget).

    model : optional
        Which model's rows to use when ``counts`` holds several.

    Returns
    -------
    ExtrapolationComparison
    """
    counts = one_model(validate_counts(counts), model, "a comparison of extrapolations")
    n_min = int(counts["n"].min())
    has_truth = "p_true" in counts.columns
    if fit_samples is None or int(fit_samples) == n_min and (counts["n"] == n_min).all():
        small = counts
        fit_samples = n_min
    else:
        small = subsample_counts(counts, int(fit_samples), seed=seed, _trusted=True)
    fit_samples = int(fit_samples)
    k_fit_max = int(fit_samples if k_fit_max is None else k_fit_max)
    if k_fit_max > fit_samples:
        raise SamplesError(f"k_fit_max = {k_fit_max} exceeds the {fit_samples} samples per problem the fit may see.")
    if k is None:
        k = k_grid(n_min if n_min > fit_samples or not has_truth else 100 * fit_samples)
    k = np.unique(np.asarray(k, np.int64))
    if not has_truth and k.max() > n_min:
        raise SamplesError(
            f"Cannot score coverage at k = {int(k.max())}: the problems have only {n_min} samples (pass@k is undefined "
            "for k > n) and no true success rates (p_true) to compute it from."
        )
    law_fit = fit_coverage_law(small, k_fit_max, k=k[k <= k_fit_max], bootstrap=bootstrap, level=level, seed=seed,
                               _trusted=True)
    beta_fit = fit_beta_binomial(small, level=level, _trusted=True)
    t = pd.DataFrame({"k": k, "role": np.where(k <= k_fit_max, "fitted", "held out")})
    observed = np.full(len(k), np.nan)
    measurable = k <= n_min
    if measurable.any():
        observed[measurable] = coverage_table(counts, k[measurable], _trusted=True)["coverage"].to_numpy()
    t["observed"] = observed
    if has_truth:
        p = np.clip(counts["p_true"].to_numpy(float), 0.0, 1.0)
        with np.errstate(divide="ignore"):
            t["truth"] = 1.0 - np.exp(np.outer(np.log1p(-p), k.astype(float))).mean(axis=0)
        t["reference"] = np.where(measurable, observed, t["truth"].to_numpy())
    else:
        t["reference"] = observed
    t["law"] = law_fit.predict(k)
    if law_fit.samples is not None and len(law_fit.samples) > 1:
        t["law_lo"], t["law_hi"] = law_fit.predict_interval(k)
    else:
        t["law_lo"], t["law_hi"] = t["law"], t["law"]
    t["beta_binomial"] = beta_fit.predict(k)
    t["bb_lo"], t["bb_hi"] = beta_fit.predict_interval(k)
    t["law_error"] = t["law"] - t["reference"]
    t["bb_error"] = t["beta_binomial"] - t["reference"]
    t["gap"] = t["law"] - t["beta_binomial"]
    return ExtrapolationComparison(t, law_fit, beta_fit, fit_samples, k_fit_max)
