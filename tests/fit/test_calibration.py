"""Calibration: nominal 95% intervals cover the truth about 95% of the time.

Two checks over many synthetic data sets, each drawn from a known law:

* a family of training curves (a per-run offset and noise correlated along each run, the
  structure of real checkpoints) with its largest model held out: the 95% prediction
  interval for that run's final loss must contain the observed loss in 90-98% of the draws;
* independent final runs (30-60 runs, 1% noise, N 1e7-1e10.5, D 1e9-1e12, Chinchilla
  parameters drawn at random): each parameter's 95% interval must contain the true value
  in at least 92% of the draws, a miss counting only where the fit did not flag that
  parameter (``at_bound`` / ``not_identified``).

A small grid of starts keeps these fast; the fits are the ordinary ``wb.fit``. Coverage
figures are printed (``pytest -s``).
"""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from tests.fit._helpers import quiet_fit
from workbench.laws.synthetic import synthetic_trajectories

pytestmark = pytest.mark.slow

DRAWS = 200
#: A coarse grid spanning the parameters' plausible ranges (2 x 3 x 3 x 2 x 2 = 72 starts).
STARTS = {"E": [1.0, 2.0], "A": [30.0, 1e3, 3e4], "B": [100.0, 3e3, 1e5], "alpha": [0.3, 0.5], "beta": [0.3, 0.5]}


def test_prediction_intervals_cover_a_held_out_larger_run():
    hits, widths = [], []
    for seed in range(DRAWS):
        family = synthetic_trajectories(seed=seed)  # 8 sizes 2e7-2e9, 1% run offsets, 0.5% AR(1) noise (rho 0.9)
        f = quiet_fit("chinchilla", family, holdout_largest=1, min_fraction=0.2, bootstrap=100, seed=seed,
                      starts=STARTS)
        t = f.holdout_table
        final = t.loc[t["D"].idxmax()]
        hits.append(final["pred_lo"] <= final["loss"] <= final["pred_hi"])
        widths.append(np.log(final["pred_hi"] / final["pred_lo"]))
    coverage = float(np.mean(hits))
    print(f"\nheld-out largest run, final loss: 95% prediction intervals cover {100 * coverage:.1f}% of {DRAWS} "
          f"families (median width {100 * np.median(widths):.1f}% of the loss)")
    assert 0.90 <= coverage <= 0.98


def test_parameter_intervals_cover_the_truth():
    names = ("E", "A", "B", "alpha", "beta")
    raw = {k: 0 for k in names}
    excused = {k: 0 for k in names}
    for seed in range(DRAWS):
        rng = np.random.default_rng(5000 + seed)
        E, alpha, beta = rng.uniform(1, 3), rng.uniform(0.2, 0.6), rng.uniform(0.2, 0.6)
        A = rng.uniform(0.3, 3) * 1e7**alpha  # the size term is 0.3-3 nats at the smallest model
        B = rng.uniform(0.3, 3) * 1e9**beta
        truth = dict(E=E, A=A, B=B, alpha=alpha, beta=beta)
        n = int(rng.integers(30, 61))
        N, D = 10 ** rng.uniform(7, 10.5, n), 10 ** rng.uniform(9, 12, n)
        loss = (E + A / N**alpha + B / D**beta) * np.exp(rng.normal(0, 0.01, n))
        f = quiet_fit("chinchilla", {"N": N, "D": D, "loss": loss}, bootstrap=200, seed=seed, starts=STARTS)
        for k, (lo, hi) in f.intervals.items():
            inside = lo <= truth[k] <= hi
            raw[k] += inside
            excused[k] += inside or k in f.untrusted
    print("\nper-parameter coverage of 95% intervals, " + ", ".join(
        f"{k} {100 * raw[k] / DRAWS:.1f}%" + (f" ({100 * excused[k] / DRAWS:.1f}% counting flagged misses)"
                                              if excused[k] != raw[k] else "") for k in names))
    for k in names:
        assert excused[k] / DRAWS >= 0.92, k
