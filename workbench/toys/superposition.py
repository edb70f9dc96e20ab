"""Superposition yields robust neural scaling (Liu, Liu & Gore 2025), many widths trained at once.

The model is the toy autoencoder of Elhage et al. (2022) read row-wise: feature ``i`` owns a row
``W_i`` (length ``m``) of ``W`` (shape ``n × m``), and

.. math::

    y = \\mathrm{ReLU}(W W^\\top x + b),\\qquad
    L = \\mathbb{E}_x \\sum_{i=1}^{n} (y_i - x_i)^2 .

Inputs are sparse and their features have power-law frequencies: ``x_i = u_i v_i`` with
``u_i ~ Bernoulli(p_i)``, ``v_i ~ U(0, 2)``, ``p_i ∝ i^(−alpha)`` normalised so ``Σ p_i = 1`` (one
active feature per sample on average; a model that learns nothing has loss ``E[v²] Σ p_i = 4/3``).
Initialisation: ``W ~ N(0, 1/m)``, ``b ~ N(0, 1)``.

Weight decay ``gamma`` on ``W`` sets the regime (paper, section 2):

* ``gamma > 0``: ordinary decoupled (AdamW) decay ``W ← W − η γ W``. Rare features are not worth a
  row; only the most frequent ones are represented (*weak superposition*) and the loss is carried
  by the unrepresented features, ``L ∝ m^(−(alpha−1))``.
* ``gamma < 0``: not growth, but a pull of every row's norm towards 1,
  ``W_i ← W_i + η γ (1 − 1/‖W_i‖) W_i``. Every feature keeps a row of norm ≈ 1, rows overlap
  (*strong superposition*), the mean squared overlap of the normalised rows is ≈ ``1/m`` and the
  loss falls as ``L ∝ 1/m`` whatever ``alpha``.

Optimiser: AdamW (our own, vectorised over instances, since torch's cannot apply the norm pull),
with a linear warm-up and a cosine decay to 5 % of the peak learning rate. Paper settings (its
code, ``exp/exp-10.py`` and ``exp/exp-17.py``): ``n = 1000``, ``m = 10 … 100``, batch 2048,
20 000 steps, ``lr = 1e-2`` for ``W`` and ``b``, 2 000 warm-up steps, ``γ`` from −1 to 1; the large
run uses ``n = 10240``, ``m = 8 … 1024``, batch 8192, 40 000 steps, 5 % warm-up,
``p_i ∝ i^−1.2`` and per-width learning rates ``0.02 (8/m)^¼`` for ``W`` and ``2/m`` for ``b``
(:func:`paper_large_run_lr`, :func:`paper_large_run_bias_lr`). The paper writes
``p_i ∝ i^−(1+α)``: its α is ours minus one.

The defaults here are scaled down so that a 2-core CPU finishes in seconds: ``n = 256``,
``m = 8 … 24``, 1 000 steps of 256 samples, with the large run's per-width learning rates (a bias
learning rate as small as the weights' leaves many features silent in such short runs; see
``bias_lr``). Measured with these defaults (α = 1, γ = −1, seeds 0, 1, 2): slope −0.93 to −1.05
after 800 steps, −0.96 to −1.14 after 1 000; the mean squared overlap stays within 6 % of
``1/m``. At this small ``n`` the slope keeps steepening with longer training (−1.27 after 1 500
steps, −1.4 after 8 000, seed 0) as the narrowest models silence more and more rare features
(``silent_fraction``); the paper's −1 is for ``n = 1000`` trained 20 000 steps of 2048.

Every width (and every seed and weight decay) is one *instance* of a single batched model: ``W``
is a tensor ``(K, n, M)`` with ``M`` the widest member of a group of similar widths
(``bucket_ratio``), the columns beyond an instance's width are held at exactly zero, and one
batched matrix product per group trains all of them. Each instance draws its initial weights
from its own seed and instances with the same seed see the same inputs, so an instance trained
in a batch follows the same trajectory as the same model trained alone (to float rounding;
tested). Gradients are written out by hand: inputs are sparse (``h = x W`` uses only the
non-zeros) and, once trained, so are the output errors (the backward pass on a CPU then uses
only the few per cent of positive outputs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field

import numpy as np
import pandas as pd

from ..dynamics.schedules import Schedule
from ..errors import ArgumentError
from ..fitting import fit_power_law
from ..results import Result
from ..sweeps.progress import Progress, reporting
from .device import device as default_device
from .device import num_threads, numbers, toy_threads

__all__ = [
    "feature_frequencies",
    "lr_schedule",
    "train_superposition",
    "SuperpositionResult",
    "superposition_metrics",
    "superposition_run",
    "paper_large_run_lr",
    "paper_large_run_bias_lr",
    "NOTHING_LEARNED_LOSS",
    "DEFAULT_WIDTHS",
]

#: Loss of a model that outputs zero: ``E[v²] Σ p_i`` with ``v ~ U(0, 2)`` and ``Σ p_i = 1``.
NOTHING_LEARNED_LOSS = 4.0 / 3.0


#: Default widths: five widths spaced evenly in log from 8 to 24 (for n = 256 features).
DEFAULT_WIDTHS = (8, 11, 14, 18, 24)

#: Rows with a norm above this count as represented (paper: ‖W_i‖ > 1/2).
REPRESENTED_NORM = 0.5


def feature_frequencies(n_features: int, alpha: float) -> np.ndarray:
    """Feature frequencies ``p_i = i^(−alpha) / Σ_j j^(−alpha)``, ``i = 1 … n`` (they sum to 1).

    Liu, Liu & Gore 2025: the probability that feature ``i`` is active in a sample.
    """
    if int(n_features) < 2:
        raise ArgumentError(f"n_features must be at least 2, got {n_features}.")
    if not np.isfinite(alpha) or alpha < 0:
        raise ArgumentError(f"alpha (the frequency exponent) must be a finite number ≥ 0, got {alpha}.")
    i = np.arange(1, int(n_features) + 1, dtype=float)
    p = i ** (-float(alpha))
    return p / p.sum()


def lr_schedule(steps: int, warmup: int = 0, final_lr_fraction: float = 0.05, lr: float = 1.0) -> Schedule:
    """The paper's schedule as a :class:`~workbench.dynamics.Schedule`: linear warm-up to ``lr`` over
    ``warmup`` steps, then a cosine decay to ``final_lr_fraction · lr`` (``.lrs(steps)`` gives every step)."""
    steps = max(int(steps), 1)
    return Schedule("cosine", peak=lr, warmup=min(int(warmup), steps - 1) / steps, final=final_lr_fraction)


def _instance_seed(seed: int, width: int) -> int:
    # A model's initial weights depend on its seed and width only, not on its batch companions.
    return (int(seed) * 1_000_003 + int(width) * 7919 + 17) % (2**63 - 1)


def superposition_metrics(W: np.ndarray, per_feature_loss: np.ndarray | None = None,
                          b: np.ndarray | None = None) -> dict:
    """Measurements of one trained model ``W`` (shape ``n × m``, row ``i`` = feature ``i``).

    Returns a dict with ``represented_fraction`` (share of rows with ``‖W_i‖ > 1/2``),
    ``mean_squared_overlap`` (mean over pairs ``i ≠ j`` of represented rows of
    ``(Ŵ_i · Ŵ_j)²`` with ``Ŵ_i = W_i/‖W_i‖``; NaN with fewer than two represented rows),
    ``mean_norm``; when the biases ``b`` are given, ``silent_fraction`` (features whose output
    can never turn on: ``b_i + 2‖W_i‖² ≤ 0``, the largest input with no interference); and when
    ``per_feature_loss`` (length ``n``) is given,
    ``unrepresented_loss`` (the loss summed over the unrepresented features) and
    ``represented_loss``.
    """
    W = np.asarray(W, dtype=np.float64)
    norms = np.linalg.norm(W, axis=1)
    rep = norms > REPRESENTED_NORM
    out = {"represented_fraction": float(rep.mean()), "n_represented": int(rep.sum()), "mean_norm": float(norms.mean())}
    if rep.sum() >= 2:
        U = W[rep] / norms[rep, None]
        k = len(U)
        # sum over all pairs (i, j) of (u_i . u_j)^2 = |U^T U|_F^2 (an m x m product), minus the k diagonal ones
        S = U.T @ U
        out["mean_squared_overlap"] = float(max((S * S).sum() - k, 0.0) / (k * (k - 1)))
    else:
        out["mean_squared_overlap"] = float("nan")
    if b is not None:
        # A feature whose output cannot turn on even at its largest value v = 2 with no interference.
        out["silent_fraction"] = float((np.asarray(b, dtype=np.float64) + 2.0 * norms**2 <= 0).mean())
    if per_feature_loss is not None:
        pfl = np.asarray(per_feature_loss, dtype=np.float64)
        out["unrepresented_loss"] = float(pfl[~rep].sum())
        out["represented_loss"] = float(pfl[rep].sum())
    return out


class SuperpositionResult(Result):
    """What :func:`train_superposition` returns.

    Attributes
    ----------
    runs : DataFrame
        The runs table, one row per trained model: ``N`` (the width ``m``, the paper's model
        size), ``m``, ``seed``, ``weight_decay``, ``loss`` (summed over features, on held-out
        samples), ``represented_fraction``, ``mean_squared_overlap``, ``inverse_width`` (``1/m``),
        ``unrepresented_loss``, ``represented_loss``, ``mean_norm``, ``parameters`` (``n·m + n``),
        ``D`` (training samples seen), ``steps``, ``alpha``, ``n_features``, ``lr``.
    history : DataFrame
        Training loss (mean over the steps since the previous report) per model:
        ``step, m, seed, weight_decay, loss``.
    weights : dict
        ``(m, seed, weight_decay) -> W`` (numpy ``n × m``).
    biases : dict
        ``(m, seed, weight_decay) -> b`` (numpy, length ``n``).
    per_feature_loss : dict
        ``(m, seed, weight_decay) -> loss of each feature`` (numpy, length ``n``).
    settings : dict
        The training settings.
    seconds : float
        Wall-clock training time.
    finished : bool
        False when training was stopped early (the numbers are those reached so far).
    """

    runs: pd.DataFrame
    history: pd.DataFrame
    weights: dict = field(default_factory=dict)
    biases: dict = field(default_factory=dict)
    per_feature_loss: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0
    finished: bool = True

    def slope(self, weight_decay: float | None = None, level: float = 0.95):
        """Power law ``loss = a · m^slope`` fitted to the runs (least squares on the logs, via
        :func:`workbench.fitting.fit_power_law`); all seeds pooled. Pass ``weight_decay`` when the run
        trained several."""
        runs = self.runs
        if weight_decay is not None:
            runs = runs[np.isclose(runs["weight_decay"], weight_decay)]
        elif runs["weight_decay"].nunique() > 1:
            raise ArgumentError(
                f"This result holds several weight decays {sorted(runs['weight_decay'].unique())}: "
                "pass slope(weight_decay=...).")
        return fit_power_law(runs, x="N", y="loss", level=level)

    def norms(self) -> pd.DataFrame:
        """Row norms ``‖W_i‖`` of every model: columns ``m, seed, weight_decay, feature, frequency, norm``."""
        p = feature_frequencies(self.settings["n_features"], self.settings["alpha"])
        parts = []
        for (m, seed, wd), W in self.weights.items():
            parts.append(pd.DataFrame({"m": m, "seed": seed, "weight_decay": wd, "feature": np.arange(1, len(W) + 1),
                                       "frequency": p, "norm": np.linalg.norm(W, axis=1)}))
        return pd.concat(parts, ignore_index=True)

    def _title(self) -> str:
        s = self.settings
        return (f"Superposition toy (Liu, Liu & Gore 2025): n = {s['n_features']} features, alpha = {s['alpha']}, "
                f"{s['steps']} steps of batch {s['batch_size']} on {s['device']}, {self.seconds:.1f} s"
                + ("" if self.finished else " (stopped early)"))

    def _summarize(self, s) -> None:
        fits = width_fits(self.runs)
        rows = []
        for wd, g in self.runs.groupby("weight_decay"):
            regime = "strong (norm pull)" if wd < 0 else ("weak (decay)" if wd > 0 else "no decay")
            f = fits.get(float(wd))
            rows.append([f"{wd:g} [{regime}]", g["represented_fraction"].mean(), f"{f.slope:.3f}" if f else "-",
                         f.intervals["slope"] if f else "-"])
        s.add_table((["weight decay", "represented", "loss ∝ m^slope", "95% interval"], rows))

    def _headline(self) -> str:
        return f"{len(self.runs)} models"

    _dict_exclude = ("history", "weights", "biases", "per_feature_loss")


def width_fits(runs: pd.DataFrame, level: float = 0.95) -> dict:
    """The power law ``loss = a · m^slope`` of each weight decay in a runs table (seeds pooled):
    ``{weight_decay: PowerLawFit}`` for those with at least 3 widths and positive losses."""
    return {float(g): fit_power_law(grp, x="N", y="loss", level=level) for g, grp in runs.groupby("weight_decay")
            if grp["N"].nunique() >= 3 and (grp["loss"] > 0).all()}


def _resolve_lr(lr, widths: list[int]) -> dict[int, float]:
    if callable(lr):
        out = {m: float(lr(m)) for m in widths}
    elif isinstance(lr, Mapping):
        missing = [m for m in widths if m not in lr]
        if missing:
            raise ArgumentError(f"lr is a mapping of width to learning rate but has no entry for widths {missing}.")
        out = {m: float(lr[m]) for m in widths}
    elif np.ndim(lr) == 0:
        out = {m: float(lr) for m in widths}
    else:
        lrs = numbers(lr, "lr")
        if len(lrs) != len(widths):
            raise ArgumentError(f"lr has {len(lrs)} values but there are {len(widths)} widths; give one per width.")
        out = dict(zip(widths, map(float, lrs)))
    bad = {m: v for m, v in out.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ArgumentError(f"Learning rates must be positive, got {bad}.")
    return out


def paper_large_run_lr(m: int) -> float:
    """Learning rate of ``W`` in the paper's large run (n = 10240): ``0.02 · (8/m)^(1/4)``."""
    return 0.02 * (8.0 / m) ** 0.25


