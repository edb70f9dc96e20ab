"""GPU check: the toys at paper scale, in one run of a few minutes, every figure written to one file.

Run on a machine with a CUDA GPU (about 5 minutes on one H100, stopping itself on time):

    python3 benchmarks/gpu_check.py --out DIR          (or: make gpu-check)

and on the CPU, the same code paths at tiny sizes (well under 2 minutes; ``make test`` runs it):

    python3 benchmarks/gpu_check.py --smoke --out DIR   (or: make gpu-check GPU_CHECK_ARGS=--smoke)

Without a CUDA device and without ``--smoke``/``--full`` it runs the smoke sizes and says so.
It writes ``DIR/gpu_check.json`` (every figure, machine-readable) and ``DIR/gpu_check.txt`` (the
same, readable) after every part, so a run that is cut off still leaves what it measured; both
paths are printed. Default DIR: ``reports/gpu_check``.

Parts (``--parts``; in this order):

``sweep``
    The superposition strong-regime sweep (Liu, Liu & Gore 2025, their large run): n = 10240
    features, widths m = 8, 16, …, 1024, batch 8192, ``p_i ∝ i^-1.2``, γ = −1, learning rates
    ``0.02 (8/m)^¼`` for W and ``2/m`` for b, 5 % linear warm-up, cosine decay to 5 %. The paper
    trains 40,000 steps; here the **number of steps is the only setting shortened**: a probe
    times a few steps of the whole sweep, and the run takes as many steps as fit the part's time
    (warm-up and decay are stretched to that length), capped at 40,000. From first principles
    (:func:`superposition_step_cost`) one step moves 1.03 TFLOP (``6 B n Σm``) and 53.5 GB
    (the ``B × n`` output tensor, 336 MB per width, streamed ~20 times): at the H100's datasheet
    peaks at least 18 ms with TF32 matmuls (31 ms in fp32), so the paper's 40,000 steps need at
    least 12 minutes, and the ~120 s this part trains for (150 s less the probe, the evaluation and a
    10 % margin) allow at most ~6,600 steps, a sixth of the paper's; expect 4,000 to 5,500 once
    kernels run below their peaks. Prints the slope of
    loss against width with its 95 % interval (goal −1 ± 0.1), the time per model, the measured
    time per step next to a first-principles lower bound (:func:`superposition_step_cost`), and
    the fp32-vs-TF32 step time (matmuls in TF32 by default: ``--no-tf32`` for full fp32).
``batched``
    The sweep's first widths (8 … 64) trained one model at a time against batched (padded to the
    widest, and in groups within 1.5x): the ratio, and the largest weight difference.
``tinylm``
    Tiny language models: tokens per second stacked vs one model at a time (widths 8 … 64, stacks
    of 4), and the wall time of the default GPU grid (8 sizes x 6 token budgets), with the
    Chinchilla law fitted to it.
``fit``
    The fitting engine. It is numpy/scipy only (no torch path: the laws are numpy formulas), so it
    runs on the CPU, in a separate process while the GPU parts run: the 4,500-start Chinchilla fit
    (Besiroglu et al. 2024 set-up) and a fit to one million synthetic runs.

Every part records its status (``ok``, ``stopped`` on time with partial results, ``skipped`` for
lack of time, ``out_of_memory``, ``error``), its time, and on a GPU its peak memory
(``torch.cuda.max_memory_allocated``, reset before each part) and the memory still held after
its tensors are released (``del`` + ``torch.cuda.empty_cache()``). A CUDA out-of-memory error
ends only the part it happens in; the message says so and what to lower.

On the lent GPU machine (no network; ``python3`` there holds torch; no virtual environment is
needed: the script imports the package from the checkout). The Chinchilla dataset is read from
``--data-mirror`` (default ``WORKBENCH_DATA_MIRROR``, then ``../shared/data``, then
``shared/data`` in the checkout); without it the 4,500-start fit runs on synthetic runs of the
same size and says so. To take the real data along, copy it into an ignored folder of the
checkout that travels and carry it, e.g.::

    echo /.gpu_data/ >> .git/info/exclude; mkdir -p .gpu_data; cp -r ../shared/data/chinchilla .gpu_data/
    run(command="PYTHONUNBUFFERED=1 python3 benchmarks/gpu_check.py --out $OUT --data-mirror .gpu_data",
        carry=[".gpu_data"], timeout_s=360)

The default budget (``--budget 300`` seconds, counted from the start of the script) leaves room
for a machine start and a rerun inside 15 minutes of device time.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # the budget counts from here (before torch is imported)

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):  # the package, and the benchmarks whose code paths this reuses
    if _p not in sys.path:
        sys.path.insert(0, _p)

PARTS = ("sweep", "batched", "tinylm", "fit")

#: Datasheet peaks of the H100 SXM5 80 GB (NVIDIA H100 Tensor Core GPU datasheet): FP32 on the CUDA
#: cores, TF32 on the tensor cores (dense), HBM3 bandwidth. On the lent machine a device-to-device
#: copy measured 3.0 TB/s. Used for lower bounds only: real kernels reach a fraction of these.
H100 = {"name": "H100 SXM5 80GB datasheet", "fp32_flops": 67e12, "tf32_flops": 495e12, "bytes_per_s": 3.35e12}

#: Sizes. ``planned_s`` is each GPU part's share of the budget (cumulative deadlines: time a part
#: leaves unused passes to the next); the fit runs alongside them in its own process.
PLANS = {
    "full": {
        "budget_s": 300.0, "startup_s": 12.0, "reserve_s": 8.0,
        "planned_s": {"sweep": 150.0, "batched": 20.0, "tinylm": 100.0},
        "min_s": {"sweep": 40.0, "batched": 8.0, "tinylm": 15.0, "fit": 5.0},
        "sweep": {"n": 10240, "widths": [2**k for k in range(3, 11)], "batch": 8192, "alpha": 1.2,
                  "weight_decay": -1.0, "paper_steps": 40000, "warmup_fraction": 0.05, "eval_samples": 16384,
                  "probe_steps": (5, 30), "min_steps": 300},
        "batched": {"widths": [8, 16, 32, 64], "steps": 200},
        "tinylm": {"widths": [8, 16, 32, 64], "models": 4, "steps": 100, "grid": None},
        "fit": {"repeats": 3, "big_runs": 1_000_000},
    },
    "smoke": {
        "budget_s": 100.0, "startup_s": 12.0, "reserve_s": 5.0,
        "planned_s": {"sweep": 30.0, "batched": 10.0, "tinylm": 30.0},
        "min_s": {"sweep": 3.0, "batched": 1.0, "tinylm": 2.0, "fit": 2.0},
        "sweep": {"n": 256, "widths": [8, 12, 16, 24], "batch": 256, "alpha": 1.2, "weight_decay": -1.0,
                  "paper_steps": 300, "warmup_fraction": 0.05, "eval_samples": 2048, "probe_steps": (2, 6),
                  "min_steps": 20},
        "batched": {"widths": [8, 12], "steps": 10},
        "tinylm": {"widths": [8, 16], "models": 2, "steps": 6,
                   "grid": {"sizes": [(8, 1), (16, 1)], "budgets": [2**9, 2**10, 2**11], "batch_size": 16,
                            "context": 16}},
        "fit": {"repeats": 1, "big_runs": 20_000},
    },
}

#: What a run on the CPU cannot exercise (listed in the output of every CPU run).
GPU_ONLY_PATHS = [
    "CUDA device name, memory and CUDA/cuDNN versions (torch.cuda.get_device_properties)",
    "peak GPU memory per part and its release (torch.cuda.reset_peak_memory_stats, max_memory_allocated, "
    "empty_cache)",
    "TF32 matmuls (torch.set_float32_matmul_precision('high')) and the fp32-vs-TF32 step-time probe",
    "cuBLAS batched products and CUDA atomics (index_add_) in the superposition trainer, CUDA random generators",
    "the tiny-LM default GPU grid (8 sizes x 6 budgets; the smoke run trains a 2 x 3 grid)",
    "a real torch.cuda.OutOfMemoryError (the handler is tested with a raised one)",
]

#: Modules the lent GPU machine's image lacks: the check must not need them.
NOT_ON_GPU_IMAGE = ("altair", "vl_convert", "anywidget", "ipywidgets", "pooch", "dask", "distributed", "jupyterlab",
                    "nbclient", "nbconvert", "latex2mathml")


# ----------------------------------------------------------------------------- first principles
def superposition_step_cost(n: int, batch: int, blocks, seeds: int = 1, peaks: dict = H100) -> dict:
    """FLOPs and memory traffic of one training step of the superposition trainer's dense path.

    Per block of ``K`` instances padded to width ``M`` (``blocks``: lists of widths, as the
    trainer's ``settings["buckets"]``), the three batched products ``z = h Wᵀ``, ``∂W = dzᵀ h``
    and ``∂h = dz W`` cost ``6 K B M n`` FLOPs, and the output tensor ``z`` (``K × B × n``, float32)
    is streamed about 19.5 times: 3 for the bias broadcast and the product's read-modify-write, 1.25
    for the ReLU mask, 2 for ``relu_``, 3 for ``− x``, 3 for the squared sum, 2.25 and 2 for the two
    scalings, 1 for the bias gradient, 2 for the two products that read it. Sampling the
    ``B × n`` inputs streams about 3.5 ``B n`` floats per seed. The optimiser (``K n M`` floats a
    few times) is negligible.

    Returns ``flops``, ``bytes`` and lower bounds in seconds, ``flops / peak + bytes / bandwidth``
    (products and elementwise passes run one after another), for fp32 and TF32 matmuls.
    """
    flops = sum(6.0 * len(b) * batch * max(b) * n for b in blocks)
    nbytes = sum(19.5 * len(b) * batch * n * 4 for b in blocks) + seeds * 3.5 * batch * n * 4
    memory_s = nbytes / peaks["bytes_per_s"]
    return {"flops": flops, "bytes": nbytes, "fp32_s": flops / peaks["fp32_flops"] + memory_s,
            "tf32_s": flops / peaks["tf32_flops"] + memory_s, "peaks": peaks["name"]}


def synthetic_chinchilla_runs(n: int, seed: int = 0, noise: float = 0.01, truth: str = "besiroglu2024"):
    """``n`` runs with ``N`` log-uniform in [1e7, 3e10], ``D`` in [1e9, 3e12] and the loss of the
    Chinchilla law ``E + A/N^alpha + B/D^beta`` at a published parameter set, times
    ``exp(ε)``, ``ε ~ Normal(0, noise)``. Returns ``(runs, true parameter values)``."""
    import pandas as pd

    import workbench as wb

    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(7.0, math.log10(3e10), n)
    D = 10 ** rng.uniform(9.0, math.log10(3e12), n)
    ps = wb.get_parameter_set(truth)
    loss = ps.predict(N=N, D=D) * np.exp(rng.normal(0.0, noise, n))
    return pd.DataFrame({"N": N, "D": D, "loss": loss}), dict(ps.values)


# ----------------------------------------------------------------------------- the run
class Check:
    """One run of the check: its plan, clock, device, the report being filled, and the files."""

    def __init__(self, args, mode: str):
        self.args = args
        self.mode = mode
        self.plan = PLANS[mode]
        budget = args.budget if args.budget is not None else self.plan["budget_s"]
        self.end = T0 + budget
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.json_path = self.out / "gpu_check.json"
        self.text_path = self.out / "gpu_check.txt"
        self.torch = None
        self.device = None
        self.found: dict = {}
        self.report = {"mode": mode, "budget_s": budget, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                       "command": " ".join([Path(sys.executable).name] + sys.argv), "parts": {}, "notes": []}

    # -- time
    def now(self) -> float:
        return time.perf_counter()

    def left(self) -> float:
        return self.end - self.now()

    def part_deadlines(self, parts) -> dict:
        """Cumulative planned ends of the GPU parts, capped at the budget minus the reserve."""
        out, t = {}, T0 + self.plan["startup_s"]
        for name in parts:
            if name in self.plan["planned_s"]:
                t += self.plan["planned_s"][name]
                out[name] = min(t, self.end - self.plan["reserve_s"])
        out["fit"] = self.end - self.plan["reserve_s"]
        return out

    # -- output
    def say(self, line: str) -> None:
        print(line, flush=True)

    def save(self) -> None:
        self.report["elapsed_s"] = self.now() - T0
        self.report["modules"] = third_party_modules()
        data = json.dumps(jsonable(self.report), indent=1, allow_nan=False)
        for path, text in ((self.json_path, data), (self.text_path, render_text(self.report))):
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_text(text)
            tmp.replace(path)

    # -- environment
    def environment(self) -> None:
        import torch

        from workbench.toys.device import device as toy_device

        self.torch = torch
        dev = toy_device()
        self.device = dev
        env = {"device": str(dev), "torch": torch.__version__, "cuda": torch.version.cuda,
               "python": platform.python_version(), "numpy": np.__version__, "cpu_count": os.cpu_count(),
               "platform": platform.platform(), "dtype": "float32",
               "tf32_matmuls_in_superposition": bool(dev.type == "cuda" and not self.args.no_tf32)}
        if dev.type == "cuda":
            p = torch.cuda.get_device_properties(dev)
            env.update(device_name=torch.cuda.get_device_name(dev), gpu_memory_bytes=int(p.total_memory),
                       multiprocessors=int(p.multi_processor_count), capability=f"{p.major}.{p.minor}",
                       cudnn=torch.backends.cudnn.version())
        else:
            env.update(device_name=platform.processor() or platform.machine(), torch_threads=torch.get_num_threads())
            self.report["gpu_only_paths_not_exercised"] = list(GPU_ONLY_PATHS)
        self.report["environment"] = env
        self.say(f"# gpu_check ({self.mode}) on {env['device']}: {env['device_name']}; torch {env['torch']}, "
                 f"CUDA {env['cuda']}, Python {env['python']}; budget {self.report['budget_s']:.0f} s")

    def cuda(self) -> bool:
        return self.device is not None and self.device.type == "cuda"

    # -- one part
    def run_part(self, name: str, func, deadline: float) -> None:
        torch = self.torch
        entry = {"status": "ok"}
        if deadline - self.now() < self.plan["min_s"][name]:
            entry.update(status="skipped", message=f"skipped: {max(deadline - self.now(), 0):.0f} s left for this part, "
                                                    f"under its minimum of {self.plan['min_s'][name]:.0f} s")
            self.report["parts"][name] = entry
            self.say(f"{name}: {entry['message']}")
            self.save()
            return
        if self.cuda():
            torch.cuda.synchronize()
            gc.collect()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            entry["gpu_memory_before_bytes"] = int(torch.cuda.memory_allocated())
        t = self.now()
        oom = (torch.cuda.OutOfMemoryError,) if torch is not None else ()
        self.found = {}  # the part fills this as it goes: kept when it fails half-way
        try:
            entry.update(func(self, deadline) or {})
        except oom as exc:
            entry.update(self.found)
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            entry.update(status="out_of_memory", message=(
                f"CUDA out of memory in part {name!r}: {first}. The part was abandoned, its GPU memory released, "
                f"and the check went on. Lower this part's sizes (e.g. --sweep-batch) and rerun it alone with "
                f"--parts {name}."))
        except Exception as exc:  # one broken part must not cost the others their figures
            entry.update(self.found)
            entry.update(status="error", message=f"{type(exc).__name__}: {exc}",
                         traceback=traceback.format_exc(limit=12))
        entry["seconds"] = self.now() - t
        if self.cuda():  # the exception (and the frames holding tensors) is gone here
            entry["peak_gpu_memory_bytes"] = int(torch.cuda.max_memory_allocated())
            torch.cuda.synchronize()
            gc.collect()
            torch.cuda.empty_cache()
            entry["gpu_memory_after_release_bytes"] = int(torch.cuda.memory_allocated())
            entry["gpu_memory_reserved_after_release_bytes"] = int(torch.cuda.memory_reserved())
        self.report["parts"][name] = entry
        if entry["status"] in ("out_of_memory", "error"):
            self.say(f"{name}: {entry['status'].upper()}: {entry['message']}")
        mem = ""
        if "peak_gpu_memory_bytes" in entry:
            mem = (f"; peak GPU memory {gib(entry['peak_gpu_memory_bytes'])}, "
                   f"{gib(entry['gpu_memory_after_release_bytes'])} still allocated after release")
        self.say(f"{name}: {entry['status']} in {entry['seconds']:.1f} s{mem}")
        self.save()


def gib(nbytes) -> str:
    return f"{nbytes / 2**30:.2f} GiB"


def third_party_modules() -> list[str]:
    std = set(getattr(sys, "stdlib_module_names", ()))
    names = {m.split(".")[0] for m in list(sys.modules)}
    return sorted(n for n in names if n not in std and not n.startswith("_") and n not in ("workbench", "__main__")
                  and n not in ("gpu_check", "bench_fit", "bench_tinylm", "bench_superposition"))


def stopper(deadline: float, total: int):
    """A :class:`workbench.toys.Progress` (no bar) whose ``stop()`` fires at ``deadline``, and its timer."""
    from workbench.sweeps.progress import Progress

    prog = Progress(total, bar=False)
    timer = threading.Timer(max(deadline - time.perf_counter(), 0.0), prog.stop)
    timer.daemon = True
    timer.start()
    return prog, timer


def matmul_precision(torch, tf32: bool):
    """Set fp32 matmul precision (TF32 on tensor cores, or full fp32); returns the previous setting."""
    old = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    return old


# ----------------------------------------------------------------------------- parts
def _sweep_kwargs(chk: Check, P: dict) -> dict:
    from workbench.toys import superposition as sp

    return dict(n_features=P["n"], alpha=P["alpha"], weight_decay=P["weight_decay"], batch_size=P["batch"],
                lr=sp.paper_large_run_lr, bias_lr=sp.paper_large_run_bias_lr, final_lr_fraction=0.05,
                progress=False, device=chk.device, threads=None if chk.cuda() else 1,
                # the GPU's dense backward pass, on the CPU too (the CPU default switches to a sparse one)
                sparse_backward=False)


def part_sweep(chk: Check, deadline: float) -> dict:
    """The paper's large strong-regime sweep, its steps fitted to the time left."""
    from workbench.toys import superposition as sp

    torch = chk.torch
    P = dict(chk.plan["sweep"])
    if chk.args.sweep_batch:
        P["batch"] = int(chk.args.sweep_batch)
    widths = P["widths"]
    kw = _sweep_kwargs(chk, P)
    tf32 = chk.cuda() and not chk.args.no_tf32
    old = matmul_precision(torch, tf32)
    out = chk.found
    out["settings"] = {"n_features": P["n"], "widths": widths, "batch_size": P["batch"], "alpha": P["alpha"],
                        "weight_decay": P["weight_decay"], "paper_steps": P["paper_steps"],
                        "warmup_fraction": P["warmup_fraction"], "final_lr_fraction": 0.05,
                        "lr": "0.02 (8/m)^(1/4)", "bias_lr": "2/m", "tf32": tf32, "eval_samples": P["eval_samples"]}
    try:
        def timed(steps):
            t = time.perf_counter()
            r = sp.train_superposition(widths, steps=steps, eval_samples=P["batch"], report_every=steps, **kw)
            return time.perf_counter() - t, r

        _, probe = timed(2)  # warm-up: allocator, cuBLAS heuristics, kernels
        s1, s2 = P["probe_steps"]
        rates = {}
        for label, flag in ((("tf32", True), ("fp32", False)) if chk.cuda() else (("fp32", False),)):
            torch.set_float32_matmul_precision("high" if flag else "highest")
            ta, _ = timed(s1)
            tb, _ = timed(s2)
            rate = (tb - ta) / (s2 - s1) if tb > ta else tb / s2
            rates[label] = {"seconds_per_step": rate, "fixed_seconds": max(ta - s1 * rate, 0.0)}
        matmul_precision(torch, tf32)
        used = rates["tf32" if tf32 else "fp32"]
        rate, fixed = used["seconds_per_step"], used["fixed_seconds"]
        cost = superposition_step_cost(P["n"], P["batch"], probe.settings["buckets"])
        bound = cost["tf32_s" if tf32 else "fp32_s"]
        out["probe"] = rates
        out["first_principles"] = dict(cost, bound_used_s=bound, measured_over_bound=rate / bound,
                                       paper_steps_estimated_s=P["paper_steps"] * rate)
        # set-up, three intermediate reports and the final one (each measures every model on the CPU), and the
        # held-out evaluation (eval_samples / batch forward passes, a third of a step each): about 5x the
        # probe's fixed cost, plus a second
        eval_reserve = 5.0 * fixed + (P["eval_samples"] / P["batch"]) * rate / 3.0 + 1.0
        avail = deadline - time.perf_counter() - eval_reserve
        if chk.args.sweep_steps:
            steps = int(chk.args.sweep_steps)
        else:
            steps = int(min(P["paper_steps"], 0.9 * avail / rate))  # 10% margin: the rate is a short probe's
            if steps < P["min_steps"]:
                out.update(status="skipped", message=(
                    f"skipped: {avail:.0f} s left for training allow only {steps} steps at {1e3 * rate:.1f} ms/step, "
                    f"under the minimum of {P['min_steps']}"))
                return out
        warmup = int(round(P["warmup_fraction"] * steps))
        out["settings"].update(steps=steps, warmup=warmup, fraction_of_paper_steps=steps / P["paper_steps"])
        chk.say(f"sweep: {steps:,} steps ({100 * steps / P['paper_steps']:.1f}% of the paper's {P['paper_steps']:,}) "
                f"at {1e3 * rate:.2f} ms/step measured (lower bound {1e3 * bound:.2f} ms/step), "
                f"{'TF32' if tf32 else 'fp32'} matmuls")
        prog, timer = stopper(deadline - 0.3 * eval_reserve, steps)  # a backstop: the steps were chosen to fit
        t = time.perf_counter()
        try:
            res = sp.train_superposition(widths, steps=steps, warmup=warmup, eval_samples=P["eval_samples"],
                                         report_every=max(1, steps // 4), **dict(kw, progress=prog))
        finally:
            timer.cancel()
        seconds = time.perf_counter() - t
        done = int(res.runs["steps"].iloc[0])
        fit = res.slope()
        lo, hi = fit.intervals["slope"]
        runs = res.runs
        hist = res.history
        reports = sorted(hist["step"].unique())

        def change(m):  # training loss at the last report relative to the one before (NaN with fewer than two)
            if len(reports) < 2:
                return float("nan")
            at = hist[hist["m"] == m].set_index("step")["loss"]
            return float(at[reports[-1]] / at[reports[-2]] - 1.0)

        per_width = [{"m": int(r.m), "loss": float(r.loss), "represented_fraction": float(r.represented_fraction),
                      "overlap_times_m": float(r.mean_squared_overlap * r.m), "silent_fraction": float(r.silent_fraction),
                      "train_loss_change_last_report": change(r.m)}
                     for r in runs.itertuples()]
        out.update(
            status="ok" if res.finished else "stopped",
            steps_done=done, run_seconds=seconds, seconds_per_model=seconds / len(widths), seconds_per_step=rate,
            slope=fit.slope, slope_interval=[lo, hi],
            slope_fit=fit.to_dict(), goal_met=bool(abs(fit.slope + 1.0) <= 0.1),
            interval_contains_minus_one=bool(lo <= -1.0 <= hi), per_width=per_width,
            history=hist.to_dict(orient="records"))
        if not res.finished:
            out["message"] = f"stopped on time after {done:,} of {steps:,} steps (losses measured where it stopped)"
        chk.say(f"superposition_sweep_n{P['n']}_m{widths[0]}-{widths[-1]}: slope {fit.slope:.3f} "
                f"(95% CI [{lo:.3f}, {hi:.3f}]; goal -1 +/- 0.1: {'met' if out['goal_met'] else 'NOT met'}), "
                f"{seconds:.1f} s for {len(widths)} models ({seconds / len(widths):.1f} s per model; set-up and "
                f"evaluation included), {done:,} steps of {P['batch']} at {1e3 * rate:.2f} ms/step")
        return out
    finally:
        torch.set_float32_matmul_precision(old)


def part_batched(chk: Check, deadline: float) -> dict:
    """The sweep's first widths one model at a time vs batched (same seed, steps, precision)."""
    import bench_superposition
    from workbench.toys import superposition as sp

    torch = chk.torch
    P = dict(chk.plan["sweep"])
    if chk.args.sweep_batch:
        P["batch"] = int(chk.args.sweep_batch)
    B = chk.plan["batched"]
    kw = dict(_sweep_kwargs(chk, P), steps=B["steps"], eval_samples=P["batch"])
    tf32 = chk.cuda() and not chk.args.no_tf32
    old = matmul_precision(torch, tf32)
    try:
        sp.train_superposition(B["widths"][:1], **dict(kw, steps=2))  # warm-up, so that neither side pays it
        res = bench_superposition.batched_vs_alone(B["widths"], **kw)
    finally:
        torch.set_float32_matmul_precision(old)
    alone = res["one_at_a_time_s"]
    alone_cost = [superposition_step_cost(P["n"], P["batch"], [[m]]) for m in B["widths"]]
    key = "tf32_s" if tf32 else "fp32_s"
    bound_alone = sum(c[key] for c in alone_cost)
    out = chk.found
    out.update(widths=B["widths"], steps=B["steps"], batch_size=P["batch"], n_features=P["n"], tf32=tf32,
               one_at_a_time_s=alone, batched={})
    for label, (seconds, diff) in res["batched"].items():
        blocks = [B["widths"]] if label == "padded to the widest" else [[m] for m in B["widths"]]
        bound = superposition_step_cost(P["n"], P["batch"], blocks)[key]
        out["batched"][label] = {"seconds": seconds, "ratio": alone / seconds, "max_abs_weight_difference": diff,
                                 "lower_bound_ratio": bound_alone / bound}
        chk.say(f"superposition_{len(B['widths'])}_widths_batched_vs_one_at_a_time ({label}): ours {seconds:.2f} s, "
                f"reference {alone:.2f} s, ratio {alone / seconds:.2f}x (per-step lower bounds give "
                f"{bound_alone / bound:.2f}x), max |dW| {diff:.1e}")
    return out


def part_tinylm(chk: Check, deadline: float) -> dict:
    """Tokens per second stacked vs one at a time, then the default grid's wall time."""
    import bench_tinylm
    from workbench.toys.tinylm import default_grid, grid_work, train_grid

    import workbench as wb

    T = chk.plan["tinylm"]
    dev = chk.device
    threads = None if chk.cuda() else 1
    start = time.perf_counter()
    stack_deadline = start + 0.3 * (deadline - start)
    bench_tinylm.time_stack(8, 1, 2, dev, threads)  # warm-up
    rows, out = [], chk.found
    out["stacks"] = rows
    for width in T["widths"]:
        if rows and time.perf_counter() + rows[-1]["stacked_s"] + rows[-1]["one_at_a_time_s"] > stack_deadline:
            out["message"] = f"stack timings stopped on time before width {width}"
            break
        stacked, alone, tokens = bench_tinylm.time_stack(width, T["models"], T["steps"], dev, threads)
        rows.append({"width": width, "models": T["models"], "steps": T["steps"], "stacked_s": stacked,
                     "one_at_a_time_s": alone, "ratio": alone / stacked, "tokens_per_second_stacked": tokens / stacked,
                     "tokens_per_second_one_at_a_time": tokens / alone})
        chk.say(f"tokens_per_second_d{width}_x{T['models']}: stacked {tokens / stacked:,.0f}, one at a time "
                f"{tokens / alone:,.0f}, ratio {alone / stacked:.2f}x")

    spec = T["grid"] or default_grid("large" if str(dev).startswith("cuda") else None)
    total = grid_work(spec["sizes"], spec["budgets"], spec["batch_size"], spec["context"])
    prog, timer = stopper(deadline, total)
    t = time.perf_counter()
    # a fresh sweep cache: nothing is read from an earlier run, and stacks finished before a stop are kept
    with tempfile.TemporaryDirectory(prefix="gpu_check_tinylm_") as cache:
        try:
            grid = train_grid(spec["sizes"], spec["budgets"], batch_size=spec["batch_size"], context=spec["context"],
                              cache_dir=cache, progress=prog)
        finally:
            timer.cancel()
    wall = time.perf_counter() - t
    done = max(int(prog.done), 1)
    g = {"sizes": [list(s) for s in spec["sizes"]], "budgets": list(spec["budgets"]), "batch_size": spec["batch_size"],
         "context": spec["context"], "runs_planned": len(spec["sizes"]) * len(spec["budgets"]),
         "runs_finished": int(len(grid.runs)), "model_steps_planned": total, "model_steps_done": int(prog.done),
         "complete": bool(grid.complete), "wall_s": wall}
    out["grid"] = g
    if not grid.complete:
        g["wall_s_extrapolated"] = wall * total / done
        out.update(status="stopped", message=(f"grid stopped on time after {prog.done:,} of {total:,} model-steps; "
                                              f"full wall time extrapolated {g['wall_s_extrapolated']:.0f} s"))
    chk.say(f"grid_{len(spec['sizes'])}x{len(spec['budgets'])}_wall: {wall:.1f} s for {g['runs_finished']} of "
            f"{g['runs_planned']} runs ({prog.done:,} of {total:,} model-steps)"
            + ("" if grid.complete else f"; full grid extrapolated to {g['wall_s_extrapolated']:.0f} s"))
    if len(grid.runs) >= 6 and chk.left() > 4:  # the Chinchilla law fitted to the grid (a few CPU seconds)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = wb.fit("chinchilla", grid.runs, bootstrap=0)
        g["chinchilla_fit"] = {"params": dict(f.params), "entropy_rate": grid.entropy_rate,
                               "E_relative_to_entropy_rate": f.params["E"] / grid.entropy_rate - 1.0,
                               "warnings": [str(w.message) for w in caught]}
        chk.say(f"grid_chinchilla_fit: E {f.params['E']:.4f} vs entropy rate {grid.entropy_rate:.4f} "
                f"({100 * (f.params['E'] / grid.entropy_rate - 1):+.2f}%) on {len(grid.runs)} runs")
    return out


def part_fit(chk: Check, deadline: float) -> dict:
    """The CPU fitting engine: the 4,500-start Chinchilla fit, then a fit to a million synthetic runs."""
    import bench_fit

    import workbench as wb

    F = chk.plan["fit"]
    out = chk.found
    out.update(engine=("numpy/scipy on the CPU: the fitting engine has no torch path (every law is a numpy formula), "
                       "so it cannot use the GPU; measured on this machine's CPU with one BLAS thread"),
               cpu_count=os.cpu_count())
    chk.report["parts"]["fit"] = dict(out, status="running")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            runs = bench_fit.chinchilla_runs()
            source = f"Chinchilla (Besiroglu et al. 2024 digitisation, {len(runs)} runs after dropping the 5 worst)"
        except Exception as exc:  # no mirror on this machine: same size, synthetic
            runs, _ = synthetic_chinchilla_runs(240, seed=1)
            source = (f"SYNTHETIC stand-in of 240 runs (the dataset could not be read: {type(exc).__name__}: {exc}; "
                      "pass --data-mirror)")
        wb.fit("chinchilla", runs.iloc[:20], bootstrap=0, starts={"E": [1.8]})  # warm caches and imports
        times, fit = [], None
        for _ in range(F["repeats"]):
            if times and time.perf_counter() + times[-1] > deadline:
                break
            t = time.perf_counter()
            fit = wb.fit("chinchilla", runs, bootstrap=0)
            times.append(time.perf_counter() - t)
        out["chinchilla"] = {"data": source, "runs": int(len(runs)), "starts": int(fit.info["n_starts"]),
                             "seconds_median": statistics.median(times), "seconds_all": times,
                             "objective": fit.objective, "params": dict(fit.params)}
        chk.say(f"fit_chinchilla_{fit.info['n_starts']}_starts: {statistics.median(times):.2f} s "
                f"(median of {len(times)}; {source.split(' (')[0]})")
        chk.report["parts"]["fit"] = dict(out, status="running")
        chk.save()

        n = int(F["big_runs"])
        warm = wb.get_parameter_set("hoffmann2022").values
        big = {"runs": n, "starts": "one: warm start from Hoffmann et al. 2022's published values, L-BFGS-B polish",
               "data": "synthetic: Chinchilla law at Besiroglu et al. 2024's values, 1% log-normal noise",
               "why_one_start": ("the multi-start engine's Levenberg-Marquardt stage holds (starts x 5 x runs) "
                                 "Jacobians: 8 starts on 1M runs took 180 s on a 2-core CPU, 4,500 starts would "
                                 "need ~180 GB")}
        out["million_runs" if n >= 1_000_000 else "many_runs"] = big
        small, _ = synthetic_chinchilla_runs(n // 10, seed=2)
        t = time.perf_counter()
        wb.fit("chinchilla", small, bootstrap=0, warm_start=warm)
        big["probe_seconds_at_tenth"] = time.perf_counter() - t
        predicted = 10 * big["probe_seconds_at_tenth"] * 1.5
        if time.perf_counter() + predicted > deadline:
            big.update(status="skipped", message=f"predicted {predicted:.0f} s, more than the time left")
            out["status"] = "stopped"
        else:
            runs_big, truth = synthetic_chinchilla_runs(n, seed=3)
            t = time.perf_counter()
            f = wb.fit("chinchilla", runs_big, bootstrap=0, warm_start=warm)
            big["seconds"] = time.perf_counter() - t
            big["params"] = dict(f.params)
            big["true_params"] = truth
            big["max_relative_error"] = max(abs(f.params[k] / v - 1.0) for k, v in truth.items())
            chk.say(f"fit_chinchilla_{n}_runs: {big['seconds']:.2f} s (one warm start); parameters within "
                    f"{100 * big['max_relative_error']:.2f}% of the generating ones")
    return out


PART_FUNCS = {"sweep": part_sweep, "batched": part_batched, "tinylm": part_tinylm, "fit": part_fit}


# ----------------------------------------------------------------------------- the fit process
def start_fit_process(chk: Check, deadline: float):
    """Run the fit part in a child process (it needs only the CPU) while the GPU parts run."""
    folder = chk.out / "fit_process"
    folder.mkdir(exist_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--parts", "fit", "--child", "--out", str(folder),
           "--budget", f"{max(deadline - chk.now(), 1.0):.1f}"]
    if chk.mode == "smoke":
        cmd.append("--smoke")
    else:
        cmd.append("--full")
    log = open(folder / "output.txt", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    return proc, log, folder


def collect_fit_process(chk: Check, proc, log, folder, deadline: float) -> None:
    t = chk.now()
    try:
        proc.wait(timeout=max(deadline - chk.now(), 1.0))
        killed = False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        killed = True
    log.close()
    entry = {"status": "error", "message": "the fit process wrote no result"}
    try:
        child = json.loads((folder / "gpu_check.json").read_text())
        entry = child["parts"].get("fit", entry)
        chk.report["fit_process_modules"] = child.get("modules", [])
    except (OSError, ValueError, KeyError):
        pass
    if killed:
        entry = dict(entry, status="stopped", message="the fit process ran past the budget and was stopped; "
                                                      "its figures so far are kept")
    elif proc.returncode not in (0, None) and entry.get("status") in ("ok", "running"):
        entry = dict(entry, status="error", message=f"the fit process exited with code {proc.returncode}")
    entry["ran_in"] = f"a separate process alongside the GPU parts (waited {chk.now() - t:.1f} s for it at the end)"
    entry["output"] = (folder / "output.txt").read_text()[-4000:]
    chk.report["parts"]["fit"] = entry
    chk.save()


# ----------------------------------------------------------------------------- text
def render_text(r: dict) -> str:
    env = r.get("environment", {})
    L = [f"GPU check ({r['mode']}), started {r['started']}, {r.get('elapsed_s', 0):.0f} s of a "
         f"{r['budget_s']:.0f} s budget",
         f"device: {env.get('device', '?')} ({env.get('device_name', '?')}); torch {env.get('torch', '?')}, "
         f"CUDA {env.get('cuda')}, cuDNN {env.get('cudnn')}, Python {env.get('python', '?')}, "
         f"{env.get('cpu_count', '?')} CPU cores; dtype float32"
         + ("; superposition matmuls in TF32" if env.get("tf32_matmuls_in_superposition") else "")]
    for note in r.get("notes", []):
        L.append(f"NOTE: {note}")
    if r.get("environment_error"):
        L.append(f"ENVIRONMENT ERROR: {r['environment_error']}")
    for name in PARTS:
        p = r["parts"].get(name)
        if p is None:
            continue
        head = f"\n[{name}] {p.get('status')}" + (f" in {p['seconds']:.1f} s" if "seconds" in p else "")
        if "peak_gpu_memory_bytes" in p:
            head += (f"; peak GPU memory {gib(p['peak_gpu_memory_bytes'])}, after release "
                     f"{gib(p['gpu_memory_after_release_bytes'])} allocated, "
                     f"{gib(p['gpu_memory_reserved_after_release_bytes'])} reserved")
        L.append(head)
        if p.get("message"):
            L.append(f"  {p['message']}")
        L.extend("  " + line for line in _part_lines(name, p))
    if r.get("gpu_only_paths_not_exercised"):
        L.append("\nGPU-only paths this CPU run could not exercise:")
        L.extend(f"  - {s}" for s in r["gpu_only_paths_not_exercised"])
    return "\n".join(L) + "\n"


def _part_lines(name: str, p: dict) -> list[str]:
    out = []
    if name == "sweep" and "slope" in p:
        s = p["settings"]
        lo, hi = p["slope_interval"]
        out.append(f"superposition, n = {s['n_features']}, widths {s['widths'][0]}..{s['widths'][-1]} "
                   f"({len(s['widths'])}), batch {s['batch_size']}, alpha {s['alpha']}, gamma {s['weight_decay']}, "
                   f"{p['steps_done']:,} of {s['steps']:,} planned steps = {100 * p['steps_done'] / s['paper_steps']:.1f}% "
                   f"of the paper's {s['paper_steps']:,} (warm-up {s['warmup']}, cosine to 5%; lr and batch as the paper)")
        out.append(f"loss ~ m^{p['slope']:.3f}, 95% CI [{lo:.3f}, {hi:.3f}]; goal -1 +/- 0.1 "
                   f"{'met' if p['goal_met'] else 'NOT met'}; interval {'contains' if p['interval_contains_minus_one'] else 'excludes'} -1")
        fp = p["first_principles"]
        out.append(f"time: {p['run_seconds']:.1f} s for the run (set-up, training, held-out evaluation), "
                   f"{p['seconds_per_model']:.1f} s per model; {1e3 * p['seconds_per_step']:.2f} ms/step measured, "
                   f"first-principles lower bound {1e3 * fp['bound_used_s']:.2f} ms/step ({fp['flops'] / 1e12:.2f} TFLOP + {fp['bytes'] / 1e9:.1f} GB "
                   f"per step at {fp['peaks']} peaks); the paper's {s['paper_steps']:,} steps would take "
                   f"{fp['paper_steps_estimated_s'] / 60:.1f} min")
        out.append("probe (whole sweep, per step): " + ", ".join(f"{k} matmuls {1e3 * v['seconds_per_step']:.2f} ms"
                                                                for k, v in p["probe"].items()))
        out.append(f"{'m':>6} {'loss':>9} {'represented':>11} {'overlap*m':>9} {'silent':>7} {'last dloss':>10}")
        for w in p["per_width"]:
            out.append(f"{w['m']:>6} {w['loss']:>9.5f} {w['represented_fraction']:>11.3f} {w['overlap_times_m']:>9.3f} "
                       f"{w['silent_fraction']:>7.3f} {100 * w['train_loss_change_last_report']:>9.1f}%")
    elif name == "batched" and "batched" in p:
        out.append(f"widths {p['widths']}, {p['steps']} steps of {p['batch_size']}, n = {p['n_features']}: one at a "
                   f"time {p['one_at_a_time_s']:.2f} s")
        for label, b in p["batched"].items():
            out.append(f"batched ({label}): {b['seconds']:.2f} s, ratio {b['ratio']:.2f}x (lower bounds: "
                       f"{b['lower_bound_ratio']:.2f}x), max |dW| {b['max_abs_weight_difference']:.1e}")
    elif name == "tinylm":
        for s in p.get("stacks", []):
            out.append(f"d{s['width']} x{s['models']}, {s['steps']} steps: tokens/s stacked {s['tokens_per_second_stacked']:,.0f}, "
                       f"one at a time {s['tokens_per_second_one_at_a_time']:,.0f}, ratio {s['ratio']:.2f}x")
        g = p.get("grid")
        if g:
            out.append(f"grid {len(g['sizes'])} sizes x {len(g['budgets'])} budgets: {g['wall_s']:.1f} s wall, "
                       f"{g['runs_finished']} of {g['runs_planned']} runs, {g['model_steps_done']:,} of "
                       f"{g['model_steps_planned']:,} model-steps"
                       + (f", full grid extrapolated {g['wall_s_extrapolated']:.0f} s" if "wall_s_extrapolated" in g else ""))
            if "chinchilla_fit" in g:
                c = g["chinchilla_fit"]
                out.append(f"Chinchilla fit to the grid: E {c['params']['E']:.4f} vs entropy rate {c['entropy_rate']:.4f} "
                           f"({100 * c['E_relative_to_entropy_rate']:+.2f}%)")
    elif name == "fit":
        if "engine" in p:
            out.append(f"engine: {p['engine']}")
        c = p.get("chinchilla")
        if c:
            out.append(f"{c['starts']:,}-start Chinchilla fit: {c['seconds_median']:.2f} s (median of "
                       f"{len(c['seconds_all'])}), data: {c['data']}")
        for key in ("million_runs", "many_runs"):
            b = p.get(key)
            if b:
                txt = f"fit to {b['runs']:,} runs ({b['starts']}): "
                txt += (f"{b['seconds']:.2f} s, parameters within {100 * b['max_relative_error']:.2f}% of the "
                        f"generating ones" if "seconds" in b else b.get("message", ""))
                out.append(txt)
                out.append(f"why one start: {b['why_one_start']}")
    return out


def jsonable(x):
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


# ----------------------------------------------------------------------------- main
def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (what the CPU test runs)")
    ap.add_argument("--full", action="store_true", help="paper sizes even without a GPU (slow on a CPU)")
    ap.add_argument("--out", default=str(ROOT / "reports" / "gpu_check"), help="folder for gpu_check.json/.txt")
    ap.add_argument("--budget", type=float, default=None, help="seconds for the whole run (full 300, smoke 100)")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    ap.add_argument("--no-tf32", action="store_true", help="superposition matmuls in full fp32 (about 2x slower)")
    ap.add_argument("--sweep-steps", type=int, default=None, help="fix the sweep's steps instead of fitting the time")
    ap.add_argument("--sweep-batch", type=int, default=None, help="the sweep's batch (paper and default: 8192)")
    ap.add_argument("--data-mirror", default=None, help="folder holding chinchilla/ (default: WORKBENCH_DATA_MIRROR, "
                                                        "../shared/data, shared/data)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    if args.smoke and args.full:
        ap.error("--smoke and --full exclude each other")
    args.parts = [p for p in PARTS if p in parts]
    return args


def choose_mirror(args) -> str | None:
    for cand in (args.data_mirror, os.environ.get("WORKBENCH_DATA_MIRROR"), ROOT.parent / "shared" / "data",
                 ROOT / "shared" / "data"):
        if cand and (Path(cand) / "chinchilla").is_dir():
            return str(Path(cand).resolve())
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["WORKBENCH_OFFLINE"] = "1"  # never wait on a network that is not there
    mirror = choose_mirror(args)
    if mirror:
        os.environ["WORKBENCH_DATA_MIRROR"] = mirror
    notes = []
    if args.smoke:
        mode = "smoke"
    elif args.full or args.child:
        mode = "full"
    elif "WORKBENCH_DEVICE" not in os.environ and _cuda_available() or _forced_cuda():
        mode = "full"
    else:
        mode = "smoke"
        notes.append("no CUDA device: ran the smoke sizes on the CPU (the paper-scale figures need a GPU)")
    chk = Check(args, mode)
    chk.report["notes"] = notes
    chk.report["data_mirror"] = mirror
    for note in notes:
        chk.say(f"NOTE: {note}")
    gpu_parts = [p for p in args.parts if p != "fit"]
    deadlines = chk.part_deadlines(gpu_parts)
    if args.child or not gpu_parts:  # the fit alone: in this process
        chk.report["environment"] = {"device": "cpu", "device_name": platform.processor() or platform.machine(),
                                     "python": platform.python_version(), "numpy": np.__version__,
                                     "cpu_count": os.cpu_count(), "platform": platform.platform()}
        if "fit" in args.parts:
            chk.run_part("fit", part_fit, deadlines["fit"])
        chk.save()
        return _exit_code(chk)
    fit_proc = start_fit_process(chk, deadlines["fit"]) if "fit" in args.parts else None
    try:
        chk.environment()
    except Exception as exc:  # e.g. a CUDA driver that torch cannot use: say so in the files, then stop
        chk.report["environment_error"] = f"{type(exc).__name__}: {exc}"
        chk.say(f"ENVIRONMENT ERROR: {chk.report['environment_error']}")
        if fit_proc is not None:
            collect_fit_process(chk, *fit_proc, deadline=chk.end)
        chk.save()
        return 1
    chk.save()
    for name in gpu_parts:
        chk.run_part(name, PART_FUNCS[name], deadlines[name])
    if fit_proc is not None:
        collect_fit_process(chk, *fit_proc, deadline=chk.end)
        for line in _part_lines("fit", chk.report["parts"]["fit"]):
            chk.say(f"fit: {line}")
        chk.say(f"fit: {chk.report['parts']['fit']['status']}")
    chk.save()
    chk.say(f"# wrote {chk.json_path} and {chk.text_path} ({chk.now() - T0:.1f} s)")
    return _exit_code(chk)


def _cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _forced_cuda() -> bool:
    return os.environ.get("WORKBENCH_DEVICE", "").startswith("cuda")


def _exit_code(chk: Check) -> int:
    bad = [n for n, p in chk.report["parts"].items() if p.get("status") in ("error", "out_of_memory")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
