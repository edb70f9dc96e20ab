"""Group bootstrap, confidence vs prediction intervals, held-out predictions in JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from tests.fit._helpers import quiet_fit
from workbench.laws.synthetic import synthetic_runs, synthetic_trajectories
from workbench.errors import FitError, RunsError
from workbench.fitting.groups import resolve_groups


@pytest.fixture(scope="module")
def trajectories():
    return synthetic_trajectories(seed=4)


@pytest.fixture(scope="module")
def traj_fit(trajectories):
    return quiet_fit("chinchilla", trajectories, holdout_largest=1, min_fraction=0.2, bootstrap=100, seed=1)


# ------------------------------------------------------------------ runs
def test_runs_are_inferred_from_steps_and_named_in_the_summary(trajectories):
    g = resolve_groups(trajectories.drop(columns="run"))
    assert g.source == "inferred" and g.n_groups == trajectories["N"].nunique()
    assert "inferred from a 'step' column" in g.description
    f = quiet_fit("chinchilla", trajectories.drop(columns="run"), min_fraction=0.2, bootstrap=20)
    assert "inferred" in f.summary() and f.groups.n_groups == 8


def test_runs_inferred_from_repeated_sizes_at_growing_tokens():
    df = synthetic_trajectories(seed=0).drop(columns=["run", "step"])
    g = resolve_groups(df)
    assert g.source == "inferred" and g.n_groups == 8
    one_each = synthetic_runs(n_runs=20, seed=0)
    assert resolve_groups(one_each).source == "rows"
    # text columns that tell runs apart (a name) keep rows separate
    named = df.assign(name=[f"r{i}" for i in range(len(df))])
    assert resolve_groups(named).source == "rows"


def test_group_column_and_errors(trajectories):
    g = resolve_groups(trajectories, "run")
    assert g.source == "column" and g.n_groups == 8
    assert resolve_groups(trajectories, False).n_groups == len(trajectories)
    with pytest.raises(RunsError, match="not a column"):
        resolve_groups(trajectories, "family")
    with pytest.raises(RunsError, match="one label per row"):
        resolve_groups(trajectories, [1, 2, 3])


def test_bootstrap_resamples_whole_runs(trajectories, monkeypatch):
    """The bootstrap is handed the runs (8 of them), not the rows."""
    import sys

    api = sys.modules["workbench.fitting.api"]
    real = api.run_bootstrap
    seen = []

    def spy(problem, theta, codes, G, B, seed, **kw):
        seen.append((codes, G))
        return real(problem, theta, codes, G, B, seed, **kw)

    monkeypatch.setattr(api, "run_bootstrap", spy)
    f = quiet_fit("chinchilla", trajectories, min_fraction=0.2, bootstrap=10, resample="runs")
    codes, G = seen[0]
    assert G == 8 and len(np.unique(codes)) == 8
    assert f.resample == "runs" and "whole runs drawn with replacement, 8 runs" in f.summary()


def test_naive_row_bootstrap_is_too_narrow_on_trajectories(trajectories):
    """Treating checkpoints as independent runs understates the uncertainty of the law."""
    runs_ = quiet_fit("chinchilla", trajectories, holdout_largest=1, min_fraction=0.2, bootstrap=100, seed=2)
    rows_ = quiet_fit("chinchilla", trajectories, holdout_largest=1, min_fraction=0.2, bootstrap=100, seed=2,
                      group=False)
    x = dict(N=2e9, D=4e10)
    w_runs = np.subtract(*runs_.predict_interval(kind="confidence", **x)[::-1])
    w_rows = np.subtract(*rows_.predict_interval(kind="confidence", **x)[::-1])
    assert w_runs[0] > 2 * w_rows[0]


# ------------------------------------------------------------------ two intervals
def test_prediction_interval_contains_confidence_interval(traj_fit):
    x = dict(N=np.array([1e8, 2e9, 1e10]), D=np.array([2e9, 4e10, 2e11]))
    plo, phi = traj_fit.predict_interval(kind="prediction", **x)
    clo, chi = traj_fit.predict_interval(kind="confidence", **x)
    pred = traj_fit.predict(**x)
    assert np.all(plo < clo) and np.all(chi < phi)
    assert np.all(clo <= pred) and np.all(pred <= chi)
    # the prediction interval at the data is about +-t*sigma wide, sigma the scatter of a run
    lo, hi = traj_fit.predict_interval(kind="prediction", N=1e8, D=2e9)
    assert np.log(hi / lo)[0] > 2 * 1.9 * traj_fit.noise.sigma
    with pytest.raises(wb.WorkbenchError, match="kind"):
        traj_fit.predict_interval(kind="both", N=1e8, D=2e9)


def test_noise_components_separate_between_and_within_runs():
    df = synthetic_trajectories(seed=5, sizes=np.geomspace(2e7, 2e9, 16), run_offset=0.02, noise=0.004, correlation=0.0)
    f = quiet_fit("chinchilla", df, bootstrap=0)
    assert 0.012 < f.noise.sigma_between < 0.03
    assert 0.003 < f.noise.sigma_within < 0.005


def test_intervals_contain_the_estimate(traj_fit):
    for name, (lo, hi) in traj_fit.intervals.items():
        assert lo <= traj_fit.params[name] <= hi


def test_no_bootstrap_no_interval():
    f = quiet_fit("power_law_N", synthetic_runs("power_law_N", {"E": 1.5, "A": 300, "alpha": 0.3}, seed=0), bootstrap=0)
    with pytest.raises(wb.WorkbenchError, match="bootstrap"):
        f.predict_interval(N=1e10)


# ------------------------------------------------------------------ held-out predictions
def test_holdout_predictions_one_entry_per_held_out_row(traj_fit):
    preds = traj_fit.holdout_predictions
    held = traj_fit.holdout_runs
    assert len(preds) == len(held)
    e = preds[-1]
    assert {"N", "D", "observed", "predicted", "lo", "hi", "rel_error", "run"} <= set(e)
    assert e["lo"] < e["predicted"] < e["hi"]
    assert e["rel_error"] == pytest.approx(e["predicted"] / e["observed"] - 1)
    d = json.loads(json.dumps(traj_fit.to_dict()))
    assert len(d["holdout"]["predictions"]) == len(held)
    assert d["holdout"]["coverage"] == pytest.approx(np.mean([p["lo"] <= p["observed"] <= p["hi"] for p in preds]))


def test_cli_json_has_holdout_predictions(tmp_path):
    from tests.interface.test_cli import cli

    path = tmp_path / "family.csv"
    synthetic_trajectories(seed=3).to_csv(path, index=False)
    r = cli("fit", str(path), "--law", "chinchilla", "--holdout-largest", "1", "--min-fraction", "0.2",
            "--bootstrap", "40", "--level", "0.9", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    preds = out["holdout"]["predictions"]
    assert len(preds) == out["holdout"]["n"] > 0
    assert all(p["lo"] < p["predicted"] < p["hi"] for p in preds)
    assert out["holdout"]["level"] == 0.9
    assert out["runs"]["n_runs"] == 7 and out["runs"]["sigma_between"] > 0 and out["runs"]["resample"] == "residuals"
