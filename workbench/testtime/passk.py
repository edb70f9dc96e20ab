"""The unbiased pass@k estimator and its aggregation over problems.

Chen et al. (2021, "Evaluating Large Language Models Trained on Code", Eq. 1)
estimate the probability that at least one of ``k`` samples solves a problem
from ``n >= k`` samples of which ``c`` were correct:

    pass@k = 1 - C(n - c, k) / C(n, k) = 1 - prod_{i = n-c+1}^{n} (1 - k / i).

The estimator is unbiased for ``1 - (1 - p)^k`` when the ``n`` samples are
independent draws with success probability ``p``. It is undefined for
``k > n``: :func:`pass_at_k` raises instead of returning 1.0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy.special import gammaln

from ..errors import SamplesError

__all__ = ["pass_at_k", "pass_at_k_exact", "aggregate_pass_at_k", "coverage_curve", "k_grid"]

#: Products with at most this many factors are summed term by term (log1p); longer ones use
#: log-gamma differences, whose rounding error (~1e-9 relative) is harmless there because the
#: pass rate is then at least 1 - exp(-T^2 / n) (>= 0.04 for n <= 1e5).
_TERMWISE_MAX = 64
_CHUNK_CELLS = 1 << 21


def _as_int_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == bool:
        raise SamplesError(f"{name} must hold whole numbers, not true/false values.")
    try:
        f = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise SamplesError(f"{name} must hold whole numbers; got {arr!r:.80}.") from None
    bad = ~np.isfinite(f) | (f != np.round(f))
    if np.any(bad):
        where = np.flatnonzero(np.atleast_1d(bad))[:8].tolist()
        raise SamplesError(f"{name} must hold whole numbers (counts of samples); entries {where} are not.")
    return f.astype(np.int64)


def _check_counts(n, c, problems=None) -> tuple[np.ndarray, np.ndarray]:
    n = np.atleast_1d(_as_int_array(n, "n (samples per problem)"))
    c = np.atleast_1d(_as_int_array(c, "c (correct samples per problem)"))
    try:
        n, c = np.broadcast_arrays(n, c)
    except ValueError:
        raise SamplesError(f"n and c must have the same length (one value per problem), got {n.shape} and {c.shape}.") from None
    if n.ndim != 1:
        raise SamplesError(f"n and c must be one-dimensional (one value per problem), got shape {n.shape}.")
    labels = np.arange(len(n)) if problems is None else np.asarray(problems)

    def show(mask):
        lab = labels[mask]
        s = ", ".join(str(v) for v in lab[:8])
        return s + (f", ... ({len(lab) - 8} more)" if len(lab) > 8 else "")

    if np.any(n < 1):
        raise SamplesError(f"Every problem needs at least one sample (n >= 1); problems {show(n < 1)} have n < 1.")
    if np.any(c < 0):
        raise SamplesError(f"Correct counts c cannot be negative; problems {show(c < 0)} have c < 0.")
    if np.any(c > n):
        raise SamplesError(
            f"A problem cannot have more correct samples than samples (c <= n); problems {show(c > n)} have c > n."
        )
    return n.copy(), c.copy()


def _check_k(k) -> tuple[np.ndarray, bool]:
    scalar = np.ndim(k) == 0
    karr = np.atleast_1d(_as_int_array(k, "k (samples per attempt)"))
    if karr.ndim != 1:
        raise SamplesError(f"k must be a number or a one-dimensional list of numbers, got shape {karr.shape}.")
    if np.any(karr < 1):
        raise SamplesError(f"k must be at least 1 (pass@k with k samples); got {karr[karr < 1][:5].tolist()}.")
    return karr, scalar


def _log_miss(n: np.ndarray, c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``ln[C(n-c, k) / C(n, k)]`` for aligned 1-D arrays with ``k <= n``; ``-inf`` when ``n - c < k``."""
    out = np.full(n.shape, -np.inf)
    live = (n - c) >= k
    m = np.minimum(c, k)
    big = np.maximum(c, k)
    out[live & (m == 0)] = 0.0
    # term by term: ratio = prod_{j < m} (1 - M / (n - j)) with m = min(c, k), M = max(c, k)
    small = np.flatnonzero(live & (m > 0) & (m <= _TERMWISE_MAX))
    if small.size:
        T = int(m[small].max())
        j = np.arange(T, dtype=float)
        step = max(1, _CHUNK_CELLS // T)
        for s in range(0, small.size, step):
            idx = small[s : s + step]
            nn = n[idx].astype(float)[:, None]
            denom = np.maximum(nn - j[None, :], 1.0)
            ratio = big[idx].astype(float)[:, None] / denom
            ratio[j[None, :] >= m[idx][:, None]] = 0.0  # beyond the m factors: log1p(0) = 0
            out[idx] = np.log1p(-ratio).sum(axis=1)
    large = np.flatnonzero(live & (m > _TERMWISE_MAX))
    if large.size:
        nf, cf, kf = (a[large].astype(float) for a in (n, c, k))
        out[large] = gammaln(nf - cf + 1) + gammaln(nf - kf + 1) - gammaln(nf - cf - kf + 1) - gammaln(nf + 1)
        np.minimum(out[large], 0.0, out=out[large])
    return out


def pass_at_k(n, c, k, problems=None) -> np.ndarray:
    """Unbiased pass@k of each problem from ``n`` samples with ``c`` correct.

    ``pass@k = 1 - C(n-c, k) / C(n, k) = 1 - prod_{i=n-c+1}^{n} (1 - k/i)``
    (Chen et al. 2021, Eq. 1). Computed in log space: the product of
    ``min(c, k)`` factors ``1 - max(c, k) / (n - j)`` is summed as ``log1p``
    terms when it has at most 64 factors, and taken from log-gamma
    differences otherwise; then ``pass@k = -expm1(log ratio)``. Exact to
    ~1e-13 relative in the first case and ~1e-9 in the second, for ``n`` up to
    1e5 and beyond; vectorised over problems and over ``k``.

    Parameters
    ----------
    n, c : array_like of int, shape (P,)
        Samples drawn and correct samples, per problem (``0 <= c <= n``).
    k : int or array_like of int, shape (K,)
        Attempts allowed (``1 <= k <= n`` for every problem).
    problems : array_like, optional
        Problem labels, used only in error messages.

    Returns
    -------
    ndarray
        Shape ``(P,)`` for a scalar ``k``, ``(P, K)`` for an array of ``k``.

    Raises
    ------
    SamplesError
        ``k > n`` for some problem (pass@k is undefined there: draw more
        samples or lower k), ``c > n``, negative or non-integer counts.

    Examples
    --------
    >>> from workbench.testtime import pass_at_k
    >>> pass_at_k([10, 10], [0, 3], 2).round(4).tolist()
    [0.0, 0.5333]
    """
    n, c = _check_counts(n, c, problems)
    karr, scalar = _check_k(k)
    too_few = n < karr.max()
    if np.any(too_few):
        labels = np.arange(len(n)) if problems is None else np.asarray(problems)
        bad = labels[too_few]
        shown = ", ".join(str(v) for v in bad[:8]) + (f", ... ({len(bad) - 8} more)" if len(bad) > 8 else "")
        raise SamplesError(
            f"pass@k needs at least k samples per problem, but k = {int(karr.max())} exceeds n for "
            f"{len(bad)} problem(s) ({shown}; smallest n = {int(n.min())}). pass@k is undefined for k > n "
            "(it is not 1.0): draw more samples for those problems, drop them, or use k <= "
            f"{int(n.min())}."
        )
    # problems with the same (n, c) share their pass@k: compute each distinct pair once
    pairs, inverse = np.unique(np.column_stack([n, c]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    U, K = len(pairs), len(karr)
    nn = np.repeat(pairs[:, 0], K)
    cc = np.repeat(pairs[:, 1], K)
    kk = np.tile(karr, U)
    out = -np.expm1(_log_miss(nn, cc, kk)).reshape(U, K)[inverse] + 0.0  # + 0.0: no -0.0 when nothing passes
    return out[:, 0] if scalar else out


def pass_at_k_exact(n: int, c: int, k: int) -> Fraction:
    """pass@k as an exact fraction, ``1 - C(n-c, k) / C(n, k)`` with integer binomials.

    The reference against which :func:`pass_at_k` is tested and benchmarked
    (slow: big-integer arithmetic).
    """
    n, c, k = int(n), int(c), int(k)
    if k > n:
        raise SamplesError(f"pass@k is undefined for k = {k} > n = {n}.")
    if not 0 <= c <= n:
        raise SamplesError(f"need 0 <= c <= n, got c = {c}, n = {n}.")
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


def aggregate_pass_at_k(counts, k, *, by=None, level: float = 0.95) -> pd.DataFrame:
    """Mean pass@k over problems with its standard error and a normal interval.

    The benchmark score is the mean of the per-problem estimates; its
    standard error treats the problems as a sample from a population of
    problems, ``se = sd(pass_i@k) / sqrt(P)`` (Miller 2024, "Adding error bars
    to evals"), which also contains the within-problem sampling noise of each
    estimate.

    Parameters
    ----------
    counts : DataFrame
        Per-problem counts with columns ``n`` and ``c`` (see
        :func:`workbench.testtime.load_counts`).
    k : int or sequence of int
    by : str or list of str, optional
        Group columns, e.g. ``"model"``: one row per group and ``k``.
        Defaults to ``model`` (and ``size``) when the table has them.
    level : float
        Coverage of the interval ``mean +- z se``.

    Returns
    -------
    DataFrame
        Columns: the group columns, ``k``, ``pass_at_k``, ``stderr``, ``lo``,
        ``hi``, ``n_problems``.
    """
    from scipy.stats import norm

    if not isinstance(counts, pd.DataFrame) or not {"n", "c"} <= set(counts.columns):
        raise SamplesError("aggregate_pass_at_k needs a table with columns 'n' and 'c' (use load_counts to read one).")
    if by is None:
        by = [g for g in ("model", "size") if g in counts.columns]
    elif isinstance(by, str):
        by = [by]
    missing = [g for g in by if g not in counts.columns]
    if missing:
        raise SamplesError(f"Cannot group by {missing}: the table's columns are {list(counts.columns)}.")
    karr, _ = _check_k(k)
    z = float(norm.ppf(0.5 + level / 2))
    groups = counts.groupby(by, sort=False) if by else [((), counts)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        labels = g["problem"].to_numpy() if "problem" in g.columns else None
        pk = pass_at_k(g["n"].to_numpy(), g["c"].to_numpy(), karr, problems=labels)
        P = pk.shape[0]
        mean = pk.mean(axis=0)
        se = pk.std(axis=0, ddof=1) / math.sqrt(P) if P > 1 else np.full(len(karr), np.nan)
        for j, kv in enumerate(karr):
            rows.append(dict(zip(by, key)) | {
                "k": int(kv), "pass_at_k": float(mean[j]), "stderr": float(se[j]),
                "lo": float(mean[j] - z * se[j]), "hi": float(mean[j] + z * se[j]), "n_problems": P,
            })
    return pd.DataFrame(rows)


def k_grid(k_max: int, k_min: int = 1, per_decade: int = 12) -> np.ndarray:
    """Distinct whole numbers spread evenly in ``log k`` from ``k_min`` to ``k_max`` (both included)."""
    k_min, k_max = int(k_min), int(k_max)
    if k_min < 1 or k_max < k_min:
        raise SamplesError(f"need 1 <= k_min <= k_max, got {k_min} and {k_max}.")
    if k_max == k_min:
        return np.array([k_min])
    n = max(2, int(math.ceil(per_decade * math.log10(k_max / k_min))) + 1)
    return np.unique(np.round(np.geomspace(k_min, k_max, n)).astype(np.int64))


def coverage_curve(n, c, k, problems=None) -> np.ndarray:
    """Coverage (mean pass@k over problems, Brown et al. 2024) at each ``k``: shape ``(K,)``."""
    return pass_at_k(n, c, np.atleast_1d(k), problems=problems).mean(axis=0)
