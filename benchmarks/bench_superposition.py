"""Benchmark: the superposition toy trained as one batched model against one model at a time.

Run:  python benchmarks/bench_superposition.py                 (CPU figures, about a minute)
      python benchmarks/bench_superposition.py --threads       (also: fastest CPU thread count per toy)
      python benchmarks/bench_superposition.py --paper-scale   (GPU: the paper's large sweep)

Prints one line per figure, e.g.
  superposition_8_widths_batched_vs_one_at_a_time: ours 4.1 s, reference 9.8 s, ratio 2.4x
Figures:
* ``batched_vs_one_at_a_time``: all K widths in one batched model (:func:`train_superposition`)
  against the same trainer called once per width (same seed, same steps; the weights agree to
  float rounding, printed as ``max |ΔW|``; rarely a float32 rounding difference flips an output
  across the ReLU's kink early in training and Adam amplifies it, e.g. 1e-2 for one width after
  50 steps, while in float64 the same runs agree to 1e-15).
* ``vs_autograd_loop``: the batched trainer against a plain PyTorch reference written the way
  the paper's code is: one model per width, dense inputs, autograd, an AdamW step with the
  negative-weight-decay norm pull, trained one after another.
* ``--paper-scale``: n = 10240 features, widths m = 8 … 1024 (powers of two), batch 8192, the
  paper's large-run learning rates (W: 0.02·(8/m)^¼, b: 2/m), warm-up 5 %, cosine to 5 %,
  p_i ∝ i^−1.2, γ = −1; prints the wall time and the fitted slope (goal: under 10 minutes on one
  H100, slope −1 ± 0.1). Refuses to run without a GPU unless ``--force``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from workbench.toys import device as toy_device  # noqa: E402
from workbench.toys import fastest_num_threads  # noqa: E402
from workbench.toys import elhage, superposition as sp  # noqa: E402


def reference_autograd_loop(widths, n, alpha, steps, batch_size, lr, bias_lr, gamma=-1.0, seed=0, dev="cpu"):
    """One model per width, trained one after another: dense x, autograd, AdamW with the norm pull."""
    p = torch.tensor(sp.feature_frequencies(n, alpha), dtype=torch.float32, device=dev)
    g = torch.Generator(device=dev).manual_seed(seed)
    losses = {}
    for m in widths:
        gi = torch.Generator().manual_seed(seed * 1000 + m)
        W = (torch.randn(n, m, generator=gi) / math.sqrt(m)).to(dev).requires_grad_(True)
        b = torch.randn(n, generator=gi).to(dev).requires_grad_(True)
        state = {id(t): (torch.zeros_like(t), torch.zeros_like(t)) for t in (W, b)}
        factors = sp.lr_schedule(steps, steps // 10, 0.05).lrs(steps)
        for step in range(1, steps + 1):
            x = (torch.rand(batch_size, n, generator=g, device=dev) < p).float() * \
                torch.rand(batch_size, n, generator=g, device=dev) * 2
            y = torch.relu(x @ W @ W.T + b)
            loss = ((y - x) ** 2).sum(1).mean()
            gW, gb = torch.autograd.grad(loss, (W, b))
            s = float(factors[step - 1])
            with torch.no_grad():
                eta = lr(m) * s
                norms = W.norm(dim=1, keepdim=True) + 1e-8
                W.add_(eta * gamma * (1 - 1 / norms) * W)
                for t, gr, e in ((W, gW, eta), (b, gb, bias_lr(m) * s)):
                    m1, m2 = state[id(t)]
                    m1.mul_(0.9).add_(gr, alpha=0.1)
                    m2.mul_(0.999).addcmul_(gr, gr, value=0.001)
                    t.sub_(e * (m1 / (1 - 0.9**step)) / ((m2 / (1 - 0.999**step)).sqrt() + 1e-8))
        losses[m] = loss.item()
    return losses


def line(name, ours, ref, extra=""):
    print(f"{name}: ours {ours:.2f} s, reference {ref:.2f} s, ratio {ref / ours:.1f}x{extra}", flush=True)


def batched_vs_alone(widths, **kw):
    """Train ``widths`` one model at a time, then as one batched model (padded to the widest, and
    padded in groups within 1.5x); same seed and settings (``kw``: :func:`train_superposition`'s).

    Returns ``{"one_at_a_time_s": seconds, "batched": {"padded to the widest": (seconds, max |ΔW|),
    "padded in groups within 1.5x": (seconds, max |ΔW|)}}``, ``max |ΔW|`` the largest difference
    between a width's weights trained alone and in the batch (also used by ``gpu_check.py``).
    """
    t = time.perf_counter()
    alone = {m: sp.train_superposition([m], **kw) for m in widths}
    out = {"one_at_a_time_s": time.perf_counter() - t, "batched": {}}
    for label, ratio in (("padded to the widest", float("inf")), ("padded in groups within 1.5x", 1.5)):
        t = time.perf_counter()
        batched = sp.train_superposition(widths, bucket_ratio=ratio, **kw)
        seconds = time.perf_counter() - t
        diff = max(float(np.abs(batched.weights[key] - alone[key[0]].weights[key]).max()) for key in batched.weights)
        out["batched"][label] = (seconds, diff)
    return out


def cpu_figures(args):
    widths = [int(round(v)) for v in np.geomspace(8, 64, args.widths)]
    kw = dict(n_features=args.n, alpha=1.0, steps=args.steps, batch_size=args.batch, eval_samples=2048, progress=False)
    sp.train_superposition((8, 16), n_features=64, steps=5, batch_size=16, eval_samples=64, progress=False)  # warm-up
    res = batched_vs_alone(widths, **kw)
    ref = res["one_at_a_time_s"]
    for label, (ours, diff) in res["batched"].items():
        name = "batched" if label == "padded to the widest" else "batched_grouped"
        line(f"superposition_{len(widths)}_widths_{name}_vs_one_at_a_time", ours, ref,
             f" ({label}; n={args.n}, m={widths[0]}..{widths[-1]}, {args.steps} steps of {args.batch}; "
             f"max |dW| {diff:.1e})")

    t = time.perf_counter()
    reference_autograd_loop(widths, args.n, 1.0, args.steps, args.batch, sp.paper_large_run_lr,
                            sp.paper_large_run_bias_lr)
    ref2 = time.perf_counter() - t
    line(f"superposition_{len(widths)}_widths_vs_autograd_loop", ours, ref2, " (plain PyTorch, one model at a time)")


def thread_figures():
    def sup():
        sp.train_superposition(sp.DEFAULT_WIDTHS, steps=60, eval_samples=512, threads="current", progress=False)

    def elh():
        elhage.train_toy_models(steps=60, eval_samples=512, threads="current", progress=False)

    def elh100():
        elhage.train_toy_models((0.0, 0.9, 0.99), n_features=100, width=20, seed=0, steps=60, eval_samples=512,
                                threads="current", progress=False)

    for name, work in (("superposition_n256", sup), ("elhage_n5_m2", elh), ("elhage_n100_m20", elh100)):
        best, timings = fastest_num_threads(work, repeats=2)
        txt = ", ".join(f"{k} thread{'s' if k > 1 else ''} {v:.3f} s" for k, v in timings.items())
        print(f"threads_{name}: {txt}; fastest {best}", flush=True)


def paper_scale(args):
    dev = toy_device()
    if dev.type != "cuda" and not args.force:
        print("paper_scale: skipped (no GPU; the paper-scale sweep needs one: pass --force to run it anyway)")
        return
    if args.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
    widths = [2**k for k in range(3, 11)]
    t = time.perf_counter()
    res = sp.train_superposition(
        widths, n_features=args.paper_n, alpha=1.2, weight_decay=-1.0, steps=args.paper_steps,
        batch_size=args.paper_batch,
        lr=sp.paper_large_run_lr, bias_lr=sp.paper_large_run_bias_lr, warmup=int(0.05 * args.paper_steps),
        eval_samples=args.paper_eval, report_every=max(1, args.paper_steps // 10))
    if dev.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t
    fit = res.slope()
    lo, hi = fit.intervals["slope"]
    print(f"paper_scale_n{args.paper_n}_m8-1024: {seconds:.1f} s on {res.settings['device']} "
          f"({args.paper_steps} steps of {args.paper_batch}{', TF32 matmuls' if args.tf32 else ''}), "
          f"slope {fit.slope:.3f} "
          f"(95% CI [{lo:.3f}, {hi:.3f}]), overlap*m {np.round(res.runs['mean_squared_overlap'] * res.runs['m'], 2).tolist()}",
          flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256, help="features for the CPU figures")
    ap.add_argument("--widths", type=int, default=8, help="number of widths (8 to 64, log-spaced)")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", action="store_true", help="measure the fastest CPU thread count per toy")
    ap.add_argument("--paper-scale", action="store_true", help="the paper's n = 10240 sweep (GPU)")
    ap.add_argument("--paper-steps", type=int, default=40000, help="steps of the paper-scale run (paper: 40000)")
    ap.add_argument("--paper-n", type=int, default=10240, help="features of the paper-scale run (paper: 10240)")
    ap.add_argument("--paper-batch", type=int, default=8192, help="batch of the paper-scale run (paper: 8192)")
    ap.add_argument("--paper-eval", type=int, default=16384, help="held-out samples for the final losses")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matmuls on the GPU (faster, less precise)")
    ap.add_argument("--force", action="store_true", help="run --paper-scale even without a GPU")
    args = ap.parse_args(argv)
    if args.paper_scale:
        paper_scale(args)
        return
    cpu_figures(args)  # each training call uses the thread count measured fastest on this machine
    if args.threads:
        thread_figures()


if __name__ == "__main__":
    main()
