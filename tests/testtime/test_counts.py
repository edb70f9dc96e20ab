"""Per-problem counts: loading the user's own, generating synthetic ones, difficulty distributions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from workbench.testtime import (
    BetaDifficulty,
    LogitNormalDifficulty,
    SamplesError,
    difficulty,
    generate_counts,
    load_counts,
    subsample_counts,
)


def test_load_csv_with_common_spellings(tmp_path):
    path = tmp_path / "counts.csv"
    pd.DataFrame({"task_id": ["HumanEval/0", "HumanEval/1"], "num_samples": [200, 200], "num_correct": [37, 0],
                  "model": ["m", "m"], "params": [7e9, 7e9]}).to_csv(path, index=False)
    df = load_counts(path)
    assert list(df.columns) == ["model", "size", "problem", "n", "c"]
    assert df["n"].dtype.kind == "i" and df["c"].tolist() == [37, 0]


@pytest.mark.parametrize(
    "table, message",
    [
        ({"problem": [1, 2], "c": [1, 2]}, r"needs columns \['n'\]"),
        ({"problem": ["x", "y"], "n": [10, 10], "c": [11, 2]}, r"c cannot exceed n .*problems x"),
        ({"problem": ["x", "y"], "n": [10, 10], "c": [-1, 2]}, r"cannot be negative; problems x"),
        ({"problem": ["x", "y"], "n": [10, 0], "c": [1, 0]}, r"n must be >= 1.*problems y"),
        ({"problem": ["x", "y"], "n": [10, 10], "c": [1.5, 2]}, r"whole numbers; problems x"),
        ({"problem": ["x", "y"], "n": [10, "ten"], "c": [1, 2]}, r"not a number for problems y"),
        ({"problem": ["x", "x"], "n": [10, 10], "c": [1, 2]}, r"appear more than once"),
        ({"problem": ["x", "y"], "n": [10, 10], "c": [1, 2], "size": [1e9, -1]}, r"'size'.*> 0; problems y"),
    ],
)
def test_validation_errors_name_the_problem(table, message):
    with pytest.raises(SamplesError, match=message):
        load_counts(table)


def test_same_problem_for_two_models_is_fine_and_missing_file_is_clear(tmp_path):
    df = load_counts({"model": ["a", "b"], "problem": [1, 1], "n": [5, 5], "c": [1, 2]})
    assert len(df) == 2
    with pytest.raises(SamplesError, match="No counts file"):
        load_counts(tmp_path / "nope.csv")
    with pytest.raises(SamplesError, match="renames"):
        load_counts({"n": [1], "c": [0]}, columns={"attempts": "n"})


def test_generator_is_seeded_and_realistic():
    a = generate_counts(300, 50, BetaDifficulty(0.5, 2.0), seed=7)
    b = generate_counts(300, 50, BetaDifficulty(0.5, 2.0), seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(generate_counts(300, 50, BetaDifficulty(0.5, 2.0), seed=8))
    assert set(a.columns) == {"problem", "n", "c", "p_true"}
    assert (a["c"] <= a["n"]).all() and (a["n"] == 50).all()
    assert (a["c"] / a["n"]).mean() == pytest.approx(0.2, abs=0.03)
    g = generate_counts(50, 10, {"kind": "logit-normal", "mean": 0.3, "shape": 1.0}, model="x")
    assert (g["model"] == "x").all()


def test_beta_coverage_closed_form_matches_integral():
    d = BetaDifficulty(0.3, 1.7)
    for k in (1, 7, 100, 5000):
        val, _ = integrate.quad(lambda p: (1 - (1 - p) ** k) * stats.beta.pdf(p, 0.3, 1.7), 0, 1, limit=200, points=[1e-6, 1e-3])
        assert d.coverage(k) == pytest.approx(val, abs=2e-6)
    # large k: miss rate ~ Gamma(a+b)/Gamma(b) k^-a (Schaeffer et al. 2025)
    from scipy.special import gamma

    assert d.miss_rate(1e6) == pytest.approx(gamma(2.0) / gamma(1.7) * 1e6 ** -0.3, rel=1e-3)


def test_logit_normal_from_mean_and_coverage():
    d = LogitNormalDifficulty.from_mean(0.25, 2.0)
    rng = np.random.default_rng(0)
    p = d.sample(400_000, rng)
    assert d.mean == pytest.approx(0.25, abs=1e-9)
    assert p.mean() == pytest.approx(0.25, abs=2e-3)
    assert d.coverage(30) == pytest.approx(np.mean(1 - (1 - p) ** 30), abs=3e-3)
    assert difficulty("beta", 0.2, 0.5).mean == pytest.approx(0.2)
    with pytest.raises(SamplesError, match="Unknown difficulty"):
        difficulty("gamma")
    with pytest.raises(SamplesError, match=r"\(0, 1\)"):
        difficulty("beta", 1.2, 0.5)


def test_subsample_is_hypergeometric():
    df = generate_counts(2000, 1000, BetaDifficulty(1.0, 1.0), seed=1)
    sub = subsample_counts(df, 100, seed=2)
    assert (sub["n"] == 100).all() and (sub["c"] <= df["c"]).all()
    assert (sub["c"] / 100).mean() == pytest.approx((df["c"] / 1000).mean(), abs=0.01)
    with pytest.raises(SamplesError, match="fewer"):
        subsample_counts(df, 2000)


def test_generator_takes_per_problem_rates_for_matched_models():
    from workbench.testtime import LogitAbilityLaw

    law = LogitAbilityLaw([-3.0, 0.0, 3.0], slope=2.0, N_ref=1e10)
    a = generate_counts(None, 10_000, law.pass_rates(1e9), seed=0)
    b = generate_counts(None, 10_000, law.pass_rates(1e10), seed=0)
    assert len(a) == 3 and np.all(b["p_true"] > a["p_true"])
    np.testing.assert_allclose(a["c"] / a["n"], a["p_true"], atol=0.02)
    with pytest.raises(SamplesError, match="probabilities"):
        generate_counts(None, 10, [0.5, 1.5])
    with pytest.raises(SamplesError, match="n_problems"):
        generate_counts(None, 10)
