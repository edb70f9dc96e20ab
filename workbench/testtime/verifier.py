"""Resampling against an imperfect verifier (Stroebl, Kapoor & Narayanan 2024).

A model answers a problem correctly with probability ``r`` per sample. A
verifier (unit tests, a judge) accepts a correct sample with probability
``c`` (completeness) and rejects a wrong one with probability ``s``
(soundness). The policy: sample, stop at the first accepted sample and
submit it; after ``K`` rejections, abstain. Per attempt the sample is

* accepted and correct with probability ``c r``,
* accepted and wrong (a *false positive*) with probability ``(1 - s)(1 - r)``,
* rejected with probability ``beta = (1 - c) r + s (1 - r)``.

So after at most ``K`` attempts

    accuracy        = c r (1 - beta^K) / (1 - beta)
    false positives = (1 - s)(1 - r) (1 - beta^K) / (1 - beta)
    abstentions     = beta^K
    E[attempts]     = (1 - beta^K) / (1 - beta)

and as ``K`` grows accuracy rises to the ceiling
``c r / (c r + (1 - s)(1 - r)) < 1`` whenever ``s < 1``: no amount of
resampling removes false positives.

*Utility and the best K.* With reward 1 for a correct answer, cost
``fp_cost`` for a false positive, 0 for abstaining and an optional cost per
sample, one problem's expected utility is
``[c r - fp_cost (1-s)(1-r) - sample_cost] (1 - beta^K) / (1 - beta)``:
monotone in ``K`` (all three terms share the factor), so for identical
problems the best ``K`` is 1 or unbounded. Over a benchmark, problems
differ: easy ones gain from resampling, hard ones (small ``r``) mostly
collect false positives, and their sum peaks at a small ``K`` — the
"bending" of inference scaling curves that Stroebl et al. report (optimal
``K`` often below 10). Pass per-problem rates ``r`` (an array, or a
difficulty distribution) to see it.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import SamplesError
from ..results import Result

__all__ = [
    "rejection_probability",
    "accuracy_after_k",
    "false_positive_rate_after_k",
    "accuracy_ceiling",
    "expected_utility",
    "verifier_curve",
    "VerifierCurve",
    "success_rates",
]


def _prob(x, name) -> np.ndarray:
    a = np.asarray(x, float)
    if np.any(~np.isfinite(a)) or np.any(a < 0) or np.any(a > 1):
        raise SamplesError(f"{name} must be a probability in [0, 1], got {x!r:.60}.")
    return a


def _k(K) -> np.ndarray:
    k = np.asarray(K, float)
    if np.any(k < 0) or np.any(k != np.round(k)):
        raise SamplesError(f"K (attempts) must be whole numbers >= 0, got {K!r:.60}.")
    return k


def success_rates(r, m: int = 400) -> np.ndarray:
    """Per-problem success rates from a number, an array, or a difficulty distribution (``m`` quantiles)."""
    if hasattr(r, "grid"):
        return np.asarray(r.grid(m), float)
    return _prob(r, "single-sample accuracy r")


def rejection_probability(r, c, s) -> np.ndarray:
    """Probability that one attempt is rejected: ``beta = (1 - c) r + s (1 - r)``."""
    r, c, s = _prob(r, "single-sample accuracy r"), _prob(c, "completeness c"), _prob(s, "soundness s")
    return (1 - c) * r + s * (1 - r)


def _geometric(beta, K):
    """``(1 - beta^K) / (1 - beta)``, equal to ``K`` at ``beta = 1``."""
    beta = np.asarray(beta, float)
    K = np.asarray(K, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = -np.expm1(K * np.log(beta)) / (1 - beta)
    g = np.where(beta >= 1, K, g)
    return np.where(beta <= 0, np.minimum(K, 1.0), g)


def accuracy_after_k(r, c, s, K) -> np.ndarray:
    """Accuracy after at most ``K`` attempts: ``c r (1 - beta^K) / (1 - beta)`` (Stroebl et al. 2024).

    Arguments broadcast; ``r`` per-problem rates give per-problem accuracies.
    """
    r, c, s = _prob(r, "single-sample accuracy r"), _prob(c, "completeness c"), _prob(s, "soundness s")
    K = _k(K)
    return c * r * _geometric((1 - c) * r + s * (1 - r), K)


def false_positive_rate_after_k(r, c, s, K) -> np.ndarray:
    """Probability of submitting a wrong answer that passed the verifier: ``(1-s)(1-r)(1 - beta^K)/(1 - beta)``."""
    r, c, s = _prob(r, "single-sample accuracy r"), _prob(c, "completeness c"), _prob(s, "soundness s")
    K = _k(K)
    return (1 - s) * (1 - r) * _geometric((1 - c) * r + s * (1 - r), K)


def accuracy_ceiling(r, c, s) -> np.ndarray:
    """The limit of accuracy as ``K`` grows: ``c r / (c r + (1 - s)(1 - r))`` (Stroebl et al. 2024).

    Below 1 whenever the verifier lets some wrong samples through (``s < 1``)
    and the model is sometimes wrong (``r < 1``). Zero where nothing is ever
    accepted (``c r + (1-s)(1-r) = 0``).
    """
    r, c, s = _prob(r, "single-sample accuracy r"), _prob(c, "completeness c"), _prob(s, "soundness s")
    num = c * r
    den = num + (1 - s) * (1 - r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def expected_utility(r, c, s, K, fp_cost: float, *, reward: float = 1.0, sample_cost: float = 0.0) -> np.ndarray:
    """Expected utility per problem after at most ``K`` attempts.

    ``reward * accuracy - fp_cost * false_positives - sample_cost * E[attempts]``,
    with abstention worth 0. Averaged over problems when ``r`` is an array of
    per-problem rates (last axis), so the result has the shape of ``K``.
    """
    if fp_cost < 0 or sample_cost < 0:
        raise SamplesError("fp_cost and sample_cost are costs: give them as numbers >= 0.")
    r = success_rates(r)
    Karr = _k(K)
    rr = r[..., None, :] if r.ndim else r
    kk = Karr[..., None] if r.ndim else Karr
    beta = rejection_probability(rr, c, s)
    g = _geometric(beta, kk)
    per = (reward * c * rr - fp_cost * (1 - s) * (1 - rr) - sample_cost) * g
    return per.mean(axis=-1) if r.ndim else per


class VerifierCurve(Result):
    """Accuracy, false positives, abstentions and utility against the number of attempts ``K``.

    Attributes
    ----------
    table : DataFrame
        ``K``, ``accuracy``, ``false_positive``, ``abstain``, ``attempts``
        (expected samples drawn) and ``utility``, averaged over problems.
    ceiling : float
        Accuracy as ``K`` grows without bound (mean of per-problem ceilings).
    best_k : int
        The smallest ``K`` whose expected utility is within 1e-6 (of the reward)
        of the highest in the range searched.
    best_at_edge : bool
        The best ``K`` is the largest searched: utility was still rising.
    rising : bool
        Utility never falls with ``K``: there is no interior optimum, and
        ``best_k`` is where it has levelled off (more attempts never hurt).
    """

    table: pd.DataFrame
    ceiling: float
    best_k: int
    best_utility: float
    best_at_edge: bool
    single_sample_accuracy: float
    c: float
    s: float
    fp_cost: float
    sample_cost: float
    n_problems: int
    rising: bool = False

    @property
    def k_to_reach(self) -> dict:
        """Smallest ``K`` reaching 90% and 99% of the accuracy ceiling (None if not within range)."""
        out = {}
        acc = self.table["accuracy"].to_numpy()
        for f in (0.9, 0.99):
            hit = np.flatnonzero(acc >= f * self.ceiling)
            out[f] = int(self.table["K"].iloc[hit[0]]) if hit.size else None
        return out

    def _title(self) -> str:
        return f"Resampling with an imperfect verifier (c = {self.c:.3g}, s = {self.s:.3g})"

    def _summarize(self, s) -> None:
        acc_best = float(self.table.set_index("K").loc[self.best_k, "accuracy"])
        cost = f"false-positive cost {self.fp_cost:g}" + (f", sample cost {self.sample_cost:g}" if self.sample_cost else "")
        s.add_fields([
            ("mean single-sample accuracy", f"{self.single_sample_accuracy:.3f} over {self.n_problems} problem(s)"),
            ("accuracy ceiling (K -> infinity)", self.ceiling),
            (f"best K ({cost})", f"{self.best_k}{' (edge of the range: utility still rising)' if self.best_at_edge else ''}"),
            ("utility / accuracy at the best K", f"{self.best_utility:.4f} / {acc_best:.4f}"),
        ])
        if self.rising and not self.best_at_edge:
            s.add_text("utility never falls with K: more attempts never hurt; it levels off (to 1e-6) at that K")
        if self.best_utility < 0:
            s.add_text("every K has negative utility: abstaining (utility 0) is better")

    def _headline(self) -> str:
        return f"best K = {self.best_k}, utility {self.best_utility:.4f}, ceiling {self.ceiling:.4f}"

    _dict_exclude = ("table",)
    _dict_properties = ("k_to_reach",)


def verifier_curve(r, c: float, s: float, *, fp_cost: float = 0.0, k_max: int = 1000, reward: float = 1.0,
                   sample_cost: float = 0.0, k=None) -> VerifierCurve:
    """Accuracy, false positives and utility for ``K = 1 .. k_max`` attempts, and the best ``K``.

    Parameters
    ----------
    r : float, array_like or difficulty distribution
        Single-sample accuracy: one number (identical problems), per-problem
        rates, or a :class:`~workbench.testtime.BetaDifficulty` /
        :class:`~workbench.testtime.LogitNormalDifficulty` (400 quantiles).
    c, s : float
        Completeness (correct samples accepted) and soundness (wrong samples rejected).
    fp_cost : float
        Cost of a false positive, in units of the reward of a correct answer.
    k_max : int
        Largest ``K`` searched (every integer from 1 is evaluated).
    k : array_like of int, optional
        ``K`` values for the table (default: every integer up to 100, then ~30 per
        decade); the best ``K`` is always searched over every integer.
    """
    c, s = float(_prob(c, "completeness c")), float(_prob(s, "soundness s"))
    if int(k_max) < 1:
        raise SamplesError(f"k_max must be >= 1, got {k_max}.")
    rates = np.atleast_1d(success_rates(r))
    all_k = np.arange(1, int(k_max) + 1, dtype=float)
    u_all = expected_utility(rates, c, s, all_k, fp_cost, reward=reward, sample_cost=sample_cost)
    # the smallest K within tol of the best utility: where utility keeps creeping up towards its limit,
    # that is where it has (to 1e-6 of the reward) arrived
    tol = 1e-6 * max(abs(reward), 1e-12)
    i = int(np.flatnonzero(u_all >= u_all.max() - tol)[0])
    rising = bool(np.all(np.diff(u_all) >= -1e-15))
    if k is None:
        k = np.unique(np.concatenate([np.arange(1, min(100, int(k_max)) + 1),
                                      np.round(np.geomspace(1, int(k_max), 90)).astype(int), [i + 1]]))
    K = _k(np.unique(np.asarray(k, int))).astype(float)
    beta = rejection_probability(rates[None, :], c, s)
    g = _geometric(beta, K[:, None])
    table = pd.DataFrame({
        "K": K.astype(int),
        "accuracy": (c * rates[None, :] * g).mean(axis=1),
        "false_positive": ((1 - s) * (1 - rates[None, :]) * g).mean(axis=1),
        "abstain": (beta ** K[:, None]).mean(axis=1),
        "attempts": g.mean(axis=1),
    })
    table["utility"] = reward * table["accuracy"] - fp_cost * table["false_positive"] - sample_cost * table["attempts"]
    return VerifierCurve(
        table=table,
        ceiling=float(np.mean(accuracy_ceiling(rates, c, s))),
        best_k=i + 1,
        best_utility=float(u_all[i]),
        best_at_edge=bool(i + 1 == int(k_max) and int(k_max) > 1),
        rising=rising and len(u_all) > 1 and u_all[-1] > u_all[0] + tol,
        single_sample_accuracy=float(rates.mean()),
        c=c, s=s, fp_cost=float(fp_cost), sample_cost=float(sample_cost), n_problems=int(rates.size),
    )
