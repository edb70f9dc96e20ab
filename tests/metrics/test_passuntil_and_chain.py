"""PassUntil estimates, the task law, and the downstream chain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import FitError, MissingColumnsError, WorkbenchError
from workbench.metrics import chain_correlations, downstream_chain, fit_task_law, fixed_budget, pass_until

N = np.logspace(8, 11, 7)
TRUE = np.exp(-2.2e4 * N**-0.4)  # pass rates from 1e-6 to 0.4


def test_pass_until_resolves_rates_a_fixed_budget_reads_as_zero():
    fixed = fixed_budget(TRUE, n_items=100, samples_per_item=1, seed=0)
    tiny = TRUE < fixed["floor"].iloc[0] / 5
    assert tiny.sum() >= 2 and (fixed.loc[tiny, "estimate"] == 0).all()
    pu = pass_until(TRUE, n_items=100, r=2, seed=0)
    assert (pu["estimate"] > 0).all()
    # unbiased estimator: within 4 standard errors of the truth at every size
    z = (pu["estimate"] - TRUE) / pu["stderr"]
    assert np.all(np.abs(z) < 4), z.to_numpy()


def test_pass_until_respects_its_budget():
    pu = pass_until([1e-9, 0.5], n_items=20, r=1, max_samples=1000, seed=1)
    assert pu["cut_off"].iloc[0] == 20 and pu["samples"].iloc[0] == 20 * 1000
    assert pu["cut_off"].iloc[1] == 0


def test_task_law_recovers_its_parameters():
    f = fit_task_law(N, TRUE)
    assert f.params["c"] == pytest.approx(2.2e4, rel=1e-8) and f.params["alpha"] == pytest.approx(0.4, rel=1e-8)
    np.testing.assert_allclose(wb.get_law("task_law_N").predict(f.params, N=N), TRUE, rtol=1e-8)
    assert not f.accelerated
    g = fit_task_law(N, pass_until(TRUE, n_items=200, r=3, seed=2)["estimate"])
    assert g.params["alpha"] == pytest.approx(0.4, abs=0.05)


def test_curvature_flags_accelerated_emergence():
    """log(-log PU) that steepens with log N (concave) is flagged; a straight line is not."""
    x = np.log(N)
    d = x - x.mean()
    noise = np.random.default_rng(0).normal(0, 0.01, N.size)
    f = fit_task_law(N, np.exp(-np.exp(1.0 - 0.3 * d - 0.15 * d**2 + noise)))
    assert f.n == N.size and f.curvature < 0 and f.accelerated
    g = fit_task_law(N, np.exp(-np.exp(1.0 - 0.3 * d + noise)))
    assert not g.accelerated


def test_task_law_needs_resolved_rates():
    with pytest.raises(FitError):
        fit_task_law(N[:4], [0.0, 0.0, 0.1, 0.2])
    with pytest.raises(WorkbenchError):
        pass_until([0.1], r=0)


def test_correlation_with_scale_degrades_along_the_chain():
    """Schaeffer et al. (2024): log p_vocab(correct) tracks scale best, accuracy worst."""
    table = downstream_chain(n=200, persistence=0.0, seed=0)
    c = chain_correlations(table).set_index("step")["per_item"]
    assert c["log_p_vocab"] > c["p_choice"] > c["accuracy"]
    assert c["brier"] > c["accuracy"]
    assert c["log_p_vocab"] - c["accuracy"] > 0.15


def test_without_fluctuating_distractors_the_first_steps_are_monotone_in_scale():
    table = downstream_chain(n=100, persistence=1.0, seed=0)
    c = chain_correlations(table).set_index("step")
    assert c.loc["log_p_vocab", "per_item"] == pytest.approx(1.0)
    assert c.loc["p_choice", "per_item"] == pytest.approx(1.0)
    assert c.loc["accuracy", "per_item"] < 0.95


def test_chain_on_a_users_table_and_bad_columns():
    t = pd.DataFrame({"N": [1e8, 1e9, 1e10] * 2, "item": [0, 0, 0, 1, 1, 1], "accuracy": [0, 1, 1, 0, 0, 1.0]})
    c = chain_correlations(t, method="pearson")
    assert list(c["step"]) == ["accuracy"] and c["per_item"].iloc[0] == pytest.approx(0.8660254, abs=1e-6)
    with pytest.raises(MissingColumnsError):
        chain_correlations(t.drop(columns="item"))
