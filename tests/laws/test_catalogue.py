"""Law declarations: published numbers, vectorisation, log forms and analytic gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import workbench as wb
from workbench.laws import get_parameter_set
from workbench.laws import chinchilla_optimum, get_law, list_laws
from workbench.errors import LawError, UnknownNameError

REQUIRED = {
    "power_law_N", "power_law_D", "power_law_C", "kaplan_N", "kaplan_D", "kaplan_ND", "chinchilla",
    "data_constrained", "overtraining", "downstream_error", "broken_power_law_N",
}


def test_catalogue_has_the_required_laws():
    assert REQUIRED <= set(list_laws())
    for name in list_laws():
        law = get_law(name)
        assert law.reference and law.equation and law.parameters


def test_unknown_law():
    with pytest.raises(UnknownNameError, match="chinchilla"):
        get_law("chinchila")


def test_hoffmann_rounded_losses():
    """LAWS.md: L(70e9, 1.4e12) = 1.937 and L(280e9, 300e9) = 1.993 with the rounded constants (+-0.001)."""
    ps = get_parameter_set("hoffmann2022")
    L = ps.predict(N=[70e9, 280e9], D=[1.4e12, 300e9])
    assert L[0] == pytest.approx(1.937, abs=1e-3)
    assert L[1] == pytest.approx(1.993, abs=1e-3)


@pytest.mark.parametrize(
    "name,expected",
    [("besiroglu2024", 18.35), ("hoffmann2022_unrounded", 59.0), ("hoffmann2022", 92.8)],
)
def test_tokens_per_parameter_at_chinchilla_compute(name, expected):
    """LAWS.md: D/N at C = 5.88e23 is 18.35 (refit), 59.0 (unrounded), 92.8 (rounded), +-1%."""
    N, D = chinchilla_optimum(get_parameter_set(name).values, 5.88e23)
    assert D / N == pytest.approx(expected, rel=0.01)
    assert 6 * N * D == pytest.approx(5.88e23, rel=1e-12)


def test_closed_form_is_the_minimum_along_compute():
    p = get_parameter_set("besiroglu2024").values
    law = get_law("chinchilla")
    C = 1e22
    N_opt, D_opt = chinchilla_optimum(p, C)
    Ns = N_opt * np.logspace(-0.5, 0.5, 2001)
    L = law.predict(p, N=Ns, D=C / (6 * Ns))
    assert Ns[np.argmin(L)] == pytest.approx(N_opt, rel=2e-3)


def test_datablations_readme_losses():
    """LAWS.md: L(6.34e9, 242e9, U=25e9) = 2.2256 and L(8.67e9, 178e9, 25e9) = 2.2270 (+-0.002)."""
    ps = get_parameter_set("muennighoff2023")
    L = ps.predict(N=[6.34e9, 8.67e9], D=[242e9, 178e9], U=[25e9, 25e9])
    assert L[0] == pytest.approx(2.2256, abs=2e-3)
    assert L[1] == pytest.approx(2.2270, abs=2e-3)


def test_data_constrained_reduces_to_chinchilla_without_repetition():
    ps = get_parameter_set("muennighoff2023").values
    chin = {k: ps[k] for k in ("E", "A", "B", "alpha", "beta")}
    # one epoch, model no larger than compute-optimal for its data: no decay at all
    L_dc = get_law("data_constrained").predict(ps, N=[1e8], D=[1e10], U=[1e10])
    L_ch = get_law("chinchilla").predict(chin, N=[1e8], D=[1e10])
    assert L_dc[0] == pytest.approx(L_ch[0], rel=1e-12)


def test_repeated_data_is_worth_less_but_four_epochs_almost_free():
    law, ps = get_law("data_constrained"), get_parameter_set("muennighoff2023").values
    N, U = 2e9, 25e9
    unique = law.predict(ps, N=[N], D=[4 * U], U=[4 * U])[0]
    four = law.predict(ps, N=[N], D=[4 * U], U=[U])[0]
    forty = law.predict(ps, N=[N], D=[40 * U], U=[U])[0]
    forty_unique = law.predict(ps, N=[N], D=[40 * U], U=[40 * U])[0]
    assert four > unique and (four - unique) / unique < 0.005
    assert (forty - forty_unique) / forty_unique > 0.01  # ~1.7% worse after 40 epochs


def test_kaplan_constants():
    ln = get_parameter_set("kaplan2020_N")
    assert ln.predict(N=[8.8e13])[0] == pytest.approx(1.0)
    assert ln.predict(N=[1e9])[0] == pytest.approx((8.8e13 / 1e9) ** 0.076)


def _random_values(law, rng, K):
    cols = []
    for p in law.parameters:
        lo, hi = p.fit_bounds
        g = np.array(p.grid, float)
        centre = np.median(g) if len(g) else 0.0
        v = centre + rng.normal(0, 0.3, K)
        v = np.clip(v, lo + 1e-3 if np.isfinite(lo) else -np.inf, hi - 1e-3 if np.isfinite(hi) else np.inf)
        cols.append(np.exp(v) if p.log else v)
    return np.stack(cols, axis=1)


def _inputs(law, rng, n=7):
    ranges = {"N": (1e7, 1e11), "D": (1e9, 1e12), "C": (1e17, 1e23), "U": (1e9, 1e11), "loss": (2.0, 4.0)}
    out = {}
    for name in law.inputs:
        lo, hi = ranges[name]
        out[name] = np.exp(rng.uniform(math.log(lo), math.log(hi), n))
    if "U" in out:
        out["D"] = out["U"] * rng.uniform(1, 20, n)
    return out


@pytest.mark.parametrize("name", sorted(REQUIRED | {"broken_power_law_C", "broken_power_law_D"}))
def test_batched_evaluation_matches_one_at_a_time(name):
    rng = np.random.default_rng(0)
    law = get_law(name)
    vals = law.from_fit_space(law.to_fit_space(_random_values(law, rng, 6)))
    x = _inputs(law, rng)
    batch = law.predict_batch(vals, x)
    assert batch.shape == (6, 7)
    for k in range(6):
        np.testing.assert_allclose(batch[k], law.predict(vals[k], **x), rtol=1e-12)
    # the log form agrees with the log of the formula where the formula is positive
    ok = batch > 0
    np.testing.assert_allclose(law.log_predict_batch(vals, x)[ok], np.log(batch[ok]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", [n for n in sorted(REQUIRED) if get_law(n).log_gradient is not None])
def test_analytic_gradients_match_finite_differences(name):
    rng = np.random.default_rng(1)
    law = get_law(name)
    vals = _random_values(law, rng, 3)
    x = _inputs(law, rng)
    for g, fd in zip(law.log_gradients(vals, x), law.log_gradients(vals, x, numeric=True)):
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


def test_parameter_errors():
    law = get_law("chinchilla")
    with pytest.raises(LawError, match="needs parameter values"):
        law.predict({"E": 1.0}, N=[1e9], D=[1e10])
    with pytest.raises(wb.WorkbenchError, match="needs input 'D'"):
        law.predict(get_parameter_set("hoffmann2022").values, N=[1e9])
    with pytest.raises(LawError, match="no parameter"):
        law.with_bounds(gamma=(0, 1))


def test_describe_mentions_formula_and_reference():
    text = get_law("chinchilla").describe()
    assert "E + A / N^alpha" in text and "Hoffmann" in text


def test_data_constrained_gradient_with_and_without_excess_parameters():
    """The analytic gradient follows U_N = N_opt(U) when the model is larger than the data can feed."""
    law = get_law("data_constrained")
    vals = np.array([[get_parameter_set("muennighoff2023").values[k] for k in law.param_names]])
    N = np.array([1e7, 3e7, 1e10, 5e10, 2e11])
    U = np.array([1e9, 1e10, 1e8, 1e9, 5e9])
    x = {"N": N, "D": U * np.array([1.0, 4.0, 30.0, 60.0, 10.0]), "U": U}
    p = law._batch(vals)
    log_nopt = (np.log(p.alpha * p.A / (p.beta * p.B)) + p.beta * np.log(U)) / p.alpha
    capped = (log_nopt < np.log(N)).ravel()
    assert capped.any() and not capped.all()
    numeric = law.log_gradients(vals, x, numeric=True, abs_step=0.0)
    for name, g, fd in zip(law.param_names, law.log_gradients(vals, x), numeric):
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-9, err_msg=name)


def test_log_gradients_without_an_analytic_form_says_to_use_numeric():
    law = next(get_law(n) for n in wb.list_laws() if get_law(n).log_gradient is None)
    vals = np.ones((1, law.n_params))
    x = {name: np.array([10.0, 100.0]) for name in law.inputs}
    with pytest.raises(LawError, match="numeric=True"):
        law.log_gradients(vals, x)
    assert [g.shape for g in law.log_gradients(vals, x, numeric=True)] == [(1, 2)] * law.n_params
