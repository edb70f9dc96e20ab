"""The learning-rate-annealing law (Tissue et al. 2024): areas, the catalogue law, and predictions of
tiny-LM loss curves under other schedules."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.config import quick
from workbench.dynamics import (
    DECAY_GRID,
    add_annealing_areas,
    annealing,
    annealing_areas,
    fit_annealing,
    predict_curve,
    preset,
    schedule_areas,
)
from workbench.errors import MissingColumnsError, RunsError, WorkbenchError
from workbench.fitting import FitWarning
from workbench.toys.tinylm import schedule_runs

SCHEDULES = ("constant", "cosine", "wsd", "step")
PEAK = 0.01


def test_doctests():
    assert doctest.testmod(annealing).failed == 0


def test_areas_by_hand():
    lrs = np.array([0.5, 1.0, 1.0, 0.8, 0.5, 0.5])  # one warmup step, then two drops
    S1, S2 = annealing_areas(lrs, decay=0.5)
    np.testing.assert_allclose(S1, np.cumsum(lrs))
    # m: 0, 0 (warmup ends at index 1), 0, 0.2, 0.5*0.2 + 0.3 = 0.4, 0.2
    np.testing.assert_allclose(S2, np.cumsum([0, 0, 0, 0.2, 0.4, 0.2]))
    # with the warmup inside the recursion the increase counts negative
    _, S2w = annealing_areas(lrs, decay=0.5, warmup_steps=0)
    assert S2w[1] == pytest.approx(-0.5)
    # a constant schedule never anneals
    assert np.all(annealing_areas(np.full(10, 3e-4))[1] == 0)
    # limits: lambda = 0 gives S2 = lr_0 - lr_s (telescoping); lambda -> 1 the area between peak and schedule
    lr = preset("cosine", peak=1.0, warmup=0.0).lrs(50)
    np.testing.assert_allclose(annealing_areas(lr, decay=0.0)[1], lr[0] - lr, atol=1e-12)
    np.testing.assert_allclose(annealing_areas(lr, decay=1 - 1e-9)[1], np.cumsum(lr[0] - lr), rtol=1e-6, atol=1e-12)


def test_add_annealing_areas_per_run_and_errors():
    a = schedule_areas(preset("wsd", peak=1e-3), 40).assign(run=0)
    b = schedule_areas(preset("cosine", peak=1e-3), 30).assign(run=1)
    both = pd.concat([b, a]).drop(columns=["S1", "S2"]).sample(frac=1.0, random_state=0)
    out = add_annealing_areas(both, decay=0.999)
    for r, ref in ((0, a), (1, b)):
        got = out[out["run"] == r].sort_values("step")
        np.testing.assert_allclose(got["S1"], ref["S1"])
        np.testing.assert_allclose(got["S2"], ref["S2"])
    with pytest.raises(MissingColumnsError, match="lr"):
        add_annealing_areas(both.drop(columns=["lr"]))
    with pytest.raises(RunsError, match="skips steps"):
        add_annealing_areas(a[a["step"] != 5])
    with pytest.raises(WorkbenchError, match="lambda"):
        annealing_areas([1.0, 0.5], decay=1.0)


def test_law_in_catalogue_recovers_its_parameters():
    """Synthetic curves from known parameters (two schedules, 0.2% noise): the fit through wb.fit recovers them."""
    truth = {"L0": 2.0, "A": 0.6, "alpha": 0.5, "C": 0.8}
    law = wb.get_law("lr_annealing")
    rng = np.random.default_rng(0)
    parts = []
    for run, name in enumerate(("cosine", "constant")):
        t = schedule_areas(preset(name, peak=3e-3), 2000, decay=0.99).assign(run=run)
        t["loss"] = law.predict(truth, t) * np.exp(0.002 * rng.standard_normal(len(t)))
        parts.append(t.iloc[99::20])
    data = pd.concat(parts)
    assert (data["S2"] == 0).any()  # zeros are valid inputs of this law
    with pytest.warns(FitWarning, match="Only 2 runs for 4 free parameters"):  # two runs cannot show run-to-run scatter
        f = wb.fit("lr_annealing", data, bootstrap=0)
    for k, v in truth.items():
        assert f.params[k] == pytest.approx(v, rel=0.15), k
    with pytest.raises(RunsError, match=">= 0"):
        wb.fit("lr_annealing", data.assign(S2=-1.0), bootstrap=0)


@pytest.fixture(scope="module")
def schedule_curves(tmp_path_factory):
    """One tiny LM (width 32) trained under four schedules: same initialisation, same data."""
    steps = 600 if quick() else 1000
    grid = schedule_runs({k: preset(k, peak=PEAK) for k in SCHEDULES}, steps, width=32, layers=1,
                         cache_dir=tmp_path_factory.getbasetemp() / "tinylm-cache")
    return grid, steps


def _final_errors(fa, curves, steps):
    out = {}
    for name in SCHEDULES:
        measured = float(curves[(curves["label"] == name) & (curves["step"] == steps)]["loss"].iloc[0])
        predicted = float(predict_curve(fa, preset(name, peak=PEAK), steps)["loss_pred"].iloc[-1])
        out[name] = (measured, predicted, predicted / measured - 1)
    return out


def test_annealing_is_measurable_in_the_tiny_lm(schedule_curves):
    grid, steps = schedule_curves
    final = grid.runs.set_index("label")["loss"]
    # annealed runs end lower than the constant run
    assert final["wsd"] < final["constant"] and final["cosine"] < final["constant"]
    H = grid.entropy_rate
    assert (final > H).all()


def test_cosine_fit_predicts_wsd_final_loss(schedule_curves):
    """Must show: fitted on the cosine run alone, the law predicts the WSD run's final loss within 2%."""
    grid, steps = schedule_curves
    curves = grid.curves
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa = fit_annealing(curves[curves["label"] == "cosine"], by="label", bootstrap=0)
    errs = _final_errors(fa, curves, steps)
    print(f"\n{fa!r}, fitted on cosine ({steps} steps)")
    for name, (m, p, e) in errs.items():
        print(f"  {name:>8}: measured final loss {m:.4f}, predicted {p:.4f} ({100 * e:+.2f}%)")
    assert abs(errs["wsd"][2]) < 0.02
    assert abs(errs["step"][2]) < 0.02 and abs(errs["cosine"][2]) < 0.005
    # the whole WSD curve after the first tenth, not only its end
    pred = predict_curve(fa, preset("wsd", peak=PEAK), steps)
    meas = curves[(curves["label"] == "wsd") & curves["loss"].notna() & (curves["step"] > steps // 10)]
    m = meas.merge(pred[["step", "loss_pred"]], on="step")
    rms = float(np.sqrt(np.mean((m["loss_pred"] / m["loss"] - 1) ** 2)))
    print(f"  WSD curve: rms relative error {100 * rms:.2f}% over {len(m)} measured steps")
    assert rms < 0.03


def test_two_curve_fit_and_profile(schedule_curves):
    grid, steps = schedule_curves
    curves = grid.curves
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa = fit_annealing(curves[curves["label"].isin(["cosine", "constant"])], by="label", bootstrap=20)
    assert len(fa.profile) == len(DECAY_GRID) and fa.decay in set(fa.profile["decay"])
    assert fa.profile["objective"].min() == pytest.approx(fa.fit.objective, rel=1e-6)
    assert fa.params["C"] > 0 and "lambda" in fa.summary()
    errs = _final_errors(fa, curves, steps)
    assert all(abs(e) < 0.03 for _, _, e in errs.values())
