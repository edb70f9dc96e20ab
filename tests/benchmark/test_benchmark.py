"""The extrapolation benchmark: every task's split and human-derived law, the quick benchmark, selection
from the training split alone, and a user's own law and task scored the same way."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.benchmark import Task, benchmark_extrapolation, extrapolation_scores, get_task, list_tasks, score_task
from workbench.data import Largest
from workbench.errors import UnknownNameError, WorkbenchError
from workbench.laws import Law, Parameter

pytestmark = pytest.mark.needs_mirror

#: Held-out R-squared (SLDBench's definition) of each task's human-derived law fitted by our engine on the
#: training split (BENCHMARK_FIT_OPTIONS), and the split sizes the task's rule gives.
HUMAN_LAW = {
    #  task               (law,                 n_train, n_test, held-out R2)
    "data-constrained": ("data_constrained", 161, 21, 0.9883),
    "vocabulary": ("vocabulary", 1000, 200, 0.9873),
    "moe": ("moe_clark2022", 193, 28, 0.9769),
    "lr-batch": ("step_law_surface", 1459, 271, 0.9345),
    "sft": ("rectified_sft", 504, 42, 0.9986),
    "domain-mixture": ("data_mixing", 400, 120, 0.9970),
}


def test_the_six_sldbench_tasks_are_registered():
    assert list_tasks()[:6] == list(HUMAN_LAW)
    for name, (law, *_rest) in HUMAN_LAW.items():
        task = get_task(name)
        assert task.expert_name == law and law in task.law_names
        assert "Can Language Models Discover Scaling Laws" in task.citation
    with pytest.raises(UnknownNameError, match="vocabulary"):
        get_task("vocab")


@pytest.mark.parametrize("name", list(HUMAN_LAW))
def test_task_split_and_human_law(name):
    law, n_train, n_test, r2 = HUMAN_LAW[name]
    task = get_task(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = task.runs()
        held = task.held_out(table)
        # the rule the benchmark applies is the rule the dataset's reader wrote into its 'split' column
        np.testing.assert_array_equal(held, table["split"].eq("test").to_numpy())
        assert (int((~held).sum()), int(held.sum())) == (n_train, n_test)
        result = score_task(name, only=[law], select=False)
    s = result.score(law)
    assert math.isfinite(s.r2) and math.isfinite(s.nmse) and math.isfinite(s.nmae)
    assert s.r2 == pytest.approx(r2, abs=0.005)
    assert s.error is None


def test_quick_benchmark_over_every_task():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = benchmark_extrapolation(quick=True, progress=False)
    assert lb.quick and [t.name for t in lb.tasks] == list_tasks()
    records = lb.to_records()
    json.dumps(records, allow_nan=False)
    for rec, t in zip(records, lb.tasks):
        assert set(rec) == {"task", "n_train", "n_test", "selected", "expert", "laws"}
        assert set(rec["selected"]) == set(rec["expert"]) == {"law", "r2", "nmse", "nmae"}
        assert rec["selected"]["law"] in [x["law"] for x in rec["laws"]]
        assert rec["expert"]["law"] == HUMAN_LAW[t.name][0]
        assert 1 <= len(rec["laws"]) <= 2
        for x in rec["laws"]:
            assert x["r2"] is not None and x["r2"] == pytest.approx(1 - x["nmse"])
    table = lb.table()
    assert list(table.index) == list_tasks()
    text = lb.summary()
    assert "quick mode" in text and "mean R2 across tasks" in text
    assert "<table>" in lb._repr_html_()


def _toy_task(heldout_shift=0.0):
    """Chinchilla-like runs: two laws, largest model held out; ``heldout_shift`` perturbs only held-out losses."""
    rng = np.random.default_rng(0)
    N = np.repeat(np.logspace(7, 9.5, 6), 5)
    D = np.tile(np.logspace(9, 11, 5), 6)
    loss = 1.8 + 400 / N**0.34 + 410 / D**0.28
    loss = loss * np.exp(rng.normal(0, 0.003, loss.size))
    df = pd.DataFrame({"N": N, "D": D, "loss": loss})
    held = Largest("N").mask(df)
    df.loc[held, "loss"] += heldout_shift
    return Task(
        name="toy",
        title="toy Chinchilla runs",
        data=df,
        target="loss",
        laws=("chinchilla", "power_law_N"),
        split=Largest("N"),
    )


def test_selection_never_looks_at_the_held_out_split():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = score_task(_toy_task(0.0))
        b = score_task(_toy_task(0.5))  # the held-out losses change, nothing else
    assert a.selected == b.selected == "chinchilla"
    for sa, sb in zip(a.scores, b.scores):
        assert sa.validation_nmse == sb.validation_nmse
    assert a.score("chinchilla").r2 != b.score("chinchilla").r2
    assert a.score("chinchilla").r2 > 0.9


def test_a_users_own_law_and_task_are_scored_the_same_way():
    # a user's law: a pure power law in N and D with no irreducible term
    def formula(p, x):
        return p.A * x.N ** (-p.a) * x.D ** (-p.b)

    def log_formula(p, x):
        return np.log(p.A) - p.a * np.log(x.N) - p.b * np.log(x.D)

    mine = Law(
        name="my_product_law",
        title="my product law",
        inputs=("N", "D"),
        parameters=(
            Parameter("A", "scale", 0.0, math.inf, (0.0, 2.0, 4.0), log=True),
            Parameter("a", "exponent of N", -2.0, 2.0, (0.05,)),
            Parameter("b", "exponent of D", -2.0, 2.0, (0.05,)),
        ),
        formula=formula,
        log_formula=log_formula,
        equation="L = A N^-a D^-b",
        reference="a user's law",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = benchmark_extrapolation([_toy_task()], extra_laws=[mine], progress=False, quick=False)
    t = lb.task("toy")
    assert t.laws == ["chinchilla", "power_law_N", "my_product_law"]
    assert math.isfinite(t.score("my_product_law").r2)
    assert t.score("chinchilla").r2 > t.score("my_product_law").r2
    # the extra law is offered to tasks whose table feeds it, and skipped elsewhere without a word
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = score_task("sft", extra_laws=[mine], quick=True)
    assert "my_product_law" not in r.laws


def test_residuals_and_task_table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = score_task(_toy_task())
    res = r.residuals()
    assert set(res["split"]) == {"train", "test"} and len(res) == r.n_train + r.n_test
    np.testing.assert_allclose(res["residual"], res["observed"] - res["predicted"])
    tab = r.table()
    assert tab["selected"].sum() == 1 and tab["expert"].sum() == 1
    assert "selected" in r.summary() and "human" in str(r.summary())


def test_task_errors_are_clear():
    df = pd.DataFrame({"N": [1e8, 2e8, 4e8], "D": [1e9, 1e9, 1e9], "loss": [3.0, 2.9, 2.8]})
    with pytest.raises(WorkbenchError, match="holds out every row"):
        Task("t", "t", df, "loss", laws=("chinchilla",), split=Largest("D")).held_out(df)
    with pytest.raises(WorkbenchError, match="predicts 'error'"):
        Task("t", "t", df, "error", laws=("chinchilla",)).runs()
    with pytest.raises(WorkbenchError, match="no applicable law"):
        score_task(_toy_task(), only=["vocabulary"])


def test_scores_follow_sldbench():
    y_all = np.array([1.0, 2.0, 3.0, 4.0])
    s = extrapolation_scores([3.5, 4.5], [3.0, 4.0], y_all)
    assert s["nmse"] == pytest.approx(0.25 / np.var(y_all))
    assert s["nmae"] == pytest.approx(0.5 / 1.0)
    assert s["r2"] == pytest.approx(1 - s["nmse"])
    assert math.isnan(extrapolation_scores([np.nan, 1.0], [1.0, 1.0], y_all)["r2"])


def test_two_workers_give_the_same_numbers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = benchmark_extrapolation(["moe", "sft"], quick=True, progress=False)
        two = benchmark_extrapolation(["moe", "sft"], quick=True, progress=False, workers=2)
    assert two.to_records() == one.to_records()
    assert not [w for w in two.warnings if w.code == "serial"]


def test_a_law_that_cannot_travel_makes_the_benchmark_run_in_one_process():
    local = Law(
        name="local_power_law",
        title="a law whose formula is a local function",
        inputs=("N",),
        parameters=(Parameter("A", "scale", 0.0, math.inf, (0.0, 3.0), log=True), Parameter("a", "exponent", 0.0, 2.0, (0.1,))),
        formula=lambda p, x: p.A * x.N ** (-p.a),
        equation="L = A N^-a",
        reference="a test",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        other = dataclasses.replace(_toy_task(), name="toy2")
        lb = benchmark_extrapolation([_toy_task(), other], extra_laws=[local], quick=False, progress=False, workers=2)
    assert [w.code for w in lb.warnings if w.code == "serial"] == ["serial"]
    assert "local_power_law" in lb.task("toy").laws


def test_rollout_selection_along_model_size():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = benchmark_extrapolation(["moe", "sft"], quick=True, progress=False, selection="rollout")
    moe, sft = lb.task("moe"), lb.task("sft")
    assert moe.validation_rule.startswith("rollout along N") and moe.n_validation_folds == 2  # 5 training sizes
    assert all(math.isfinite(s.validation_nmse) for s in moe.scores)
    # a task fitted one curve at a time has no size ladder: leave-the-largest-out, said so
    assert "selection_fallback" in [w.code for w in sft.warnings]
    assert not sft.validation_rule.startswith("rollout")
    with pytest.raises(WorkbenchError, match="selection"):
        score_task("moe", selection="kfold")
