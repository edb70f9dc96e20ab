"""Benchmark: one planner update (every output for one slider move), model side, against a scipy loop.

Run:  python benchmarks/bench_planner.py              (needs the data mirror or network for the fit)
      python benchmarks/bench_planner.py --repeats 20

A planner update computes, for the parameter point estimate and each bootstrap resample
used for intervals: the compute-optimal allocation at the budget (closed form for
Chinchilla), the data-constrained optimum when unique tokens are limited, the
inference-aware optimum (training + inference FLOPs at the target loss), the isoFLOP
profiles at five budgets around the budget with their optima, the predicted loss and its
interval, and the hardware/time/energy/cost figures (:func:`workbench.compute.plan`).

The reference computes the same outputs the obvious way: one
``scipy.optimize.minimize_scalar(method="bounded")`` call per (parameter row, budget) for each
numeric optimum, with ``scipy.optimize.brentq`` solving ``L(N, D) = target`` for ``D`` inside the
inference objective, and numpy for the rest. Both sides' answers are compared (``max |rel diff|``
of N over all rows).

Prints one line per figure, e.g.
  plan_fit_U_T_100_samples: ours 0.0120 s, reference 2.41 s, ratio 201x (N agree to 3e-07)
Timings are the minimum over ``--repeats`` runs (wall clock; our CPU time is printed too, since on a
shared machine wall-clock figures are inflated by other processes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import optimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workbench as wb  # noqa: E402
from workbench.compute import data_constrained_source, hardware_estimate, plan  # noqa: E402
from workbench.compute.constrained import unlimited_data_law  # noqa: E402
from workbench.laws.published import fitted_law, parameter_rows, parameter_set_of  # noqa: E402


def chinchilla_fit(bootstrap: int):
    if not os.environ.get("WORKBENCH_DATA_MIRROR") and (ROOT.parent / "shared" / "data").is_dir():
        os.environ["WORKBENCH_DATA_MIRROR"] = str(ROOT.parent / "shared" / "data")
    runs = wb.load_dataset("chinchilla").sort_values("loss").iloc[:-5]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.fit("chinchilla", runs, bootstrap=bootstrap, seed=0)


# ---------------------------------------------------------------------------------------- reference
def _loss(law, row, N, D, U=None):
    extra = {} if U is None else {"U": U}
    return float(law.predict(row, N=N, D=D, **extra)[0])


def ref_optimum(law, row, C, U=None):
    centre = 0.5 * np.log(C / 6.0)
    res = optimize.minimize_scalar(lambda x: _loss(law, row, np.exp(x), C / 6.0 / np.exp(x), U),
                                   bounds=(centre - 13.8, centre + 13.8), method="bounded", options={"xatol": 1e-9})
    N = float(np.exp(res.x))
    return N, C / 6.0 / N, float(res.fun)


def ref_tokens_for_loss(law, row, N, target, U=None):
    g = lambda lnD: _loss(law, row, N, np.exp(lnD), U) - target  # noqa: E731
    lo, hi = np.log(N) - 23.0, np.log(N) + 34.5
    if not (g(lo) >= 0 >= g(hi)):
        return np.nan
    return float(np.exp(optimize.brentq(g, lo, hi, xtol=1e-12)))


def ref_inference(law, row, target, T, N_ref, U=None):
    def total(x):
        N = np.exp(x)
        D = ref_tokens_for_loss(law, row, N, target, U)
        return np.inf if not np.isfinite(D) else 6 * N * D + 2 * N * T

    c = np.log(N_ref)
    res = optimize.minimize_scalar(total, bounds=(c - 8 * np.log(10), c + 2 * np.log(10)), method="bounded", options={"xatol": 1e-9})
    return float(np.exp(res.x))


def reference_plan(src, C, U=None, T=0.0):
    """The planner's outputs computed with scalar scipy calls, one parameter row at a time."""
    law = src.law
    rows = parameter_rows(src)
    closed = law.name == "chinchilla" and U is None
    N_opt = np.empty(len(rows))
    for k, row in enumerate(rows):
        if closed:
            p = dict(zip(law.param_names, row))
            G = (p["alpha"] * p["A"] / (p["beta"] * p["B"])) ** (1 / (p["alpha"] + p["beta"]))
            N_opt[k] = G * (C / 6) ** (p["beta"] / (p["alpha"] + p["beta"]))
        else:
            N_opt[k] = ref_optimum(law, row, C, U)[0]
    target = _loss(law, rows[0], N_opt[0], C / 6 / N_opt[0], U)
    N = N_opt
    if T > 0:
        N = np.array([ref_inference(law, row, target, T, N_opt[0], U) for row in rows])
    D0 = ref_tokens_for_loss(law, rows[0], N[0], target, U) if T > 0 else C / 6 / N[0]
    # isoFLOP profiles at five budgets (point estimate) and their optima
    curves = []
    for m in (1e-2, 1e-1, 1.0, 1e1, 1e2):
        Nb, Db, Lb = ref_optimum(law, rows[0], C * m, U)
        grid = Nb * np.logspace(-1.5, 1.5, 61)
        curves.append([_loss(law, rows[0], n, C * m / 6 / n, U) for n in grid])
    extra = {} if U is None else {"U": U}
    preds = law.predict_batch(rows[1:], law.inputs_from(N=N[0], D=D0, **extra))[:, 0] if len(rows) > 1 else None
    interval = None if preds is None else np.quantile(preds, [0.025, 0.975])
    hw = hardware_estimate(6 * N[0] * D0)
    return N, interval, hw, curves


