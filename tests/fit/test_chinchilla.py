"""The Chinchilla refit of Besiroglu et al. (2024), exactly as in LAWS.md."""

from __future__ import annotations

import json

import numpy as np
import pytest

import workbench as wb
from workbench.laws import get_parameter_set

pytestmark = pytest.mark.needs_mirror

OPTIMUM = {"A": 477.8, "B": 2143.8, "E": 1.8172, "alpha": 0.3473, "beta": 0.3672}
PUBLISHED_SE = get_parameter_set("besiroglu2024").stderr


def test_setup_is_the_published_one(chinchilla_refit):
    assert chinchilla_refit.n_runs == 240
    assert chinchilla_refit.info["n_starts"] == 4500
    assert chinchilla_refit.loss == "huber" and chinchilla_refit.delta == 1e-3


@pytest.mark.parametrize("name", list(OPTIMUM))
def test_refit_optimum_within_half_a_percent(chinchilla_refit, name):
    assert chinchilla_refit.params[name] == pytest.approx(OPTIMUM[name], rel=5e-3)


def test_refit_objective(chinchilla_refit):
    assert chinchilla_refit.objective == pytest.approx(1.01827e-3, rel=1e-5)


@pytest.mark.parametrize("name", list(OPTIMUM))
def test_bootstrap_standard_errors_match_published_within_factor_two(chinchilla_refit, name):
    se = chinchilla_refit.stderr[name]
    assert PUBLISHED_SE[name] / 2 <= se <= PUBLISHED_SE[name] * 2


def test_refit_beats_published_constants_on_its_own_objective(chinchilla_refit):
    f = chinchilla_refit
    for name in ("hoffmann2022", "hoffmann2022_unrounded", "besiroglu2024"):
        assert f.objective <= f.objective_at(get_parameter_set(name).values) * (1 + 1e-9)


def test_intervals_contain_the_estimate(chinchilla_refit):
    for name, (lo, hi) in chinchilla_refit.intervals.items():
        assert lo <= chinchilla_refit.params[name] <= hi


def test_derived_quantities_propagate(chinchilla_refit):
    """Tokens per parameter at 5.88e23 FLOPs from the grid optimum is ~17.9 (LAWS.md), with an interval."""
    from workbench.laws import chinchilla_optimum

    def ratio(p):
        N, D = chinchilla_optimum(p, 5.88e23)
        return D / N

    out = chinchilla_refit.propagate(ratio)
    assert out["value"] == pytest.approx(17.9, rel=0.01)
    assert out["lo"] < out["value"] < out["hi"]
    # the planner, handed the fit, says the same (notebook 02 shows it)
    a = wb.compute.compute_optimal(chinchilla_refit, 5.88e23)
    (lo,), (hi,) = a.intervals["tokens_per_parameter"]
    assert a.value("tokens_per_parameter") == pytest.approx(out["value"], rel=1e-9) and lo < 17.9 < hi


def test_held_out_extrapolation_is_measured(chinchilla_runs):
    runs = chinchilla_runs.sort_values("loss").iloc[:-5]
    f = wb.fit("chinchilla", runs, holdout="C > 1e21", bootstrap=50)
    he = f.holdout_error
    assert he["n"] == int((runs["C"] > 1e21).sum()) > 10
    assert 0 < he["mean_abs_rel_error"] < 0.03
    t = f.holdout_table
    assert {"predicted", "rel_error", "pred_lo", "pred_hi"} <= set(t.columns)
    assert f.n_runs + he["n"] == len(runs)


def test_warm_start_refit_after_one_run_changes(chinchilla_refit):
    runs = chinchilla_refit.fit_runs
    g = wb.fit("chinchilla", runs.iloc[1:], warm_start=chinchilla_refit, bootstrap=0)
    cold = wb.fit("chinchilla", runs.iloc[1:], bootstrap=0)
    assert g.objective == pytest.approx(cold.objective, rel=1e-7)
    assert g.info["n_starts"] == 1


def test_summary_html_and_json(chinchilla_refit):
    f = chinchilla_refit
    text = f.summary()
    for word in ("E", "alpha", "95% interval", "AIC", "240"):
        assert word in text
    assert "<table>" in f._repr_html_()
    d = json.loads(json.dumps(f.to_dict()))
    assert d["law"] == "chinchilla" and set(d["intervals"]) == set(OPTIMUM)
    assert d["statistics"]["n_runs"] == 240 and np.isfinite(d["statistics"]["aic"])
