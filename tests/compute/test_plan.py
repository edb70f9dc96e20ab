"""The planner (science side and command line): consistent numbers, intervals from a fit, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.results import jsonable
from workbench.compute import compute_optimal, plan
from workbench.errors import WorkbenchError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def synthetic_runs(seed=0):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.logspace(7.5, 9.5, 6), 5)
    D = N * np.tile([5, 10, 20, 40, 80], 6)
    loss = (1.8 + 480 / N**0.35 + 2100 / D**0.37) * np.exp(rng.normal(0, 0.004, N.size))
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


@pytest.fixture(scope="module")
def small_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.fit("chinchilla", synthetic_runs(), bootstrap=40, seed=5)


def test_plain_plan_is_the_compute_optimal_allocation():
    p = plan(5.88e23, "hoffmann2022")
    a = compute_optimal("hoffmann2022", 5.88e23)
    assert p.N == pytest.approx(a.value("N")) and p.D == pytest.approx(a.value("D"))
    assert p.tokens_per_parameter == pytest.approx(92.8, rel=0.01)
    assert p.training_flops == pytest.approx(5.88e23)
    assert p.data is None and p.inference is None and p.epochs is None
    assert p.training.value("days") == pytest.approx(5.88e23 / (1024 * 989e12 * 0.4) / 86400)
    assert len(p.curves["budget"].unique()) == 5 and len(p.optima) == 5


def test_plan_with_limited_data_and_inference():
    p = plan(1e22, "muennighoff2023", unique_tokens=25e9, inference_tokens=1e12)
    assert p.data is not None and p.inference is not None
    assert p.allocation.value("N") == pytest.approx(7.02e9, rel=0.01)  # the data-constrained optimum
    assert p.N < p.allocation.value("N")  # inference demand shrinks the model ...
    assert p.training_flops > 1e22  # ... trained on more tokens than the budget buys
    assert p.loss == pytest.approx(p.allocation.value("loss"), rel=1e-8)  # at the same loss
    assert p.lifetime.value("flops") == pytest.approx(p.training_flops + p.inference_flops)
    n = p.numbers
    assert n["epochs"] == pytest.approx(p.D / 25e9) and n["lifetime_flops_saving"] > 0
    text = str(p.summary())
    assert "Limited unique data" in text and "Inference-aware" in text and "serving 1 T tokens" in text


def test_data_constrained_law_without_a_limit_uses_fresh_data():
    p = plan(1e22, "muennighoff2023")
    assert p.source.law.name == "chinchilla" and "unlimited" in p.source.label
    assert p.N == pytest.approx(compute_optimal("muennighoff2023", 1e22, unique_tokens=1e15).value("N"), rel=1e-4)


def test_plan_with_a_fit_carries_intervals(small_fit):
    p = plan(1e22, small_fit, inference_tokens=1e11, unique_tokens=5e10)
    assert p.intervals["loss"][0] < p.loss < p.intervals["loss"][1]
    assert p.intervals["N"][0] < p.N < p.intervals["N"][1]
    all_samples = plan(1e22, small_fit, max_samples=None)
    assert all_samples.intervals["loss"][0] <= all_samples.loss <= all_samples.intervals["loss"][1]
    d = p.to_dict()
    json.dumps(jsonable(d))  # JSON-ready
    assert d["plan"]["loss_lo"] == p.intervals["loss"][0]
    assert "95%" in p.summary() and "<table>" in p.html()


def test_plan_errors():
    with pytest.raises(WorkbenchError, match="positive"):
        plan(0.0)
    with pytest.raises(WorkbenchError, match="negative"):
        plan(1e22, inference_tokens=-1)
    with pytest.raises(WorkbenchError, match="compute only"):
        plan(1e22, ("power_law_C", {"E": 1.7, "A": 40.0, "alpha": 0.05}))


def cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, timeout=300)


def run_main(capsys, *args):
    """The command line in-process (the same ``main`` as ``python -m workbench``): exit code, stdout, stderr."""
    from workbench.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_plan_in_a_real_process():
    r = cli("plan", "--compute", "5.88e23", "--params", "hoffmann2022")
    assert r.returncode == 0, r.stderr
    assert "tokens per parameter D/N  92.8\n" in r.stdout and "wall-clock time" in r.stdout and "cost" in r.stdout


def test_cli_plan_json(capsys):
    code, out, err = run_main(capsys, "plan", "--compute", "1e22", "--params", "muennighoff2023", "--unique-tokens", "25e9",
                              "--inference-tokens", "1e12", "--accelerator", "A100-SXM", "--devices", "256", "--json")
    assert code == 0, err
    out = json.loads(out)
    assert out["law"] == "data_constrained"
    assert out["compute_optimal"]["N"][0] == pytest.approx(7.02e9, rel=0.01)
    assert out["plan"]["N"] < out["compute_optimal"]["N"][0]
    assert out["hardware"]["accelerator"] == "A100 SXM" and out["hardware"]["devices"] == 256
    code, out, err = run_main(capsys, "plan", "-C", "1e22", "--law", "chinchilla", "--set", "E=1.8", "--set", "A=480",
                              "--set", "B=2100", "--set", "alpha=0.35", "--set", "beta=0.37", "--json")
    assert code == 0, err
    assert json.loads(out)["params"]["B"] == 2100
    code, out, err = run_main(capsys, "plan", "-C", "1e22", "--law", "kaplan_ND")
    assert code == 0 and "kaplan2020_ND" in out


def test_cli_plan_errors_are_one_line(capsys):
    for args in (["--compute", "1e22", "--law", "chinchilla", "--set", "E=1.8"],
                 ["--compute", "1e22", "--accelerator", "nope"],
                 ["--compute", "1e22", "--params", "hoffmann2022", "--law", "kaplan_ND"],
                 ["--compute", "1e22", "--set", "E=1"],
                 ["--compute", "1e22", "--law", "power_law_N"]):
        code, out, err = run_main(capsys, "plan", *args)
        assert code == 2 and err.startswith("error:") and "Traceback" not in err, (args, err)
    code, out, err = run_main(capsys, "plan", "--compute", "lots")
    assert code == 2 and "expected a number" in err
    code, out, err = run_main(capsys, "--help")
    assert "plan" in out