# ---------------------------------------------------------------------------------------- timing
def best_of(fn, repeats, clock=time.perf_counter):
    times = []
    out = None
    for _ in range(repeats):
        t = clock()
        out = fn()
        times.append(clock() - t)
    return min(times), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--reference-repeats", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of the Chinchilla refit")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")

    fit = chinchilla_fit(args.bootstrap)
    C, U, T = 1e23, 25e9, 1e13
    scenarios = [
        ("plan_published_refit", "besiroglu2024", {}),
        ("plan_published_refit_U_T", "besiroglu2024", {"unique_tokens": U, "inference_tokens": T}),
        ("plan_muennighoff_U_T", "muennighoff2023", {"unique_tokens": U, "inference_tokens": T}),
        ("plan_fit", fit, {}),
        ("plan_fit_T", fit, {"inference_tokens": T}),
        ("plan_fit_U", fit, {"unique_tokens": U}),
        ("plan_fit_U_T", fit, {"unique_tokens": U, "inference_tokens": T}),
        # the slowest corner found: data limit switched on but far above D_opt, negligible inference (the
        # optimum sits on the law's kink at N = N_opt(D), so every zoom round needs root searches)
        ("plan_fit_U1e14_T1e6", fit, {"unique_tokens": 1e14, "inference_tokens": 1e6}),
    ]
    max_samples = 100
    for name, source, kw in scenarios:
        plan(C, source, **kw)  # warm caches and imports
        ours_t, ours = best_of(lambda: plan(C, source, **kw), args.repeats)
        ours_cpu, _ = best_of(lambda: plan(C, source, **kw), args.repeats, time.process_time)
        # the same rows the planner uses: point + up to 100 evenly spaced resamples
        src = fitted_law(source)
        if src.samples is not None and len(src.samples) > max_samples:
            src = parameter_set_of(src, samples=src.samples[np.linspace(0, len(src.samples) - 1, max_samples).round().astype(int)])
        if "unique_tokens" in kw:
            src = data_constrained_source(src)
        elif src.law.name == "data_constrained":
            src = unlimited_data_law(src)
        ref_t, ref = best_of(lambda: reference_plan(src, C, kw.get("unique_tokens"), kw.get("inference_tokens", 0.0)),
                             args.reference_repeats)
        n_rows = len(parameter_rows(src))
        agree = abs(ref[0][0] / ours.N - 1)
        label = f"{name}_{n_rows - 1}_samples" if n_rows > 1 else name
        print(f"{label}: ours {ours_t:.4f} s, reference {ref_t:.3f} s, ratio {ref_t / ours_t:.0f}x "
              f"(N agree to {agree:.1e}; model side only; ours {ours_cpu:.4f} s of CPU time)")

    # a whole panel update: science + refilling the chart's data (what a slider move costs before drawing)
    from workbench.widgets.planner import planner_panel

    panel = planner_panel(fit, limit_data=True, unique_tokens=U, inference_tokens=T)
    values = np.logspace(21, 25, args.repeats + 1)
    times = []
    for v in values:
        t = time.perf_counter()
        panel.set(compute=float(v))
        times.append(time.perf_counter() - t)
    from workbench.charts.compute import plan_chart

    p = plan(C, fit, unique_tokens=U, inference_tokens=T)
    fresh_t, _ = best_of(lambda: plan_chart(p), 3)
    refill_t, _ = best_of(lambda: plan_chart(p, template=panel.view.chart), 3)
    print(f"panel_update_fit_U_T (science + chart data): ours {min(times):.4f} s (median {np.median(times):.4f} s)")
    print(f"plan_chart_refill: ours {refill_t:.4f} s, reference {fresh_t:.4f} s (new Altair chart), ratio {fresh_t / refill_t:.1f}x")


if __name__ == "__main__":
    main()
