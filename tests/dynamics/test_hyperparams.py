"""Hyperparameter laws: Step Law (Li et al. 2025) and Kaplan's critical batch size, and sweep optima."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.dynamics import hyperparams
from workbench.dynamics.hyperparams import (
    critical_batch_size,
    optimal_lr,
    step_law_batch,
    step_law_lr,
    steps_at_batch,
    tokens_at_batch,
)
from workbench.errors import MissingColumnsError, WorkbenchError


def test_doctests():
    assert doctest.testmod(hyperparams).failed == 0


def test_step_law_published_constants():
    """LAWS.md: lr = 1.79 N^-0.713 D^0.307, B = 0.58 D^0.571 (tokens)."""
    N, D = 1e9, 1e11
    assert step_law_lr(N, D) == pytest.approx(1.79 * N**-0.713 * D**0.307, rel=1e-12)
    assert step_law_batch(D) == pytest.approx(0.58 * D**0.571, rel=1e-12)
    ps_lr, ps_b = wb.get_parameter_set("li2025_lr"), wb.get_parameter_set("li2025_batch")
    assert ps_lr.values == {"c": 1.79, "a": 0.713, "b": 0.307} and ps_b.values == {"d": 0.58, "e": 0.571}
    assert ps_lr.predict(N=N, D=D)[0] == pytest.approx(step_law_lr(N, D))
    assert ps_b.predict(D=D)[0] == pytest.approx(step_law_batch(D))
    # units: at 100B tokens the optimal batch is about a million tokens (not a million sequences)
    assert 5e5 < step_law_batch(1e11) < 2e6
    # lr falls with model size and rises with data, as the exponents say
    assert step_law_lr(1e10, D) / step_law_lr(1e9, D) == pytest.approx(10**-0.713)
    assert step_law_lr(N, 1e12) / step_law_lr(N, 1e11) == pytest.approx(10**0.307)


def test_step_law_bootstrap_medians_agree_with_the_point_fit():
    """The public bootstrap medians (1.78, -0.712, 0.307; 0.573, 0.571) give the same optima within 2%
    over 1e8..1e11 parameters and 1e10..1e13 tokens."""
    N, D = np.meshgrid(np.logspace(8, 11, 7), np.logspace(10, 13, 7))
    rel = step_law_lr(N, D, c=1.78, a=0.712, b=0.307) / step_law_lr(N, D) - 1
    assert np.abs(rel).max() < 0.02
    relb = step_law_batch(D, d=0.573, e=0.571) / step_law_batch(D) - 1
    assert np.abs(relb).max() < 0.02


def test_kaplan_critical_batch():
    """LAWS.md: B_crit(L) = B* / L^(1/alpha_B), B* ~ 2e8 tokens, alpha_B ~ 0.21."""
    assert critical_batch_size(1.0) == pytest.approx(2e8)
    assert critical_batch_size(3.0) == pytest.approx(2e8 / 3.0 ** (1 / 0.21))
    # lower loss -> larger critical batch; ~1-2M tokens around 2.5-3 nats/token (Kaplan Fig. 10)
    assert critical_batch_size(2.5) > critical_batch_size(3.0)
    assert 5e5 < critical_batch_size(3.0) < 3e6
    assert wb.get_parameter_set("kaplan2020_critical_batch").predict(loss=3.0)[0] == pytest.approx(critical_batch_size(3.0))
    # at B = B_crit, twice the minimum steps and twice the minimum tokens
    assert steps_at_batch(1000, 1e6, 1e6) == 2000 and tokens_at_batch(1e9, 1e6, 1e6) == 2e9
    with pytest.raises(WorkbenchError):
        critical_batch_size(0.0)
    with pytest.raises(WorkbenchError):
        step_law_lr(-1, 1e9)


def test_step_law_refits_through_the_engine():
    """Synthetic optima drawn from Step Law (2% noise) refit to its exponents with wb.fit."""
    rng = np.random.default_rng(1)
    N, D = (a.ravel() for a in np.meshgrid(np.logspace(7, 10, 6), np.logspace(9, 12, 6)))
    runs = pd.DataFrame({"N": N, "D": D, "lr": step_law_lr(N, D) * np.exp(0.02 * rng.standard_normal(N.size))})
    f = wb.fit("step_law_lr", runs, bootstrap=0)
    assert f.params["a"] == pytest.approx(0.713, abs=0.02) and f.params["b"] == pytest.approx(0.307, abs=0.02)
    runs_b = pd.DataFrame({"D": np.logspace(9, 12, 8)}).assign(N=1.0)
    runs_b["batch"] = step_law_batch(runs_b["D"])
    fb = wb.fit("step_law_batch", runs_b, bootstrap=0)
    assert fb.params["e"] == pytest.approx(0.571, abs=1e-3)


def test_optimal_lr_of_a_sweep():
    lrs = np.logspace(-3, -1, 9)
    rows = []
    for N, best in ((1e3, 2e-2), (1e4, 5e-3)):
        for lr in lrs:
            rows.append({"N": N, "D": 1e5, "lr": lr, "loss": 2.0 + 0.1 * (np.log(lr) - np.log(best)) ** 2})
    opt = optimal_lr(pd.DataFrame(rows))
    np.testing.assert_allclose(opt["lr_opt"], [2e-2, 5e-3], rtol=1e-6)
    assert not opt["on_edge"].any() and (opt["D"] == 1e5).all()
    edge = optimal_lr(pd.DataFrame(rows).query("lr < 4e-3"))
    assert edge["on_edge"].all()
    with pytest.raises(MissingColumnsError):
        optimal_lr(pd.DataFrame({"N": [1.0]}))
