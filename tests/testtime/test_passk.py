"""The unbiased pass@k estimator (Chen et al. 2021) against exact binomial coefficients."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.testtime import SamplesError, aggregate_pass_at_k, k_grid, pass_at_k, pass_at_k_exact


def exact(n, c, k) -> float:
    """The direct formula with exact integers: 1 - C(n-c, k) / C(n, k)."""
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


def test_equals_the_binomial_formula_on_random_cases():
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(600):
        n = int(10 ** rng.uniform(0, 4))
        c = int(rng.integers(0, n + 1)) if rng.random() < 0.5 else int(rng.integers(0, min(n, 80) + 1))
        k = int(rng.integers(1, n + 1)) if rng.random() < 0.5 else int(rng.integers(1, min(n, 80) + 1))
        cases.append((n, c, k))
    n, c, k = map(np.array, zip(*cases))
    # vectorised: every case at once, one k per problem through the diagonal of a (P, K) call
    got = np.array([pass_at_k([ni], [ci], ki)[0] for ni, ci, ki in cases])
    want = np.array([exact(*case) for case in cases])
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-15)
    # few-factor products (min(c, k) <= 64) are summed term by term: near machine precision
    small = np.minimum(c, k) <= 64
    np.testing.assert_allclose(got[small], want[small], rtol=1e-12, atol=1e-16)


@given(n=st.integers(1, 400), data=st.data())
def test_property_matches_exact_fraction(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    assert pass_at_k([n], [c], k)[0] == pytest.approx(float(pass_at_k_exact(n, c, k)), rel=1e-9, abs=1e-15)


def test_zero_and_all_correct():
    n = np.array([1, 5, 100, 100_000])
    for k in (1, 2, 5):
        ok = n >= k
        assert np.all(pass_at_k(n[ok], np.zeros(ok.sum(), int), k) == 0.0)
        assert np.all(pass_at_k(n[ok], n[ok], k) == 1.0)


def test_raises_for_k_above_n_never_returns_one():
    with pytest.raises(SamplesError, match=r"k = 11 exceeds n .*undefined for k > n \(it is not 1.0\)"):
        pass_at_k([10, 20], [10, 3], 11)
    with pytest.raises(WorkbenchError, match="problem"):
        pass_at_k([10, 5], [1, 1], [1, 2, 6], problems=["easy", "hard"])
    with pytest.raises(SamplesError, match="hard"):
        pass_at_k([10, 5], [1, 1], [1, 2, 6], problems=["easy", "hard"])


@pytest.mark.parametrize(
    "n, c, k, message",
    [([10], [11], 1, "more correct samples than samples"), ([10], [-1], 1, "negative"), ([0], [0], 1, "at least one sample"),
     ([10], [2.5], 1, "whole numbers"), ([10], [2], 0, "at least 1"), ([10, 10], [1, 2, 3], 1, "same length")],
)
def test_bad_counts_raise_clear_errors(n, c, k, message):
    with pytest.raises(SamplesError, match=message):
        pass_at_k(n, c, k)


def test_stable_for_n_up_to_1e5():
    n = np.full(6, 100_000)
    c = np.array([1, 2, 10, 1000, 50_000, 99_999])
    k = np.array([1, 10, 100, 1000, 10_000, 100_000])
    got = pass_at_k(n, c, k)
    assert got.shape == (6, 6)
    assert np.all(np.isfinite(got)) and np.all((got >= 0) & (got <= 1))
    assert np.all(np.diff(got, axis=1) >= 0)  # more attempts never hurt
    assert np.all(np.diff(got, axis=0) >= -1e-15)  # more correct samples never hurt
    for i in range(6):
        for j in (0, 1, 2, 3):
            assert got[i, j] == pytest.approx(exact(100_000, int(c[i]), int(k[j])), rel=1e-8, abs=1e-300)
    # pass@1 = c/n exactly; one correct sample in 1e5 gives 1e-5, not rounding noise
    np.testing.assert_allclose(got[:, 0], c / 100_000, rtol=1e-12)


def test_k_array_gives_one_column_per_k_and_unbiasedness():
    rng = np.random.default_rng(3)
    p, n, k = 0.1, 20, 5
    c = rng.binomial(n, p, size=200_000)
    est = pass_at_k(np.full(c.size, n), c, [1, k]).mean(axis=0)
    assert est[0] == pytest.approx(p, abs=2e-3)
    assert est[1] == pytest.approx(1 - (1 - p) ** k, abs=3e-3)  # unbiased for 1 - (1-p)^k


def test_aggregate_with_standard_errors_by_model():
    df = pd.DataFrame({"model": ["a"] * 4 + ["b"] * 4, "problem": list(range(4)) * 2,
                       "n": [10] * 8, "c": [0, 1, 5, 10, 2, 2, 2, 2]})
    t = aggregate_pass_at_k(df, [1, 3])
    assert list(t.columns[:2]) == ["model", "k"] and len(t) == 4
    row = t[(t.model == "a") & (t.k == 3)].iloc[0]
    per = pass_at_k([10] * 4, [0, 1, 5, 10], 3)
    assert row.pass_at_k == pytest.approx(per.mean())
    assert row.stderr == pytest.approx(per.std(ddof=1) / 2)
    assert row.lo < row.pass_at_k < row.hi
    b1 = t[(t.model == "b") & (t.k == 1)].iloc[0]
    assert b1.pass_at_k == pytest.approx(0.2) and b1.stderr == 0.0


def test_k_grid():
    g = k_grid(1000)
    assert g[0] == 1 and g[-1] == 1000 and np.all(np.diff(g) > 0)
    with pytest.raises(SamplesError):
        k_grid(0)


def test_nothing_passing_is_plain_zero():
    """No problem solved: pass@k is 0.0, never -0.0 (which tables would print as "-0.0")."""
    out = pass_at_k([200, 10], [0, 0], [1, 10])
    assert (out == 0).all() and not np.signbit(out).any()
