"""Benchmark: vectorised metrics and Monte-Carlo test sets against plain Python loops; mirage-panel updates.

Run:  python benchmarks/bench_metrics.py [--repeats 5]

Prints one line per figure, e.g.
  exact_metrics_10000_probabilities: ours 0.0012 s, reference 0.21 s, ratio 170x
The references compute the same numbers one item (or one probability) at a time with the ``random``
and ``math`` modules; each pair is checked to agree (exactly for formulas, within Monte-Carlo error
for sampling) before it is timed. The panel lines give the model-side time of one mirage-panel
update (the science call, budget 100 ms) and the full update including the Altair chart.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.metrics import choice_accuracy, exact_match, finite_test_set, mirage, sample_choices, token_edit_distance  # noqa: E402
from workbench.metrics.catalogue import METRICS  # noqa: E402
from workbench.widgets.metrics import mirage_panel  # noqa: E402


def best_of(func, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


def line(name, ours, ref):
    print(f"{name}: ours {ours:.4g} s, reference {ref:.4g} s, ratio {ref / ours:.1f}x", flush=True)


# ----------------------------------------------------------------- references (one at a time, plain Python)
def ref_exact(ps, l, k, m):
    em, ed, acc = [], [], []
    for p in ps:
        em.append(p**l)
        ed.append(l * (1 - p))
        x = p / (1 - p) if p < 1 else math.inf
        s = 0.0
        for i in range(k):
            t = max(1 - i * x, 0.0) if math.isfinite(x) else (1.0 if i == 0 else 0.0)
            s += (-1) ** i * math.comb(k - 1, i) * t ** (m - 1) / (i + 1)
        acc.append(1.0 if p >= 1 else min(max(s, 0.0), 1.0))
    return np.array(em), np.array(ed), np.array(acc)


def ref_answers(ps, l, n, seed):
    rng = random.Random(seed)
    em, ed = [], []
    for p in ps:
        right = wrong_total = 0
        for _ in range(n):
            wrong = sum(1 for _ in range(l) if rng.random() > p)
            right += wrong == 0
            wrong_total += wrong
        em.append(right / n)
        ed.append(wrong_total / n)
    return np.array(em), np.array(ed)


def ref_choices(ps, l, k, m, n, seed):
    rng = random.Random(seed)
    acc, brier = [], []
    for p in ps:
        hits, b = 0, 0.0
        for _ in range(n):
            logs = [0.0] * k  # log probability of each choice over its l tokens; choice 0 is right
            for _ in range(l):
                e = [rng.expovariate(1.0) for _ in range(m)]
                tot = sum(e)
                w = [v / tot for v in e]
                logs[0] += math.log(p + (1 - p) * w[0])
                for j in range(1, k):
                    logs[j] += math.log((1 - p) * w[j]) if p < 1 else -math.inf
            top = max(logs)
            ex = [math.exp(v - top) for v in logs]
            tot = sum(ex)
            q = [v / tot for v in ex]
            hits += logs[0] > max(logs[1:])
            b += (1 - q[0]) ** 2 + sum(v * v for v in q[1:])
        acc.append(hits / n)
        brier.append(b / n)
    return np.array(acc), np.array(brier)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    R = args.repeats

    # 1. exact formulas on a grid of probabilities
    ps = np.linspace(0.0, 1.0, 10_000)
    l, k, m = 5, 4, 6
    ours_t, ours = best_of(lambda: (exact_match(ps, l), token_edit_distance(ps, l), choice_accuracy(ps, k, m)), R)
    ref_t, ref = best_of(lambda: ref_exact(ps.tolist(), l, k, m), max(1, R // 2))
    for a, b in zip(ours, ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    line("exact_metrics_10000_probabilities", ours_t, ref_t)

    # 2. Monte-Carlo test sets of free-form answers: 41 sizes x 2,000 items x 5 tokens
    pg = np.linspace(0.2, 0.99, 41)
    n = 2000
    ours_t, _ = best_of(lambda: (finite_test_set("exact_match", pg, l=5, n=n, seed=1), finite_test_set("edit_distance", pg, l=5, n=n, seed=1)), R)
    ref_t, (em, ed) = best_of(lambda: ref_answers(pg.tolist(), 5, n, 1), 1)
    assert np.all(np.abs(em - pg**5) < 5 * np.sqrt(pg**5 * (1 - pg**5) / n) + 1e-9)
    line("monte_carlo_answers_41x2000x5", ours_t, ref_t)

    # 3. Monte-Carlo multiple choice: 21 sizes x 500 items x 2 tokens x 4 choices (6 plausible tokens)
    pc = np.linspace(0.0, 0.6, 21)
    n = 500
    ours_t, s = best_of(lambda: sample_choices(pc, l=2, k=4, n=n, n_plausible=6, seed=2), R)
    ref_t, (acc, brier) = best_of(lambda: ref_choices(pc.tolist(), 2, 4, 6, n, 2), 1)
    assert np.all(np.abs(s.correct.mean(axis=1) - acc) < 5 * np.sqrt(0.25 / n) * np.sqrt(2))
    line("monte_carlo_choices_21x500x2x4", ours_t, ref_t)

    # 4. one mirage-panel update: model side (the science call) and the full update (with the chart)
    panel = mirage_panel()
    for metric in METRICS:
        kw = {"l": 1} if METRICS[metric].kind == "choice" else {"l": 5}
        model_t = statistics.median([best_of(lambda: mirage(metric, n=100, **kw), 1)[0] for _ in range(R)])
        panel.set(metric=metric, **kw)
        full = []
        for v in (0.25, 0.35, 0.3):
            panel.set(alpha_N=v)
            full.append(panel.last_update_seconds)
        print(f"mirage_panel_update_{metric}: model side {1e3 * model_t:.1f} ms (budget 100 ms), "
              f"full update with chart {1e3 * statistics.median(full):.1f} ms", flush=True)


if __name__ == "__main__":
    main()
