"""Benchmark: the extrapolation benchmark over every SLDBench task, and its quick mode.

Run:  python benchmarks/bench_extrapolation.py [--quick-only]

Prints the time of the full benchmark (every applicable law of every task, fitted on the training split,
scored on the held-out split, plus the validation fits that select a law) in one process and with two
worker processes (the same numbers), and of the quick mode used in tests, then the per-task table of
held-out R-squared of every law:
  extrapolation_benchmark_full_2_workers: 6 tasks, 14 laws, 30.2 s wall, 48.3 s processor
The goal of the closing note: the selected law's R-squared at least the human-derived law's on every task,
and a mean across tasks of at least 0.75.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("WORKBENCH_DATA_MIRROR") and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["WORKBENCH_DATA_MIRROR"] = str(ROOT.parent / "shared" / "data")

from workbench.benchmark import benchmark_extrapolation  # noqa: E402


def run(quick: bool, workers: int = 1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = benchmark_extrapolation(quick=quick, progress=False, workers=workers)
    n_laws = sum(len(t.scores) for t in lb.tasks)
    name = "quick" if quick else "full"
    print(f"extrapolation_benchmark_{name}_{workers}_worker{'s' if workers > 1 else ''}: {len(lb.tasks)} tasks, "
          f"{n_laws} laws, {lb.seconds:.1f} s wall, {lb.cpu_seconds:.1f} s processor")
    return lb


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick-only", action="store_true", help="time the quick mode only")
    args = ap.parse_args(argv)
    run(quick=True)
    if args.quick_only:
        return
    lb = run(quick=False)
    parallel = run(quick=False, workers=2)
    assert parallel.to_records() == lb.to_records(), "two workers must give the same numbers as one"
    print()
    print("held-out R2 (SLDBench: 1 - MSE / variance of all the task's targets); [h] human-derived, [s] selected")
    for t in lb.tasks:
        cells = "; ".join(f"{s.law}{'[h]' if s.law == t.expert else ''}{'[s]' if s.law == t.selected else ''} {s.r2:.4f}"
                          for s in t.scores)
        print(f"  {t.name:<17} {cells}")
    ov = lb.overview()
    ok = (ov["selected_r2"] >= ov["human_r2"] - 1e-12).all()
    print(f"mean R2: selected {lb.mean_r2('selected'):.4f}, human-derived {lb.mean_r2('human'):.4f}; "
          f"selected >= human-derived on every task: {'yes' if ok else 'no'}")


if __name__ == "__main__":
    main()
