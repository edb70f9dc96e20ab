"""Options the anchors have: fixed and tied parameters, an asymmetric loss, E capped; trajectories and families."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from tests.fit._helpers import quiet_fit
from workbench.laws.synthetic import synthetic_runs, synthetic_trajectories
from workbench.errors import ArgumentError, FitError, LawError, RunsError

HOFF = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


@pytest.fixture(scope="module")
def runs():
    return synthetic_runs(n_runs=50, noise=0.005, seed=7)


def test_fixed_parameter(runs):
    f = quiet_fit("chinchilla", runs, fixed={"alpha": 0.34}, bootstrap=20)
    assert f.params["alpha"] == 0.34 and f.n_free == 4
    assert f.intervals["alpha"] == (0.34, 0.34)


def test_tied_parameters_are_equal_and_fit_as_one(runs):
    f = quiet_fit("chinchilla", runs, tie=[("alpha", "beta")], bootstrap=30)
    assert f.params["alpha"] == f.params["beta"]
    assert (f.bootstrap["alpha"] == f.bootstrap["beta"]).all()
    assert "tied to alpha" in f.summary()
    assert f.to_dict()["tie"] == [["alpha", "beta"]]
    # the tied optimum is the best point of the constrained problem: no worse than the free optimum with beta = alpha
    free = quiet_fit("chinchilla", runs, bootstrap=0)
    assert f.objective >= free.objective * (1 - 1e-9)
    assert quiet_fit("chinchilla", runs, tie=("alpha", "beta"), bootstrap=0).params["beta"] == pytest.approx(
        f.params["beta"], rel=1e-6)


def test_tie_errors(runs):
    with pytest.raises(LawError, match="different scales"):
        wb.fit("chinchilla", runs, tie=[("A", "alpha")])
    with pytest.raises(LawError, match="both fixed and tied"):
        wb.fit("chinchilla", runs, tie=[("alpha", "beta")], fixed={"beta": 0.3})
    with pytest.raises(LawError, match="at least two"):
        wb.fit("chinchilla", runs, tie=[("alpha", "gamma")])


def test_overestimate_penalty_fits_below_the_runs(runs):
    sym = quiet_fit("chinchilla", runs, bootstrap=0, loss="squares")
    low = quiet_fit("chinchilla", runs, bootstrap=0, loss="squares", overestimate_penalty=10.0)
    r_sym, r_low = sym.residuals.to_numpy(), low.residuals.to_numpy()
    # residual = ln observed - ln predicted: a penalty on over-prediction leaves more runs above the law
    assert np.mean(r_low > 0) > np.mean(r_sym > 0)
    assert np.mean(r_low > 0) > 0.7
    with pytest.raises(ArgumentError, match="overestimate_penalty"):
        wb.fit("chinchilla", runs, overestimate_penalty=0)


def test_E_cap_at_the_lowest_loss():
    """A law whose floor the data never approach: uncapped E may float above the lowest loss; capped it cannot."""
    N = np.logspace(7, 9, 10)
    loss = 2.0 + 50 * N**-0.25
    f = quiet_fit("power_law_N", {"N": N, "D": N, "loss": loss}, cap_E=True, bootstrap=20)
    assert f.params["E"] <= loss.min() + 1e-12
    assert all(b <= loss.min() + 1e-9 for b in f.bootstrap["E"])
    assert "E capped at the lowest fitted loss" in f.summary()
    with pytest.raises(LawError, match="no parameter 'E'"):
        wb.fit("kaplan_N", {"N": N, "D": N, "loss": loss}, cap_E=True)


def test_min_fraction_drops_early_checkpoints():
    df = synthetic_trajectories(seed=1, checkpoints=20, first_fraction=0.01)
    f = quiet_fit("chinchilla", df, min_fraction=0.25, bootstrap=0)
    frac = f.fit_runs["D"] / f.fit_runs.groupby("run")["D"].transform("max")
    assert frac.min() >= 0.25
    kept = (df["D"] / df.groupby("run")["D"].transform("max") >= 0.25).sum()
    assert f.n_runs == kept
    assert "dropped" in f.summary()
    with pytest.raises(ArgumentError, match="min_fraction"):
        wb.fit("chinchilla", df, min_fraction=1.5)


def test_holdout_largest_holds_out_whole_sizes():
    df = synthetic_trajectories(seed=2)
    f = quiet_fit("chinchilla", df, holdout_largest=2, min_fraction=0.2, bootstrap=0)
    sizes = np.sort(df["N"].unique())
    assert set(f.holdout_runs["N"]) == set(sizes[-2:])
    assert f.fit_runs["N"].max() == sizes[-3]
    with pytest.raises(FitError, match="every model size"):
        wb.fit("chinchilla", df, holdout_largest=8)
    with pytest.raises(ArgumentError, match="not both"):
        wb.fit("chinchilla", df, holdout_largest=1, holdout="N > 1e9")


def test_by_fits_one_law_per_family():
    a = synthetic_trajectories(seed=3).assign(family="a")
    b = synthetic_trajectories(seed=4, params=dict(HOFF, E=1.9)).assign(family="b")
    both = pd.concat([a, b], ignore_index=True)
    both["run"] = both["family"] + "-" + both["run"]
    t = quiet_fit("chinchilla", both, by="family", min_fraction=0.2, holdout_largest=1, bootstrap=30)
    assert list(t) == ["a", "b"]
    table = t.table
    assert list(table["family"]) == ["a", "b"] and {"E", "E_lo", "E_hi", "holdout_coverage"} <= set(table.columns)
    assert t["b"].params["E"] > t["a"].params["E"]
    assert "family_not_fitted" not in {w.code for w in t.warnings}
    d = t.to_dict()
    assert set(d["fits"]) == {"a", "b"} and d["by"] == "family"
    with pytest.raises(RunsError, match="not a column"):
        wb.fit("chinchilla", both, by="lab")
    # a family with fewer runs than free parameters is left out with a family_not_fitted warning
    tiny = a.groupby("run").tail(1).head(3).assign(family="c", run=lambda x: "c-" + x["run"])
    t3 = quiet_fit("chinchilla", pd.concat([both, tiny], ignore_index=True), by="family", bootstrap=0)
    assert list(t3) == ["a", "b"] and list(t3.errors) == ["c"]
    assert [w.code for w in t3.warnings] == ["family_not_fitted"] and "family='c'" in t3.warnings[0]


def test_chunked_evaluation_gives_the_same_fit(runs):
    """A memory budget too small for all starts at once: the same optimum, in chunks."""
    big = quiet_fit("chinchilla", runs, bootstrap=20, seed=3)
    small = quiet_fit("chinchilla", runs, bootstrap=20, seed=3, memory_budget=2**16)
    assert small.objective == pytest.approx(big.objective, rel=1e-9)
    for k in big.params:
        assert small.params[k] == pytest.approx(big.params[k], rel=1e-6)
        assert small.stderr[k] == pytest.approx(big.stderr[k], rel=1e-3)


def test_cli_by_family_and_group(tmp_path):
    import json

    from tests.interface.test_cli import cli

    a = synthetic_trajectories(seed=3).assign(family="a")
    b = synthetic_trajectories(seed=4, params=dict(HOFF, E=1.9)).assign(family="b")
    both = pd.concat([a, b], ignore_index=True)
    both["curve"] = both["family"] + "-" + both["run"]
    path = tmp_path / "families.csv"
    both.drop(columns=["run"]).to_csv(path, index=False)
    r = cli("fit", str(path), "--law", "chinchilla", "--by", "family", "--group", "curve", "--min-fraction", "0.2",
            "--bootstrap", "20", "--fix", "beta=0.28", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["fits"]) == {"a", "b"}
    fa = out["fits"]["a"]
    assert fa["runs"]["n_runs"] == 8 and fa["runs"]["description"].startswith("8 runs named by column 'curve'")
    assert fa["params"]["beta"] == 0.28 and fa["fixed"] == {"beta": 0.28}
    assert [row["family"] for row in out["table"]] == ["a", "b"]
