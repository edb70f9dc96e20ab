"""Large tables: screening on a subsample, chunked sums, the score bootstrap, and a clear error before memory runs out."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import workbench as wb
from tests.fit._helpers import quiet_fit
from workbench.fitting.engine import Problem
from workbench.laws import synthetic_runs
from workbench.laws.synthetic import HOFFMANN_PARAMS


@pytest.fixture(scope="module")
def big():
    return synthetic_runs(n_runs=20_000, noise=0.01, seed=11)


def polish_from_truth(f, runs):
    law = f.law
    p = Problem(law, law.inputs_from(runs), runs["loss"].to_numpy(float), np.ones(len(runs)))
    return p.polish(p.theta_of(law._values_array(HOFFMANN_PARAMS)[None, :])[0])


@pytest.mark.slow
def test_large_table_is_screened_and_reaches_the_optimum(big):
    f = quiet_fit("chinchilla", big, bootstrap=0, memory_budget=32 * 2**20)
    assert f.info["screened_on"] == 1024 and f.info["n_starts"] == 4500
    ref = polish_from_truth(f, big)
    assert f.objective <= ref.fun * (1 + 1e-9)
    for k, v in HOFFMANN_PARAMS.items():
        assert f.params[k] == pytest.approx(v, rel=0.03)


@pytest.mark.slow
def test_score_bootstrap_agrees_with_refits(big, monkeypatch):
    """One Newton step per resample (score bootstrap) against full refits on the same table."""
    sub = big.iloc[:8000]
    refit = quiet_fit("chinchilla", sub, bootstrap=100, seed=1)
    assert "score bootstrap" not in str(refit.summary())
    api = sys.modules["workbench.fitting.api"]
    monkeypatch.setattr(api, "REFIT_WORK", 0)
    score = quiet_fit("chinchilla", sub, bootstrap=100, seed=1)
    assert "score bootstrap" in str(score.summary())
    for k in HOFFMANN_PARAMS:
        assert 0.5 < score.stderr[k] / refit.stderr[k] < 2.0, k
        lo, hi = score.intervals[k]
        assert lo <= HOFFMANN_PARAMS[k] <= hi, k


def test_memory_is_checked_before_allocating(monkeypatch):
    engine = sys.modules["workbench.fitting.engine"]
    monkeypatch.setattr(engine, "available_memory", lambda: 2**18)  # 256 KiB free: less than the data need
    with pytest.raises(wb.WorkbenchError, match=r"needs about .* GiB of working memory .* subsample"):
        wb.fit("chinchilla", synthetic_runs(n_runs=5000, seed=0))


def test_memory_budget_from_the_environment(monkeypatch):
    from workbench.fitting.engine import default_memory_budget

    monkeypatch.setenv("WORKBENCH_FIT_MEMORY", "64M")
    assert default_memory_budget() <= 64 * 2**20
    monkeypatch.setenv("WORKBENCH_FIT_MEMORY", "2G")
    assert default_memory_budget() >= 64 * 2**20
