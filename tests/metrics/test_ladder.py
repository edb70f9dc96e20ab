"""The model ladder (Bhagia et al. 2024): task loss from (N, D), accuracy from task loss, chained with
intervals; checked on the over-training runs' downstream evaluations and on the Pythia evaluations."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ArgumentError, MissingColumnsError, RunsError
from workbench.metrics import CORE17_TASKS, TaskLadder, fit_task_ladder


def _synthetic(seed=0):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.logspace(7.5, 9.5, 6), 6)
    D = np.tile(np.logspace(9.5, 11.5, 6), 6)
    L = 0.6 + 30 / N**0.25 + 80 / D**0.22
    acc = 0.6 / (1 + np.exp(6.0 * (L - 1.6))) + 0.25
    return pd.DataFrame({"N": N, "D": D, "bpb": L * np.exp(rng.normal(0, 0.004, L.size)),
                         "acc": acc * np.exp(rng.normal(0, 0.004, L.size))}), (L, acc)


def test_synthetic_ladder_predicts_a_larger_model():
    runs, _ = _synthetic()
    small = runs[runs["N"] < 1e9]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lad = fit_task_ladder(small, task_loss="bpb", accuracy="acc", bootstrap=60)
    assert isinstance(lad, TaskLadder) and lad.n_runs == len(small)
    N, D = 3e9, 3e11
    L_true = 0.6 + 30 / N**0.25 + 80 / D**0.22
    acc_true = 0.6 / (1 + np.exp(6.0 * (L_true - 1.6))) + 0.25
    pred = lad.predict(N=N, D=D)
    row = pred.iloc[0]
    assert row["task_loss"] == pytest.approx(L_true, rel=0.02)
    assert row["accuracy"] == pytest.approx(acc_true, abs=0.02)
    assert row["task_loss_lo"] <= row["task_loss"] <= row["task_loss_hi"]
    assert row["accuracy_lo"] <= row["accuracy"] <= row["accuracy_hi"]
    assert row["accuracy_lo"] <= acc_true <= row["accuracy_hi"]
    conf = lad.predict(N=N, D=D, kind="confidence").iloc[0]
    assert conf["accuracy_hi"] - conf["accuracy_lo"] <= row["accuracy_hi"] - row["accuracy_lo"]
    json.dumps(lad.to_dict(), allow_nan=False)
    assert "step 2" in str(lad.summary())
    chart = lad.chart(targets=pred)
    chart.to_dict()


def test_ladder_errors_are_clear():
    runs, _ = _synthetic()
    with pytest.raises(MissingColumnsError, match="'loss'"):
        fit_task_ladder(runs, task_loss="loss", accuracy="acc")
    with pytest.raises(RunsError, match="fractions"):
        fit_task_ladder(runs.assign(acc=runs["acc"] * 100), task_loss="bpb", accuracy="acc")
    with pytest.raises(RunsError, match="'bpb'"):
        fit_task_ladder(runs.assign(bpb=-runs["bpb"]), task_loss="bpb", accuracy="acc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lad = fit_task_ladder(runs, task_loss="bpb", accuracy="acc", bootstrap=0)
    with pytest.raises(ArgumentError, match="N and D"):
        lad.predict(N=1e9)
    with pytest.raises(ArgumentError, match="kind"):
        lad.predict(N=1e9, D=1e10, kind="band")
    assert np.isnan(lad.predict(N=1e9, D=1e10)["accuracy_lo"]).all()  # no bootstrap: no interval


#: Fit on the runs below 1e21 FLOPs of each training set, predict its runs above (1.4B and 6.9B parameters).
#: Absolute errors of the average downstream accuracy measured here (the C4 validation loss as the task loss):
#:   17 core tasks:  c4 6.9B 0.020; rpj 1.4B 0.057, 6.9B 0.047; rw 1.4B 0.053, 6.9B 0.047 (mean 0.045)
#:   all 46 tasks:   c4 6.9B 0.010; rpj 1.4B 0.024, 6.9B 0.012; rw 1.4B 0.023, 6.9B 0.006 (mean 0.015)
OVERTRAINING_ERRORS = {"acc_core17": (0.045, 0.057), "acc_all46": (0.015, 0.024)}


@pytest.mark.needs_mirror
@pytest.mark.parametrize("average", ["acc_core17", "acc_all46"])
def test_overtraining_ladder_below_1e21_flops_predicts_the_larger_runs(average):
    runs = wb.load_dataset("overtraining", evals=True)
    accs = [c for c in runs.columns if c.startswith("acc_")]
    runs["acc_core17"] = runs[[f"acc_{t}" for t in CORE17_TASKS]].mean(axis=1)
    runs["acc_all46"] = runs[accs].mean(axis=1)
    parts = []
    for training_set, sub in runs.groupby("training_set"):
        small, large = sub[sub["C"] < 1e21], sub[sub["C"] >= 1e21]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lad = fit_task_ladder(small, task_loss="loss", accuracy=average, bootstrap=100)
        parts.append(lad.evaluate(large).assign(training_set=training_set))
    ev = pd.concat(parts, ignore_index=True)
    assert len(ev) == 5  # c4 6.9B; RedPajama and RefinedWeb 1.4B and 6.9B
    mean_err, max_err = OVERTRAINING_ERRORS[average]
    assert ev["abs_error"].mean() == pytest.approx(mean_err, abs=0.003)
    assert ev["abs_error"].max() == pytest.approx(max_err, abs=0.003)
    assert ev["covered"].sum() >= 4  # 95% prediction intervals


#: Pythia, LAMBADA (OpenAI): the task loss is the log perplexity of the target, the accuracy the task's accuracy.
#: Fit on 70M ... 2.8B, checkpoints after the first 10% of training (step >= 14,300 of 143,000), predict the final
#: checkpoints of 6.9B and 12B. Absolute accuracy errors measured here:
#:   pythia          6.9B 0.003, 12B 0.025
#:   pythia-deduped  6.9B 0.024, 12B 0.037
PYTHIA_ERRORS = {"pythia": (0.003, 0.025), "pythia-deduped": (0.024, 0.037)}


@pytest.mark.needs_mirror
@pytest.mark.parametrize("suite", ["pythia", "pythia-deduped"])
def test_pythia_ladder_predicts_the_two_largest_models(suite):
    ev = wb.load_dataset("pythia-evals", suite=suite, shots=0)
    lam = ev[ev["task"] == "lambada_openai"].pivot_table(index=["model", "N", "step", "D"], columns="metric",
                                                          values="value").reset_index()
    lam = lam[lam["step"] > 0]
    lam["task_loss"] = np.log(lam["ppl"])
    fitted = lam[lam["N"] < 3e9]  # every checkpoint; the engine's trajectory options drop each run's first 10%
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lad = fit_task_ladder(fitted, task_loss="task_loss", accuracy="acc", bootstrap=100, min_fraction=0.1,
                              group="model")
    assert lad.n_runs == int((fitted["step"] >= 0.1 * 143000).sum())
    assert "min_fraction" in [w.code for w in lad.warnings]
    targets = lam[(lam["N"] > 3e9) & (lam["step"] == 143000)].sort_values("N")
    out = lad.evaluate(targets)
    assert len(out) == 2
    np.testing.assert_allclose(out["abs_error"].to_numpy(), PYTHIA_ERRORS[suite], atol=0.003)
    assert out["covered"].all()
