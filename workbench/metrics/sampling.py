"""Monte-Carlo sampling of finite test sets, and the resolution floor they imply.

A benchmark is a finite test set of ``n`` items. The score a model gets on it is
a sample mean of per-item scores, so it carries sampling noise, and a
proportion (exact match, accuracy) can only take the values ``0, 1/n, ...,
1``: anything below about ``1/n`` usually reads as zero (Schaeffer et al. 2023,
Section 3: "resolution"). This module simulates the outputs of a model whose
per-token probability of the right token is ``p`` and scores the *same*
outputs under every metric.

Generative model (vectorised over scales and items at once):

* free-form answers of ``l`` tokens: each token is wrong with probability
  ``1 - p``, independently, so the number of wrong tokens is
  ``Binomial(l, 1 - p)``; exact match is "no wrong token", token edit distance
  is the number of wrong tokens;
* multiple choice with ``k`` choices of ``l`` tokens each: at every token
  position the model puts ``p`` on the right token by knowledge and spreads
  the rest, ``1 - p``, at random (uniformly on the simplex) over ``m``
  plausible tokens: the right one, the ``k - 1`` wrong choices' tokens and
  ``m - k`` others. A choice's probability over the vocabulary is the product
  over its tokens; renormalised over the ``k`` choices it gives ``p_choice``;
  accuracy is "the right choice has the largest probability" (argmax); the
  Brier score is ``(1 - p_choice(right))^2 + sum_wrong p_choice(wrong)^2``.
  At ``p = 0`` the right choice is one of ``k`` exchangeable ones (chance).
  ``persistence`` is the chance that an item keeps the same wrong-choice shares
  from one model to the next (1: the same distractors attract the same mass at
  every scale; 0: they fluctuate freely), the source of the decorrelation
  described by Schaeffer et al. (2024, 'Why has predicting downstream
  capabilities of frontier AI models with scale remained elusive?').
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError
from .exact import check_choices, check_length
from .tokens import check_probability

__all__ = ["resolution_floor", "sample_answers", "sample_choices", "ChoiceSample"]


def resolution_floor(n: int) -> float:
    """Smallest non-zero score a test set of ``n`` items can show for a proportion: ``1/n``."""
    return 1.0 / check_items(n)


def check_items(n) -> int:
    """Number of test items, checked to be an integer >= 1."""
    if isinstance(n, bool) or not float(n).is_integer() or int(n) < 1:
        raise ArgumentError(f"The test-set size n must be a whole number of items >= 1, got {n!r}.")
    return int(n)


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def sample_answers(p, l: int, n: int, seed=0) -> np.ndarray:
    """Number of wrong tokens in each of ``n`` answers of ``l`` tokens, at each scale.

    Parameters
    ----------
    p : array_like, shape (G,)
        Per-token probability of the right token at each of ``G`` scales.
    l : int
        Answer length in tokens.
    n : int
        Items in the test set.
    seed : int or numpy Generator

    Returns
    -------
    ndarray of int, shape (G, n)
        ``Binomial(l, 1 - p)`` draws. Exact match of item ``i`` is
        ``wrong[:, i] == 0``; its token edit distance is ``wrong[:, i]``.
    """
    p = np.atleast_1d(check_probability(p))
    l, n = check_length(l), check_items(n)
    return _rng(seed).binomial(l, np.clip(1.0 - p, 0.0, 1.0)[:, None], size=(p.size, n))


@dataclass
class ChoiceSample:
    """Simulated multiple-choice outputs; every array has shape ``(G scales, n items)``.

    Attributes
    ----------
    log_p_vocab : log probability of the right choice over the whole vocabulary (nats)
    p_choice : probability of the right choice renormalised over the ``k`` choices
    correct : whether the right choice has the largest probability (argmax)
    brier : multi-class Brier score of the renormalised choice probabilities (0 best, 2 worst)
    """

    log_p_vocab: np.ndarray
    p_choice: np.ndarray
    correct: np.ndarray
    brier: np.ndarray


def sample_choices(p, l: int = 1, k: int = 4, n: int = 1000, n_plausible: int = 16, persistence: float = 1.0, seed=0) -> ChoiceSample:
    """Simulate ``n`` multiple-choice items with ``k`` choices of ``l`` tokens at each scale.

    Parameters
    ----------
    p : array_like, shape (G,)
        Weight of knowledge on the right choice's tokens at each scale (see the module notes).
    l : int
        Tokens per choice.
    k : int
        Number of choices.
    n : int
        Items.
    n_plausible : int
        ``m``: plausible tokens (the ``k`` choices included) sharing ``1 - p`` at random.
    persistence : float in [0, 1]
        Chance that an item keeps its wrong-choice shares from one scale to the next.
    seed : int or numpy Generator

    Returns
    -------
    ChoiceSample
    """
    p = np.atleast_1d(check_probability(p))
    l, n = check_length(l), check_items(n)
    k, m = check_choices(k, n_plausible)
    if not 0.0 <= float(persistence) <= 1.0:
        raise ArgumentError(f"persistence must be between 0 and 1, got {persistence!r}.")
    rng = _rng(seed)
    G = p.size

    def shares(lead):
        # Dirichlet(1,...,1) shares of the m plausible tokens: Exp(1) draws normalised by their total; the
        # right token and the k-1 wrong choices are drawn one by one, the m-k others through one Gamma(m-k)
        e = rng.standard_exponential((lead, n, l, k))
        total = e.sum(axis=-1, keepdims=True)
        if m > k:
            total = total + rng.standard_gamma(m - k, (lead, n, l, 1))
        return e / total

    def parts(w):
        # the wrong choices' shares enter only through their sum of logs over the l tokens
        return w[..., 0], np.log(w[..., 1:]).sum(axis=2)

    if persistence >= 1.0:
        w_right, logw_wrong = parts(shares(1))  # (1, n, l), (1, n, k-1): common to every scale
    elif persistence <= 0.0:
        w_right, logw_wrong = parts(shares(G))
    else:
        keep = rng.random((G, n, 1, 1)) < persistence
        w_right, logw_wrong = parts(np.where(keep, shares(1), shares(G)))
    pp = p[:, None, None]
    with np.errstate(divide="ignore"):
        log_right = np.log(pp + (1.0 - pp) * w_right).sum(axis=2)  # (G, n)
        log_wrong = (l * np.log1p(-p))[:, None, None] + logw_wrong  # (G, n, k-1)
    top = np.maximum(log_right, log_wrong.max(axis=-1))[..., None]
    e_right = np.exp(log_right[..., None] - top)[..., 0]
    e_wrong = np.exp(log_wrong - top)
    total = e_right + e_wrong.sum(axis=-1)
    p_right = e_right / total
    brier = (1.0 - p_right) ** 2 + ((e_wrong / total[..., None]) ** 2).sum(axis=-1)
    correct = log_right > log_wrong.max(axis=-1)
    return ChoiceSample(
        log_p_vocab=log_right,
        p_choice=p_right,
        correct=correct,
        brier=brier,
    )
