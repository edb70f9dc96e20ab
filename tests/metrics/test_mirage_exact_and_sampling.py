"""The mirage toy: exact metrics, Monte-Carlo test sets and their agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import WorkbenchError
from workbench.metrics import (
    MIRAGE_PARAMS,
    choice_accuracy,
    expected_score,
    mirage,
    resolution_floor,
    sample_answers,
    sample_choices,
    finite_test_set,
    token_loss,
)

P_GRID = np.array([0.0, 0.05, 0.3, 0.5, 0.8, 0.95, 1.0])


@pytest.mark.parametrize("l", [1, 2, 5, 10, 20])
def test_exact_match_is_p_to_the_l_on_the_analytic_path(l):
    values, method = expected_score("exact_match", P_GRID, l=l)
    assert method == "exact"
    np.testing.assert_allclose(values, np.power(P_GRID, l), rtol=1e-12, atol=0)


def test_mirage_curve_follows_the_per_token_law_exactly():
    """exact match = exp(-l L_CE(N)) with L_CE(N) = (N_c / N)^alpha, written out by hand."""
    r = mirage("exact_match", l=7)
    N = r.curve["N"].to_numpy()
    L = (MIRAGE_PARAMS["N_c"] / N) ** MIRAGE_PARAMS["alpha_N"]
    np.testing.assert_allclose(r.curve["loss"], L, rtol=1e-12)
    np.testing.assert_allclose(r.curve["expected"], np.exp(-7 * L), rtol=1e-10)
    np.testing.assert_allclose(r.test_set["expected"], np.exp(-7 * (MIRAGE_PARAMS["N_c"] / r.test_set["N"]) ** 0.3), rtol=1e-10)


def _z_scores(metric, p, exact, **kw):
    ts = finite_test_set(metric, p, seed=11, **kw)
    se = ts["stderr"].to_numpy()
    ok = se > 0
    return (ts["score"].to_numpy()[ok] - exact[ok]) / se[ok]


@pytest.mark.parametrize("l", [1, 3, 8])
def test_monte_carlo_exact_match_and_edit_distance_agree_within_standard_error(l):
    p = np.array([0.2, 0.5, 0.7, 0.9, 0.97])
    z_em = _z_scores("exact_match", p, p**l, l=l, n=3000)
    z_ed = _z_scores("edit_distance", p, l * (1 - p), l=l, n=3000)
    for z in (z_em, z_ed):
        assert np.all(np.abs(z) < 4), z
    # jointly they behave like standard normals
    assert np.mean(np.concatenate([z_em, z_ed]) ** 2) < 3.0


@pytest.mark.parametrize("k,m", [(2, 2), (4, 6), (5, 16), (10, 12)])
def test_monte_carlo_choice_accuracy_agrees_with_the_exact_formula(k, m):
    p = np.array([0.0, 0.02, 0.1, 0.25, 0.5])
    exact = choice_accuracy(p, k=k, n_plausible=m)
    z = _z_scores("choice_accuracy", p, exact, l=1, k=k, n=4000, n_plausible=m)
    assert np.all(np.abs(z) < 4), z


@pytest.mark.parametrize("k", [2, 3, 4, 10])
def test_uninformed_model_is_at_chance_and_its_brier_is_known(k):
    """At p = 0 the right choice is one of k exchangeable ones: accuracy 1/k, Brier 1 - 2/k + 2/(k+1)."""
    assert choice_accuracy(0.0, k=k, n_plausible=k + 2) == pytest.approx(1 / k, abs=1e-12)
    s = sample_choices([0.0], l=1, k=k, n=20000, n_plausible=k + 2, seed=3)
    brier = 1 - 2 / k + 2 / (k + 1)
    se = s.brier.std() / np.sqrt(s.brier.size)
    assert abs(s.brier.mean() - brier) < 4 * se


@given(st.floats(0, 1), st.floats(0, 1), st.integers(2, 8), st.integers(0, 8))
def test_choice_accuracy_is_a_probability_rising_with_p(p1, p2, k, extra):
    lo, hi = sorted((p1, p2))
    a = choice_accuracy([lo, hi], k=k, n_plausible=k + extra)
    assert np.all((a >= 0) & (a <= 1))
    assert a[1] >= a[0] - 1e-12


def test_same_outputs_scored_by_two_metrics():
    """Exact match and edit distance of one simulated test set come from the same answers."""
    wrong = sample_answers([0.6, 0.9], l=4, n=500, seed=5)
    em = finite_test_set("exact_match", [0.6, 0.9], l=4, n=500, seed=5)["score"]
    ed = finite_test_set("edit_distance", [0.6, 0.9], l=4, n=500, seed=5)["score"]
    np.testing.assert_allclose(em, (wrong == 0).mean(axis=1))
    np.testing.assert_allclose(ed, wrong.mean(axis=1))


def test_resolution_floor_hides_small_scores():
    """Below the floor 1/n most model sizes read exactly zero."""
    assert resolution_floor(200) == pytest.approx(0.005)
    r = mirage("exact_match", l=10, n=50)
    below = r.test_set["expected"] < r.floor / 10
    assert below.sum() >= 3
    assert (r.test_set.loc[below, "score"] == 0).all()


def test_brier_and_multi_token_accuracy_use_monte_carlo():
    _, method = expected_score("brier", [0.2, 0.5], l=1)
    assert method.startswith("Monte Carlo")
    _, method = expected_score("choice_accuracy", [0.2, 0.5], l=3)
    assert method.startswith("Monte Carlo")


def test_user_supplied_probabilities_and_any_loss_law():
    r = mirage("exact_match", l=3, p=[0.9, 0.5, 0.7], sizes=[1e10, 1e8, 1e9])
    np.testing.assert_allclose(r.test_set["expected"], np.array([0.5, 0.7, 0.9]) ** 3)
    L = token_loss("power_law_N", {"E": 0.0, "A": 100.0, "alpha": 0.25}, N=[1e8, 1e10])
    np.testing.assert_allclose(L, 100.0 * np.array([1e8, 1e10]) ** -0.25)
    r2 = mirage("edit_distance", law="power_law_N", params={"E": 0.0, "A": 100.0, "alpha": 0.25})
    assert r2.curve["expected"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "call",
    [
        lambda: mirage("exact_match", l=0),
        lambda: mirage("choice_accuracy", k=1),
        lambda: mirage("exact_match", n=0),
        lambda: mirage("no_such_metric"),
        lambda: expected_score("exact_match", [1.2], l=2),
        lambda: mirage("exact_match", p=[0.5, 0.6]),
        lambda: token_loss("power_law_N", {"E": -5.0, "A": 1.0, "alpha": 0.1}, N=[1e9]),
        lambda: sample_choices([0.5], k=4, n_plausible=3),
    ],
)
def test_bad_input_raises_a_workbench_error(call):
    with pytest.raises(WorkbenchError):
        call()