def paper_large_run_bias_lr(m: int) -> float:
    """Learning rate of ``b`` in the paper's large run (n = 10240): ``2/m``."""
    return 2.0 / m


def _buckets(widths: list[int], ratio: float) -> list[list[int]]:
    """Consecutive sorted widths grouped so that the widest is at most ``ratio`` times the
    narrowest of its group (each group is padded to its widest member)."""
    groups: list[list[int]] = []
    for m in widths:
        if groups and m <= ratio * groups[-1][0]:
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def train_superposition(
    widths: Sequence[int] = DEFAULT_WIDTHS,
    *,
    n_features: int = 256,
    alpha: float = 1.0,
    weight_decay: float | Sequence[float] = -1.0,
    steps: int = 1000,
    batch_size: int = 256,
    lr: float | Sequence[float] | Mapping | Callable = paper_large_run_lr,
    bias_lr: float | Sequence[float] | Mapping | Callable | None = paper_large_run_bias_lr,
    warmup: int | None = None,
    final_lr_fraction: float = 0.05,
    seed: Sequence[int] | int = 0,
    eval_samples: int = 16384,
    eval_seed: int = 2025,
    report_every: int | None = None,
    progress=True,
    device=None,
    threads: int | str | None = None,
    bucket_ratio: float = 1.5,
    sparse_backward: bool | None = None,
    dtype: str = "float32",
) -> SuperpositionResult:
    """Train the superposition toy at several widths (and seeds, weight decays) at once.

    Parameters
    ----------
    widths : sequence of int
        Model widths ``m`` (hidden dimensions), each ``< n_features``.
    n_features : int
        Number of features ``n`` (paper: 1000; large run 10240).
    alpha : float
        Frequency exponent: ``p_i ∝ i^(−alpha)`` (the paper writes ``i^(−(1+α))``: its α is
        ours minus one).
    weight_decay : float or sequence of float
        ``gamma``. Negative: the row-norm pull ``W_i ← W_i + η γ (1 − 1/‖W_i‖) W_i`` (strong
        superposition; the paper uses ``γ = −1``); positive: decoupled decay ``W ← W − η γ W``
        (weak superposition). A list trains every width at every value.
    steps, batch_size : int
        Optimisation steps and samples per step (paper: 20 000 and 2048).
    lr : float, sequence, mapping or callable
        Peak learning rate of ``W``: one number, or one per width (a list aligned with the
        sorted ``widths``, a ``{m: lr}`` mapping, or a function ``m -> lr``). Default: the
        paper's large-run rule :func:`paper_large_run_lr`, ``0.02 · (8/m)^(1/4)`` (its small
        runs use ``1e-2``).
    bias_lr : same types, or None
        Peak learning rate of ``b`` (``None``: the same as ``lr``). Default: the paper's
        large-run rule :func:`paper_large_run_bias_lr`, ``2/m``. In short (CPU-length) runs a
        bias learning rate as small as ``lr`` leaves many features *silent* (their bias falls so
        low during the first steps that their output can never turn on again); the rows of
        silent features crowd together and raise the mean squared overlap well above ``1/m``
        (measured: about 1.5/m instead of 1.0/m at ``n = 256``, ``m = 16``).
    warmup : int, optional
        Linear warm-up steps (default: 10 % of ``steps``, as the paper's 2 000 of 20 000).
    final_lr_fraction : float
        The cosine decay ends at this fraction of the peak learning rate (paper: 5 %).
    seed : int or sequence of int
        Seeds trained at once; each seed has its own inputs, and each (seed, width) its own initial weights.
    eval_samples : int
        Held-out samples (drawn with ``eval_seed``, the same for every model) on which the
        final loss and per-feature losses are measured.
    report_every : int, optional
        Steps between progress reports and partial results (default: ``steps // 20``).
    progress : bool or workbench.toys.Progress
        ``True``: a tqdm progress bar; ``False``: silent; a :class:`~workbench.toys.Progress`
        receives ``update(step, partial_runs_table)``, and training stops early, returning what
        it has, once ``progress.stopped`` is true.
    device : str or torch.device, optional
        Default: :func:`workbench.toys.device`.
    dtype : {"float32", "float64"}
        Floating-point precision (float32 as everywhere in the toys; float64 for checks that
        need exact agreement, such as batched against one-at-a-time training).
    threads : int, "auto", "current" or None
        CPU threads for torch: ``None`` or ``"auto"`` use the fastest count measured on this
        machine (once per process, :func:`workbench.toys.device.toy_threads`), ``"current"``
        leaves torch's setting alone. Ignored on a GPU.
    bucket_ratio : float
        Widths are padded in groups whose widest member is at most this factor wider than the
        narrowest (``inf``: one group padded to the largest width). Padding costs compute; it
        changes no result.
    sparse_backward : bool, optional
        Back-propagate only through the positive outputs (a few per cent once trained). Default:
        on the CPU, whenever fewer than 3 % of the outputs are positive; never on a GPU.

    Returns
    -------
    SuperpositionResult
        ``.runs`` is a runs table (``N`` = width ``m``, ``loss``, ``represented_fraction``,
        ``mean_squared_overlap``, ``unrepresented_loss`` …); ``.slope()`` fits ``loss ∝ m^slope``.

    References
    ----------
    Y. Liu, Z. Liu, J. Gore, "Superposition Yields Robust Neural Scaling", NeurIPS 2025
    (arXiv:2505.10465).
    """
    import torch

    widths = sorted({int(m) for m in numbers(widths, "widths")})
    n = int(n_features)
    p_np = feature_frequencies(n, alpha)
    if widths[0] < 1 or widths[-1] >= n:
        raise ArgumentError(f"Widths must lie between 1 and n_features − 1 = {n - 1}; got {widths}. "
                             "Superposition needs fewer dimensions than features.")
    seeds = numbers(seed, "seed", distinct=True, integer=True)
    decays = numbers(weight_decay, "weight_decay", distinct=True)
    steps, batch_size = int(steps), int(batch_size)
    if steps < 1 or batch_size < 1:
        raise ArgumentError(f"steps and batch_size must be positive, got {steps} and {batch_size}.")
    warmup = max(0, steps // 10) if warmup is None else int(warmup)
    if not 0 <= warmup <= steps:
        raise ArgumentError(f"warmup must lie between 0 and steps = {steps}, got {warmup}.")
    if not 0 <= final_lr_fraction <= 1:
        raise ArgumentError(f"final_lr_fraction must lie in [0, 1], got {final_lr_fraction}.")
    if not bucket_ratio >= 1:
        raise ArgumentError(f"bucket_ratio must be at least 1, got {bucket_ratio}.")
    lrs = _resolve_lr(lr, widths)
    blrs = lrs if bias_lr is None else _resolve_lr(bias_lr, widths)
    report_every = max(1, steps // 20) if report_every is None else max(1, int(report_every))
    dev = default_device() if device is None else torch.device(device)
    if sparse_backward is None:
        dense_above = 0.03 if dev.type == "cpu" else 0.0
    else:
        dense_above = 1.0 if sparse_backward else 0.0

    # Blocks: for every seed, groups of similar widths padded to the widest; inside a block the
    # instances are (width, weight decay) pairs.
    blocks = [(s, [(m, g) for m in group for g in decays]) for s in seeds for group in _buckets(widths, bucket_ratio)]
    if dtype not in ("float32", "float64", torch.float32, torch.float64):
        raise ArgumentError(f"dtype must be 'float32' (the default) or 'float64', got {dtype!r}.")
    opts = dict(n=n, p_np=p_np, batch_size=batch_size, lrs=lrs, blrs=blrs, warmup=warmup,
                final_lr_fraction=final_lr_fraction, eval_seed=eval_seed, dev=dev, dense_above=dense_above,
                dtype=getattr(torch, dtype) if isinstance(dtype, str) else dtype)

    def probe():
        _train(blocks, steps=20, eval_samples=256, progress=Progress(20, bar=False), report_every=10, **opts)

    threads = toy_threads(threads, "superposition", probe) if dev.type == "cpu" else None
    t0 = time.perf_counter()
    with reporting(progress, steps, f"superposition: {len(widths) * len(seeds) * len(decays)} models") as progress, \
            num_threads(threads):
        out = _train(blocks, steps=steps, eval_samples=eval_samples, progress=progress, report_every=report_every, **opts)
    seconds = time.perf_counter() - t0
    runs, history, weights, biases, pfl, finished, done = out
    runs = runs.assign(alpha=float(alpha), n_features=n, D=float(done * batch_size), steps=done)
    settings = dict(widths=widths, n_features=n, alpha=float(alpha), weight_decay=decays, steps=steps,
                    batch_size=batch_size, lr=lrs, bias_lr=blrs, warmup=warmup, final_lr_fraction=final_lr_fraction,
                    seed=seeds, eval_samples=eval_samples, eval_seed=eval_seed, device=str(dev),
                    threads=threads, buckets=_buckets(widths, bucket_ratio))
    return SuperpositionResult(runs=runs, history=history, weights=weights, biases=biases, per_feature_loss=pfl,
                               settings=settings, seconds=seconds, finished=finished)


def _sample(gen, p, batch):
    """Inputs ``x_i = Bernoulli(p_i) · U(0, 2)`` from one uniform draw per entry: given
    ``r < p_i``, ``r / p_i`` is uniform on (0, 1), so ``x_i = 2 r / p_i`` where ``r < p_i`` and 0
    elsewhere. Returns the dense batch ``(batch, n)`` and its non-zeros (rows, columns, values)."""
    import torch

    r = torch.rand((batch, p.shape[0]), generator=gen, device=p.device, dtype=p.dtype)
    rows, cols = (r < p).nonzero(as_tuple=True)
    vals = r[rows, cols] * (2.0 / p[cols])
    x = torch.zeros_like(r)
    x[rows, cols] = vals
    return x, rows, cols, vals


def _forward_backward(W, b, x, rows, cols, vals, want_grad=True, dense_above: float = 0.03):
    """Loss of each instance and its gradients, by hand (no autograd graph).

    ``W``: (K, n, M), ``b``: (K, n), ``x``: (B, n) with non-zeros ``(rows, cols, vals)``.
    Forward: ``h = x W`` from the non-zeros only (one active feature per sample on average),
    ``z = h Wᵀ + b``, ``y = ReLU(z)``; loss ``= mean over samples of Σ_i (y_i − x_i)²``
    ``= [Σ_{z>0} ((z − x)² − x²) + Σ x²] / B``.
    Backward: ``dz = 2 (y − x) 1[z > 0] / B``, ``∂b = Σ_samples dz``, ``∂W = dzᵀ h + xᵀ (dz W)``.
    Once trained, only a few per cent of the outputs are positive (the bias is negative), so
    ``dz`` is sparse and the backward pass works on its non-zeros; while more than
    ``dense_above`` of them are positive (early in training) dense products are faster.
    Returns the per-instance loss and ``(∂W, ∂b)`` (or the dense error ``y − x`` when
    ``want_grad`` is false).
    """
    import torch

    K, n, M = W.shape
    B = x.shape[0]
    h = torch.zeros((K, B, M), dtype=W.dtype, device=W.device)
    h.index_add_(1, rows, W.index_select(1, cols).mul_(vals[None, :, None]))
    z = torch.baddbmm(b[:, None, :], h, W.transpose(1, 2))  # (K, B, n)
    if not want_grad:
        z.relu_().sub_(x)
        return z.square().sum((1, 2)) / B, z
    pos = z > 0
    if dense_above <= 0 or (dense_above < 1 and int(pos.sum()) > dense_above * pos.numel()):  # (no sync when fixed)
        z.relu_().sub_(x)  # error y − x
        loss = z.square().sum((1, 2)) / B
        z.mul_(pos).mul_(2.0 / B)  # dz
        gb = z.sum(1)
        gW = torch.bmm(z.transpose(1, 2), h)
        dh = torch.bmm(z, W)  # (K, B, M)
    else:
        flat = pos.view(-1).nonzero().squeeze(1)  # positions k·B·n + b·n + i of positive outputs
        kb = torch.div(flat, n, rounding_mode="floor")  # k·B + b
        rem = flat - torch.div(flat, B * n, rounding_mode="floor") * (B * n)  # b·n + i
        ki = torch.div(flat, B * n, rounding_mode="floor") * n + (flat - kb * n)  # k·n + i
        xz = x.view(-1).index_select(0, rem)
        err = z.view(-1).index_select(0, flat) - xz
        kk = torch.div(kb, B, rounding_mode="floor")
        loss = (torch.zeros(K, dtype=W.dtype, device=W.device).index_add_(0, kk, err * err - xz * xz)
                + (vals * vals).sum()) / B
        dz = err.mul_(2.0 / B)
        gb = torch.zeros(K * n, dtype=W.dtype, device=W.device).index_add_(0, ki, dz).view(K, n)
        gW = torch.zeros((K * n, M), dtype=W.dtype, device=W.device)
        gW.index_add_(0, ki, h.view(K * B, M).index_select(0, kb).mul_(dz[:, None]))
        gW = gW.view(K, n, M)
        dh = torch.zeros((K * B, M), dtype=W.dtype, device=W.device)
        dh.index_add_(0, kb, W.reshape(K * n, M).index_select(0, ki).mul_(dz[:, None]))
        dh = dh.view(K, B, M)
    gW.index_add_(1, cols, dh.index_select(1, rows).mul_(vals[None, :, None]))
    return loss, (gW, gb)


class _Block:
    """Instances sharing a seed and a padded width ``M``: weights ``(K, n, M)``, biases ``(K, n)``,
    their Adam moments, learning rates and weight decays."""

    def __init__(self, seed, members, n, lrs, blrs, dev, dtype=None):
        import torch

        self.seed = seed
        self.members = members  # [(m, gamma)]
        K, M = len(members), max(m for m, _ in members)
        dtype = torch.float32 if dtype is None else dtype
        W0 = torch.zeros((K, n, M), dtype=dtype)
        b0 = torch.zeros((K, n), dtype=dtype)
        from .device import generator

        for k, (m, _) in enumerate(members):
            # W ~ N(0, 1/m) on the first m columns (exact zeros beyond), b ~ N(0, 1); drawn from
            # the model's own seed so that it does not depend on its batch companions.
            g = generator(_instance_seed(seed, m), "cpu")
            W0[k, :, :m] = torch.randn((n, m), generator=g) / math.sqrt(m)
            b0[k] = torch.randn(n, generator=g)
        self.W, self.b = W0.to(dev), b0.to(dev)
        self.mW, self.vW = torch.zeros_like(self.W), torch.zeros_like(self.W)
        self.mb, self.vb = torch.zeros_like(self.b), torch.zeros_like(self.b)
        self.lr_W = torch.tensor([lrs[m] for m, _ in members], dtype=dtype, device=dev).view(K, 1, 1)
        self.lr_b = torch.tensor([blrs[m] for m, _ in members], dtype=dtype, device=dev).view(K, 1)
        self.gamma = torch.tensor([g for _, g in members], dtype=dtype, device=dev).view(K, 1, 1)
        self.pull = self.gamma < 0
        self.running = torch.zeros(K, dtype=dtype, device=dev)

    def step(self, gW, gb, schedule: float, t: int, beta1=0.9, beta2=0.999, eps=1e-8):
        """AdamW step with the paper's weight decay on ``W`` (decoupled, applied first):
        ``γ ≥ 0``: ``W ← W (1 − η γ)``; ``γ < 0``: ``W_i ← W_i (1 + η γ (1 − 1/‖W_i‖))``."""
        eta_W = self.lr_W * schedule
        norms = self.W.norm(dim=2, keepdim=True).add_(eps)
        factor = (1.0 + eta_W * self.gamma * (1.0 - 1.0 / norms)).where(self.pull, 1.0 - eta_W * self.gamma)
        self.W.mul_(factor)
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        for p, g, m1, m2, eta in ((self.W, gW, self.mW, self.vW, eta_W), (self.b, gb, self.mb, self.vb,
                                                                         self.lr_b * schedule)):
            m1.mul_(beta1).add_(g, alpha=1 - beta1)
            m2.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            p.sub_((m1 / c1).div_((m2 / c2).sqrt_().add_(eps)).mul_(eta))


def _train(blocks, *, n, p_np, steps, batch_size, lrs, blrs, warmup, final_lr_fraction, eval_samples, eval_seed,
           progress, dev, report_every, dense_above, dtype):
    import torch

    from .device import generator

    p = torch.tensor(p_np, dtype=dtype, device=dev)
    B = [_Block(s, members, n, lrs, blrs, dev, dtype) for s, members in blocks]
    gens = {s: generator(s, dev) for s, _ in blocks}

    def table(losses, step):
        rows = []
        for blk, loss in zip(B, losses):
            Wn, bn = blk.W.cpu().numpy(), blk.b.cpu().numpy()
            for k, (m, g) in enumerate(blk.members):
                rows.append({"N": m, "m": m, "seed": blk.seed, "weight_decay": g, "loss": float(loss[k]),
                             **superposition_metrics(Wn[k, :, :m], b=bn[k]), "inverse_width": 1.0 / m,
                             "steps": step})
        return pd.DataFrame(rows)

    history = []
    count, done, finished = 0, 0, True
    lr_factors = lr_schedule(steps, warmup, final_lr_fraction).lrs(steps)
    for step in range(1, steps + 1):
        if progress.stopped:
            finished = False
            break
        schedule = float(lr_factors[step - 1])
        batches = {s: _sample(gens[s], p, batch_size) for s in gens}  # every model of a seed sees the same inputs
        for blk in B:
            x, rows, cols, vals = batches[blk.seed]
            loss, (gW, gb) = _forward_backward(blk.W, blk.b, x, rows, cols, vals, dense_above=dense_above)
            blk.running += loss
            blk.step(gW, gb, schedule, step)
        count += 1
        done = step
        if step % report_every == 0 or step == steps:
            avg = [(blk.running / count).cpu().numpy() for blk in B]
            for blk, a in zip(B, avg):
                for k, (m, g) in enumerate(blk.members):
                    history.append({"step": step, "m": m, "seed": blk.seed, "weight_decay": g, "loss": float(a[k])})
                blk.running.zero_()
            count = 0
            progress.update(step, table(avg, step))

    # Final measurement on held-out samples, the same for every model.
    per_feature = [torch.zeros((len(blk.members), n), device=dev, dtype=torch.float64) for blk in B]
    eg = generator(eval_seed, dev)
    left = int(eval_samples)
    chunk = 4096 if dev.type != "cpu" else 1024
    while left > 0:
        bsz = min(chunk, left)
        x, rows, cols, vals = _sample(eg, p, bsz)
        for blk, acc in zip(B, per_feature):
            _, err = _forward_backward(blk.W, blk.b, x, rows, cols, vals, want_grad=False)
            acc += err.square().sum(1).double()
        left -= bsz
    out_rows, weights, biases, pfl = [], {}, {}, {}
    for blk, acc in zip(B, per_feature):
        acc = (acc / int(eval_samples)).cpu().numpy()
        Wn, bn = blk.W.cpu().numpy(), blk.b.cpu().numpy()
        for k, (m, g) in enumerate(blk.members):
            key = (m, blk.seed, g)
            weights[key], biases[key], pfl[key] = Wn[k, :, :m].copy(), bn[k].copy(), acc[k].copy()
            out_rows.append({"N": m, "m": m, "seed": blk.seed, "weight_decay": g, "loss": float(acc[k].sum()),
                             **superposition_metrics(weights[key], acc[k], biases[key]), "inverse_width": 1.0 / m,
                             "parameters": n * m + n, "lr": lrs[m], "bias_lr": blrs[m]})
    runs = pd.DataFrame(out_rows).sort_values(["weight_decay", "seed", "m"], kind="stable").reset_index(drop=True)
    hist = pd.DataFrame(history, columns=["step", "m", "seed", "weight_decay", "loss"])
    return runs, hist, weights, biases, pfl, finished, done


def superposition_run(config: Mapping) -> pd.DataFrame:
    """One sweep configuration -> runs table, for :func:`workbench.sweeps.run_sweep`.

    ``config`` holds keyword arguments of :func:`train_superposition` (e.g. ``widths``,
    ``alpha``, ``weight_decay``, ``steps``, ``seed``); a single ``width`` is accepted too.
    """
    cfg = dict(config)
    cfg.setdefault("progress", False)
    if "width" in cfg:
        cfg["widths"] = [int(cfg.pop("width"))]
    return train_superposition(**cfg).runs
