"""Laws beyond N, D and C (vocabulary, experts, fine-tuning, data mixing, learning rate and batch size,
Farseer, RL compute, quantisation, the model ladder): one test of each law's form, analytic gradients
against finite differences, and property tests that the engine recovers data generated from known
parameters."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.data import stack_outputs
from workbench.laws import get_law
from workbench.laws.extended import data_mixing_law, moe_effective_experts

NEW_LAWS = (
    "vocabulary", "moe_clark2022", "moe_power", "moe_granularity", "rectified_sft", "data_mixing",
    "step_law_surface", "step_law_surface_relative", "farseer", "rl_sigmoid", "quantisation_degradation",
    "ladder_accuracy",
)
RANGES = {
    "N": (1e7, 1e10), "D": (1e8, 1e12), "C": (1e18, 1e23), "N_v": (1e6, 2e8), "experts": (1, 512), "G": (1, 32),
    "lr": (1e-4, 2e-2), "batch": (3e4, 4e6), "bits": (2, 8), "task_loss": (0.3, 2.5),
}


def _inputs(law, rng, n=9):
    x = {}
    for name in law.inputs:
        if name.startswith("mix_"):
            continue
        if name == "output":
            x[name] = rng.integers(0, len(law.outputs), n).astype(float)
            continue
        lo, hi = RANGES[name]
        x[name] = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    mixes = [c for c in law.inputs if c.startswith("mix_")]
    if mixes:
        r = rng.dirichlet(np.ones(len(mixes)), n)
        for j, c in enumerate(mixes):
            x[c] = r[:, j]
    return x


def _values(law, K=4, seed=0):
    """Parameter values near the law's start grid (in range, away from bounds)."""
    rng = np.random.default_rng(seed)
    theta = law.start_grid()[rng.integers(0, len(law.start_grid()), K)]
    theta = theta + rng.normal(0, 0.02, theta.shape)
    return law.from_fit_space(theta)


def test_every_new_law_is_declared_with_inputs_the_runs_table_knows():
    from workbench.data.runs import column_info

    for name in NEW_LAWS:
        law = get_law(name)
        assert law.reference and law.equation and law.title
        for col in law.inputs:
            assert column_info(col) is not None or col in ("task_loss",), (name, col)


@pytest.mark.parametrize("name", NEW_LAWS)
def test_analytic_gradients_match_finite_differences(name):
    law = get_law(name)
    assert law.log_gradient is not None
    rng = np.random.default_rng(3)
    vals = _values(law, seed=4)
    x = _inputs(law, rng)
    ok = np.isfinite(law.log_predict_batch(vals, x))  # where the law predicts a positive value
    assert ok.mean() > 0.5
    for j, (g, fd) in enumerate(zip(law.log_gradients(vals, x), law.log_gradients(vals, x, numeric=True))):
        if law.parameters[j].log:  # compare in fit space (d/d ln v = v d/dv), where the engine uses them
            g, fd = g * vals[:, j : j + 1], fd * vals[:, j : j + 1]
        scale = np.max(np.abs(fd[ok])) + 1e-12
        np.testing.assert_allclose(g[ok], fd[ok], rtol=2e-4, atol=2e-5 * scale, err_msg=f"{name}: {law.param_names[j]}")


@pytest.mark.parametrize("name", NEW_LAWS)
def test_log_form_matches_the_formula(name):
    law = get_law(name)
    rng = np.random.default_rng(5)
    vals = _values(law, seed=6)
    x = _inputs(law, rng)
    plain = law.predict_batch(vals, x)
    ok = np.isfinite(plain) & (plain > 0)
    assert ok.mean() > 0.5
    np.testing.assert_allclose(law.log_predict_batch(vals, x)[ok], np.log(plain[ok]), rtol=1e-9, atol=1e-12)


