"""FLOPs-matched comparisons (2N FLOPs per token) and inference-aware allocation (Sardana & Frankle 2023)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.compute import inference_optimum
from workbench.laws import get_parameter_set
from workbench.laws import chinchilla_optimum
from workbench.testtime import (
    LogitAbilityLaw,
    SamplesError,
    compare_models_from_counts,
    difficulty,
    flops_matched_comparison,
    flops_matched_curve,
    generate_counts,
    inference_flops,
    pass_at_k,
    samples_at_equal_flops,
)


def test_flops_accounting():
    assert inference_flops(7e9, 1000) == pytest.approx(1.4e13)
    assert samples_at_equal_flops(5e9, 70e9) == 14
    assert samples_at_equal_flops(7e9, 70e9, tokens_small=2.0) == 5
    assert samples_at_equal_flops(70e9, 70e9) == 1
    with pytest.raises(SamplesError):
        samples_at_equal_flops(0, 1e9)


def test_small_model_wins_easy_problems_large_wins_hard():
    """Snell et al. 2024's pattern at equal FLOPs (14x smaller model, 14 samples): with a logit gain of 3 per
    decade of parameters, one sample of the large model wins on the hardest problems, the small model's 14
    samples do at least as well on the easiest."""
    law = LogitAbilityLaw.from_distribution(difficulty("logit-normal", 0.3, 2.0), slope=3.0, N_ref=70e9)
    cmp = flops_matched_comparison(law.pass_rates(5e9), law.pass_rates(70e9), 14, N_small=5e9, N_large=70e9)
    b = cmp.by_difficulty
    assert b["large_1"].iloc[0] > 1.5 * b["small_k"].iloc[0]
    assert 0 < cmp.share_small_wins < 0.5
    assert cmp.flops_small == pytest.approx(cmp.flops_large)
    # a gentler law (1.5 logits per decade): sampling the small model wins everywhere
    gentle = LogitAbilityLaw.from_distribution(difficulty("logit-normal", 0.3, 2.0), slope=1.5, N_ref=70e9)
    assert flops_matched_comparison(gentle.pass_rates(5e9), gentle.pass_rates(70e9), 14).share_small_wins == 1.0


def test_an_imperfect_verifier_hands_the_win_back_to_the_large_model():
    law = LogitAbilityLaw.from_distribution(difficulty("logit-normal", 0.4, 2.0), slope=1.5, N_ref=70e9)
    ps, pl = law.pass_rates(5e9), law.pass_rates(70e9)
    oracle = flops_matched_comparison(ps, pl, 14)
    unit_tests = flops_matched_comparison(ps, pl, 14, verifier=(1.0, 0.75))
    assert oracle.small_k > oracle.large_1 > unit_tests.small_k


def test_curve_over_small_model_sizes():
    law = LogitAbilityLaw.from_distribution(difficulty("beta", 0.3, 0.5), slope=2.0, N_ref=1e10)
    t = flops_matched_curve(law, 1e10, [1e8, 1e9, 1e10])
    assert t["k"].tolist() == [100, 10, 1]
    assert t["small_k"].iloc[-1] == pytest.approx(t["large_1"].iloc[0])
    with pytest.raises(SamplesError):
        flops_matched_curve(law, 1e10, [1e11])


def test_comparison_from_the_users_counts():
    small = generate_counts(300, 50, difficulty("beta", 0.2, 0.4), seed=1, model="small").assign(size=1e9)
    large = generate_counts(300, 10, difficulty("beta", 0.4, 0.4), seed=2, model="large").assign(size=2e10)
    counts = pd.concat([small, large], ignore_index=True)
    cmp = compare_models_from_counts(counts, "small", "large")
    assert cmp.k == 20
    want = pass_at_k(small["n"], small["c"], 20).mean()
    assert cmp.small_k == pytest.approx(want)
    assert cmp.large_1 == pytest.approx((large["c"] / large["n"]).mean())
    with pytest.raises(SamplesError, match="exceeds n"):
        compare_models_from_counts(counts, "small", "large", k=60)
    with pytest.raises(SamplesError, match="No model"):
        compare_models_from_counts(counts, "tiny", "large")
    with pytest.raises(SamplesError, match="not smaller"):
        compare_models_from_counts(counts, "large", "small")


def test_allocation_without_inference_is_chinchilla_optimal():
    """The lab's train-vs-inference trade-off comes from the planner (workbench.compute)."""
    params = get_parameter_set("hoffmann2022").values
    r = inference_optimum("hoffmann2022", [0.0], target_loss=2.0)
    N, D = chinchilla_optimum(params, 6 * r.N[0] * r.D[0])
    assert r.N[0] == pytest.approx(float(N), rel=1e-5) and r.D[0] == pytest.approx(float(D), rel=1e-5)
    loss = params["E"] + params["A"] / r.N[0] ** params["alpha"] + params["B"] / r.D[0] ** params["beta"]
    assert loss == pytest.approx(2.0, rel=1e-8)


def test_heavy_inference_favours_smaller_longer_trained_models():
    t = inference_optimum("besiroglu2024", [0, 1e11, 1e12, 1e13, 1e14], target_loss=2.0).to_frame()
    assert np.all(np.diff(t["N"]) < 0) and np.all(np.diff(t["tokens_per_parameter"]) > 0)
    assert np.all(t["total_flops"] <= t["reference_total_flops"] * (1 + 1e-9))
    assert t["saving"].iloc[-1] > 0.3
    v = get_parameter_set("besiroglu2024").values
    r = inference_optimum("besiroglu2024", [1e13], target_loss=2.0)

    def total(N):  # lifetime FLOPs at the target loss; the optimum balances the marginal trade-off
        D = (v["B"] / (2.0 - v["E"] - v["A"] * N ** -v["alpha"])) ** (1 / v["beta"])
        return 6 * N * D + 2 * N * 1e13

    N = r.N[0]
    assert total(N) <= min(total(N * 1.01), total(N / 1.01))
