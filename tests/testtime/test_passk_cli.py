"""python -m workbench passk FILE --k ..."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, timeout=300)


def test_passk_command(tmp_path):
    path = tmp_path / "counts.csv"
    pd.DataFrame({"model": ["a"] * 3 + ["b"] * 3, "problem": [1, 2, 3] * 2, "n": [20] * 6,
                  "c": [0, 5, 20, 1, 1, 2]}).to_csv(path, index=False)
    r = cli("passk", str(path), "--k", "1", "5", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    rows = {(row["model"], row["k"]): row for row in out["pass_at_k"]}
    assert rows[("a", 1)]["pass_at_k"] == (0 + 0.25 + 1) / 3
    assert rows[("b", 5)]["stderr"] > 0
    r = cli("passk", str(path), "--k", "1", "10", "20", "--fit-coverage", "10")
    assert r.returncode == 0, r.stderr
    assert "[a] both fitted on 10 samples per problem" in r.stdout and "[b] both fitted" in r.stdout
    assert "observed 0.4167" in r.stdout  # k = 1 for model a: (0 + 0.25 + 1) / 3, measured from all 20 samples
    assert "k =      20: observed" in r.stdout  # beyond the fitting budget, beside the observed coverage


def test_passk_fits_each_model_on_the_same_budget(tmp_path):
    """Both extrapolations see the same 10 samples per problem; the observed coverage uses all 40."""
    from workbench.testtime import coverage_table, generate_counts

    a = generate_counts(60, 40, seed=1).assign(model="a")
    b = generate_counts(60, 40, seed=2).assign(model="b")
    path = tmp_path / "two.csv"
    pd.concat([a, b]).drop(columns=["p_true"], errors="ignore").to_csv(path, index=False)
    r = cli("passk", str(path), "--k", "1", "40", "--fit-coverage", "10", "--json")
    assert r.returncode == 0, r.stderr
    fits = json.loads(r.stdout)["coverage_fits"]
    assert set(fits) == {"a", "b"}
    observed = coverage_table(a.drop(columns=["p_true", "model"], errors="ignore"), [40])["coverage"].iloc[0]
    row = fits["a"]["predictions"][1]
    assert row["k"] == 40 and row["observed"] == pytest.approx(float(observed))
    assert 0 < row["coverage_law"] < 1 and 0 < row["beta_binomial"] < 1
    assert fits["a"]["fit_samples"] == 10 and fits["a"]["beta_binomial"]["n_problems"] == 60


def test_passk_k_above_n_is_a_clear_error(tmp_path):
    path = tmp_path / "counts.csv"
    pd.DataFrame({"problem": [1, 2], "n": [5, 5], "c": [1, 2]}).to_csv(path, index=False)
    r = cli("passk", str(path), "--k", "10")
    assert r.returncode == 2 and "undefined for k > n" in r.stderr and "Traceback" not in r.stderr