def test_vocabulary_law_is_taos_form():
    law = get_law("vocabulary")
    p = dict(E=5.9, A1=2000.0, alpha1=0.5, A2=300.0, alpha2=0.4, B=5000.0, beta=0.4)
    N, Nv, D = 1e8, 2e7, 1e10
    lossu = -p["E"] + p["A1"] / N**0.5 + p["A2"] / Nv**0.4 + p["B"] / D**0.4
    assert law.predict(p, N=N, N_v=Nv, D=D)[0] == pytest.approx(-lossu, rel=1e-12)
    # more of anything lowers L_u (raises -L_u)
    base = law.predict(p, N=N, N_v=Nv, D=D)[0]
    for k in ("N", "N_v", "D"):
        bigger = dict(N=N, N_v=Nv, D=D)
        bigger[k] *= 10
        assert law.predict(p, **bigger)[0] > base


def test_clark_effective_experts_saturate():
    E = np.array([1.0, 2.0, 8.0, 64.0, 1e6])
    ehat = moe_effective_experts(E, 1.8, 300.0)
    assert ehat[0] == pytest.approx(1.8)  # E_hat(1) = E_start
    assert np.all(np.diff(ehat) > 0)
    assert ehat[-1] == pytest.approx(300.0, rel=1e-3)  # saturates at E_max
    assert ehat[2] == pytest.approx(8.0, rel=0.15)  # close to E in between
    law = get_law("moe_clark2022")
    p = dict(a=-0.08, b=-0.1, c=0.005, d=2.6, E_start=1.8, E_max=300.0)
    N = 3e8
    expect = math.exp(p["a"] * math.log(N) + p["b"] * math.log(ehat[2]) + p["c"] * math.log(N) * math.log(ehat[2]) + p["d"])
    assert law.predict(p, N=N, experts=8.0)[0] == pytest.approx(expect, rel=1e-12)


def test_krajewski_reduces_to_chinchilla_without_the_granularity_term():
    g = get_law("moe_granularity")
    c = get_law("chinchilla")
    N, D = np.array([1e8, 1e9]), np.array([1e10, 3e10])
    fine = g.predict(dict(c=1.8, g=1e-30, gamma=0.5, a=400.0, alpha=0.34, b=410.0, beta=0.28), N=N, D=D, G=[8.0, 8.0])
    np.testing.assert_allclose(fine, c.predict(dict(E=1.8, A=400.0, B=410.0, alpha=0.34, beta=0.28), N=N, D=D), rtol=1e-12)
    # finer experts (larger G) lower the loss
    coarse = g.predict(dict(c=1.8, g=50.0, gamma=0.5, a=400.0, alpha=0.34, b=410.0, beta=0.28), N=1e8, D=1e10, G=1.0)
    finer = g.predict(dict(c=1.8, g=50.0, gamma=0.5, a=400.0, alpha=0.34, b=410.0, beta=0.28), N=1e8, D=1e10, G=16.0)
    assert finer[0] < coarse[0]


def test_rectified_law_has_a_flat_pre_power_phase():
    law = get_law("rectified_sft")
    p = dict(B=50.0, D_l=30.0, beta=0.5, E=1.2)
    D = np.array([1.0, 4.0, 1e6, 4e6])
    L = law.predict(p, D=D)
    assert L[0] == pytest.approx(50 / 31 + 1.2)
    # with D^beta << D_l the curve barely moves; with D^beta >> D_l it is a power law of slope -beta
    assert abs(L[1] - L[0]) / L[0] < 0.05
    slope = math.log((L[3] - 1.2) / (L[2] - 1.2)) / math.log(4.0)
    assert slope == pytest.approx(-0.5, abs=0.02)


