"""The command line: python -m workbench ..."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_help_lists_commands():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("fit", "laws", "datasets", "params"):
        assert cmd in r.stdout


def test_fit_help():
    r = cli("fit", "--help")
    assert r.returncode == 0 and "--holdout" in r.stdout and "--json" in r.stdout


@pytest.mark.needs_mirror
def test_fit_registered_dataset_json():
    r = cli("fit", "chinchilla", "--law", "chinchilla", "--holdout", "C > 1e21", "--bootstrap", "30", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["law"] == "chinchilla" and out["data"] == "chinchilla"
    assert set(out["params"]) == {"E", "A", "B", "alpha", "beta"}
    assert set(out["intervals"]) == set(out["params"])
    assert out["holdout_error"]["n"] > 0 and out["statistics"]["n_runs"] + out["holdout_error"]["n"] == 245


def test_fit_user_csv_text_output(tmp_path):
    N = np.logspace(7, 10, 10)
    df = pd.DataFrame({"params": N, "tokens": 20 * N, "val_loss": 1.8 + 300 * N**-0.3})
    path = tmp_path / "my_runs.csv"
    df.to_csv(path, index=False)
    r = cli("fit", str(path), "--law", "power_law_N", "--bootstrap", "0")
    assert r.returncode == 0, r.stderr
    assert "alpha" in r.stdout and re.search(r"runs fitted +10\n", r.stdout)


def test_bad_input_gives_one_clear_line(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"N": [1e8, -1], "D": [1e9, 1e10], "loss": [3, 2.5]}).to_csv(path, index=False)
    r = cli("fit", str(path), "--law", "chinchilla")
    assert r.returncode == 2
    assert "error:" in r.stderr and "must be > 0" in r.stderr and "Traceback" not in r.stderr
    r = cli("fit", "nonexistent", "--law", "chinchilla")
    assert r.returncode == 2 and "registered dataset" in r.stderr


def test_laws_and_params_listing():
    r = cli("laws")
    assert r.returncode == 0 and "chinchilla" in r.stdout and "data_constrained" in r.stdout
    r = cli("params", "--json")
    assert "besiroglu2024" in json.loads(r.stdout)
    r = cli("datasets", "chinchilla")
    assert "16f23bbe054277ddc4afd07a972dd7cfbe3f48c3" in r.stdout
