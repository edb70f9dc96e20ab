"""benchmarks/gpu_check.py: the smoke run on the CPU, and the per-part handling of time and CUDA memory."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("gpu_check_under_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu_check")
    env = dict(os.environ, WORKBENCH_DEVICE="cpu", PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc, out


@pytest.mark.slow
def test_smoke_run_measures_every_part_on_the_cpu(smoke):
    from workbench.toys.superposition import NOTHING_LEARNED_LOSS

    proc, out = smoke
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "gpu_check.json").read_text())  # strict JSON: the writer refuses NaN
    text = (out / "gpu_check.txt").read_text()
    assert f"wrote {out / 'gpu_check.json'} and {out / 'gpu_check.txt'}" in proc.stdout
    assert report["mode"] == "smoke" and report["environment"]["device"] == "cpu"
    assert {n: p["status"] for n, p in report["parts"].items()} == {n: "ok" for n in ("sweep", "batched", "tinylm", "fit")}

    sweep = report["parts"]["sweep"]
    lo, hi = sweep["slope_interval"]
    assert lo < sweep["slope"] < hi
    assert sweep["steps_done"] == sweep["settings"]["steps"] >= sweep["settings"]["warmup"] > 0
    assert len(sweep["per_width"]) == len(sweep["settings"]["widths"])
    assert all(w["loss"] < NOTHING_LEARNED_LOSS for w in sweep["per_width"])  # every width learned something
    assert sweep["probe"]["fp32"]["seconds_per_step"] > 0 and sweep["first_principles"]["flops"] > 0

    batched = report["parts"]["batched"]
    assert set(batched["batched"]) == {"padded to the widest", "padded in groups within 1.5x"}
    for b in batched["batched"].values():  # batched and one-at-a-time training agree (same seed and inputs)
        assert b["ratio"] > 0 and b["max_abs_weight_difference"] < 1e-3

    tiny = report["parts"]["tinylm"]
    assert [s["width"] for s in tiny["stacks"]] == [8, 16]
    assert all(s["tokens_per_second_stacked"] > 0 and s["tokens_per_second_one_at_a_time"] > 0 for s in tiny["stacks"])
    assert tiny["grid"]["complete"] and tiny["grid"]["runs_finished"] == tiny["grid"]["runs_planned"] == 6
    assert tiny["grid"]["model_steps_done"] == tiny["grid"]["model_steps_planned"]

    fit = report["parts"]["fit"]
    assert "no torch path" in fit["engine"] and "separate process" in fit["ran_in"]
    assert fit["chinchilla"]["starts"] >= 4500
    many = fit["many_runs"]
    assert many["runs"] == 20_000 and many["max_relative_error"] < 0.1  # the generating parameters come back

    # on the CPU the output names what only a GPU exercises; nothing used is missing on the GPU machine's image
    assert report["gpu_only_paths_not_exercised"] and "GPU-only paths this CPU run could not exercise" in text
    for name in ("sweep", "batched", "tinylm", "fit"):
        assert f"[{name}] ok" in text
    gc = _load()
    used = set(report["modules"]) | set(report["fit_process_modules"])
    assert "numpy" in used and not used & set(gc.NOT_ON_GPU_IMAGE)
    assert "torch" not in report["fit_process_modules"]  # the fit process needs no torch


def _check(gc, tmp_path):
    chk = gc.Check(gc.parse_args(["--smoke", "--out", str(tmp_path)]), "smoke")
    chk.torch, chk.device = torch, torch.device("cpu")
    return chk


def test_out_of_memory_or_error_ends_only_its_part(tmp_path):
    gc = _load()
    chk = _check(gc, tmp_path)

    def oom(chk, deadline):
        chk.found["probe"] = {"seconds_per_step": 0.02}  # measured before the failure: kept
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    def broken(chk, deadline):
        raise ValueError("a bug")

    far = chk.now() + 60
    chk.run_part("sweep", oom, far)
    chk.run_part("batched", lambda chk, deadline: {"figure": 1.5}, far)
    chk.run_part("tinylm", broken, far)
    parts = json.loads((tmp_path / "gpu_check.json").read_text())["parts"]
    assert parts["sweep"]["status"] == "out_of_memory"
    assert "CUDA out of memory in part 'sweep'" in parts["sweep"]["message"]
    assert "--parts sweep" in parts["sweep"]["message"]
    assert parts["sweep"]["probe"] == {"seconds_per_step": 0.02}
    assert parts["batched"] == {**parts["batched"], "status": "ok", "figure": 1.5}
    assert parts["tinylm"]["status"] == "error" and "ValueError: a bug" in parts["tinylm"]["message"]
    assert "broken" in parts["tinylm"]["traceback"]
    assert "[sweep] out_of_memory" in (tmp_path / "gpu_check.txt").read_text()
    assert gc._exit_code(chk) == 1


def test_a_part_without_time_is_skipped_and_said(tmp_path):
    gc = _load()
    chk = _check(gc, tmp_path)
    ran = []
    chk.run_part("sweep", lambda chk, deadline: ran.append(1), chk.now() + 0.5)  # under the 3 s minimum
    part = json.loads((tmp_path / "gpu_check.json").read_text())["parts"]["sweep"]
    assert not ran and part["status"] == "skipped" and "minimum" in part["message"]
    assert gc._exit_code(chk) == 0


def test_deadlines_hand_unused_time_on_and_stay_inside_the_budget(tmp_path):
    gc = _load()
    chk = _check(gc, tmp_path)
    d = chk.part_deadlines(["sweep", "batched", "tinylm"])
    assert d["sweep"] < d["batched"] < d["tinylm"] <= d["fit"] == chk.end - chk.plan["reserve_s"]
    plan = gc.PLANS["full"]
    assert plan["startup_s"] + sum(plan["planned_s"].values()) + plan["reserve_s"] <= plan["budget_s"]


def test_step_cost_of_the_paper_sweep():
    gc = _load()
    widths = [2**k for k in range(3, 11)]
    cost = gc.superposition_step_cost(10240, 8192, [[m] for m in widths])
    # 6 B n sum(m) FLOPs: three products per width; z (B x n float32) streamed ~19.5 times per width
    assert cost["flops"] == pytest.approx(6 * 8192 * 10240 * sum(widths))
    assert cost["bytes"] == pytest.approx((19.5 * len(widths) + 3.5) * 8192 * 10240 * 4)
    assert cost["tf32_s"] < cost["fp32_s"]
    padded = gc.superposition_step_cost(10240, 8192, [widths])  # one block padded to 1024 does 8x the widest's work
    assert padded["flops"] == pytest.approx(6 * 8192 * 10240 * 1024 * len(widths))
