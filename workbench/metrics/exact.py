"""Metrics computed exactly from the per-token probability ``p``.

Model of an answer of ``l`` tokens: each token is right with probability ``p``,
independently (Schaeffer et al. 2023, Section 2). Then

* exact match (all ``l`` tokens right): ``p**l``;
* token edit distance to the target (substitutions only, so the number of wrong
  tokens): ``l (1 - p)`` on average;
* log-likelihood of the target: ``l log p`` nats;
* multiple-choice accuracy with ``k`` choices and one-token answers. The model
  knows the answer with weight ``p`` and spreads the rest, ``1 - p``, at random
  over ``m`` plausible tokens (the right one, the ``k - 1`` wrong choices and
  ``m - k`` others; shares ``w`` uniform on the simplex). The right choice gets
  ``p + (1 - p) w_0``, a wrong one ``(1 - p) w_j``, so an uninformed model
  (``p = 0``) is at chance, ``1/k``. The right choice wins the argmax with
  probability

  ``sum_{i=0}^{k-1} (-1)^i C(k-1, i) (1 - i x)_+^(m-1) / (i + 1)``,  ``x = p / (1 - p)``,

  by inclusion-exclusion over the wrong choices that beat it (for uniform
  spacings, ``P(w_j >= w_0 + x for i given j) = (1 - i x)_+^(m-1) / (i + 1)``).

Metrics without a closed form (Brier score, accuracy with answers of several
tokens) are estimated by Monte Carlo in :mod:`workbench.metrics.sampling`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import comb

from ..errors import ArgumentError
from .tokens import check_probability

__all__ = ["exact_match", "token_edit_distance", "log_likelihood", "choice_accuracy"]


def check_length(l) -> int:
    """Answer length in tokens, checked to be an integer >= 1."""
    if isinstance(l, bool) or not float(l).is_integer() or int(l) < 1:
        raise ArgumentError(f"The answer length l must be a whole number of tokens >= 1, got {l!r}.")
    return int(l)


def check_choices(k, n_plausible) -> tuple[int, int]:
    """Number of choices ``k >= 2`` and plausible tokens ``m >= k``, checked."""
    if isinstance(k, bool) or not float(k).is_integer() or int(k) < 2:
        raise ArgumentError(f"The number of answer choices k must be a whole number >= 2, got {k!r}.")
    if isinstance(n_plausible, bool) or not float(n_plausible).is_integer() or int(n_plausible) < int(k):
        raise ArgumentError(
            f"n_plausible (the plausible tokens that share the probability the model does not put on the answer by "
            f"knowledge, the k choices included) must be a whole number >= k={k}, got {n_plausible!r}."
        )
    return int(k), int(n_plausible)


def exact_match(p, l: int) -> np.ndarray:
    """Probability that all ``l`` answer tokens are right: ``p**l``.

    Examples
    --------
    >>> float(exact_match(0.9, 5))  # doctest: +ELLIPSIS
    0.59049...
    """
    return check_probability(p) ** check_length(l)


def token_edit_distance(p, l: int) -> np.ndarray:
    """Expected token edit distance to an ``l``-token target: ``l (1 - p)`` (lower is better)."""
    return check_length(l) * (1.0 - check_probability(p))


def log_likelihood(p, l: int) -> np.ndarray:
    """Log-likelihood of the ``l``-token target, ``l log p`` (nats; higher is better)."""
    p = check_probability(p)
    with np.errstate(divide="ignore"):
        return check_length(l) * np.log(p)


def choice_accuracy(p, k: int = 4, n_plausible: int = 16) -> np.ndarray:
    """Exact multiple-choice accuracy (argmax over ``k`` one-token choices).

    Parameters
    ----------
    p : array_like
        Weight of knowledge: the probability the model puts on the right token
        beyond its random share.
    k : int
        Number of answer choices.
    n_plausible : int
        ``m``: tokens (the ``k`` choices included) that share the remaining
        ``1 - p`` at random. Larger ``m`` dilutes the wrong choices, so a
        smaller ``p`` already wins the argmax.

    Returns
    -------
    ndarray
        ``P(right choice has the largest probability)``; ``1/k`` at ``p = 0``, 1 at ``p = 1``.

    Examples
    --------
    >>> float(choice_accuracy(0.0, k=4))
    0.25
    """
    p = check_probability(p)
    k, m = check_choices(k, n_plausible)
    certain = p >= 1
    x = p / np.where(certain, 1.0, 1.0 - p)
    out = np.zeros_like(p)
    for i in range(k):
        term = np.clip(1.0 - i * x, 0.0, None) ** (m - 1)
        out = out + (-1) ** i * comb(k - 1, i) * term / (i + 1)
    return np.clip(np.where(certain, 1.0, out), 0.0, 1.0)
