"""Corpora of the tiny LMs: the Markov source's exact entropy rate against sampled text."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import torch

from workbench.errors import WorkbenchError
from workbench.toys import corpus
from workbench.toys.corpus import MarkovSource, TextSource, make_source
from workbench.toys.tinylm import default_source


def test_doctests():
    assert doctest.testmod(corpus).failed == 0


@pytest.mark.parametrize("kw", [dict(vocab_size=48, order=1, concentration=0.1),
                                dict(vocab_size=8, order=2, concentration=0.5, backoff=3.0),
                                dict(vocab_size=6, order=3, concentration=1.0, zipf=1.0)])
def test_stationary_distribution_and_entropies(kw):
    src = MarkovSource(**kw)
    pi, P = src.stationary, src.transitions
    assert np.isclose(pi.sum(), 1.0) and np.all(pi > 0)
    assert np.allclose(P.sum(axis=1), 1.0)
    # pi is stationary for the chain of contexts: sum_c pi(c) P(v|c) [c -> next(c, v)] = pi
    V, k = src.vocab_size, src.order
    nxt = (np.arange(V**k)[:, None] * V) % (V**k) + np.arange(V)[None, :]
    moved = np.zeros_like(pi)
    np.add.at(moved, nxt.ravel(), (pi[:, None] * P).ravel())
    assert np.allclose(moved, pi, atol=1e-12)
    H = [src.conditional_entropies[j] for j in range(k + 1)]
    assert all(a >= b - 1e-12 for a, b in zip(H, H[1:]))  # more context never raises the entropy
    assert H[0] == pytest.approx(src.unigram_entropy) and H[-1] == pytest.approx(src.entropy_rate)
    assert H[0] <= np.log(V) + 1e-12


def test_entropy_rate_matches_sampled_text():
    """Score long samples with the true next-token probabilities: the mean surprisal is the entropy rate."""
    src = MarkovSource(vocab_size=16, order=2, concentration=0.3, seed=3)
    g = torch.Generator().manual_seed(0)
    x = src.sample(4000, 64, g)
    p = src.next_token_probs(x[:, :-1])  # rows for positions order-1 .. 62, predicting tokens order .. 63
    nll = -torch.log(p.double()).gather(-1, x[:, src.order :, None]).squeeze(-1)
    est, se = float(nll.mean()), float(nll.std() / np.sqrt(nll.numel()))
    assert abs(est - src.entropy_rate) < 4 * se + 1e-3
    counts = np.bincount(x.ravel().numpy(), minlength=16) / x.numel()
    assert np.abs(counts - src.token_distribution).max() < 0.01


def test_default_source_numbers():
    src = default_source()
    assert (src.vocab_size, src.order) == (48, 1)
    assert src.entropy_rate == pytest.approx(2.1110, abs=1e-4)
    assert src.unigram_entropy == pytest.approx(3.7763, abs=1e-4)


def test_config_round_trip_and_errors():
    src = MarkovSource(vocab_size=8, order=2, concentration=0.5, backoff=3.0, seed=4)
    again = make_source(**src.config())
    assert np.array_equal(again.transitions, src.transitions) and again.entropy_rate == src.entropy_rate
    for bad in (dict(vocab_size=1), dict(order=0), dict(concentration=0.0), dict(vocab_size=64, order=3),
                dict(backoff=-1.0), dict(zipf=-2.0)):
        with pytest.raises(WorkbenchError):
            MarkovSource(**bad)
    with pytest.raises(WorkbenchError, match="Unknown corpus"):
        make_source("wikipedia")


def test_text_source_ships_with_python():
    src = TextSource()
    g = torch.Generator().manual_seed(0)
    x = src.sample(4, 20, g)
    assert x.shape == (4, 20) and int(x.max()) < src.vocab_size
    text = "".join(src.chars[i] for i in x[0].tolist())
    assert len(text) == 20 and 2.5 < src.unigram_entropy < np.log(src.vocab_size)
    assert np.isnan(src.entropy_rate)
