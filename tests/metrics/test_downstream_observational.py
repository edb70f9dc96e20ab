"""Loss-to-error prediction on the over-training runs; observational scaling on public models."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.data.datasets import OBSERVATIONAL_BENCHMARKS
from workbench.metrics import CORE17_TASKS, average_error, benchmark_pca, fit_loss_to_error, fit_observational, random_baselines

pytestmark = pytest.mark.needs_mirror


def test_random_baselines_and_the_17_core_tasks():
    b = random_baselines()
    assert set(np.unique(b)) <= {0.0, 0.25, 0.5}
    runs = wb.load_dataset("overtraining", evals=True)
    tasks = [c.removeprefix("acc_") for c in runs.columns if c.startswith("acc_")]
    assert len(tasks) == 46 and set(tasks) <= set(b.index)
    assert set(CORE17_TASKS) <= set(tasks) and len(CORE17_TASKS) == 17
    t = average_error(runs, "all46")
    assert len(t.attrs["tasks"]) == 46 and (t["error"] < t["chance_error"] + 0.05).all()


@pytest.fixture(scope="module")
def core17():
    return fit_loss_to_error(tasks="core17", training_set="rpj", bootstrap=50)


def test_loss_to_error_law_predicts_the_largest_runs(core17):
    """Fitted on the RedPajama runs below 1B parameters, predicts the 1.4B (1x, 32x) and 6.9B runs.

    Measured here: mean |relative error| 1.4% (max 3.7%, the 6.9B run) from the measured loss,
    1.3% chained through the loss law.
    """
    he = core17.holdout_error
    assert he["n"] == 3
    assert set(core17.table["model"]) == {"open_lm_1b", "open_lm_7b"}
    assert he["mean_abs_rel_error"] < 0.03 and he["max_abs_rel_error"] < 0.05
    assert he["mean_abs_rel_error_chained"] < 0.03
    p = core17.params
    # eps is the error as loss grows without bound: near random guessing (0.81 on these 17 tasks)
    assert abs(p["eps"] - core17.chance_error) < 0.1 and p["gamma"] > 0 and p["k"] > 0


def test_all_46_tasks_also_extrapolate():
    f = fit_loss_to_error(tasks="all46", training_set="rpj", bootstrap=0)
    assert f.holdout_error["mean_abs_rel_error"] < 0.05
    assert abs(f.params["eps"] - f.chance_error) < 0.05


def test_first_principal_component_explains_about_84_percent():
    """LAWS.md: PC1 explains about 84% of the variance of the 124 complete rows, centred not scaled.

    We get 84.31%. Tolerance 0.5 points: it accepts anything that rounds to the published 84% and
    rejects the likely mistakes, standardising the columns (78.1%) or mean-imputing all 148 rows (83.0%).
    """
    table = wb.load_dataset("observational")
    pca = benchmark_pca(table, OBSERVATIONAL_BENCHMARKS)
    assert len(pca.scores) == 124
    assert pca.explained_variance_ratio[0] == pytest.approx(0.84, abs=0.005)
    assert np.all(pca.loadings["PC1"] > 0)  # a general capability axis: every benchmark loads positively


def test_sigmoid_of_components_predicts_held_out_larger_models_better_than_compute():
    main = wb.load_dataset("observational")
    pca = benchmark_pca(main)
    emergent = wb.load_dataset("observational", table="emergent").drop(columns=["family", "N", "D", "C"])
    table = main.merge(emergent, on="model")
    target = "word_unscrambling_2_exact_match"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pcs = fit_observational(table, target, pca=pca, holdout=0.2)
        flops = fit_observational(table, target, pca=pca, holdout=0.2, predictor="log_compute")
    held = pcs.table[pcs.table["role"] == "held out"]
    assert len(held) >= 10 and held["C"].min() >= pcs.table.loc[pcs.table["role"] == "fitted", "C"].max()
    assert pcs.holdout_error["held_out"]["mae"] < 0.1
    assert pcs.holdout_error["held_out"]["mae"] < flops.holdout_error["held_out"]["mae"]
    assert ((pcs.table["predicted"] >= 0) & (pcs.table["predicted"] <= 1)).all()
    assert "Binomial" in str(pcs.glm.summary())
