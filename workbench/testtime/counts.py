"""Per-problem sample counts: the user's own (CSV or table), or generated from a difficulty distribution.

A *counts table* has one row per problem (per model, when several models
are compared) with columns

``problem``  problem identifier (any label)
``n``        samples drawn for the problem (whole number >= 1)
``c``        of which correct (whole number, ``0 <= c <= n``)

and optionally ``model`` (a name) and ``size`` (parameters). Generated
tables also carry ``p_true``, the per-problem success probability they
were drawn from.

Problem difficulty is modelled as a distribution of per-problem success
rates ``p_i`` (Schaeffer et al. 2025, "How Do Large Language Monkeys Get
Their Power (Laws)?"): a :class:`BetaDifficulty` (whose left tail
``p^(alpha - 1)`` near 0 produces the power law of coverage) or a
:class:`LogitNormalDifficulty` (logit ``p_i`` normal: an ability minus a
normally distributed difficulty, as in item-response theory).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..data.runs import as_frame, rename_columns
from ..errors import SamplesError

__all__ = ["BetaDifficulty", "LogitNormalDifficulty", "difficulty", "generate_counts", "load_counts", "validate_counts", "subsample_counts", "group_counts"]

_ALIASES = {
    "problem": ("problem", "problemid", "task", "taskid", "question", "id", "item"),
    "n": ("n", "samples", "nsamples", "numsamples", "attempts", "total"),
    "c": ("c", "correct", "ncorrect", "numcorrect", "successes", "passed", "npassed"),
    "model": ("model", "modelname"),
    "size": ("size", "params", "parameters", "modelsize", "nparams"),
}


#: Largest count of samples accepted: 2^53, beyond which counts are not exact in floating point.
MAX_SAMPLES = 2**53


# ---------------------------------------------------------------------------------------------
# difficulty distributions
@dataclass(frozen=True)
class BetaDifficulty:
    """Per-problem success rates ``p ~ Beta(alpha, beta)``.

    The expected coverage at ``k`` attempts has a closed form,
    ``E[1 - (1-p)^k] = 1 - B(alpha, beta + k) / B(alpha, beta)``, and for large
    ``k`` the miss rate falls as ``Gamma(alpha+beta)/Gamma(beta) k^(-alpha)``:
    ``alpha`` (the weight of nearly impossible problems, ``p^(alpha-1)`` near 0)
    is the exponent of the coverage power law (Schaeffer et al. 2025).
    """

    alpha: float
    beta: float

    def __post_init__(self):
        for name in ("alpha", "beta"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise SamplesError(f"Beta difficulty needs {name} > 0, got {v!r}.")

    @classmethod
    def from_mean(cls, mean: float, alpha: float) -> "BetaDifficulty":
        """The Beta with this mean success rate (pass@1) and left-tail exponent ``alpha``."""
        _check_prob(mean, "mean pass@1", open_=True)
        return cls(alpha, alpha * (1.0 - mean) / mean)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def sample(self, size: int, rng) -> np.ndarray:
        return rng.beta(self.alpha, self.beta, size)

    def pdf(self, p) -> np.ndarray:
        return stats.beta.pdf(p, self.alpha, self.beta)

    def grid(self, m: int = 400) -> np.ndarray:
        """``m`` representative success rates: the quantiles at ``(i + 1/2) / m`` (equal-weight problems)."""
        return stats.beta.ppf((np.arange(m) + 0.5) / m, self.alpha, self.beta)

    def miss_rate(self, k) -> np.ndarray:
        """``E[(1-p)^k] = B(alpha, beta + k) / B(alpha, beta)``."""
        k = np.asarray(k, float)
        return np.exp(special.betaln(self.alpha, self.beta + k) - special.betaln(self.alpha, self.beta))

    def coverage(self, k) -> np.ndarray:
        """Expected coverage (pass@k averaged over problems) ``1 - B(alpha, beta+k)/B(alpha, beta)``."""
        return 1.0 - self.miss_rate(k)

    def describe(self) -> str:
        return f"Beta(alpha={self.alpha:.3g}, beta={self.beta:.3g}), mean pass@1 {self.mean:.3g}"


_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(96)
_GH_W = _GH_W / _GH_W.sum()


@dataclass(frozen=True)
class LogitNormalDifficulty:
    """Per-problem success rates with ``logit p ~ Normal(mu, sigma)``.

    Expectations over ``p`` (mean pass@1, coverage) use 96-point Gauss-Hermite
    quadrature on the logit scale. Unlike a Beta, the left tail is thin
    (log-normal in ``p``), so coverage eventually rises faster than any power
    law; a power law fitted at small ``k`` then under-predicts large ``k``.
    """

    mu: float
    sigma: float

    def __post_init__(self):
        if not np.isfinite(self.mu):
            raise SamplesError(f"logit-normal difficulty needs a finite mu, got {self.mu!r}.")
        if not (np.isfinite(self.sigma) and self.sigma > 0):
            raise SamplesError(f"logit-normal difficulty needs sigma > 0, got {self.sigma!r}.")

    @classmethod
    def from_mean(cls, mean: float, sigma: float) -> "LogitNormalDifficulty":
        """The logit-normal with this mean success rate (pass@1) and logit spread ``sigma``."""
        _check_prob(mean, "mean pass@1", open_=True)
        if not (np.isfinite(sigma) and sigma > 0):
            raise SamplesError(f"logit-normal difficulty needs sigma > 0, got {sigma!r}.")
        f = lambda mu: float(np.dot(_GH_W, special.expit(mu + sigma * _GH_X))) - mean  # noqa: E731
        lo, hi = special.logit(mean) - 10 * sigma - 5, special.logit(mean) + 10 * sigma + 5
        return cls(float(optimize.brentq(f, lo, hi, xtol=1e-12)), float(sigma))

    @property
    def mean(self) -> float:
        return float(np.dot(_GH_W, special.expit(self.mu + self.sigma * _GH_X)))

    def sample(self, size: int, rng) -> np.ndarray:
        return special.expit(rng.normal(self.mu, self.sigma, size))

    def pdf(self, p) -> np.ndarray:
        p = np.asarray(p, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = special.logit(p)
            out = stats.norm.pdf(z, self.mu, self.sigma) / (p * (1 - p))
        return np.where((p > 0) & (p < 1), out, 0.0)

    def grid(self, m: int = 400) -> np.ndarray:
        """``m`` representative success rates: the quantiles at ``(i + 1/2) / m`` (equal-weight problems)."""
        return special.expit(self.mu + self.sigma * stats.norm.ppf((np.arange(m) + 0.5) / m))

    def miss_rate(self, k) -> np.ndarray:
        """``E[(1-p)^k]`` by quadrature (``ln(1-p) = -softplus(logit p)``)."""
        k = np.atleast_1d(np.asarray(k, float))
        log1mp = -np.logaddexp(0.0, self.mu + self.sigma * _GH_X)  # (Q,)
        out = np.exp(k[:, None] * log1mp[None, :]) @ _GH_W
        return out if np.ndim(k) else out[0]

    def coverage(self, k) -> np.ndarray:
        return 1.0 - self.miss_rate(k)

    def describe(self) -> str:
        return f"logit-normal(mu={self.mu:.3g}, sigma={self.sigma:.3g}), mean pass@1 {self.mean:.3g}"


def difficulty(kind: str = "beta", mean: float = 0.2, shape: float = 0.3):
    """A difficulty distribution from a mean pass@1 and a shape parameter.

    Parameters
    ----------
    kind : {"beta", "logit-normal"}
    mean : float
        Mean single-sample success rate (pass@1) over problems, in (0, 1):
        the model's strength.
    shape : float
        ``alpha`` of the Beta (small: many nearly impossible problems, a heavy
        left tail) or ``sigma`` of the logit-normal (spread of logit
        difficulty).
    """
    key = str(kind).lower().replace("_", "-").replace(" ", "-")
    if key == "beta":
        return BetaDifficulty.from_mean(mean, shape)
    if key in ("logit-normal", "logitnormal", "logistic-normal"):
        return LogitNormalDifficulty.from_mean(mean, shape)
    raise SamplesError(f"Unknown difficulty distribution {kind!r}: use 'beta' or 'logit-normal'.")


def _check_prob(v, name, open_=False):
    ok = np.isfinite(v) and ((0 < v < 1) if open_ else (0 <= v <= 1))
    if not ok:
        raise SamplesError(f"{name} must lie in {'(0, 1)' if open_ else '[0, 1]'}, got {v!r}.")


# ---------------------------------------------------------------------------------------------
def generate_counts(
    n_problems: int = 500,
    n_samples: int = 100,
    distribution=None,
    *,
    seed: int | None = 0,
    model: str | None = None,
) -> pd.DataFrame:
    """Synthetic per-problem counts: ``p_i`` from a difficulty distribution, ``c_i ~ Binomial(n, p_i)``.

    Parameters
    ----------
    n_problems : int or None
        Number of problems ``P`` (ignored when ``distribution`` is an array of rates).
    n_samples : int or array_like
        Samples drawn per problem (one number, or one per problem).
    distribution : BetaDifficulty, LogitNormalDifficulty, dict or array_like, optional
        Default ``BetaDifficulty(0.3, 1.2)`` (mean pass@1 0.2, heavy left tail).
        A dict is passed to :func:`difficulty`, e.g. ``{"kind": "logit-normal",
        "mean": 0.3, "shape": 2}``. An array gives each problem's success rate
        directly (e.g. from :meth:`LogitAbilityLaw.pass_rates`, so that two
        models are drawn on the same problems); its length sets ``n_problems``.
    seed : int
        Random seed (same seed, same table).
    model : str, optional
        Value of a ``model`` column.

    Returns
    -------
    DataFrame
        ``problem``, ``n``, ``c``, ``p_true`` (and ``model``); ``attrs["distribution"]``
        holds the distribution.
    """
    rates = None
    if distribution is None:
        distribution = BetaDifficulty(0.3, 1.2)
    elif isinstance(distribution, dict):
        distribution = difficulty(**distribution)
    elif not hasattr(distribution, "sample"):
        rates = np.asarray(distribution, float)
        if rates.ndim != 1 or rates.size == 0 or np.any(~np.isfinite(rates)) or np.any((rates < 0) | (rates > 1)):
            raise SamplesError("Per-problem success rates must be a non-empty list of probabilities in [0, 1].")
        n_problems = rates.size
    if n_problems is None or int(n_problems) != n_problems or n_problems < 1:
        raise SamplesError(f"n_problems must be a whole number >= 1, got {n_problems!r}.")
    n = np.broadcast_to(np.asarray(n_samples), (int(n_problems),))
    if np.any(n < 1) or np.any(np.asarray(n, float) != np.round(np.asarray(n, float))):
        raise SamplesError(f"n_samples must be whole numbers >= 1, got {n_samples!r}.")
    rng = np.random.default_rng(seed)
    p = rates if rates is not None else distribution.sample(int(n_problems), rng)
    c = rng.binomial(n.astype(np.int64), p)
    df = pd.DataFrame({"problem": np.arange(int(n_problems)), "n": n.astype(np.int64), "c": c.astype(np.int64), "p_true": p})
    if model is not None:
        df.insert(0, "model", model)
    df.attrs["distribution"] = None if rates is not None else distribution
    return df


def subsample_counts(counts: pd.DataFrame, n_samples: int, *, seed: int | None = 0, _trusted: bool = False) -> pd.DataFrame:
    """The counts we would have seen with only the first ``n_samples`` samples of each problem.

    Draws ``c' ~ Hypergeometric(c correct, n - c wrong, n_samples)`` per problem:
    the correct count among ``n_samples`` of the ``n`` samples taken without
    replacement. Used to fit on a small sampling budget and check the
    extrapolation against the full one.
    """
    counts = counts if _trusted else validate_counts(counts)
    n_samples = int(n_samples)
    if n_samples < 1:
        raise SamplesError(f"n_samples must be >= 1, got {n_samples}.")
    short = counts["n"].to_numpy() < n_samples
    if short.any():
        raise SamplesError(
            f"Cannot subsample {n_samples} samples: {int(short.sum())} problem(s) have fewer "
            f"(smallest n = {int(counts['n'].min())})."
        )
    rng = np.random.default_rng(seed)
    c = counts["c"].to_numpy(np.int64)
    n = counts["n"].to_numpy(np.int64)
    out = counts.copy()
    out["c"] = rng.hypergeometric(c, n - c, n_samples) if len(out) else c
    out["n"] = n_samples
    return out


# ---------------------------------------------------------------------------------------------
def load_counts(source, *, columns: dict | None = None) -> pd.DataFrame:
    """Load per-problem sample counts (a CSV, Parquet or JSON file, a DataFrame, a dict or a list of dicts).

    Needs columns ``problem``, ``n`` (samples drawn) and ``c`` (correct);
    ``model`` and ``size`` (parameters) are optional. Common spellings are
    recognised (``task_id``, ``samples``, ``num_correct``, ``params``, ...);
    ``columns`` renames explicitly, e.g. ``{"attempts": "n"}``.

    Raises
    ------
    SamplesError
        A column is missing; ``n`` or ``c`` are not whole numbers,
        ``n < 1``, ``c < 0`` or ``c > n`` (the message lists the problems);
        a problem appears twice for the same model; ``size`` is not positive.

    Examples
    --------
    >>> from workbench.testtime import load_counts
    >>> load_counts({"task_id": ["a", "b"], "samples": [10, 10], "correct": [3, 0]}).columns.tolist()
    ['problem', 'n', 'c']
    """
    df = as_frame(source, what="counts", item="problem", error=SamplesError)
    df.columns = [str(c).strip() for c in df.columns]
    df = rename_columns(df, columns, _ALIASES, error=SamplesError)
    return validate_counts(df)


def validate_counts(df: pd.DataFrame) -> pd.DataFrame:
    """A per-problem counts table checked and made canonical: ``n`` (samples drawn, >= 1) and ``c``
    (correct samples, ``0 <= c <= n``) as whole numbers, ``problem`` (numbered when absent), an optional
    ``size`` (parameters, > 0) and ``model``; each problem once per model; columns in that order first.

    Raises :class:`~workbench.errors.SamplesError` saying which rows or columns to fix.
    """
    if not isinstance(df, pd.DataFrame):
        raise SamplesError(f"Expected a counts table (DataFrame), got a {type(df).__name__}; use load_counts().")
    df = df.copy()
    if len(df) == 0:
        raise SamplesError("The counts table has no rows: it needs one row per problem.")
    repeated = sorted({str(c) for c in df.columns if list(df.columns).count(c) > 1})
    if repeated:
        raise SamplesError(f"Column names repeat: {repeated}. Rename them so each is unique.")
    missing = [c for c in ("n", "c") if c not in df.columns]
    if missing:
        raise SamplesError(
            f"The counts table needs columns {missing} (n: samples drawn per problem, c: how many were correct) "
            f"but has {list(df.columns)}. Rename them, e.g. load_counts(path, columns={{'attempts': 'n', 'passed': 'c'}})."
        )
    if "problem" not in df.columns:
        df.insert(0, "problem", np.arange(len(df)))
    problems: list[str] = []
    labels = df["problem"].to_numpy()

    def rows(mask):
        lab = [str(v) for v in labels[np.asarray(mask)]]
        return ", ".join(lab[:8]) + (f", ... ({len(lab) - 8} more)" if len(lab) > 8 else "")

    for col, what in (("n", "samples drawn"), ("c", "correct samples")):
        raw = df[col]
        if raw.dtype.kind in "iu" and (len(raw) == 0 or np.abs(raw.to_numpy().astype(float)).max() <= MAX_SAMPLES):
            df[col] = raw.astype(np.int64)  # already whole numbers in range: nothing to convert
            continue
        vals = pd.to_numeric(raw, errors="coerce")
        bad = vals.isna().to_numpy() | ~np.isfinite(vals.to_numpy(float))
        if raw.dtype == bool:
            bad[:] = True
        if bad.any():
            problems.append(f"column {col!r} ({what}) is missing or not a number for problems {rows(bad)}")
            continue
        v = vals.to_numpy(float)
        frac = v != np.round(v)
        if frac.any():
            problems.append(f"column {col!r} ({what}) must be whole numbers; problems {rows(frac)} are not")
            continue
        huge = np.abs(v) > MAX_SAMPLES
        if huge.any():
            problems.append(f"column {col!r} ({what}) is beyond {MAX_SAMPLES:.3g} (more samples than can be counted "
                            f"exactly) for problems {rows(huge)}")
            continue
        df[col] = v.astype(np.int64)
    if not problems:
        n, c = df["n"].to_numpy(), df["c"].to_numpy()
        if (n < 1).any():
            problems.append(f"n must be >= 1 (at least one sample); problems {rows(n < 1)} have n < 1")
        if (c < 0).any():
            problems.append(f"c cannot be negative; problems {rows(c < 0)} have c < 0")
        if (c > n).any():
            problems.append(f"c cannot exceed n (more correct than drawn); problems {rows(c > n)} have c > n")
    if "size" in df.columns:
        s = pd.to_numeric(df["size"], errors="coerce").to_numpy(float)
        bad = ~np.isfinite(s) | (s <= 0)
        if bad.any():
            problems.append(f"column 'size' (parameters) must be a number > 0; problems {rows(bad)} are not")
        else:
            df["size"] = s
    if problems:
        raise SamplesError("The counts table has bad values:\n  - " + "\n  - ".join(problems))
    keys = [k for k in ("model", "size") if k in df.columns] + ["problem"]
    dup = df.duplicated(subset=keys, keep=False).to_numpy()
    if dup.any():
        per = " for the same model" if len(keys) > 1 else ""
        raise SamplesError(
            f"Problems {rows(dup)} appear more than once{per}. Merge their counts (sum n and c) or give "
            "each model its own 'model' value."
        )
    ordered = [k for k in ("model", "size", "problem", "n", "c") if k in df.columns]
    return df[ordered + [c for c in df.columns if c not in ordered]].reset_index(drop=True)


def group_counts(counts: pd.DataFrame) -> dict:
    """Split a counts table by ``model`` (``{None: table}`` without a model column)."""
    if "model" not in counts.columns:
        return {None: counts}
    return {m: g.reset_index(drop=True) for m, g in counts.groupby("model", sort=False)}

