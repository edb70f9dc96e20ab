"""Coverage laws: the Brown et al. power law through the fitting engine, the beta-binomial model, and
their extrapolations to large k."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.laws import get_law
from workbench.testtime import (
    BROWN2024_SWE_BENCH_LITE,
    BetaDifficulty,
    SamplesError,
    compare_extrapolations,
    coverage_from_law,
    coverage_law_through,
    difficulty,
    fit_beta_binomial,
    fit_coverage_law,
    generate_counts,
)


# ------------------------------------------------------------------ beta-binomial maximum likelihood
def test_beta_binomial_recovers_parameters_within_standard_errors():
    """Large synthetic data (5,000 problems x 50 samples): both parameters within 3 standard errors,
    and those errors are small (a few per cent)."""
    true = {"alpha": 0.4, "beta": 1.6}
    counts = generate_counts(5000, 50, BetaDifficulty(**true), seed=11)
    f = fit_beta_binomial(counts)
    for name, value in true.items():
        se = f.stderr[name]
        assert 0 < se < 0.1 * value
        assert abs(f.params[name] - value) < 3 * se, (name, f.params[name], se)
    assert f.converged


def test_beta_binomial_standard_errors_are_calibrated():
    """Over 40 synthetic data sets the z-scores (estimate - truth) / se have mean ~0 and spread ~1."""
    z = []
    for seed in range(40):
        f = fit_beta_binomial(generate_counts(800, 30, BetaDifficulty(0.6, 2.4), seed=100 + seed))
        z.append([(f.alpha - 0.6) / f.stderr["alpha"], (f.beta - 2.4) / f.stderr["beta"]])
    z = np.array(z)
    assert np.all(np.abs(z.mean(axis=0)) < 0.5)
    assert np.all((z.std(axis=0) > 0.65) & (z.std(axis=0) < 1.45))


def test_beta_binomial_matches_scipy_likelihood_and_errors():
    from scipy import optimize, stats

    counts = generate_counts(400, 20, BetaDifficulty(0.8, 3.0), seed=5)
    f = fit_beta_binomial(counts)
    n, c = counts["n"].to_numpy(), counts["c"].to_numpy()
    nll = lambda t: -stats.betabinom.logpmf(c, n, np.exp(t[0]), np.exp(t[1])).sum()  # noqa: E731
    ref = optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
    assert f.loglik == pytest.approx(-ref.fun, abs=1e-6)
    np.testing.assert_allclose([f.alpha, f.beta], np.exp(ref.x), rtol=1e-4)
    with pytest.raises(SamplesError, match="never solved"):
        fit_beta_binomial(pd.DataFrame({"n": [5, 5], "c": [0, 0]}))


def test_beta_binomial_coverage_prediction_and_delta_method():
    f = fit_beta_binomial(generate_counts(2000, 40, BetaDifficulty(0.5, 1.5), seed=3))
    d = BetaDifficulty(f.alpha, f.beta)
    k = np.array([1, 10, 1000])
    np.testing.assert_allclose(f.predict(k), d.coverage(k))
    assert f.predict(1) == pytest.approx(f.mean)
    # delta-method s.e. against a parametric bootstrap from the asymptotic normal
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal([f.alpha, f.beta], f.cov, 20_000)
    draws = draws[(draws > 0).all(axis=1)]
    sims = np.array([BetaDifficulty(a, b).coverage(1000) for a, b in draws[:3000]])
    assert f.predict_stderr(1000) == pytest.approx(sims.std(), rel=0.1)
    lo, hi = f.predict_interval(k)
    assert np.all(lo <= f.predict(k)) and np.all(f.predict(k) <= hi)


# ------------------------------------------------------------------ coverage power law
def test_coverage_law_is_in_the_catalogue_with_correct_gradients():
    law = get_law("coverage_power_law")
    assert law.inputs == ("k",) and law.target == "neg_log_coverage"
    vals = np.array([[-1.5, -0.3], [-0.2, -0.8]])
    k = np.array([1.0, 3.0, 100.0, 1e4])
    np.testing.assert_allclose(law.predict_batch(vals, {"k": k}), -vals[:, :1] * k ** vals[:, 1:])
    numeric = law.log_gradients(vals, {"k": k}, numeric=True, rel_step=0.0, abs_step=1e-6)
    for g, fd in zip(law.log_gradients(vals, {"k": k}), numeric):
        np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_coverage_law_fit_equals_least_squares_in_its_residual_space():
    counts = generate_counts(1000, 200, BetaDifficulty(0.3, 1.2), seed=2)
    f = fit_coverage_law(counts, 100, bootstrap=100)
    t = f.table[f.table.role == "fitted"]
    b, u = np.polyfit(np.log(t.k), np.log(t.neg_log_coverage), 1)  # OLS of ln(-ln c) on ln k
    assert f.b == pytest.approx(b, rel=1e-6) and f.a == pytest.approx(-math.exp(u), rel=1e-6)
    assert f.law.name == "coverage_power_law" and f.samples.shape == (100, 2)  # a fitted law: law, params, samples
    ols = f.ols()  # statsmodels' view of the same line
    assert ols.params["ln_k"] == pytest.approx(f.b, rel=1e-6) and ols.params["const"] == pytest.approx(math.log(-f.a), rel=1e-6)
    assert f.holdout_error["n"] > 0 and set(f.table.role) == {"fitted", "held out"}
    assert 0 < f.stderr["a"] < 0.2 and 0 < f.stderr["b"] < 0.05


def test_bootstrap_refits_with_the_estimator_of_the_point_estimate():
    """Huber or least squares: the point estimate and every resample come from the same line fit."""
    from workbench.fitting.linear import line_fit

    counts = generate_counts(400, 200, BetaDifficulty(0.3, 1.2), seed=5)
    for loss in ("squares", "huber"):
        f = fit_coverage_law(counts, 100, bootstrap=40, loss=loss, seed=1)
        t = f.table[f.table.role == "fitted"]
        u, b = line_fit(np.log(t.k.to_numpy(float)), np.log(t.neg_log_coverage.to_numpy(float)), loss=loss)
        assert f.b == pytest.approx(b[0], rel=1e-9) and f.loss == loss
        # the resamples scatter around their own estimator's point
        assert abs(np.median(f.samples[:, 1]) - f.b) < 2 * f.stderr["b"]


@pytest.mark.parametrize("alpha, beta, seed", [(0.3, 1.2, 0), (0.5, 3.0, 1), (0.2, 0.8, 2), (1.0, 9.0, 3)])
def test_law_fitted_on_k_le_100_predicts_k_1000_on_beta_data(alpha, beta, seed):
    """Stated error: on Beta-generated data (1,000 problems x 1,000 samples; the fits see only the first 100
    samples of each problem), the coverage law fitted on k <= 100 predicts the coverage measured at k = 1,000
    within 0.03 (absolute), for left-tail exponents alpha from 0.2 to 1. Measured: |error| 0.008 to 0.022 (law),
    0.0015 to 0.006 (beta-binomial)."""
    counts = generate_counts(1000, 1000, BetaDifficulty(alpha, beta), seed=seed)
    cmp = compare_extrapolations(counts, 100, k=[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], bootstrap=50, seed=seed)
    row = cmp.table.set_index("k").loc[1000]
    assert abs(row.law - row.observed) < 0.03, row
    # the beta-binomial model is the right model here: it does at least as well, within 0.015
    assert abs(row.beta_binomial - row.observed) < 0.015, row


def test_extrapolations_disagree_on_logit_normal_data():
    """With a thin left tail (logit-normal) the Beta model is wrong: the two extrapolations part beyond the
    fitted range, and both fall short of the truth."""
    d = difficulty("logit-normal", 0.2, 2.5)
    counts = generate_counts(1000, 100, d, seed=4)
    cmp = compare_extrapolations(counts, None, k=np.unique(np.round(np.geomspace(1, 10_000, 30)).astype(int)), bootstrap=100)
    gap = cmp.disagreement()
    assert gap["first_k"] is not None and gap["first_k"] > 100
    assert abs(gap["max_gap"]) > 0.02
    held = cmp.table[cmp.table.role == "held out"]
    assert np.all(held.truth > held.beta_binomial)
    assert "truth" in cmp.table and cmp.summary()


def test_brown_swe_bench_lite_headline_two_point_law():
    """LAWS.md: SWE-bench Lite 15.9% at 1 sample -> 56% at 250 (Brown et al. 2024). The law log c = a k^b
    through both points: a = ln 0.159, b = ln(ln 0.56 / ln 0.159) / ln 250."""
    a, b = coverage_law_through(1, 0.159, 250, 0.56)
    assert a == pytest.approx(math.log(0.159)) and b == pytest.approx(-0.2090, abs=5e-4)
    np.testing.assert_allclose(coverage_from_law(a, b, [1, 250]), [0.159, 0.56], rtol=1e-12)
    # the same two points through the fitting engine give the same law
    pts = pd.DataFrame({"k": list(BROWN2024_SWE_BENCH_LITE), "neg_log_coverage": [-math.log(v) for v in BROWN2024_SWE_BENCH_LITE.values()]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(wb.WorkbenchError, match="no residual degrees of freedom"):
            wb.fit("coverage_power_law", pts, loss="squares", bootstrap=0)
        f = wb.fit("coverage_power_law", pts, loss="squares", bootstrap=0, force=True)  # a law through two points
    assert [w.code for w in f.warnings] == ["no_residual_dof"]
    assert f.params["a"] == pytest.approx(a, rel=1e-6) and f.params["b"] == pytest.approx(b, rel=1e-5)
    k = np.geomspace(1, 1e4, 50)
    curve = coverage_from_law(a, b, k)
    assert np.all(np.diff(curve) > 0) and curve[-1] < 1  # rises, but never reaches 1


def test_coverage_law_input_errors():
    counts = generate_counts(100, 50, seed=0)
    with pytest.raises(SamplesError, match="exceeds the smallest number of samples"):
        fit_coverage_law(counts, 100)
    with pytest.raises(SamplesError, match="at least 3"):
        fit_coverage_law(counts, 2)
    with pytest.raises(SamplesError, match="strictly between 0 and 1"):
        coverage_law_through(1, 0.0, 10, 0.5)
    with pytest.raises(SamplesError, match="no true success rates"):
        compare_extrapolations(counts.drop(columns="p_true"), 20, k=[1, 10, 100])


def test_several_models_are_never_pooled():
    """A table of two models: each fit asks which model, or fits the one named."""
    a = generate_counts(40, 30, seed=1).assign(model="small")
    b = generate_counts(40, 30, BetaDifficulty(0.6, 2.4), seed=2).assign(model="large")
    both = pd.concat([a, b], ignore_index=True)
    for fn in (fit_beta_binomial, fit_coverage_law, compare_extrapolations):
        with pytest.raises(SamplesError, match=r"2 models \('small', 'large'\).*model="):
            fn(both)
    one = fit_beta_binomial(both, model="large")
    assert one.params == pytest.approx(fit_beta_binomial(b).params)
    assert fit_coverage_law(both, 10, model="small", bootstrap=0).params == pytest.approx(
        fit_coverage_law(a, 10, bootstrap=0).params)
    with pytest.raises(SamplesError, match="not in the counts"):
        fit_beta_binomial(both, model="medium")