def test_data_mixing_is_one_law_with_a_row_per_domain():
    law = data_mixing_law(("a", "b"))
    assert law.outputs == ("a", "b") and law.n_params == 2 + 2 + 4
    p = dict(c_1=1.0, c_2=2.0, k_1=0.5, k_2=0.3, t_1_1=-1.0, t_1_2=0.5, t_2_1=0.2, t_2_2=-2.0)
    wide = pd.DataFrame({"mix_a": [0.2, 0.7], "mix_b": [0.8, 0.3], "loss_a": [0.0, 0.0], "loss_b": [0.0, 0.0]})
    long = stack_outputs(wide, ["loss_a", "loss_b"])
    pred = law.predict(p, long)
    r = wide[["mix_a", "mix_b"]].to_numpy()
    expect_a = 1.0 + 0.5 * np.exp(-1.0 * r[:, 0] + 0.5 * r[:, 1])
    expect_b = 2.0 + 0.3 * np.exp(0.2 * r[:, 0] - 2.0 * r[:, 1])
    np.testing.assert_allclose(pred, np.concatenate([expect_a, expect_b]), rtol=1e-12)


def test_data_mixing_joint_fit_recovers_every_domain():
    law = data_mixing_law(("a", "b", "c"))
    rng = np.random.default_rng(0)
    r = rng.dirichlet(np.ones(3), 14)
    wide = pd.DataFrame({"mix_a": r[:, 0], "mix_b": r[:, 1], "mix_c": r[:, 2]})
    truth = {f"c_{i}": v for i, v in zip((1, 2, 3), (1.5, 2.0, 0.8))}
    truth.update({f"k_{i}": v for i, v in zip((1, 2, 3), (1.0, 0.6, 1.2))})
    T = np.array([[-1.5, 0.3, 0.2], [0.4, -2.0, 0.1], [0.2, 0.5, -1.0]])
    truth.update({f"t_{i + 1}_{j + 1}": T[i, j] for i in range(3) for j in range(3)})
    for i, d in enumerate("abc"):
        wide[f"loss_{d}"] = 0.0
    long = stack_outputs(wide, ["loss_a", "loss_b", "loss_c"])
    long["loss"] = law.predict(truth, long)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit(law, long, bootstrap=0)
    np.testing.assert_allclose(f.predict(long), long["loss"], rtol=2e-4)


def test_step_law_surface_is_lowest_at_the_published_optimum():
    law = get_law("step_law_surface")
    p = dict(E=1.8, A=400.0, alpha=0.34, B=410.0, beta=0.28, c_lr=0.03, s_lr=1.79, a=0.713, b=0.307, c_bs=0.02,
             s_bs=0.58, e=0.571)
    N, D = 4e8, 5e10
    lr_star = 1.79 * N**-0.713 * D**0.307
    bs_star = 0.58 * D**0.571
    lrs = lr_star * np.exp(np.linspace(-2, 2, 41))
    L = law.predict(p, N=N, D=D, lr=lrs, batch=bs_star)
    assert np.argmin(L) == 20
    # the penalty is symmetric in log learning rate and zero at the optimum
    assert L[10] == pytest.approx(L[30], rel=1e-12)
    base = 1.8 + 400 / N**0.34 + 410 / D**0.28
    assert L[20] == pytest.approx(base, rel=1e-12)
    rel = get_law("step_law_surface_relative").predict(p, N=N, D=D, lr=lrs[30], batch=bs_star)[0]
    assert rel == pytest.approx(base * (1 + 0.03 * 1.0**2), rel=1e-12)


def test_farseer_reduces_to_a_power_law_in_data_when_nothing_depends_on_size():
    law = get_law("farseer")
    p = dict(a3=0.0, b3=math.log(1.7), gamma=0.3, a2=0.0, b2=math.log(400.0), beta=0.2, a1=0.0, b1=math.log(0.3),
             alpha=0.2)
    D = np.array([1e9, 1e11])
    np.testing.assert_allclose(law.predict(p, N=[1e8, 5e9], D=D), 1.7 + 400.0 * D**-0.3, rtol=1e-12)


def test_rl_sigmoid_limits_and_midpoint():
    law = get_law("rl_sigmoid")
    p = dict(R0=0.1, A=0.7, C_mid=1e3, B=1.5)
    R = law.predict(p, C=[1e-6, 1e3, 1e15])
    assert R[0] == pytest.approx(0.1, abs=1e-6)
    assert R[1] == pytest.approx(0.4)
    assert R[2] == pytest.approx(0.7, abs=1e-6)


