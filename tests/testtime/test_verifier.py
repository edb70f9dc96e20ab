"""Resampling against an imperfect verifier (Stroebl et al. 2024)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from hypothesis import given
from hypothesis import strategies as st

from workbench.testtime import (
    BetaDifficulty,
    SamplesError,
    accuracy_after_k,
    accuracy_ceiling,
    expected_utility,
    false_positive_rate_after_k,
    rejection_probability,
    verifier_curve,
)

prob = st.floats(0.0, 1.0)


@given(r=prob, c=prob, s=prob)
def test_ceiling_formula(r, c, s):
    """The ceiling is c r / (c r + (1 - s)(1 - r)), and accuracy approaches it as K grows."""
    den = c * r + (1 - s) * (1 - r)
    want = c * r / den if den > 0 else 0.0
    assert accuracy_ceiling(r, c, s) == pytest.approx(want, rel=1e-12, abs=1e-15)
    beta = rejection_probability(r, c, s)
    assert beta == pytest.approx((1 - c) * r + s * (1 - r))
    if beta < 0.999:
        assert accuracy_after_k(r, c, s, 100_000) == pytest.approx(want, rel=1e-9, abs=1e-12)
    assert accuracy_after_k(r, c, s, 7) <= want + 1e-12


def test_ceiling_below_one_with_any_false_positives():
    assert accuracy_ceiling(0.3, 1.0, 0.75) == pytest.approx(0.3 / (0.3 + 0.25 * 0.7))
    assert accuracy_ceiling(0.3, 1.0, 0.75) < 1
    assert accuracy_ceiling(0.3, 1.0, 1.0) == 1.0  # a perfect verifier: coverage goes to 1


def test_formulas_match_a_simulation_of_the_policy():
    """Sample until the verifier accepts, at most K times: simulate and compare."""
    rng = np.random.default_rng(0)
    r, c, s, K, trials = 0.3, 0.9, 0.8, 5, 400_000
    correct = rng.random((trials, K)) < r
    accept = np.where(correct, rng.random((trials, K)) < c, rng.random((trials, K)) >= s)
    first = np.where(accept.any(axis=1), accept.argmax(axis=1), -1)
    took = first >= 0
    submitted_correct = np.zeros(trials, bool)
    submitted_correct[took] = correct[took, first[took]]
    assert submitted_correct.mean() == pytest.approx(accuracy_after_k(r, c, s, K), abs=3e-3)
    assert (took & ~submitted_correct).mean() == pytest.approx(false_positive_rate_after_k(r, c, s, K), abs=3e-3)
    assert (~took).mean() == pytest.approx(rejection_probability(r, c, s) ** K, abs=3e-3)
    assert accuracy_after_k(r, c, s, 1) == pytest.approx(c * r)


def test_best_k_is_small_with_a_false_positive_cost():
    """c = 1, s = 0.75, per-problem single-sample accuracies uniform on [0, 1] (Beta(1, 1), mean 0.5):
    false-positive cost 0.5 -> best K = 7, cost 1 -> 3, cost 2 -> 1 (all under 10, as Stroebl et al. find);
    with no cost accuracy only rises (to its ceiling 0.717) and there is no interior optimum."""
    problems = BetaDifficulty(1.0, 1.0)
    found = {cost: verifier_curve(problems, 1.0, 0.75, fp_cost=cost, k_max=1000) for cost in (0.0, 0.5, 1.0, 2.0)}

    def utility(K, cost, c=1.0, s=0.75):  # written out here from Stroebl et al.'s expressions, integrated over r ~ U(0, 1)
        def per_problem(r):
            beta = (1 - c) * r + s * (1 - r)
            return (c * r - cost * (1 - s) * (1 - r)) * (1 - beta**K) / (1 - beta)
        return integrate.quad(per_problem, 0.0, 1.0, epsabs=1e-12)[0]

    def best(cost):  # the smallest K within 1e-6 of the highest utility (at cost 0.5, K = 7 and 8 tie exactly)
        u = {K: utility(K, cost) for K in range(1, 61)}
        return min(K for K, v in u.items() if v >= max(u.values()) - 1e-6)

    independent = {cost: best(cost) for cost in (0.5, 1.0, 2.0)}
    assert independent == {0.5: 7, 1.0: 3, 2.0: 1}
    assert {cost: v.best_k for cost, v in found.items() if cost > 0} == independent
    assert found[1.0].best_utility == pytest.approx(utility(3, 1.0), abs=1e-6)
    assert all(v.best_k < 10 and not v.rising for cost, v in found.items() if cost > 0)
    free = found[0.0]
    assert free.rising and free.best_k > 10
    assert free.ceiling == pytest.approx(0.7172, abs=1e-3)
    # the best K is a real interior optimum: utility falls after it
    u = found[1.0].table.set_index("K")["utility"]
    assert u.loc[3] > u.loc[1] and u.loc[3] > u.loc[30]


def test_identical_problems_have_monotone_utility():
    """For one r the utility is a constant times (1 - beta^K)/(1 - beta): best K is 1 or 'as many as possible'."""
    K = np.arange(1, 200)
    for cost in (0.5, 1.0, 2.0, 4.0):
        u = expected_utility(0.3, 1.0, 0.75, K, cost)
        d = np.diff(u)
        assert np.all(d >= -1e-15) or np.all(d <= 1e-15)
    v = verifier_curve(0.3, 1.0, 0.75, fp_cost=2.0, k_max=100)
    assert v.best_k == 1 and v.best_utility < 0 and "abstaining" in v.summary()


def test_curve_table_and_errors():
    v = verifier_curve(BetaDifficulty(0.5, 0.5), 0.9, 0.6, fp_cost=1.0, k_max=300)
    t = v.table
    assert t["K"].is_monotonic_increasing and t["K"].iloc[0] == 1 and t["K"].iloc[-1] == 300
    np.testing.assert_allclose(t["accuracy"] + t["false_positive"] + t["abstain"], 1.0, atol=1e-12)
    assert np.all(t["accuracy"] <= v.ceiling + 1e-12)
    assert v.to_dict()["best_k"] == v.best_k
    with pytest.raises(SamplesError, match="probability"):
        accuracy_after_k(1.2, 1, 1, 3)
    with pytest.raises(SamplesError, match="whole numbers"):
        accuracy_after_k(0.5, 1, 1, 2.5)
    with pytest.raises(SamplesError, match="costs"):
        expected_utility(0.5, 1, 1, 3, -1.0)
