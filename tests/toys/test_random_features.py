"""The four scaling regimes of a random-feature teacher–student model (Bahri et al. 2021)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.errors import WorkbenchError
from workbench.toys import random_features as rf

ALPHA = 1.0


@pytest.fixture(scope="module")
def runs():
    return rf.regimes(alpha=ALPHA)  # default settings: 16 seeds, latent dimension 2048


@pytest.fixture(scope="module")
def slopes(runs):
    return rf.regime_slopes(runs)


def test_variance_limited_slopes_are_minus_one(slopes):
    for name in ("variance-limited in D", "variance-limited in P"):
        assert slopes[name].slope == pytest.approx(-1.0, abs=0.1), name


def test_resolution_limited_slopes_agree_and_equal_minus_alpha(slopes):
    sD = slopes["resolution-limited in D"].slope
    sP = slopes["resolution-limited in P"].slope
    assert abs(sD - sP) < 0.1  # the duality
    assert sD == pytest.approx(-ALPHA, abs=0.15)
    assert sP == pytest.approx(-ALPHA, abs=0.15)


def test_resolution_limited_slopes_follow_the_spectrum():
    runs = rf.regimes(alpha=0.5, latent_dim=4096, seed=range(16), resolution_sizes=(16, 32, 64, 128, 256),
                      which=("resolution-limited in D", "resolution-limited in P"))
    s = rf.regime_slopes(runs)
    sD, sP = s["resolution-limited in D"].slope, s["resolution-limited in P"].slope
    assert abs(sD - sP) < 0.1 and sD == pytest.approx(-0.5, abs=0.15) and sP == pytest.approx(-0.5, abs=0.15)


def test_engine_fit_with_irreducible_term_recovers_the_limit(runs):
    for name in ("variance-limited in D", "variance-limited in P"):
        f = rf.fit_with_irreducible(runs, name)
        limit = runs[runs.regime == name].loss_limit.mean()
        assert f.params["E"] == pytest.approx(limit, rel=0.05), name
        assert f.params["alpha"] == pytest.approx(1.0, abs=0.2), name


def test_population_loss_is_exact():
    # compare the closed form with the mean squared error on a large fresh test set
    task = rf.RandomFeatureTask(alpha=1.0, latent_dim=64, seed=3)
    lam, w = task.spectrum(), task.teacher()
    u = w + torch.randn(64, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 0.3
    X = torch.randn(200_000, 64, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * lam.sqrt()
    mc = float(((X @ (u - w)) ** 2).mean())
    assert rf.population_loss(u, w, lam) == pytest.approx(mc, rel=0.01)


def test_finite_sizes_approach_the_analytic_limits():
    task = rf.RandomFeatureTask(alpha=1.0, latent_dim=512, seed=2)
    P, D = 8, 16
    big_D = rf.loss_data_sweep(task, P, [1 << 15])[0]
    assert big_D == pytest.approx(rf.loss_infinite_data(task, [P])[0], rel=2e-3)
    big_P = rf.loss_width_sweep(task, D, [1 << 14], control_variate=None)[0]
    assert big_P == pytest.approx(rf.loss_infinite_width(task, [D])[0], rel=0.05)
    assert rf.loss_infinite_both(task) < 1e-7  # only the 1e-8 ridge's bias is left


def test_variance_limited_in_D_matches_least_squares_theory():
    # with ridge -> 0 and Gaussian data, E[L(D) - L(P, inf)] = L(P, inf) P / (D - P - 1), both for
    # samples drawn in feature space (P + 1 << latent_dim) and for projected latent samples
    for latent_dim, P in ((256, 8), (64, 40)):
        Ds = np.array([64, 256])
        ratios = []
        for s in range(40):
            task = rf.RandomFeatureTask(alpha=1.0, latent_dim=latent_dim, seed=s)
            L = rf.loss_data_sweep(task, P, Ds)
            Linf = rf.loss_infinite_data(task, [P])[0]
            ratios.append((L - Linf) / Linf / (P / (Ds - P - 1)))
        ratios = np.array(ratios)
        sem = ratios.std(0) / np.sqrt(len(ratios))
        assert np.all(np.abs(ratios.mean(0) - 1) < 3.5 * sem + 0.02), (latent_dim, P, ratios.mean(0), sem)


def test_control_variates_are_unbiased_and_cut_the_noise():
    task = rf.RandomFeatureTask(alpha=1.0, latent_dim=256, seed=5)
    D, Ps = 8, [64, 512]
    draws = {k: [] for k in (None, "first", "second")}
    for fs in range(32):
        t = task.with_seed(feature_seed=fs)
        for k in draws:
            draws[k].append(rf.loss_width_sweep(t, D, Ps, control_variate=k))
    draws = {k: np.array(v) for k, v in draws.items()}
    mean = {k: v.mean(0) for k, v in draws.items()}
    sem = {k: v.std(0) / np.sqrt(len(v)) for k, v in draws.items()}
    for k in ("first", "second"):
        assert np.all(np.abs(mean[k] - mean[None]) < 3.5 * np.hypot(sem[k], sem[None])), k
    assert np.all(draws["second"].std(0) < 0.5 * draws[None].std(0))
    assert draws["second"].std(0)[1] < 0.5 * draws["first"].std(0)[1]


def test_nested_and_reproducible():
    task = rf.RandomFeatureTask(alpha=1.0, latent_dim=300, seed=7)
    a = rf.loss_infinite_width(task, [20, 300])
    b = rf.loss_infinite_width(task, [20])
    assert a[0] == pytest.approx(b[0], rel=1e-12)  # the first 20 samples are the same
    assert np.array_equal(rf.loss_data_sweep(task, 8, [100, 400]), rf.loss_data_sweep(task, 8, [100, 400]))
    other = rf.RandomFeatureTask(alpha=1.0, latent_dim=300, seed=8)
    assert rf.loss_infinite_data(task, [16])[0] != rf.loss_infinite_data(other, [16])[0]


def test_classify_regime_and_local_slopes():
    assert rf.classify_regime(16, 1024)["in_D"] == "variance-limited in D"
    assert rf.classify_regime(1024, 16)["in_P"] == "variance-limited in P"
    assert rf.classify_regime(64, 64)["in_D"] == "crossover"
    xs = np.array([8, 16, 32, 64, 128.0])
    s = rf.local_slopes(xs, 3 * xs**-1.0, xs, 2 * xs**-0.5, 32, 32)
    assert s["slope_D"] == pytest.approx(-1.0) and s["slope_P"] == pytest.approx(-0.5)
    assert rf.size_grid(8, 32) == [8, 11, 16, 23, 32]


@pytest.mark.parametrize("kw", [{"alpha": -1}, {"latent_dim": 1}, {"ridge": -0.1}])
def test_bad_settings_raise_readable_errors(kw):
    with pytest.raises(WorkbenchError):
        rf.RandomFeatureTask(**kw)


def test_bad_sizes_raise_readable_errors():
    task = rf.RandomFeatureTask(latent_dim=32)
    with pytest.raises(WorkbenchError, match="D_values"):
        rf.loss_infinite_width(task, [0])
    with pytest.raises(WorkbenchError, match="control_variate"):
        rf.loss_width_sweep(task, 4, [8], control_variate="third")
    with pytest.raises(WorkbenchError, match="regime"):
        rf.fit_with_irreducible(rf.regimes(latent_dim=64, seed=[0], fixed_P=4, D_for_variance=(64, 128, 256),
                                           fixed_D=4, P_for_variance=(32, 64, 128),
                                           resolution_sizes=(4, 8, 16)), "sideways")


def test_curves_average_the_seeds_they_are_given():
    kw = dict(latent_dim=64, device="cpu", threads="current")
    alone = [rf.curves_at_width(1.0, 8, [16, 32], seed=s, **kw)["loss"].to_numpy() for s in (0, 1)]
    np.testing.assert_allclose(rf.curves_at_width(1.0, 8, [16, 32], seed=[0, 1], **kw)["loss"], np.mean(alone, 0))
    assert not np.allclose(alone[0], alone[1])  # the seeds are different tasks