def test_quantisation_degradation_favours_undertrained_models():
    law = get_law("quantisation_degradation")
    p = dict(k=0.05, alpha=0.25, beta=0.5, gamma=5.0)
    q = law.predict(p, N=[1e9, 1e9, 1e10, 1e9], D=[1e11, 1e12, 1e11, 1e11], bits=[3, 3, 3, 4])
    assert q[0] == pytest.approx(0.05 * 1e11**0.5 / (1e9**0.25 * 3.0**5))
    assert q[1] > q[0]  # more training tokens: more degradation
    assert q[2] < q[0]  # larger model: less
    assert q[3] < q[0]  # more bits: less


def test_ladder_sigmoid_midpoint():
    law = get_law("ladder_accuracy")
    p = dict(a=0.6, b=0.25, k=-8.0, L0=1.0)
    acc = law.predict(p, task_loss=[0.0, 1.0, 10.0])
    assert acc[1] == pytest.approx(0.55)
    assert acc[0] > 0.84 and acc[2] == pytest.approx(0.25, abs=1e-6)


# ------------------------------------------------------------------ property tests: the engine recovers the truth
D_SFT = np.array([200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 102400, 204800, 409600], float)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    B=st.floats(5.0, 200.0),
    D_l=st.floats(1.0, 100.0),
    beta=st.floats(0.3, 0.9),
    E=st.floats(0.5, 2.5),
)
def test_rectified_sft_fit_recovers_the_curve(B, D_l, beta, E):
    law = get_law("rectified_sft")
    truth = dict(B=B, D_l=D_l, beta=beta, E=E)
    loss = law.predict(truth, D=D_SFT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit(law, {"D": D_SFT, "loss": loss}, bootstrap=0)
    assert f.objective <= f.objective_at(truth) * (1 + 1e-9) + 1e-12
    D_far = np.array([819200.0, 1.6e6])
    np.testing.assert_allclose(f.predict(D=D_far), law.predict(truth, D=D_far), rtol=0.02)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    R0=st.floats(0.02, 0.3),
    gain=st.floats(0.2, 0.6),
    log10_mid=st.floats(2.0, 4.0),
    B=st.floats(0.7, 2.5),
)
def test_rl_sigmoid_fit_on_early_compute_predicts_the_rest(R0, gain, log10_mid, B):
    law = get_law("rl_sigmoid")
    truth = dict(R0=R0, A=R0 + gain, C_mid=10**log10_mid, B=B)
    C = np.logspace(0.5, 6, 24)
    reward = law.predict(truth, C=C)
    early = C <= 10 ** (log10_mid + 0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit(law, {"C": C, "reward": reward}, holdout=~early, bootstrap=0)
    assert f.objective <= f.objective_at(truth) * (1 + 1e-9) + 1e-12
    np.testing.assert_allclose(f.predict(C=C[~early]), reward[~early], rtol=0.05)


def test_quantisation_fit_recovers_published_shape():
    law = get_law("quantisation_degradation")
    rng = np.random.default_rng(2)
    N = np.exp(rng.uniform(np.log(1.6e8), np.log(1.2e10), 40))
    D = np.exp(rng.uniform(np.log(1e9), np.log(1e12), 40))
    bits = rng.choice([2.0, 3.0, 4.0], 40)
    truth = dict(k=0.02, alpha=0.23, beta=0.53, gamma=5.5)
    qid = law.predict(truth, N=N, D=D, bits=bits) * np.exp(rng.normal(0, 0.01, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit(law, {"N": N, "D": D, "bits": bits, "qid": qid}, bootstrap=0)
    for k in ("alpha", "beta", "gamma"):
        assert f.params[k] == pytest.approx(truth[k], abs=0.05)
