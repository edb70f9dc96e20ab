"""Benchmark: the vectorised pass@k estimator against direct loops, and the test-time panels' update time.

Run:  python benchmarks/bench_passk.py

Prints one line per figure, e.g.
  passk_2000_problems_n200_3k: ours 0.004 s, reference 1.9 s, ratio 480x

References (same inputs, same outputs):
* ``fractions``: the direct formula with exact integers, ``1 - Fraction(comb(n-c, k), comb(n, k))``,
  one problem and one k at a time (what the tests compare against);
* ``numpy loop``: Chen et al.'s per-problem numpy product ``1 - prod(1 - k / arange(n-c+1, n+1))``,
  one problem and one k at a time.
Panel figures time one update of each panel's science (the "model side": data generation, fits,
predictions) and, separately, the Altair chart it builds; there is no reference for those.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.testtime import (  # noqa: E402
    BetaDifficulty,
    LogitAbilityLaw,
    compare_extrapolations,
    difficulty,
    flops_matched_comparison,
    flops_matched_curve,
    generate_counts,
    k_grid,
    pass_at_k,
    samples_at_equal_flops,
    verifier_curve,
)


def best_of(func, repeat=5):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


def fractions_loop(n, c, ks):
    return np.array([[float(1 - Fraction(math.comb(int(ni) - int(ci), int(k)), math.comb(int(ni), int(k))))
                      for k in ks] for ni, ci in zip(n, c)])


def numpy_loop(n, c, ks):
    out = np.empty((len(n), len(ks)))
    for i, (ni, ci) in enumerate(zip(n, c)):
        for j, k in enumerate(ks):
            out[i, j] = 1.0 if ni - ci < k else 1.0 - np.prod(1.0 - k / np.arange(ni - ci + 1, ni + 1))
    return out


def bench_estimator(P, n, ks, seed=0):
    counts = generate_counts(P, n, BetaDifficulty(0.3, 1.2), seed=seed)
    nn, cc = counts["n"].to_numpy(), counts["c"].to_numpy()
    t_ours, ours = best_of(lambda: pass_at_k(nn, cc, ks))
    t_frac, ref = best_of(lambda: fractions_loop(nn, cc, ks), repeat=1)
    t_np, ref_np = best_of(lambda: numpy_loop(nn, cc, ks), repeat=1)
    err = float(np.max(np.abs(ours - ref)))
    err_np = float(np.max(np.abs(ref_np - ref)))
    name = f"passk_{P}_problems_n{n}_{len(ks)}k"
    print(f"{name}: ours {t_ours:.4g} s, reference {t_frac:.4g} s (fractions), ratio {t_frac / t_ours:.0f}x; "
          f"max |difference| {err:.1e}")
    print(f"{name}_vs_numpy_loop: ours {t_ours:.4g} s, reference {t_np:.4g} s (numpy product per problem), "
          f"ratio {t_np / t_ours:.0f}x; its max |difference| from exact {err_np:.1e}")


def bench_panels(repeat=7):
    from workbench.charts.testtime import (
        difficulty_chart,
        extrapolation_chart,
        flops_curve_chart,
        flops_matched_chart,
        side_by_side,
        verifier_chart,
    )

    dist = difficulty("beta", 0.2, 0.3)

    def coverage_model():
        counts = generate_counts(500, 100, dist, seed=0)
        return counts, compare_extrapolations(counts, None, k=k_grid(10_000, per_decade=10), bootstrap=100)

    def verifier_model():
        return verifier_curve(BetaDifficulty.from_mean(0.5, 1.0), 1.0, 0.75, fp_cost=1.0, k_max=1000)

    def flops_model():
        law = LogitAbilityLaw.from_distribution(difficulty("logit-normal", 0.4, 2.0), slope=2.5, N_ref=70e9)
        k = int(samples_at_equal_flops(5e9, 70e9))
        cmp = flops_matched_comparison(law.pass_rates(5e9), law.pass_rates(70e9), k, verifier=(1.0, 1.0))
        return cmp, flops_matched_curve(law, 70e9, 70e9 / np.geomspace(1, 1000, 13), verifier=(1.0, 1.0))

    for name, model, chart in (
        ("panel_coverage_update", coverage_model,
         lambda r: side_by_side(extrapolation_chart(r[1]), difficulty_chart(dist, counts=r[0], fit=r[1].beta_fit))),
        ("panel_verifier_update", verifier_model, lambda r: verifier_chart(r)),
        ("panel_flops_update", flops_model,
         lambda r: side_by_side(flops_matched_chart(r[0]), flops_curve_chart(r[1]))),
    ):
        model()  # warm up
        times, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            result = model()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        chart_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            chart(result).to_dict(validate=False)
            chart_times.append(time.perf_counter() - t0)
        print(f"{name}_model_side: ours {statistics.median(times) * 1e3:.1f} ms wall, {statistics.median(cpu) * 1e3:.1f} ms CPU "
              f"(median of {repeat}); chart build {statistics.median(chart_times) * 1e3:.1f} ms")


if __name__ == "__main__":
    bench_estimator(2000, 200, [1, 10, 100])
    bench_estimator(200, 10_000, [1, 100, 1000])
    bench_panels()
