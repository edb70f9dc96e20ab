"""Inference-aware allocation (Sardana & Frankle 2023): same loss, least training + inference FLOPs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.compute import compute_optimal, inference_optimum, tokens_for_loss
from workbench.compute.inference import _bisect_tokens
from workbench.errors import LawError
from workbench.laws import get_law

KAPLAN = ("kaplan_ND", {"N_c": 6.4e13, "alpha_N": 0.076, "D_c": 1.8e13, "alpha_D": 0.103})


def test_without_inference_the_optimum_is_compute_optimal():
    p = inference_optimum("besiroglu2024", 0.0, compute=1e23)
    a = compute_optimal("besiroglu2024", 1e23)
    assert p.value("N") == pytest.approx(a.value("N"), rel=1e-6)
    assert p.value("D") == pytest.approx(a.value("D"), rel=1e-6)
    assert p.target_loss == pytest.approx(a.value("loss"), rel=1e-12)
    assert p.value("saving") == pytest.approx(0.0, abs=1e-9)


def test_the_plan_reaches_the_target_loss_and_is_cheapest():
    T = 1e13
    p = inference_optimum("besiroglu2024", T, compute=1e23)
    law = get_law("chinchilla")
    values = wb.get_parameter_set("besiroglu2024").values
    assert law.predict(values, N=p.N, D=p.D)[0] == pytest.approx(p.target_loss, rel=1e-10)
    # any other size that reaches the same loss costs more FLOPs over the model's life
    for f in (0.8, 0.95, 1.05, 1.25):
        N = p.value("N") * f
        D = float(tokens_for_loss(law, law._values_array(values)[None, :], np.array([[N]]), p.target_loss)[0, 0])
        assert 6 * N * D + 2 * N * T > p.value("total_flops")
    assert 0 < p.value("saving") < 1
    assert p.value("training_flops") > 1e23  # the smaller model is trained beyond the budget


@pytest.mark.parametrize("source, extra", [("besiroglu2024", {}), (KAPLAN, {}), ("muennighoff2023", {"unique_tokens": 25e9}),
                                           ("besiroglu2024", {"unique_tokens": 1e11})])
def test_more_inference_means_a_smaller_model_trained_longer(source, extra):
    T = np.array([0.0, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15])
    p = inference_optimum(source, T, compute=1e22, **extra)
    assert np.all(np.diff(p.N) <= p.N[:-1] * 1e-7)
    assert np.all(np.diff(p.tokens_per_parameter) >= -p.tokens_per_parameter[:-1] * 1e-7)
    assert np.all(np.diff(p.saving) >= -1e-9)
    assert p.N[-1] < 0.8 * p.N[0]


@settings(max_examples=40, deadline=None)
@given(t1=st.floats(8.0, 16.0), factor=st.floats(1.001, 1e4), c=st.floats(19.0, 25.0),
       source=st.sampled_from(["besiroglu2024", "hoffmann2022", "kaplan", "muennighoff"]))
def test_more_inference_demand_never_makes_the_optimal_model_larger(t1, factor, c, source):
    T1 = 10.0**t1
    extra = {}
    if source == "kaplan":
        source = KAPLAN
    elif source == "muennighoff":
        source, extra = "muennighoff2023", {"unique_tokens": 25e9}
    p = inference_optimum(source, [T1, T1 * factor], compute=10.0**c, **extra)
    assert p.N[1] <= p.N[0] * (1 + 1e-7)
    assert p.D[1] >= p.D[0] * (1 - 1e-7)


def test_target_loss_given_directly_and_unreachable():
    a = compute_optimal("hoffmann2022", 1e22)
    p = inference_optimum("hoffmann2022", 1e12, target_loss=a.value("loss"))
    q = inference_optimum("hoffmann2022", 1e12, compute=1e22)
    assert p.value("N") == pytest.approx(q.value("N"), rel=1e-6)
    assert p.reference_N == pytest.approx(a.value("N"), rel=1e-5)
    with pytest.raises(LawError, match="never reaches"):
        inference_optimum("hoffmann2022", 1e12, target_loss=1.5)  # below E = 1.69
    with pytest.raises(LawError, match="target_loss"):
        inference_optimum("hoffmann2022", 1e12)
    with pytest.raises(LawError, match=">= 0"):
        inference_optimum("hoffmann2022", -1.0, compute=1e22)


def test_tokens_for_loss_inverts_every_law():
    N = np.logspace(8, 11, 13)[None, :]
    law = get_law("chinchilla")
    v = law._values_array(wb.get_parameter_set("besiroglu2024").values)[None, :]
    D = tokens_for_loss(law, v, N, 2.2)
    ok = np.isfinite(D)
    assert ok.sum() > 5
    assert np.allclose(law.predict(v[0], N=N[ok], D=D[ok]), 2.2, rtol=1e-10)
    assert np.allclose(D[ok], _bisect_tokens(law, v, N, 2.2, {})[ok], rtol=1e-9)
    dc = get_law("data_constrained")
    vd = dc._values_array(wb.get_parameter_set("muennighoff2023").values)[None, :]
    for U in (1e9, 25e9, 1e12):
        for target in (2.2, 2.4, 3.0):
            a = tokens_for_loss(dc, vd, N, target, U=U)
            b = _bisect_tokens(dc, vd, N, target, {"U": U})
            assert np.array_equal(np.isfinite(a), np.isfinite(b))
            f = np.isfinite(a)
            assert np.allclose(a[f], b[f], rtol=1e-9)
    kl, kv = KAPLAN
    k = get_law(kl)
    D = tokens_for_loss(k, k._values_array(kv)[None, :], N, 2.3)
    f = np.isfinite(D)
    assert np.allclose(k.predict(kv, N=N[f], D=D[f]), 2.3, rtol=1e-9)


def test_intervals_and_display():
    rng = np.random.default_rng(0)
    ps = wb.get_parameter_set("besiroglu2024")
    law = get_law("chinchilla")
    v = law._values_array(ps.values)
    samples = v * np.exp(rng.normal(0, [0.01, 0.05, 0.05, 0.01, 0.01], (50, 5)))
    src = wb.laws.ParameterSet("jittered", law, ps.values, samples=samples)
    p = inference_optimum(src, [1e11, 1e13], compute=1e23)
    lo, hi = (float(b[1]) for b in p.intervals["N"])
    assert lo < p.value("N", 1) < hi
    assert "Inference-aware optimum" in p.summary() and "tokens/param" in p.summary()
    assert {"N", "D", "saving", "N_lo", "N_hi"} <= set(p.to_frame().columns)
    assert p.to_dict()["law"] == "chinchilla"
    assert "<table>" in p._repr_html_()


def test_saturated_repetition_spends_less_than_the_budget():
    """At thousands of epochs the repeated data have saturated: more compute no longer lowers the loss, so the
    optimum is not identified at the budget. The allocation is then the cheapest one within the tolerance of the
    loss floor (it spends less than the budget, warning ``data_saturated``), and the inference-aware models reach
    that same loss: with negligible demand it is the compute-optimal model itself, with demand a smaller one."""
    from workbench.compute import SATURATION_TOLERANCE, compute_optimal, data_constrained_source
    from workbench.compute.optimal import data_constrained_floor

    a = compute_optimal(data_constrained_source("muennighoff2023"), 1e23, unique_tokens=1e9)
    floor = data_constrained_floor(a.source.law, a.source.params, 1e9)[0, 0]
    assert a.saturated[0] and a.value("training_flops") < 1e23
    assert a.value("loss") == pytest.approx(floor + SATURATION_TOLERANCE, abs=1e-6)
    assert any(getattr(w, "code", "") == "data_saturated" for w in a.warnings)
    p = inference_optimum("muennighoff2023", [1e6, 1e12], compute=1e23, unique_tokens=1e9)
    assert p.value("N", 0) == pytest.approx(p.reference_N, rel=1e-3)
    assert p.value("N", 1) < p.reference_N and p.value("saving", 1) > 0
    assert any(getattr(w, "code", "") == "data_saturated" for w in p.warnings)
