"""Charts and panels of the pruning and scaling-regime toys, driven from Python."""

from __future__ import annotations

import math
import warnings

import pytest

import workbench as wb
from workbench.charts.data import spec_datasets
from workbench.charts.pruning import pruning_chart, regime_explorer_chart, regimes_chart
from workbench.toys import pruning as pr
from workbench.toys import random_features as rf
from workbench.widgets.pruning import pruning_panel, regimes_panel


def test_pruning_chart_has_curves_power_law_and_frontier():
    runs = pr.prune_and_train(alpha_prune=[1, 2, 4, 8], fractions=[1.0, 0.5, 0.1], seed=[0, 1], dim=16)
    law = pr.random_pruning_law(runs, min_alpha=1)
    spec = pruning_chart(pr.mean_curves(runs), random_law=law, front=pr.frontier(runs)).to_dict()
    with pytest.raises(wb.errors.ArgumentError, match="mean_curves"):
        pruning_chart(runs)
    data = spec_datasets(spec)
    assert {"pruning_curves", "random_points", "random_law", "frontier"} <= set(data)
    assert {r["f"] for r in data["pruning_curves"]} == {1.0, 0.5, 0.1}
    assert len(data["frontier"]) == 4
    assert spec["layer"][0]["encoding"]["x"]["scale"]["type"] == "log"


def test_regimes_chart_draws_all_four_regimes_with_fits():
    runs = rf.regimes(latent_dim=256, seed=[0, 1], fixed_P=8, D_for_variance=(128, 256, 512), fixed_D=8,
                      P_for_variance=(64, 128, 256), resolution_sizes=(8, 16, 32))
    spec = regimes_chart(runs, rf.regime_slopes(runs)).to_dict()
    data = spec_datasets(spec)
    regimes = {r["regime"].split(" (")[0] for r in data["regime_points_D"] + data["regime_points_P"]}
    assert regimes == set(rf.REGIMES)
    assert data["regime_fits_D"] and data["regime_fits_P"]


@pytest.fixture(scope="module")
def prune_panel():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pruning_panel(dim=16, seed=(0,), log2_pool=(0, 7))


def test_pruning_panel_switches_strategy_without_retraining(prune_panel):
    p = prune_panel
    assert p.error is None and p.numbers["finished"]
    trained = p.training_seconds
    hard = p.numbers["frontier_error_at_max"]
    p.set(keep="easy")
    assert p.error is None and p.training_seconds == trained  # a view control: no retraining
    assert p.numbers["frontier_error_at_max"] != hard
    p.set(keep="random")
    assert p.error is None and "frontier_gain_at_max" not in p.numbers
    p.set(keep="hard")
    assert p.numbers["random_slope"] < -0.5
    assert p.numbers["frontier_gain_at_max"] > 1


def test_pruning_panel_sweeps_every_control(prune_panel):
    p = prune_panel
    for name in ("theta", "pool", "keep"):
        for value, error, numbers in p.sweep(name, n=3):
            assert error is None, (name, value, error)
            assert numbers["n_runs"] > 0
            assert math.isfinite(numbers.get("random_slope", -1.0))


def test_pruning_panel_reports_an_empty_pool_range():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = pruning_panel(dim=8, seed=(0,), log2_pool=(10, 10))
    # pools of 2^10 per dimension with f >= 1/128 leave alpha_prune >= 8: still some runs
    assert p.error is None and p.numbers["n_runs"] > 0


@pytest.fixture(scope="module")
def regime_panel():
    return regimes_panel(latent_dim=512, seed=(0,), max_P=128, max_D=256, P=16, D=256)


def test_regimes_panel_names_the_regime_and_slopes(regime_panel):
    r = regime_panel
    r.set(P=16, D=256)
    assert r.error is None
    assert r.numbers["in_D"] == "variance-limited in D" and r.numbers["in_P"] == "resolution-limited in P"
    r.set(P=128, D=16)
    assert r.numbers["in_D"] == "resolution-limited in D" and r.numbers["in_P"] == "variance-limited in P"
    assert r.numbers["slope_P"] < 0 and r.numbers["slope_D"] < 0
    r.set(P=64, D=64)
    assert r.numbers["in_D"] == "crossover"


def test_regimes_panel_sweeps_every_control(regime_panel):
    for name in ("alpha", "P", "D"):
        for value, error, numbers in regime_panel.sweep(name, n=3):
            assert error is None, (name, value, error)
            assert numbers["loss"] > 0


def test_regime_explorer_chart_marks_the_student():
    import pandas as pd

    Dc = pd.DataFrame({"D": [8, 16, 8, 16], "curve": ["P = 8", "P = 8", "P = 8 limit (D = ∞)", "P = 8 limit (D = ∞)"],
                       "loss": [1.0, 0.5, 0.2, 0.2]})
    Pc = pd.DataFrame({"P": [8, 16], "curve": ["D = 8", "D = 8"], "loss": [1.0, 0.6]})
    data = spec_datasets(regime_explorer_chart(Dc, Pc, {"P": 8, "D": 16, "loss": 0.5}).to_dict())
    assert data["by_data_point"] == [{"P": 8, "D": 16, "loss": 0.5}]
    assert len(data["by_data_limits"]) == 2 and len(data["by_width_curves"]) == 2
