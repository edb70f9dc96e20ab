"""Toy models of superposition (Elhage et al. 2022), many sparsities and seeds trained at once.

A width-``m`` bottleneck must carry ``n > m`` features:

.. math::

    x' = \\mathrm{ReLU}(W^\\top W x + b),\\qquad
    L = \\mathbb{E}_x \\sum_{i=1}^{n} I_i\\,(x_i - x'_i)^2,

with ``W`` of shape ``m × n`` (column ``W_i`` is feature ``i``'s direction in the hidden space),
inputs ``x_i ~ U[0, 1]`` with probability ``1 − S`` and ``0`` otherwise (sparsity ``S``) and
importances ``I_i = decay^i`` (``i = 0 … n−1``; Elhage et al. use ``0.9^i``).

What the paper shows and this module measures:

* ``n = 5, m = 2``: as ``S`` grows the two-dimensional feature directions go from an orthogonal pair
  (the two most important features, the rest dropped) to antipodal pairs (four features) to a
  pentagon (all five, 72° apart) — :func:`classify_geometry`.
* Feature norms ``‖W_i‖`` (represented or not), polysemanticity / superposition
  ``Σ_{j≠i} (Ŵ_i · W_j)²`` (how much other features leak into feature ``i``'s direction) and the
  feature dimensionality ``D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²``.
* ``n = 100, m = 20``: "dimensions per feature" ``m / ‖W‖_F²`` against ``1/(1 − S)``: 1 when
  dense (``m`` features, one dimension each), falling towards ``m/n`` as sparsity lets every
  feature in, with plateaus at fractions such as 1/2 (antipodal pairs) and 2/5 (pentagons).

Every (sparsity, seed) pair is an instance of one batched model: ``W`` is ``(K, m, n)`` and one
``torch.bmm`` trains all of them. Each instance draws its initial weights from its own seed.

Reference: N. Elhage et al., "Toy Models of Superposition", Transformer Circuits Thread, 2022.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..results import Result
from ..sweeps.progress import reporting
from .device import device as default_device
from .device import num_threads, numbers, toy_threads

__all__ = [
    "train_toy_models",
    "ToyModelsResult",
    "feature_table",
    "classify_geometry",
    "is_pentagon",
]


#: Columns with a norm above this count as represented features.
REPRESENTED_NORM = 0.5


def feature_table(W: np.ndarray, importance: np.ndarray | None = None) -> pd.DataFrame:
    """Per-feature measurements of one model ``W`` (shape ``m × n``; column ``i`` is feature ``i``).

    Columns: ``feature`` (0-based), ``importance``, ``norm`` ``‖W_i‖``, ``represented``
    (``norm > 1/2``), ``superposition`` ``Σ_{j≠i} (Ŵ_i · W_j)²`` (polysemanticity: 0 when
    feature ``i`` has a dimension to itself), ``dimensionality``
    ``D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²`` (the fraction of a dimension feature ``i`` gets: 1
    alone, 1/2 in an antipodal pair, 2/5 in a pentagon, 0 when not represented), and for
    ``m = 2`` the direction's ``angle`` (degrees) and coordinates ``x``, ``y``.
    """
    W = np.asarray(W, dtype=np.float64)
    m, n = W.shape
    norms = np.linalg.norm(W, axis=0)
    safe = np.where(norms > 1e-12, norms, 1.0)
    U = W / safe
    G = U.T @ W  # G[i, j] = Ŵ_i · W_j
    sq = G**2
    diag = np.diag(sq).copy()
    superposition = sq.sum(axis=1) - diag
    dim = np.where(norms > 1e-6, norms**2 / np.maximum(sq.sum(axis=1), 1e-300), 0.0)
    out = pd.DataFrame({
        "feature": np.arange(n),
        "importance": np.ones(n) if importance is None else np.asarray(importance, float),
        "norm": norms,
        "represented": norms > REPRESENTED_NORM,
        "superposition": superposition,
        "dimensionality": dim,
    })
    if m == 2:
        out["angle"] = np.degrees(np.arctan2(W[1], W[0])) % 360.0
        out["x"], out["y"] = W[0], W[1]
    return out


def _gaps(angles_deg: np.ndarray) -> np.ndarray:
    a = np.sort(np.asarray(angles_deg, float) % 360.0)
    return np.diff(np.concatenate([a, a[:1] + 360.0]))


def classify_geometry(W: np.ndarray, tolerance_deg: float = 15.0) -> str:
    """Name the arrangement of a two-dimensional model's features (``W`` of shape ``2 × n``).

    ``"pentagon"`` (five represented features, neighbours ``72° ± tolerance`` apart),
    ``"antipodal pairs"`` (four, in two opposite pairs), ``"orthogonal pair"`` (two, ``90°``
    apart), ``"antipodal pair"`` (two, opposite), else ``"k features"``.
    """
    W = np.asarray(W, float)
    if W.shape[0] != 2:
        raise ArgumentError(f"classify_geometry needs a model of width m = 2, got m = {W.shape[0]}.")
    t = feature_table(W)
    rep = t[t["represented"]]
    k = len(rep)
    ang = rep["angle"].to_numpy()
    if k == 5 and np.all(np.abs(_gaps(ang) - 72.0) <= tolerance_deg):
        return "pentagon"
    if k == 4:
        gaps = _gaps(ang)
        # two antipodal pairs: each feature has another one ~180° away
        diffs = np.abs(((ang[:, None] - ang[None, :]) + 180.0) % 360.0 - 180.0)
        if np.all((np.abs(diffs - 180.0) <= tolerance_deg).sum(axis=1) == 1) and gaps.min() > tolerance_deg:
            return "antipodal pairs"
    if k == 2:
        d = abs(((ang[0] - ang[1]) + 180.0) % 360.0 - 180.0)
        if abs(d - 90.0) <= tolerance_deg:
            return "orthogonal pair"
        if abs(d - 180.0) <= tolerance_deg:
            return "antipodal pair"
    return f"{k} features"


def is_pentagon(W: np.ndarray, norm_range=(0.75, 1.35), gap_tolerance_deg: float = 15.0) -> bool:
    """True when all five features of a ``2 × 5`` model have norms in ``norm_range`` (≈ 1) and
    their directions are spread ``72° ± gap_tolerance_deg`` apart (a pentagon)."""
    W = np.asarray(W, float)
    if W.shape != (2, 5):
        raise ArgumentError(f"is_pentagon needs a 2 × 5 model, got shape {W.shape}.")
    t = feature_table(W)
    lo, hi = norm_range
    return bool(t["norm"].between(lo, hi).all() and np.all(np.abs(_gaps(t["angle"]) - 72.0) <= gap_tolerance_deg))


class ToyModelsResult(Result):
    """What :func:`train_toy_models` returns.

    Attributes
    ----------
    runs : DataFrame
        One row per trained model: ``sparsity``, ``seed``, ``inverse_density`` ``1/(1 − S)``,
        ``loss`` (importance-weighted, on held-out samples), ``n_represented``,
        ``dims_per_feature`` ``m / ‖W‖_F²``, ``mean_superposition``, ``geometry`` (for
        ``m = 2``), ``N`` (parameters ``m·n + n``), ``D`` (training samples seen), ``m``,
        ``n_features``, ``steps``.
    weights : ndarray
        ``(K, m, n)``, in the order of ``runs``.
    biases : ndarray
        ``(K, n)``.
    importance : ndarray
        ``I_i``.
    history : DataFrame
        Training loss per model and report step.
    """

    runs: pd.DataFrame
    weights: np.ndarray
    biases: np.ndarray
    importance: np.ndarray
    history: pd.DataFrame
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0
    finished: bool = True

    def model(self, sparsity: float, seed: int | None = None) -> np.ndarray:
        """``W`` (``m × n``) of the model trained at ``sparsity`` (the closest one trained); with
        several seeds, the one with the lowest loss unless ``seed`` is given."""
        return self.weights[self._index(sparsity, seed)]

    def _index(self, sparsity, seed=None) -> int:
        runs = self.runs
        s = runs["sparsity"].to_numpy()
        target = s[np.argmin(np.abs(s - float(sparsity)))]
        rows = runs[np.isclose(runs["sparsity"], target)]
        if seed is not None:
            rows = rows[rows["seed"] == int(seed)]
            if rows.empty:
                raise ArgumentError(f"No model with seed {seed}; seeds trained: {sorted(runs['seed'].unique())}.")
        return int(rows["loss"].idxmin())

    def best(self) -> pd.DataFrame:
        """The lowest-loss seed at each sparsity (rows of :attr:`runs`)."""
        return self.runs.loc[self.runs.groupby("sparsity")["loss"].idxmin()].reset_index(drop=True)

    def features(self, best: bool = True) -> pd.DataFrame:
        """:func:`feature_table` of every model (or of the best seed per sparsity), with
        ``sparsity`` and ``seed`` columns."""
        rows = self.best() if best else self.runs
        parts = []
        for _, r in rows.iterrows():
            k = int(r["instance"])
            t = feature_table(self.weights[k], self.importance)
            parts.append(t.assign(sparsity=r["sparsity"], seed=r["seed"], inverse_density=r["inverse_density"]))
        return pd.concat(parts, ignore_index=True)

    def _title(self) -> str:
        s = self.settings
        return (f"Toy models of superposition (Elhage et al. 2022): n = {s['n_features']}, m = {s['width']}, "
                f"{len(self.runs)} models, {s['steps']} steps of batch {s['batch_size']} on {s['device']}, "
                f"{self.seconds:.1f} s" + ("" if self.finished else " (stopped early)"))

    def _summarize(self, s) -> None:
        cols = [c for c in ("sparsity", "loss", "n_represented", "dims_per_feature", "geometry") if c in self.runs]
        s.add_table(self.best()[cols], title="the lowest-loss seed at each sparsity")

    def _headline(self) -> str:
        return f"{len(self.runs)} models, m = {self.settings.get('width')}"

    _dict_exclude = ("weights", "biases", "history")


def _instance_seed(seed: int, n: int, m: int) -> int:
    return (int(seed) * 1_000_003 + n * 7919 + m * 104_729 + 29) % (2**63 - 1)


def train_toy_models(
    sparsities: Sequence[float] = (0.0, 0.7, 0.9, 0.97),
    *,
    n_features: int = 5,
    width: int = 2,
    importance_decay: float = 0.9,
    seed: Sequence[int] | int = (0, 1, 2),
    steps: int = 2000,
    batch_size: int = 512,
    lr: float = 1e-2,
    eval_samples: int = 8192,
    eval_seed: int = 2022,
    report_every: int | None = None,
    progress=True,
    device=None,
    threads: int | str | None = None,
) -> ToyModelsResult:
    """Train the toy model of superposition at several sparsities (and seeds) at once.

    Parameters
    ----------
    sparsities : sequence of float
        ``S`` in ``[0, 1)``: the probability that a feature is zero.
    n_features, width : int
        ``n`` features through a bottleneck of width ``m < n``.
    importance_decay : float
        Importances ``I_i = importance_decay^i`` (``1`` for equal importance).
    seed : int or sequence of int
        Every sparsity is trained once per seed (local minima are common: the paper keeps the
        best; :meth:`ToyModelsResult.best` does the same).
    steps, batch_size, lr : optimisation: Adam with a cosine decay of the learning rate to 5 %.
    eval_samples : int
        Held-out samples per model for the final loss.
    progress : bool or workbench.toys.Progress
        ``True``: a progress bar; ``False``: silent; a :class:`~workbench.toys.Progress` receives
        partial runs tables, and training stops early once ``progress.stopped``.
    device, threads
        As in :func:`workbench.toys.superposition.train_superposition` (default threads:
        the fastest count measured on this machine (:func:`workbench.toys.device.toy_threads`)).

    Returns
    -------
    ToyModelsResult

    References
    ----------
    N. Elhage et al., "Toy Models of Superposition", Transformer Circuits Thread, 2022.
    """
    import torch

    S = numbers(sparsities, "sparsities")
    if any(not (0.0 <= s < 1.0) for s in S):
        raise ArgumentError(f"Sparsities must lie in [0, 1) (S = 1 would mean no feature is ever active), got {S}.")
    seeds = numbers(seed, "seed", distinct=True, integer=True)
    n, m = int(n_features), int(width)
    if not 1 <= m < n:
        raise ArgumentError(f"The width m must be at least 1 and smaller than n_features = {n}, got m = {m}.")
    if not 0 < importance_decay <= 1:
        raise ArgumentError(f"importance_decay must lie in (0, 1], got {importance_decay}.")
    steps, batch_size = int(steps), int(batch_size)
    if steps < 1 or batch_size < 1:
        raise ArgumentError(f"steps and batch_size must be positive, got {steps} and {batch_size}.")
    report_every = max(1, steps // 20) if report_every is None else max(1, int(report_every))
    dev = default_device() if device is None else torch.device(device)
    def probe():
        train_toy_models(S, n_features=n, width=m, importance_decay=importance_decay, seed=seeds, steps=20,
                         batch_size=batch_size, lr=lr, eval_samples=256, device=dev, threads="current", progress=False)

    threads = toy_threads(threads, "elhage", probe) if dev.type == "cpu" else None

    inst = [(s, seed) for s in S for seed in seeds]
    K = len(inst)
    with reporting(progress, steps, f"toy models: {K} models") as progress:
        return _train_toy_models(inst, S, seeds, n, m, importance_decay, steps, batch_size, lr, eval_samples,
                                 eval_seed, report_every, progress, dev, threads)


def _train_toy_models(inst, S, seeds, n, m, importance_decay, steps, batch_size, lr, eval_samples, eval_seed,
                      report_every, progress, dev, threads) -> ToyModelsResult:
    import torch

    from .device import generator
    from .superposition import lr_schedule

    K = len(inst)
    importance = importance_decay ** np.arange(n, dtype=float)
    t0 = time.perf_counter()
    with num_threads(threads):
        W0 = torch.empty((K, m, n), dtype=torch.float32)
        for k, (_, seed) in enumerate(inst):
            g = generator(_instance_seed(seed, n, m), "cpu")
            # Xavier-normal initialisation: std sqrt(2 / (m + n)).
            W0[k] = torch.randn((m, n), generator=g) * math.sqrt(2.0 / (m + n))
        W = W0.to(dev).requires_grad_(True)
        b = torch.zeros((K, n), dtype=torch.float32, device=dev, requires_grad=True)
        density = torch.tensor([1.0 - s for s, _ in inst], dtype=torch.float32, device=dev).view(K, 1, 1)
        imp = torch.tensor(importance, dtype=torch.float32, device=dev)
        opt = torch.optim.Adam([W, b], lr=lr)
        gram = n <= 2 * m + 2
        gen = generator(min(seeds) * 7_777 + 11, dev)

        def batch(g, size):
            # x_i = U[0, 1] with probability 1 − S, else 0, from one uniform draw u per entry:
            # given u < 1 − S, u / (1 − S) is uniform on [0, 1).
            u = torch.rand((K, size, n), generator=g, device=dev)
            return torch.where(u < density, u / density, torch.zeros((), device=dev))

        def loss_of(x):
            if gram:  # x W^T W as one product with the n × n Gram matrix (cheaper when n is tiny)
                z = torch.baddbmm(b[:, None, :], x, torch.bmm(W.transpose(1, 2), W))
            else:
                z = torch.baddbmm(b[:, None, :], torch.bmm(x, W.transpose(1, 2)), W)
            return ((torch.relu(z) - x) ** 2 * imp).sum(-1).mean(-1)  # (K,)

        history = []
        running = torch.zeros(K, device=dev)
        count, done, finished = 0, 0, True
        lr_factors = lr_schedule(steps, 0, 0.05, lr).lrs(steps)
        for step in range(1, steps + 1):
            if progress.stopped:
                finished = False
                break
            for group in opt.param_groups:
                group["lr"] = float(lr_factors[step - 1])
            per = loss_of(batch(gen, batch_size))
            opt.zero_grad(set_to_none=True)
            per.sum().backward()
            opt.step()
            running += per.detach()
            count += 1
            done = step
            if step % report_every == 0 or step == steps:
                avg = (running / count).cpu().numpy()
                for k, (s, seed) in enumerate(inst):
                    history.append({"step": step, "sparsity": s, "seed": seed, "loss": float(avg[k])})
                if True:
                    Wn = W.detach().cpu().numpy()
                    partial = _runs(Wn, avg, inst, n, m, importance, done, batch_size)
                    partial.attrs["features"] = _best_features(Wn, partial, importance)
                    progress.update(step, partial)
                running.zero_()
                count = 0
        with torch.no_grad():
            eg = generator(eval_seed, dev)
            total = torch.zeros(K, device=dev, dtype=torch.float64)
            left = int(eval_samples)
            while left > 0:
                bsz = min(left, 2048)
                total += loss_of(batch(eg, bsz)).double() * bsz
                left -= bsz
            final = (total / int(eval_samples)).cpu().numpy()
    Wn = W.detach().cpu().numpy()
    runs = _runs(Wn, final, inst, n, m, importance, done, batch_size)
    settings = dict(sparsities=S, n_features=n, width=m, importance_decay=importance_decay, seed=seeds, steps=steps,
                    batch_size=batch_size, lr=lr, eval_samples=eval_samples, device=str(dev), threads=threads)
    hist = pd.DataFrame(history, columns=["step", "sparsity", "seed", "loss"])
    return ToyModelsResult(runs=runs, weights=Wn, biases=b.detach().cpu().numpy(), importance=importance,
                           history=hist, settings=settings, seconds=time.perf_counter() - t0, finished=finished)


def _best_features(Wn, runs, importance) -> pd.DataFrame:
    """:func:`feature_table` of the lowest-loss seed at each sparsity."""
    best = runs.loc[runs.groupby("sparsity")["loss"].idxmin()]
    return pd.concat([feature_table(Wn[int(r.instance)], importance).assign(
        sparsity=r.sparsity, seed=r.seed, inverse_density=r.inverse_density) for r in best.itertuples()],
        ignore_index=True)


def _runs(Wn, losses, inst, n, m, importance, done, batch_size) -> pd.DataFrame:
    rows = []
    for k, (s, seed) in enumerate(inst):
        t = feature_table(Wn[k], importance)
        row = {"instance": k, "sparsity": s, "seed": seed, "inverse_density": 1.0 / (1.0 - s),
               "loss": float(losses[k]), "n_represented": int(t["represented"].sum()),
               "dims_per_feature": float(m / max((Wn[k] ** 2).sum(), 1e-12)),
               "mean_superposition": float(t.loc[t["represented"], "superposition"].mean())
               if t["represented"].any() else 0.0,
               "N": m * n + n, "D": float(done * batch_size), "m": m, "n_features": n, "steps": done}
        if m == 2:
            row["geometry"] = classify_geometry(Wn[k])
        rows.append(row)
    return pd.DataFrame(rows)
