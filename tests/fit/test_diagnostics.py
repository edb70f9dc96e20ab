"""Each diagnostic code fires on a case built to trigger it, and stays quiet on a case built not to."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from tests.fit._helpers import quiet_fit
from workbench.laws.synthetic import synthetic_runs, synthetic_trajectories
from workbench.errors import FitError, RunsError

HOFF = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def codes(f):
    return {w.code for w in f.warnings}


def flagged(f, code):
    return {n for w in f.warnings if w.code == code for n in w.parameters}


def grid_runs(n_side=6, noise=0.005, seed=0):
    rng = np.random.default_rng(seed)
    N, D = (a.ravel() for a in np.meshgrid(np.logspace(7.5, 10, n_side), np.logspace(9.5, 12, n_side)))
    mu = HOFF["E"] + HOFF["A"] / N ** HOFF["alpha"] + HOFF["B"] / D ** HOFF["beta"]
    return pd.DataFrame({"N": N, "D": D, "loss": mu * np.exp(rng.normal(0, noise, N.size))})


@pytest.fixture(scope="module")
def good_fit():
    return quiet_fit("chinchilla", grid_runs(), bootstrap=100)


def test_a_well_posed_fit_has_no_warnings(good_fit):
    assert good_fit.warnings == []
    assert good_fit.untrusted == []
    d = json.loads(json.dumps(good_fit.to_dict()))
    assert d["warnings"] == []


# ------------------------------------------------------------------ no_residual_dof
def test_no_residual_dof_is_refused_unless_forced():
    five = grid_runs().iloc[[0, 7, 14, 21, 35]]
    with pytest.raises(FitError, match=r"5 runs to fit 5 free parameters.*force=True"):
        wb.fit("chinchilla", five)
    f = quiet_fit("chinchilla", five, force=True, bootstrap=0)
    assert "no_residual_dof" in codes(f)
    six = grid_runs().iloc[[0, 7, 14, 21, 28, 35]]
    assert "no_residual_dof" not in codes(quiet_fit("chinchilla", six, bootstrap=0))


def test_fewer_runs_than_parameters_with_many_checkpoints_warns():
    """Four training curves of 12 checkpoints: 48 rows but only 4 runs for 5 parameters."""
    df = synthetic_trajectories(sizes=np.geomspace(3e7, 3e9, 4), checkpoints=12, seed=1)
    f = quiet_fit("chinchilla", df, bootstrap=0, fixed={"alpha": 0.34})
    assert "no_residual_dof" in codes(f)  # 4 runs for 4 free parameters
    g = quiet_fit("chinchilla", synthetic_trajectories(sizes=np.geomspace(3e7, 3e9, 8), checkpoints=12, seed=1),
                  bootstrap=0, fixed={"alpha": 0.34})
    assert "no_residual_dof" not in codes(g)


# ------------------------------------------------------------------ duplicates
def test_duplicates_are_refused_dropped_or_kept_with_a_warning():
    base = grid_runs().iloc[:8]
    four_times = pd.concat([base] * 4, ignore_index=True)
    with pytest.raises(RunsError, match=r"repeat the inputs.*on_duplicates='drop'"):
        wb.fit("power_law_N", four_times)
    dropped = quiet_fit("power_law_N", four_times, on_duplicates="drop", bootstrap=0)
    assert dropped.n_runs == 8 and "duplicates" in codes(dropped)
    kept = quiet_fit("power_law_N", four_times, on_duplicates="keep", bootstrap=0)
    assert kept.n_runs == 32 and "duplicates" in codes(kept)
    assert "duplicates" not in codes(quiet_fit("power_law_N", base, bootstrap=0))


def test_cli_refuses_a_file_that_repeats_rows(tmp_path):
    from tests.interface.test_cli import cli

    path = tmp_path / "repeated.csv"
    pd.concat([grid_runs().iloc[:6]] * 4).to_csv(path, index=False)
    r = cli("fit", str(path), "--law", "power_law_N", "--bootstrap", "0")
    assert r.returncode == 2 and "repeat" in r.stderr and "Traceback" not in r.stderr
    r = cli("fit", str(path), "--law", "power_law_N", "--bootstrap", "0", "--on-duplicates", "drop", "--json")
    out = json.loads(r.stdout)
    assert out["statistics"]["n_runs"] == 6
    assert [w["code"] for w in out["warnings"]] == ["duplicates"]


# ------------------------------------------------------------------ at_bound (fitted space, E -> 0)
def test_E_collapsing_to_zero_is_at_bound():
    """A pure power law has no floor: ln E runs off to minus infinity."""
    N = np.logspace(7, 10, 12)
    loss = 300 * N**-0.3 * np.exp(np.random.default_rng(0).normal(0, 0.003, N.size))
    f = quiet_fit("power_law_N", {"N": N, "D": N, "loss": loss}, bootstrap=50)
    assert f.params["E"] < 1e-6
    assert "E" in flagged(f, "at_bound")
    assert "E" in f.untrusted
    assert "collapsed to its lower bound 0" in " ".join(f.warnings)
    floor = 1.8 + 300 * N**-0.3
    g = quiet_fit("power_law_N", {"N": N, "D": N, "loss": floor}, bootstrap=0)
    assert "at_bound" not in codes(g)


def test_finite_bound_is_at_bound():
    f = quiet_fit("chinchilla", grid_runs(), bounds={"alpha": (0.0, 0.1)}, bootstrap=0)
    assert "alpha" in flagged(f, "at_bound")


# ------------------------------------------------------------------ not_identified
def test_tokens_that_barely_vary_leave_B_and_beta_unidentified():
    """Final checkpoints at one token count: B / D^beta is one number, E and B cannot be told apart."""
    rng = np.random.default_rng(3)
    N = np.logspace(7.5, 10, 14)
    D = np.full(N.size, 2e11)
    mu = HOFF["E"] + HOFF["A"] / N ** HOFF["alpha"] + HOFF["B"] / D ** HOFF["beta"]
    f = quiet_fit("chinchilla", {"N": N, "D": D, "loss": mu * np.exp(rng.normal(0, 0.003, N.size))}, bootstrap=50)
    bad = flagged(f, "not_identified") | flagged(f, "at_bound")
    assert {"B", "beta"} <= bad
    msg = next(w for w in f.warnings if w.code == "not_identified")
    assert "fixed=" in msg and "tie=" in msg


def test_well_spread_grid_is_identified(good_fit):
    assert "not_identified" not in codes(good_fit)


# ------------------------------------------------------------------ few_sizes
def test_few_model_sizes():
    df = grid_runs()
    three = df[df["N"].isin(np.sort(df["N"].unique())[:3])]
    f = quiet_fit("chinchilla", three, bootstrap=0)
    assert "few_sizes" in codes(f)
    assert "few_sizes" not in codes(quiet_fit("power_law_D", three, bootstrap=0))  # no size term


def test_warnings_are_machine_readable_in_json(tmp_path):
    N = np.logspace(7, 10, 12)
    f = quiet_fit("power_law_N", {"N": N, "D": N, "loss": 300 * N**-0.3}, bootstrap=0)
    d = json.loads(json.dumps(f.to_dict()))
    w = d["warnings"][0]
    assert set(w) == {"code", "message"} and w["code"] == "at_bound" and d["untrusted"] == ["E"]
    assert "warning: Parameter 'E'" in str(f.summary()) and f.untrusted == ["E"]


def test_synthetic_runs_fit_without_warnings():
    f = quiet_fit("chinchilla", synthetic_runs(n_runs=60, noise=0.005, seed=2), bootstrap=50)
    assert codes(f) == set()


# ------------------------------------------------------------------ optimizer
def test_a_polish_stopped_at_its_iteration_limit_is_reported(monkeypatch, good_fit):
    # the real L-BFGS-B, allowed one iteration: it stops at its limit before it has converged
    from workbench.fitting import engine
    monkeypatch.setitem(engine.POLISH_OPTIONS, "maxiter", 1)
    f = quiet_fit("chinchilla", grid_runs(), bootstrap=0)
    assert "optimizer" in codes(f)
    msg = next(w for w in f.warnings if w.code == "optimizer")
    assert "ITERATIONS" in msg and "starts=" in msg
    assert "optimizer" not in codes(good_fit)  # the default polish converges


# ------------------------------------------------------------------ bootstrap_failed
def test_bootstrap_refits_that_do_not_converge_are_reported(monkeypatch, good_fit):
    # A refit starts at the optimum and only accepts steps that lower its objective, so on real
    # data it cannot fail; the failure of a third of the refits is simulated here to check the report.
    from workbench.fitting import engine
    real = engine.Problem.levenberg_marquardt

    def failing(self, theta0, *args, **kwargs):
        th, F, it = real(self, theta0, *args, **kwargs)
        if kwargs.get("weights") is not None or kwargs.get("targets") is not None:  # a bootstrap refit
            F = np.where(np.arange(len(F)) % 3 == 0, np.inf, F)
        return th, F, it

    monkeypatch.setattr(engine.Problem, "levenberg_marquardt", failing)
    f = quiet_fit("chinchilla", grid_runs(), bootstrap=60)
    assert "bootstrap_failed" in codes(f)
    n_ok = len(f.bootstrap_values)
    assert n_ok < 0.9 * 60 and f"Only {n_ok} of 60" in next(w for w in f.warnings if w.code == "bootstrap_failed")
    assert "bootstrap_failed" not in codes(good_fit)


def test_interval_quantiles_of_overflowed_draws_are_unbounded_not_nan():
    """A widened log-scale draw that overflowed to inf gives an unbounded interval end, with no NaN and no
    RuntimeWarning (which a notebook would print on stderr)."""
    import warnings

    from workbench.results import percentile_interval

    draws = np.array([[1.0, 2.0], [2.0, np.inf], [3.0, np.inf], [np.nan, np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, hi = percentile_interval(draws, 0.95)
    assert hi[0] == pytest.approx(2.95) and hi[1] == np.inf
    assert lo[0] == pytest.approx(1.05) and lo[1] >= 2.0
    assert not np.isnan(lo).any() and not np.isnan(hi).any()
