"""Benchmark: the vectorised multi-start fit against a loop of scipy L-BFGS-B from the same grid.

Run:  python benchmarks/bench_fit.py            (needs the data mirror or network)
      python benchmarks/bench_fit.py --reference-starts 500   (time the reference on a subset
                                                             and extrapolate; labelled "estimated")
      python benchmarks/bench_fit.py --sizes 100000 1000000   (only the large-table figures)

Prints one line per figure, e.g.
  fit_chinchilla_4500_starts: ours 1.9 s, reference 98.7 s, ratio 51.9x
The reference method is the replication's: ``scipy.optimize.minimize(method="L-BFGS-B")`` with
default options from every start of the 4,500-point grid, on the same objective (summed
Huber(1e-3) of log residuals) with the same exact gradient and bounds; its best objective is
compared with ours.

Large tables: synthetic Chinchilla runs (1% noise, N 1e7-1e10.5, D 1e9-1e12) of 100k and 1M
rows, fitted with the default 4,500 starts (screened on a subsample, see
``workbench.fitting.search``), once without and once with the default 200-resample bootstrap,
each in a fresh process whose peak resident memory the operating system reports
(``getrusage``, ``ru_maxrss``). The optimum is checked against one L-BFGS-B polish started at
the true parameters.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import optimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workbench as wb  # noqa: E402
from workbench.fitting.engine import Problem, single_threaded_blas  # noqa: E402


def chinchilla_runs():
    if not os.environ.get("WORKBENCH_DATA_MIRROR") and (ROOT.parent / "shared" / "data").is_dir():
        os.environ["WORKBENCH_DATA_MIRROR"] = str(ROOT.parent / "shared" / "data")
    return wb.load_dataset("chinchilla").sort_values("loss").iloc[:-5]


def reference_loop(problem: Problem, grid: np.ndarray):
    bounds = [(lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None) for lo, hi in zip(problem.lo, problem.hi)]
    best = np.inf
    for start in grid:
        res = optimize.minimize(problem.value_and_grad, start, jac=True, method="L-BFGS-B", bounds=bounds)
        best = min(best, float(res.fun))
    return best


def large_fit(n: int, bootstrap: int) -> dict:
    """One fit of ``n`` synthetic runs in this process: seconds, peak memory, and the optimum against a polish from the truth."""
    from workbench.laws import synthetic_runs
    from workbench.laws.synthetic import HOFFMANN_PARAMS

    runs = synthetic_runs(n_runs=n, noise=0.01, seed=0)
    t = time.perf_counter()
    f = wb.fit("chinchilla", runs, bootstrap=bootstrap)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    law = f.law
    problem = Problem(law, law.inputs_from(runs), runs["loss"].to_numpy(float), np.ones(n))
    with single_threaded_blas():
        ref = problem.polish(problem.theta_of(law._values_array(HOFFMANN_PARAMS)[None, :])[0])
    ref_params = dict(zip(law.param_names, problem.values(ref.x[None, :])[0]))
    return {"n": n, "bootstrap": bootstrap, "seconds": seconds, "peak_bytes": peak, "objective": f.objective,
            "reference_objective": float(ref.fun), "params": f.params, "reference_params": ref_params,
            "n_starts": f.info.get("n_starts")}


def large_tables(sizes) -> None:
    for n in sizes:
        for boot in (0, 200):
            out = subprocess.run([sys.executable, __file__, "--one", str(n), str(boot)], capture_output=True, text=True,
                                 check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rel = (r["objective"] - r["reference_objective"]) / r["reference_objective"]
            dp = max(abs(r["params"][k] / r["reference_params"][k] - 1) for k in r["params"])
            print(f"fit_{n}_runs_{r['n_starts']}_starts_bootstrap_{boot}: {r['seconds']:.1f} s, peak memory "
                  f"{r['peak_bytes'] / 2**30:.2f} GiB (OS), objective vs polish from the truth {rel:+.1e} (relative), "
                  f"largest parameter difference {dp:.1e}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference-starts", type=int, default=None, help="time the reference on this many starts only")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="only the large-table figures, at these sizes")
    ap.add_argument("--one", type=int, nargs=2, metavar=("N", "BOOTSTRAP"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.one:
        print(json.dumps(large_fit(*args.one)))
        return
    if args.sizes:
        large_tables(args.sizes)
        return

    runs = chinchilla_runs()
    law = wb.get_law("chinchilla")
    wb.fit("chinchilla", runs.iloc[:20], bootstrap=0, starts={"E": [1.8]})  # warm caches/imports

    times, fit = [], None
    for _ in range(args.repeats):
        t = time.perf_counter()
        fit = wb.fit("chinchilla", runs, bootstrap=0)
        times.append(time.perf_counter() - t)
    ours = statistics.median(times)

    problem = Problem(law, law.inputs_from(runs), runs["loss"].to_numpy(float), np.ones(len(runs)))
    grid = law.start_grid()
    sub = grid if args.reference_starts is None else grid[np.linspace(0, len(grid) - 1, args.reference_starts).astype(int)]
    # the reference runs under the same one-thread BLAS as our engine, so the ratio measures the
    # method, not thread contention (with threaded OpenBLAS the scipy loop is slower still)
    t = time.perf_counter()
    with single_threaded_blas():
        ref_best = reference_loop(problem, sub)
    ref_time = (time.perf_counter() - t) * len(grid) / len(sub)
    label = "" if len(sub) == len(grid) else f" (estimated from {len(sub)} starts)"
    print(f"fit_chinchilla_{len(grid)}_starts: ours {ours:.2f} s, reference {ref_time:.1f} s{label}, ratio {ref_time / ours:.1f}x")
    rel = abs(fit.objective - ref_best) / ref_best
    print(f"fit_chinchilla_objective: ours {fit.objective:.10e}, reference {ref_best:.10e}, relative difference {rel:.1e}")
    print("fit_chinchilla_params: " + ", ".join(f"{k}={v:.5g}" for k, v in fit.params.items()))

    # what a slider does: refit after one run is removed or added back, warm-started from the last fit
    for boot in (0, 50):
        samples = []
        for i in range(20):
            subset = runs.drop(runs.index[i]) if i % 2 == 0 else runs
            t = time.perf_counter()
            wb.fit("chinchilla", subset, warm_start=fit, bootstrap=boot)
            samples.append(time.perf_counter() - t)
        print(f"refit_warm_start_bootstrap_{boot}: median {1e3 * statistics.median(samples):.1f} ms, max {1e3 * max(samples):.1f} ms")

    t = time.perf_counter()
    wb.fit("chinchilla", runs, bootstrap=200)
    print(f"fit_chinchilla_with_200_bootstrap: {time.perf_counter() - t:.2f} s")

    large_tables((100_000, 1_000_000))


if __name__ == "__main__":
    main()
