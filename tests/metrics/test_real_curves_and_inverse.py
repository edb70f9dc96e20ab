"""Real families under two metrics, and inverse / U-shaped scaling."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.errors import UnknownNameError
from workbench.metrics import compare_sharpness, curve_verdicts, fit_inverse_scaling, real_task_curves, scaling_shape


@pytest.mark.needs_mirror
def test_emergence_metrics_curves_sharper_under_exact_match_than_edit_distance():
    """Issue 5: how many task/model-family curves are sharper under exact match than under edit distance?

    What the data show (Lu et al. 2023 outputs; 288 task x family x prompt x shots curves with three
    sizes: GPT-2/GPT-J, its instruction-tuned twin, LLaMA): only 73 improve with scale under both
    metrics, and of those 35 are sharper under exact match and 38 under edit distance. There is no
    clear majority either way, so the test asserts that honest finding (between 35% and 65%), not
    the mirage paper's expectation.
    """
    cmp = compare_sharpness(a="exact_match", b="edit_distance")
    c = cmp.counts
    assert c["curves"] == 288 and c["comparable"] >= 60
    assert c["sharper_exact_match"] + c["sharper_edit_distance"] + c["ties"] == c["comparable"]
    assert 0.35 <= cmp.share_sharper_a <= 0.65
    assert set(cmp.table["family"]) == {"GPT-2/GPT-J", "GPT-2/GPT-J instruct", "LLaMA"}


@pytest.mark.needs_mirror
@pytest.mark.parametrize("task", ["lu:modified_arithmetic", "pythia:lambada", "pythia:lambada_training", "obs:ipa"])
def test_real_tasks_under_both_kinds_of_metric(task):
    a, ia = real_task_curves(task, "all-or-nothing")
    b, ib = real_task_curves(task, "graded")
    assert ia["metric"] == "exact_match" and ib["metric"] != "exact_match"
    assert len(a) > 0 and len(b) > 0 and a["N"].gt(0).all()
    v = curve_verdicts(b, ib["higher_is_better"])
    assert set(v["series"]) == set(b["series"])
    with pytest.raises(UnknownNameError):
        real_task_curves(task, "nonsense")


@pytest.mark.needs_mirror
def test_lambada_accuracy_rises_and_perplexity_falls_with_size():
    acc, _ = real_task_curves("pythia:lambada", "all-or-nothing")
    ppl, _ = real_task_curves("pythia:lambada", "graded")
    a = acc[acc["series"] == "pythia"].sort_values("N")["value"].to_numpy()
    p = ppl[ppl["series"] == "pythia"].sort_values("N")["value"].to_numpy()
    assert a[-1] > a[0] + 0.3 and p[-1] < p[0] - 1.5  # log perplexity (nats)


def test_broken_power_law_recovers_a_synthetic_u_shape():
    N = np.logspace(7, 11, 13)
    err = 0.3 + 0.2 * (N / 1e9) ** 0.3 / (1 + (N / 1e9) ** 0.8)  # worse, then better: U-shaped in performance
    f = fit_inverse_scaling(N, err, higher_is_better=False)
    assert f.shape == "U-shaped" and f.data_shape == "U-shaped"
    true_turn = N[np.argmax(err)]
    assert abs(np.log10(f.turn / true_turn)) < 0.35
    assert f.fit.rmse_log < 0.01
    np.testing.assert_allclose(f.predict(N), err, rtol=0.02)


def test_scaling_shapes():
    N = np.logspace(8, 11, 7)
    assert scaling_shape(N, 1 / N)[0] == "positive"
    assert scaling_shape(N, np.log(N))[0] == "inverse"
    assert scaling_shape(N, 1 + (np.log10(N) - 9.5) ** 2)[0] == "inverted U"  # error lowest mid-range
    assert scaling_shape(N, 2 - (np.log10(N) - 9.5) ** 2)[0] == "U-shaped"  # error highest mid-range
    assert scaling_shape(N, np.ones(7))[0] == "flat"


@pytest.mark.needs_mirror
def test_truthfulqa_is_inverse_for_pythia_and_u_shaped_for_opt():
    """TruthfulQA (observational table): Pythia keeps getting worse with size; OPT turns around near 13B."""
    t = wb.load_dataset("observational")
    pythia = t[t["family"] == "Pythia"].sort_values("N")
    opt = t[t["family"] == "OPT"].sort_values("N")
    fp = fit_inverse_scaling(pythia["N"], pythia["TruthfulQA"])
    fo = fit_inverse_scaling(opt["N"], opt["TruthfulQA"])
    assert fp.shape == "inverse" and fp.fit.rmse_log < 0.02
    assert fo.shape == "U-shaped" and 5e9 < fo.turn < 3e10 and fo.fit.rmse_log < 0.02
