"""Property tests: data generated from known parameters are recovered, and the engine never
stops at an objective worse than the truth's."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb

N_GRID = np.logspace(7.5, 10.5, 8)
D_GRID = np.logspace(9.0, 12.0, 8)
NN, DD = (a.ravel() for a in np.meshgrid(N_GRID, D_GRID))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    E=st.floats(1.0, 3.0),
    alpha=st.floats(0.2, 0.6),
    beta=st.floats(0.2, 0.6),
    term_N=st.floats(0.3, 3.0),  # size of A/N^alpha at the smallest model (nats)
    term_D=st.floats(0.3, 3.0),  # size of B/D^beta at the fewest tokens
    seed=st.integers(0, 2**16),
)
def test_chinchilla_parameters_are_recovered(E, alpha, beta, term_N, term_D, seed):
    A = term_N * N_GRID[0] ** alpha
    B = term_D * D_GRID[0] ** beta
    rng = np.random.default_rng(seed)
    true = E + A / NN**alpha + B / DD**beta
    loss = true * np.exp(rng.normal(0.0, 0.002, true.size))  # 0.2% noise
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("chinchilla", {"N": NN, "D": DD, "loss": loss}, bootstrap=0)
    truth = {"E": E, "A": A, "B": B, "alpha": alpha, "beta": beta}
    assert f.objective <= f.objective_at(truth) * (1 + 1e-9)
    p = f.params
    assert abs(p["E"] / E - 1) < 0.03
    assert abs(p["alpha"] - alpha) < 0.03
    assert abs(p["beta"] - beta) < 0.03
    # the fitted law reproduces the noiseless truth far better than the noise level
    assert np.max(np.abs(f.predict(N=NN, D=DD) / true - 1)) < 0.004


@settings(max_examples=25, deadline=None)
@given(
    E=st.floats(0.5, 3.0),
    alpha=st.floats(0.2, 1.0),
    ratio=st.floats(0.2, 3.0),  # reducible loss at the largest x, relative to E
    seed=st.integers(0, 2**16),
    column=st.sampled_from(["N", "D", "C"]),
)
def test_power_law_parameters_are_recovered(E, alpha, ratio, seed, column):
    x = np.logspace(6, 10, 15)
    if column == "C":
        x = x * 1e10
    A = ratio * E * x[-1] ** alpha
    rng = np.random.default_rng(seed)
    true = E + A * x ** (-alpha)
    loss = true * np.exp(rng.normal(0.0, 0.002, x.size))
    runs = {"N": x, "D": x, "loss": loss} if column != "C" else {"N": np.ones_like(x), "C": x, "loss": loss}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit(f"power_law_{column}", runs, bootstrap=100, seed=seed)
    assert f.objective <= f.objective_at({"E": E, "A": A, "alpha": alpha}) * (1 + 1e-9)
    # recovered within the fit's own uncertainty (how well E is pinned down depends on how far the
    # asymptote lies beyond the data, so the tolerance is statistical, with a small floor)
    se = f.stderr
    assert abs(f.params["E"] - E) <= max(4 * se["E"], 0.01 * E)
    assert abs(f.params["alpha"] - alpha) <= max(4 * se["alpha"], 0.01)


@settings(max_examples=10, deadline=None)
@given(eta=st.floats(0.08, 0.3), E=st.floats(1.0, 2.5), seed=st.integers(0, 2**16))
def test_overtraining_law_recovered_from_over_trained_grid(eta, E, seed):
    N = np.repeat(np.logspace(7, 9.5, 6), 5)
    M = np.tile([5.0, 10, 20, 80, 320], 6)
    D = M * N
    a, b = 50.0 * 6**eta, 300.0 * 6**eta  # sizeable terms at these scales
    C = 6 * N * D
    true = E + (a * M**eta + b * M ** (-eta)) * C ** (-eta)
    loss = true * np.exp(np.random.default_rng(seed).normal(0, 0.002, true.size))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("overtraining", {"N": N, "D": D, "loss": loss}, bootstrap=100, seed=seed)
    assert f.objective <= f.objective_at({"E": E, "a": a, "b": b, "eta": eta}) * (1 + 1e-9)
    assert abs(f.params["eta"] - eta) <= max(4 * f.stderr["eta"], 0.005)
    assert abs(f.params["E"] - E) <= max(4 * f.stderr["E"], 0.01 * E)
