"""Benchmark: the tiny-LM trainer — tokens per second, stacked (batched) models against one model at a
time, CPU thread counts, and the wall time of the default grid.

Run:  python benchmarks/bench_tinylm.py             (CPU, and CUDA too when a GPU is present)
      python benchmarks/bench_tinylm.py --quick     (fewer steps; the quick grid)
      python benchmarks/bench_tinylm.py --no-grid   (skip the grid's wall time)

Prints one line per figure, e.g.
  stack_d16_x4_cpu: ours 1.9 s, reference 5.2 s, ratio 2.7x
where *ours* trains 4 models of one shape as one stack (a leading instance axis, batched matrix
products, one flat AdamW buffer) and *reference* trains the same 4 models one after another
with the same trainer. ``tokens_per_second_*`` lines give model-tokens trained per second
(a stack of M models on B tokens per step counts M * B tokens per step).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from workbench.toys import describe_device, fastest_num_threads  # noqa: E402
from workbench.toys.device import measured_threads  # noqa: E402
from workbench.toys.tinylm import _Stack, default_grid, default_source, train_grid, train_tinylm  # noqa: E402


def _runs(m, steps):
    return [{"steps": steps, "seed": i, "schedule": {"kind": "cosine", "peak": 0.01, "warmup": 0.02}} for i in range(m)]


def time_stack(width, m, steps, dev, threads):
    """Seconds to train m models of one width as one stack, and one after another."""
    t = time.perf_counter()
    out = train_tinylm(_runs(m, steps), width=width, layers=1, device=dev, threads=threads, n_evals=4)
    stacked = time.perf_counter() - t
    t = time.perf_counter()
    for r in _runs(m, steps):
        train_tinylm([r], width=width, layers=1, device=dev, threads=threads, n_evals=4)
    alone = time.perf_counter() - t
    tokens = m * steps * int(out["batch_tokens"].iloc[0])
    return stacked, alone, tokens


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and the quick grid")
    ap.add_argument("--no-grid", action="store_true", help="skip timing the default grid")
    args = ap.parse_args(argv)
    if args.quick:
        os.environ["WORKBENCH_QUICK"] = "1"
    warnings.filterwarnings("ignore")
    steps = 60 if args.quick else 200
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    print(f"# torch {torch.__version__}, {os.cpu_count()} CPU cores; devices: {', '.join(devices)}")

    # threads: one training step of a width-32 stack of 4, at 1 and 2 CPU threads
    src = default_source()
    g = torch.Generator().manual_seed(0)
    for width in (16, 48):
        stack = _Stack(4, src.vocab_size, 16, width, 1, range(4), torch.device("cpu"))
        x = src.sample(32, 17, g)

        def step():
            stack.train_step(x[:, :-1], x[:, 1:], [1e-3] * 4)

        best, timings = fastest_num_threads(step, candidates=[1, 2], repeats=5)
        print(f"threads_d{width}_x4_step: 1 thread {1e3 * timings[1]:.2f} ms, 2 threads {1e3 * timings[2]:.2f} ms, "
              f"fastest {best}")

    for dev in devices:
        threads = 1 if dev == "cpu" else None
        for width, m in ((8, 4), (16, 4), (32, 4), (64, 4)):
            stacked, alone, tokens = time_stack(width, m, steps, dev, threads)
            print(f"stack_d{width}_x{m}_{dev}: ours {stacked:.2f} s, reference {alone:.2f} s, ratio {alone / stacked:.2f}x")
            print(f"tokens_per_second_d{width}_{dev}: stacked {tokens / stacked:,.0f}, one at a time {tokens / alone:,.0f}")

    if not args.no_grid:
        spec = default_grid()
        t = time.perf_counter()
        grid = train_grid(cache_dir=False, progress=False)
        wall = time.perf_counter() - t
        n = len(grid.runs)
        label = "quick" if args.quick or os.environ.get("WORKBENCH_QUICK") else "full"
        print(f"grid_{label}_{len(spec['sizes'])}x{len(spec['budgets'])}_wall: {wall:.1f} s for {n} runs "
              f"({grid.curves['step'].count():,} model-steps in all; device {describe_device().split(' ')[0]}, "
              f"training with {measured_threads().get('tinylm', 'default')} CPU thread(s), measured on first use)")
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import workbench as wb

            f = wb.fit("chinchilla", grid.runs, bootstrap=0)
        print(f"grid_{label}_chinchilla_fit: {time.perf_counter() - t:.2f} s; fitted E {f.params['E']:.4f} vs "
              f"entropy rate {grid.entropy_rate:.4f} ({100 * (f.params['E'] / grid.entropy_rate - 1):+.2f}%)")


if __name__ == "__main__":
    main()
