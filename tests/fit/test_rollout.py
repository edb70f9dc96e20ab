"""Rollout validation: fit on the sizes up to the k-th, predict the next."""

from __future__ import annotations

import json

import numpy as np
import pytest

import workbench as wb
from workbench.laws.synthetic import synthetic_trajectories
from workbench.errors import FitError

STARTS = {"E": [1.0, 2.0], "A": [100.0, 1000.0], "B": [100.0, 1000.0], "alpha": [0.25, 0.5], "beta": [0.25, 0.5]}


@pytest.fixture(scope="module")
def family():
    return synthetic_trajectories(seed=6, sizes=np.geomspace(2e7, 4e9, 9))


@pytest.fixture(scope="module")
def result(family):
    return wb.rollout(family, "chinchilla", min_sizes=5, min_fraction=0.2, bootstrap=60, starts=STARTS)


def test_one_step_per_next_size(result, family):
    sizes = np.sort(family["N"].unique())
    assert list(result.steps["predicted_size"]) == list(sizes[5:])
    assert list(result.steps["fitted_sizes"]) == [5, 6, 7, 8]
    # each step predicts the final checkpoint of the next size from the smaller sizes only
    p = result.predictions
    assert len(p) == 4 and list(p["N"]) == list(sizes[5:])
    assert np.all(p["largest_fitted"] < p["N"])
    assert np.allclose(p["D"], 20 * p["N"])
    for f, n_next in zip(result.fits, sizes[5:]):
        assert f.fit_runs["N"].max() < n_next


def test_errors_and_coverage_are_measured(result):
    p = result.predictions
    assert np.allclose(p["rel_error"], p["predicted"] / p["observed"] - 1)
    assert (p["covered"] == ((p["lo"] <= p["observed"]) & (p["observed"] <= p["hi"]))).all()
    assert result.coverage == pytest.approx(p["covered"].mean())
    assert 0 < result.mean_abs_rel_error < 0.05
    st = result.statistics
    assert st["n_steps_fitted"] == 4 and st["level"] == 0.95
    assert "Rollout of" in result.summary()
    assert "step_not_fitted" not in {w.code for w in result.warnings}  # every step fitted


def test_steps_that_cannot_be_fitted_are_reported(family):
    finals = family.groupby("run").tail(1)  # one row per size
    r = wb.rollout(finals, "chinchilla", min_sizes=1, bootstrap=0, starts=STARTS, fixed={"E": 1.69})
    assert len(r.steps) == 8
    # 1 to 4 runs cannot fit four free parameters: those steps say why, the rest are fitted
    assert list(r.steps["error"] != "") == [True] * 4 + [False] * 4
    assert r.steps["error"].iloc[0].startswith("Only 1 runs to fit 4 free parameters")
    assert "not fitted" in r.summary() and len(r.predictions) == 4
    assert [w.code for w in r.warnings] == ["step_not_fitted"] * 4


def test_chart_and_json(result):
    spec = result.chart().to_dict()
    assert spec["layer"]
    d = json.loads(json.dumps(result.to_dict(), default=float))
    assert d["statistics"]["n_predicted"] == 4 and len(d["steps"]) == 4


def test_bad_arguments(family):
    with pytest.raises(wb.WorkbenchError, match="holdout"):
        wb.rollout(family, "chinchilla", holdout="N > 1e9")
    with pytest.raises(FitError, match="distinct N"):
        wb.rollout(family, "chinchilla", min_sizes=9)


def test_cli_rollout_json(tmp_path, family):
    from tests.interface.test_cli import cli

    path = tmp_path / "family.csv"
    family.to_csv(path, index=False)
    chart = tmp_path / "rollout.html"
    r = cli("rollout", str(path), "--law", "chinchilla", "--min-sizes", "6", "--min-fraction", "0.2",
            "--bootstrap", "30", "--json", "--chart", str(chart))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["statistics"]["n_steps"] == 3 and len(out["predictions"]) == 3
    assert {"observed", "predicted", "lo", "hi", "rel_error", "covered"} <= set(out["predictions"][0])
    assert chart.exists() and chart.stat().st_size > 1000
    r = cli("rollout", str(path), "--law", "chinchilla", "--min-sizes", "6", "--bootstrap", "0")
    assert r.returncode == 0 and "Rollout of" in r.stdout


def test_sizes_written_with_tiny_differences_are_one_size(family, result):
    # digitised tables write one model several times with tiny differences (Chinchilla: 7.38246716e7,
    # 7.38246891e7); the ladder still steps model by model, not digit by digit
    rng = np.random.default_rng(3)
    jittered = family.assign(N=family["N"] * (1 + rng.uniform(-1e-6, 1e-6, len(family))))
    assert jittered["N"].nunique() == len(family)
    r = wb.rollout(jittered, "chinchilla", min_sizes=5, min_fraction=0.2, bootstrap=60, starts=STARTS)
    assert list(r.steps["fitted_sizes"]) == [5, 6, 7, 8]
    assert np.allclose(r.steps["predicted_size"], result.steps["predicted_size"], rtol=1e-5)
    assert np.allclose(r.steps["mean_abs_rel_error"], result.steps["mean_abs_rel_error"], rtol=1e-2, atol=1e-4)
    held = wb.fit("chinchilla", jittered, holdout_largest=2, min_fraction=0.2, bootstrap=0, starts=STARTS)
    largest = family.loc[family["N"] >= np.sort(family["N"].unique())[-2], "run"]
    assert sorted(held.holdout_table["run"].unique()) == sorted(largest.unique())  # every row of both sizes


def test_size_levels():
    from workbench.fitting.selection import size_levels

    levels, sizes = size_levels([1e8, 2e8, 1.00001e8, 2e8, 1.5e8, 1e8 * (1 + 2e-3)])
    assert list(sizes) == [1e8, 1.002e8, 1.5e8, 2e8]
    assert list(levels) == [0, 3, 0, 3, 2, 1]
