"""python -m workbench passk FILE --k ..."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd

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
    r = cli("passk", str(path), "--k", "1", "10", "--fit-coverage", "10")
    assert r.returncode == 0, r.stderr
    assert "coverage law fitted on k <= 10" in r.stdout and "beta-binomial" in r.stdout


def test_passk_k_above_n_is_a_clear_error(tmp_path):
    path = tmp_path / "counts.csv"
    pd.DataFrame({"problem": [1, 2], "n": [5, 5], "c": [1, 2]}).to_csv(path, index=False)
    r = cli("passk", str(path), "--k", "10")
    assert r.returncode == 2 and "undefined for k > n" in r.stderr and "Traceback" not in r.stderr
