"""Benchmark: the pruning and scaling-regime toys of notebook 05.

Run:  python benchmarks/bench_pruning.py           (add --quick for the WORKBENCH_QUICK settings)

Prints one line per figure:

* the wall time of each default run of ``notebooks/05_pruning_and_regimes.ipynb`` on this
  machine's device (goal: each under 30 s on a CPU), e.g.
  ``notebook_pruning_runs: ours 6.1 s (goal < 30 s)``;
* batched against one-at-a-time, e.g.
  ``max_margin_batch_of_256: ours 0.21 s, reference 3.90 s, ratio 18.6x`` — the reference solves
  the same problems with the same interior-point code one problem at a time; for the random-feature
  sweeps the reference recomputes every size from scratch instead of one nested pass;
* the CPU thread count each toy runs fastest with (``fastest_num_threads``), which the modules
  compare with what the toys choose on first use (``workbench.toys.device.toy_threads``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from workbench.toys.device import measured_threads  # noqa: E402
from workbench.toys import describe_device, fastest_num_threads, num_threads  # noqa: E402
from workbench.toys import pruning as pr  # noqa: E402
from workbench.toys import random_features as rf  # noqa: E402


def timed(fn, repeat: int = 1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def problems(B: int, alpha: float = 4.0, f: float = 0.1, dim: int = 32, seed: int = 0):
    """B pruned datasets (hardest fraction f, perfect metric) as signed inputs (B, n, d), float64."""
    g = torch.Generator().manual_seed(seed)
    n = int(alpha * dim)
    Zs = []
    for _ in range(B):
        t = torch.randn(int(n / f), generator=g, dtype=torch.float64)
        keep = t.abs().argsort()[:n]
        X = torch.cat([t[keep, None], torch.randn(n, dim - 1, generator=g, dtype=torch.float64)], 1)
        Zs.append(torch.sign(X[:, :1]) * X)
    return torch.stack(Zs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the WORKBENCH_QUICK settings of the notebook")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"# device: {describe_device()}")

    # ---------------------------------------------------------- threads
    Z = problems(64)
    best_pr, timings = fastest_num_threads(lambda: pr.max_margin(Z), candidates=[1, 2], repeats=2)
    print(f"threads_pruning: fastest {best_pr} ({', '.join(f'{k}: {v:.3f} s' for k, v in timings.items())})")
    task = rf.RandomFeatureTask(alpha=1.0, latent_dim=2048, seed=0)
    best_rf, timings = fastest_num_threads(lambda: rf.loss_width_sweep(task, 16, [256, 512, 1024, 2048, 4096]),
                                           candidates=[1, 2], repeats=2)
    print(f"threads_random_features: fastest {best_rf} ({', '.join(f'{k}: {v:.3f} s' for k, v in timings.items())})")

    # ---------------------------------------------------------- notebook defaults
    quick = args.quick
    alphas = [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 4, 8, 16, 32]
    fractions = [1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01]
    t, runs = timed(lambda: pr.prune_and_train(alpha_prune=alphas, fractions=fractions, thetas=[0.0, 10.0],
                                               seed=range(3 if quick else 6), dim=32))
    print(f"notebook_pruning_runs ({len(runs)} students): ours {t:.2f} s (goal < 30 s)")

    from workbench.widgets.pruning import pruning_grid

    grid = pruning_grid((0, 9))
    t, runs = timed(lambda: pr.prune_and_train(thetas=[0.0], seed=(0, 1) if quick else (0, 1, 2), dim=32, **grid))
    print(f"notebook_pruning_panel_training ({len(runs)} students): ours {t:.2f} s (goal < 30 s)")

    t, _ = timed(lambda: rf.regimes(alpha=1.0, seed=range(10 if quick else 16)))
    print(f"notebook_four_regimes: ours {t:.2f} s (goal < 30 s)")

    t, _ = timed(lambda: rf.regimes(alpha=0.5, latent_dim=4096, seed=range(8 if quick else 16),
                                    which=("resolution-limited in D", "resolution-limited in P")))
    print(f"notebook_duality_alpha_0.5: ours {t:.2f} s (goal < 30 s)")

    from workbench.widgets.pruning import regimes_panel

    t, panel = timed(lambda: regimes_panel(seed=(0, 1) if quick else (0, 1, 2)))
    print(f"notebook_regimes_panel_first_view: ours {t:.2f} s (goal < 30 s)")
    for name, value in (("P", 512), ("D", 16), ("alpha", 0.5)):
        t, _ = timed(lambda: panel.set(**{name: value}))
        print(f"regimes_panel_move_{name}: ours {t:.2f} s")

    # ---------------------------------------------------------- batched vs one at a time
    print(f"threads_chosen_by_the_toys_on_first_use: {measured_threads()}")
    with num_threads(best_pr):
        for B in (64, 256):
            Z = problems(B, seed=B)
            ours, (J, _) = timed(lambda: pr.max_margin(Z), repeat=2)
            ref, Js = timed(lambda: [pr.max_margin(Z[b: b + 1])[0] for b in range(B)])
            # same answers (to the solver's tolerance)
            assert torch.allclose(pr.student_error(J), pr.student_error(torch.cat(Js)), rtol=1e-4)
            print(f"max_margin_batch_of_{B}: ours {ours:.3f} s, reference {ref:.3f} s, ratio {ref / ours:.1f}x")

    with num_threads(best_rf):
        Ds = [512, 1024, 2048, 4096, 8192, 16384]
        ours, a = timed(lambda: rf.loss_data_sweep(task, 32, Ds))
        ref, b = timed(lambda: [rf.loss_data_sweep(task, 32, [D])[0] for D in Ds])
        print(f"data_sweep_6_sizes_nested: ours {ours:.3f} s, reference {ref:.3f} s, ratio {ref / ours:.1f}x")
        Ps = [256, 512, 1024, 2048, 4096]
        ours, a = timed(lambda: rf.loss_width_sweep(task, 16, Ps))
        ref, b = timed(lambda: [rf.loss_width_sweep(task, 16, [P])[0] for P in Ps])
        print(f"width_sweep_5_sizes_nested: ours {ours:.3f} s, reference {ref:.3f} s, ratio {ref / ours:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
