"""The four scaling regimes in a random-feature teacher–student model (Bahri et al. 2021).

Bahri, Dyer, Kaplan, Lee & Sharma (2021), "Explaining Neural Scaling Laws", sort scaling
into four regimes. Adding data ``D`` or model size ``P`` helps in one of two ways:

* **variance-limited**: one of the two is effectively infinite already, the other is the
  noisy, finite-sample estimate of it, and the excess loss falls as exactly ``1/D``
  (fixed model, more data) or ``1/P`` (fixed data, wider model);
* **resolution-limited**: the loss is set by how finely the model (or data) resolves a
  power-law spectrum, ``L ∝ D^(−α)`` (infinite model) and ``L ∝ P^(−α)`` (infinite data),
  with the *same* exponent ``α`` in both (the duality).

The model here (all exact linear algebra, no test set):

* latent features ``x ∈ R^M`` with independent components of variance
  ``λ_k = k^(−(1+α))``, ``k = 1 … M`` (a power-law spectrum);
* a teacher ``y = w · x`` with ``w_k = ±1`` (random signs, so the target puts exactly
  ``λ_k`` of its variance in mode ``k``);
* a student with ``P`` random features ``f = V x / √P`` (``V`` has i.i.d. standard normal
  entries) fitted by ridge regression on ``D`` samples,
  ``θ = argmin (1/D) Σ_i (θ·f_i − y_i)² + ridge·|θ|²``.

The student's prediction is linear in ``x`` with weights ``u = Vᵀθ/√P``, so the
**population loss is exact**: ``L = E_x (u·x − w·x)² = Σ_k λ_k (u_k − w_k)²``.
Both limits are analytic:

* infinite data (``D → ∞``): ``θ = (Σ_f + ridge·I)⁻¹ Σ_fy`` with ``Σ_f = VΛVᵀ/P`` and
  ``Σ_fy = VΛw/√P``;
* infinite width (``P → ∞``): ``VᵀV/P → I``, so the student becomes kernel ridge
  regression with the linear kernel ``x·x'``: ``u = Xᵀ(XXᵀ + ridge·D·I)⁻¹ y``;
* both: ``L = Σ_k λ_k (ridge/(λ_k + ridge))²`` (zero without a ridge).

Variance-limited in width needs care: for one draw of the features, ``L(P) − L(P=∞)``
fluctuates by ``O(1/√P)`` around a mean that is ``O(1/P)``; the regime is a statement about
the *expected* loss over the random features. :func:`loss_width_sweep` therefore estimates
``E_V[L(P)]`` with a control variate: it subtracts the first-order term of ``L`` in
``VᵀV/P − I``, whose expectation is exactly zero, which leaves an unbiased estimate with
``O(1/P)`` noise (tested against plain Monte Carlo in ``tests/toys/test_random_features.py``).

Everything random is drawn in fixed-size chunks from generators seeded by
``(seed, stream, chunk)``, so the first ``D`` samples (and the first ``P`` features) are
the same whatever the sweep: curves are nested, and the same seed gives the same numbers.
Computations run in float64 by default: differences ``L − L∞`` of order ``1e−4·L`` and
kernel matrices with condition numbers near ``1e6`` need it (float32 on Apple ``mps``,
which has no float64).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..fitting.linear import line_fit
from ..sweeps.progress import reporting
from .device import device as default_device
from .device import num_threads, numbers, toy_threads

__all__ = [
    "RandomFeatureTask",
    "REGIMES",
    "loss_infinite_width",
    "loss_infinite_data",
    "loss_infinite_both",
    "loss_data_sweep",
    "loss_width_sweep",
    "population_loss",
    "regimes",
    "regime_slopes",
    "classify_regime",
    "local_slopes",
    "fit_with_irreducible",
    "size_grid",
    "curves_at_width",
    "curves_at_data",
    "infinite_width_curve",
    "infinite_data_curve",
    "describe_student",
]


#: The four regimes, in the words used by :func:`regimes` and the charts.
REGIMES = (
    "variance-limited in D",
    "variance-limited in P",
    "resolution-limited in D",
    "resolution-limited in P",
)

_CHUNK = 256  # rows per random chunk (nesting granularity)
_STREAM_TEACHER, _STREAM_DATA, _STREAM_FEATURES, _STREAM_FEATURES_ALONE, _STREAM_DATA_FEATURE_SPACE = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class RandomFeatureTask:
    """One teacher, one spectrum, one source of data and random features.

    Parameters
    ----------
    alpha : float
        Spectral exponent: latent variances ``λ_k = k^(−(1+alpha))``. The resolution-limited
        slopes are ``−alpha``.
    latent_dim : int
        Number of latent features ``M`` (the spectrum is cut there; keep ``D, P ≪ M`` in
        the resolution-limited regimes).
    ridge : float
        Ridge strength in ``(1/D) Σ (θ·f − y)² + ridge·|θ|²``. A tiny value gives the
        minimum-norm (ridgeless) fit; near ``P = D`` that fit interpolates and the loss
        peaks (double descent).
    seed : int
        Seeds the teacher's signs, the data and the features.
    feature_seed : int, optional
        Seeds the random features instead (default: ``seed``): an ensemble of students
        with different features on the same data and teacher.
    device, dtype : optional
        Torch device (default :func:`workbench.toys.device.device`) and dtype (default
        float64; float32 on ``mps``).
    """

    alpha: float = 1.0
    latent_dim: int = 2048
    ridge: float = 1e-8
    seed: int = 0
    feature_seed: int | None = None
    device: object = None
    dtype: object = None

    def __post_init__(self):
        if not (np.isfinite(self.alpha) and self.alpha > 0):
            raise ArgumentError(f"alpha must be a positive number (the spectrum is k^-(1+alpha)), got {self.alpha!r}.")
        if int(self.latent_dim) != self.latent_dim or self.latent_dim < 2:
            raise ArgumentError(f"latent_dim must be an integer >= 2, got {self.latent_dim!r}.")
        if not (np.isfinite(self.ridge) and self.ridge >= 0):
            raise ArgumentError(f"ridge must be a finite number >= 0, got {self.ridge!r}.")

    # ----------------------------------------------------------------- torch
    @property
    def torch_device(self):
        import torch

        return default_device() if self.device is None else torch.device(self.device)

    @property
    def torch_dtype(self):
        import torch

        if self.dtype is not None:
            return self.dtype
        return torch.float32 if self.torch_device.type == "mps" else torch.float64

    def _generator(self, stream: int, chunk: int):
        import torch

        seed = self.seed
        if stream == _STREAM_FEATURES and self.feature_seed is not None:
            seed, stream = self.feature_seed, _STREAM_FEATURES_ALONE
        state = np.random.SeedSequence([int(seed), int(stream), int(chunk)]).generate_state(1)[0]
        g = torch.Generator(device=self.torch_device)
        g.manual_seed(int(state))
        return g

    def _normal_rows(self, stream: int, start: int, stop: int, cols: int):
        """Standard normal rows ``start … stop−1`` of an endless, chunk-seeded stream."""
        import torch

        out = []
        c0, c1 = start // _CHUNK, (stop - 1) // _CHUNK
        for c in range(c0, c1 + 1):
            # drawn in float32 (4x faster on CPU) and widened: the draws are exact samples of a
            # float32-rounded Gaussian, which changes nothing here
            block = torch.randn(_CHUNK, cols, generator=self._generator(stream, c), device=self.torch_device,
                                dtype=torch.float32).to(self.torch_dtype)
            lo = max(start - c * _CHUNK, 0)
            hi = min(stop - c * _CHUNK, _CHUNK)
            out.append(block[lo:hi])
        return torch.cat(out, 0)

    # -------------------------------------------------------------- pieces
    def spectrum(self):
        """Latent variances ``λ_k = k^(−(1+alpha))``, shape ``(M,)``."""
        import torch

        k = torch.arange(1, self.latent_dim + 1, device=self.torch_device, dtype=self.torch_dtype)
        return k ** (-(1.0 + self.alpha))

    def teacher(self):
        """Teacher weights ``w_k = ±1`` (random signs), shape ``(M,)``."""
        return self._normal_rows(_STREAM_TEACHER, 0, 1, self.latent_dim)[0].sign()

    def data(self, start: int, stop: int):
        """Latent samples ``x_i = √λ ⊙ z_i`` for ``i = start … stop−1``, shape ``(stop−start, M)``."""
        return self._normal_rows(_STREAM_DATA, start, stop, self.latent_dim) * self.spectrum().sqrt()

    def features(self, start: int, stop: int):
        """Rows ``start … stop−1`` of the random projection ``V`` (unscaled), shape ``(stop−start, M)``."""
        return self._normal_rows(_STREAM_FEATURES, start, stop, self.latent_dim)

    def with_seed(self, seed: int | None = None, feature_seed: int | None = None) -> "RandomFeatureTask":
        """The same task with another seed (or only other random features)."""
        from dataclasses import replace

        return replace(self, seed=self.seed if seed is None else seed, feature_seed=feature_seed)


def population_loss(u, w, lam) -> float:
    """Exact population loss ``Σ_k λ_k (u_k − w_k)²`` of a linear predictor with latent weights ``u``."""
    return float((((u - w) ** 2) * lam).sum())


def _check_sizes(values, name: str) -> list[int]:
    vals = [int(v) for v in np.atleast_1d(values)]
    if not vals or min(vals) < 1:
        raise ArgumentError(f"{name} must be positive integers, got {list(np.atleast_1d(values))}.")
    return vals


# --------------------------------------------------------------------- limits
def loss_infinite_width(task: RandomFeatureTask, D_values: Sequence[int]) -> np.ndarray:
    """Exact population loss of the infinitely wide student (``P → ∞``) trained on ``D`` samples.

    ``u = Xᵀ(XXᵀ + ridge·D·I)⁻¹ y`` (kernel ridge regression with the kernel ``x·x'``), for
    each ``D`` in ``D_values`` (the first ``D`` samples of the task's data stream).

    Returns
    -------
    ndarray of float, one loss per ``D``.
    """
    import torch

    Ds = _check_sizes(D_values, "D_values")
    lam, w = task.spectrum(), task.teacher()
    X = task.data(0, max(Ds))
    y = X @ w
    K = X @ X.T
    out = []
    for D in Ds:
        A = K[:D, :D] + task.ridge * D * torch.eye(D, device=K.device, dtype=K.dtype)
        a = _solve_psd(A, y[:D])
        out.append(population_loss(X[:D].T @ a, w, lam))
    return np.array(out)


def loss_infinite_data(task: RandomFeatureTask, P_values: Sequence[int]) -> np.ndarray:
    """Exact population loss of ``P`` random features fitted on infinite data (``D → ∞``).

    ``θ = (VΛVᵀ/P + ridge·I)⁻¹ VΛw/√P`` and ``u = Vᵀθ/√P`` for the first ``P`` features.
    """
    import torch

    Ps = _check_sizes(P_values, "P_values")
    lam, w = task.spectrum(), task.teacher()
    V = task.features(0, max(Ps))
    VL = V * lam
    S = VL @ V.T
    b = VL @ w
    out = []
    for P in Ps:
        A = S[:P, :P] / P + task.ridge * torch.eye(P, device=S.device, dtype=S.dtype)
        theta = _solve_psd(A, b[:P] / math.sqrt(P))
        out.append(population_loss(V[:P].T @ theta / math.sqrt(P), w, lam))
    return np.array(out)


def loss_infinite_both(task: RandomFeatureTask) -> float:
    """Loss with infinite data and width: ``Σ_k λ_k (ridge/(λ_k + ridge))²`` (zero without a ridge)."""
    lam = task.spectrum()
    return float((lam * (task.ridge / (lam + task.ridge)) ** 2).sum())


def _solve_psd(A, b):
    """Solve ``A x = b`` for a symmetric positive (semi)definite ``A``: Cholesky, else least squares."""
    import torch

    L, info = torch.linalg.cholesky_ex(A)
    if int(info) == 0:
        return torch.cholesky_solve(b.unsqueeze(-1), L).squeeze(-1)
    return torch.linalg.lstsq(A, b.unsqueeze(-1)).solution.squeeze(-1)


# --------------------------------------------------------------------- sweeps
def loss_data_sweep(task: RandomFeatureTask, P: int, D_values: Sequence[int]) -> np.ndarray:
    """Exact population loss of ``P`` random features ridge-fitted on ``D`` samples, for each ``D``.

    The samples are nested (the first ``D`` of one stream). The features ``f = Vx/√P`` and
    the target ``y = w·x`` of a sample are jointly Gaussian with covariance
    ``C = [[VΛVᵀ/P, VΛw/√P], [·, wᵀΛw]]``, so when ``P`` is well below the latent dimension the
    samples are drawn directly in those ``P + 1`` dimensions (``[f, y] = chol(C)·g``, ``g``
    standard normal): the same distribution as projecting latent samples, at a cost that does
    not grow with the latent dimension. Otherwise latent samples are drawn and projected. The
    loss of a fit ``θ`` is exact either way: ``L = θᵀ(VΛVᵀ/P)θ − 2θᵀVΛw/√P + wᵀΛw``. The
    sufficient statistics ``FᵀF`` and ``Fᵀy`` are accumulated chunk by chunk; where ``D < P``
    the dual (kernel) form is used instead.
    """
    import torch

    (P,) = _check_sizes([P], "P")
    Ds = _check_sizes(D_values, "D_values")
    lam, w = task.spectrum(), task.teacher()
    V = task.features(0, P)
    dev, dt = V.device, V.dtype
    scale = 1.0 / math.sqrt(P)
    VL = V * lam
    Sf = VL @ V.T * scale**2  # feature covariance
    bf = VL @ w * scale  # feature–target covariance
    cy = float((w * w * lam).sum())  # target variance
    in_feature_space = 2 * (P + 1) <= task.latent_dim
    if in_feature_space:
        C = torch.empty(P + 1, P + 1, device=dev, dtype=dt)
        C[:P, :P], C[:P, P], C[P, :P], C[P, P] = Sf, bf, bf, cy
        Lc, info = torch.linalg.cholesky_ex(C)
        if int(info) != 0:  # numerically singular: fall back to projecting latent samples
            in_feature_space = False

    def sample(start, stop):
        if in_feature_space:
            R = task._normal_rows(_STREAM_DATA_FEATURE_SPACE, start, stop, P + 1) @ Lc.T
            return R[:, :P], R[:, P]
        X = task.data(start, stop)
        return (X @ V.T) * scale, X @ w

    targets = sorted(set(Ds))
    FtF = torch.zeros(P, P, device=dev, dtype=dt)
    Fty = torch.zeros(P, device=dev, dtype=dt)
    small_F, small_y = [], []  # rows kept for the dual form while D < P
    done = 0
    results: dict[int, float] = {}
    eyeP = torch.eye(P, device=dev, dtype=dt)
    for D in targets:
        while done < D:
            stop = min(D, (done // _CHUNK + 1) * _CHUNK)
            F, y = sample(done, stop)
            FtF += F.T @ F
            Fty += F.T @ y
            if done < P:
                small_F.append(F)
                small_y.append(y)
            done = stop
        if D >= P:
            theta = _solve_psd(FtF / D + task.ridge * eyeP, Fty / D)
        else:
            F = torch.cat(small_F, 0)[:D]
            y = torch.cat(small_y, 0)[:D]
            a = _solve_psd(F @ F.T + task.ridge * D * torch.eye(D, device=dev, dtype=dt), y)
            theta = F.T @ a
        results[D] = float(theta @ (Sf @ theta) - 2.0 * (theta @ bf) + cy)
    return np.array([results[D] for D in Ds])


def loss_width_sweep(task: RandomFeatureTask, D: int, P_values: Sequence[int],
                     control_variate: str | None = "second") -> np.ndarray:
    """Population loss of ``P`` random features ridge-fitted on ``D`` samples, for each ``P``.

    The features are nested (the first ``P`` rows of one stream). Uses the dual form
    ``θ = Fᵀ(FFᵀ + ridge·D·I)⁻¹ y`` (``D × D`` solves).

    Parameters
    ----------
    control_variate : {"second", "first", None}
        ``None``: the plain loss of this draw of features. Otherwise an unbiased, low-noise
        estimate of the loss *averaged over the random features*, ``E_V[L(P)]``, which is what
        the variance-limited law ``E_V[L(P)] − L(P=∞) ∝ 1/P`` is about (one draw fluctuates by
        ``O(1/√P)`` around it). Write the fit as a function of ``G = VᵀV/P`` and expand the
        loss around the infinite-width point ``G = I`` in ``E = G − I = (1/P) Σ_j e_j`` with
        ``e_j = v_j v_jᵀ − I`` (independent, mean zero):
        ``L = L₀ + L₁[E] + L₂[E, E] + …``.
        ``"first"`` subtracts ``L₁[E]`` (mean exactly zero); ``"second"`` also subtracts the
        off-diagonal part ``(1/P²) Σ_{j≠k} L₂[e_j, e_k]`` (mean exactly zero, since different
        features are independent). What is left, ``L₀ + (1/P²) Σ_j L₂[e_j, e_j] + O(P^(−3/2))``,
        has the same expectation as ``L(P)`` and a noise of relative size ``O(1/√P)``.
    """
    import torch

    if control_variate not in ("second", "first", None, False):
        raise ArgumentError(f"control_variate must be 'second', 'first' or None, not {control_variate!r}.")
    (D,) = _check_sizes([D], "D")
    Ps = _check_sizes(P_values, "P_values")
    lam, w = task.spectrum(), task.teacher()
    X = task.data(0, D)
    y = X @ w
    dev, dt = X.device, X.dtype
    eyeD = torch.eye(D, device=dev, dtype=dt)
    V = task.features(0, max(Ps))
    G = X @ V.T  # unnormalised features of the D samples, D × Pmax
    # the infinite-width fit: the expansion point
    A0 = X @ X.T + task.ridge * D * eyeD
    L0 = torch.linalg.cholesky(A0)

    def A0inv(b):
        return torch.cholesky_solve(b.reshape(D, -1), L0).reshape(b.shape)

    def H(z):  # H z = Xᵀ A0⁻¹ X z ;  Π = I − H
        return X.T @ A0inv(X @ z)

    a0 = A0inv(y)
    q = X.T @ a0  # = u at infinite width
    r0 = (q - w) * lam  # ∂(L/2)/∂u there
    Pr0 = r0 - H(r0)
    Pq = q - H(q)
    Hq = H(q)
    if control_variate == "second":
        # per-feature quantities for every row j of V (nested: computed once, summed over prefixes)
        AG = A0inv(G)  # A0⁻¹ X v_j, D × Pmax; H v_j = Xᵀ AG_j
        vq = V @ q
        quad = (V * V) @ lam - 2.0 * ((V @ (X * lam).T).T * AG).sum(0) \
            + (AG * (((X * lam) @ X.T) @ AG)).sum(0)  # |Π v_j|²_Λ
        cross = V @ (lam * Pq) - AG.T @ (X @ (lam * Pq))  # (Π v_j)ᵀ Λ Π q
        u1u1 = vq**2 * quad - 2.0 * vq * cross + float((Pq * Pq * lam).sum())
        v_n = vq * (G * AG).sum(0) - G.T @ A0inv(X @ q)  # v_j · n_j with n_j = H e_j q
        Pr0_n = vq * (AG.T @ (X @ Pr0)) - float(Pr0 @ Hq)  # (Π r0) · n_j
        S_each = u1u1 + 2.0 * (-(V @ Pr0) * v_n + Pr0_n)  # L₂[e_j, e_j]
    results = {}
    for P in sorted(set(Ps)):
        VP, GP = V[:P], G[:, :P]
        a = _solve_psd(GP @ GP.T / P + task.ridge * D * eyeD, y)
        L = population_loss(VP.T @ (GP.T @ a) / P, w, lam)
        if control_variate:
            def E(z):  # (VᵀV/P − I) z
                return VP.T @ (VP @ z) / P - z

            Eq = E(q)
            u1 = Eq - H(Eq)
            L = L - 2.0 * float(r0 @ u1)
            if control_variate == "second":
                S_full = float((u1 * u1 * lam).sum()) - 2.0 * float(Pr0 @ E(H(Eq)))
                L = L - S_full + float(S_each[:P].sum()) / P**2
        results[P] = L
    return np.array([results[P] for P in Ps])


# -------------------------------------------------------------------- regimes
def _probe():
    task = RandomFeatureTask(alpha=1.0, latent_dim=512, seed=0)
    loss_data_sweep(task, 32, [64, 128])


def _threads(threads):
    return num_threads(toy_threads(threads, "random_features", _probe))


def regimes(
    alpha: float = 1.0,
    latent_dim: int = 2048,
    seed: Sequence[int] | int = tuple(range(16)),
    fixed_P: int = 32,
    D_for_variance: Sequence[int] = (512, 1024, 2048, 4096, 8192, 16384),
    fixed_D: int = 16,
    P_for_variance: Sequence[int] = (256, 512, 1024, 2048, 4096),
    resolution_sizes: Sequence[int] = (16, 32, 64, 128, 256),
    ridge: float = 1e-8,
    which: Sequence[str] = REGIMES,
    progress=True,
    device=None,
    threads: int | None = None,
) -> pd.DataFrame:
    """All four regimes of the random-feature model as one runs table.

    * variance-limited in D: ``P = fixed_P``, ``D`` in ``D_for_variance`` (``D ≫ P``);
      the limit is ``L(P, D=∞)``;
    * variance-limited in P: ``D = fixed_D``, ``P`` in ``P_for_variance`` (``P ≫ D``);
      the limit is ``L(D, P=∞)``; losses are feature-averaged (control variate);
    * resolution-limited in D: ``P = ∞``, ``D`` in ``resolution_sizes``;
    * resolution-limited in P: ``D = ∞``, ``P`` in ``resolution_sizes``;
      the limit of both is ``L(∞, ∞)`` (zero without a ridge).

    Parameters
    ----------
    alpha, latent_dim, ridge : see :class:`RandomFeatureTask`.
    seed : int or sequence of int
        One task (teacher, data, features) per seed.
    which : sequence of str
        The regimes to compute (default all four, see :data:`REGIMES`).
    progress, device, threads
        The toys' convention (:mod:`workbench.toys`); a :class:`~workbench.toys.Progress` gets the
        partial table after each (seed, regime).

    Returns
    -------
    DataFrame
        One row per (regime, seed, size): ``regime``, ``scaled`` (``"D"`` or ``"P"``),
        ``N`` (= P, the student's parameter count; ``inf`` for infinite width), ``D``
        (samples; ``inf`` for infinite data), ``loss`` (exact population loss, squared
        error), ``loss_limit`` (the analytic limit the regime approaches), ``excess``
        (``loss − loss_limit``), ``alpha``, ``seed``.
    """
    rows: list[dict] = []
    seeds = numbers(seed, "seed", distinct=True, integer=True)
    unknown = [r for r in which if r not in REGIMES]
    if unknown:
        raise ArgumentError(f"Unknown regime(s) {unknown}; choose among {REGIMES}.")
    done = 0
    with _threads(threads), reporting(progress, len(seeds) * len(which), "random features") as progress:
        for seed in seeds:
            task = RandomFeatureTask(alpha=alpha, latent_dim=latent_dim, ridge=ridge, seed=seed, device=device)
            L_both = loss_infinite_both(task)
            jobs = (
                ("variance-limited in D", lambda: _vd(task, fixed_P, D_for_variance)),
                ("variance-limited in P", lambda: _vp(task, fixed_D, P_for_variance)),
                ("resolution-limited in D", lambda: _rd(task, resolution_sizes, L_both)),
                ("resolution-limited in P", lambda: _rp(task, resolution_sizes, L_both)),
            )
            for name, job in jobs:
                if name not in which:
                    continue
                for r in job():
                    rows.append({"regime": name, **r, "alpha": float(alpha), "seed": int(seed)})
                done += 1
                progress.update(done, pd.DataFrame(rows))
                if progress.stopped:
                    return pd.DataFrame(rows)
    return pd.DataFrame(rows)


def _vd(task, P, Ds):
    L = loss_data_sweep(task, P, Ds)
    Linf = float(loss_infinite_data(task, [P])[0])
    return [{"scaled": "D", "N": float(P), "D": float(D), "loss": l, "loss_limit": Linf, "excess": l - Linf}
            for D, l in zip(Ds, L)]


def _vp(task, D, Ps):
    L = loss_width_sweep(task, D, Ps, control_variate="second")
    Linf = float(loss_infinite_width(task, [D])[0])
    return [{"scaled": "P", "N": float(P), "D": float(D), "loss": l, "loss_limit": Linf, "excess": l - Linf}
            for P, l in zip(Ps, L)]


def _rd(task, Ds, L_both):
    L = loss_infinite_width(task, Ds)
    return [{"scaled": "D", "N": math.inf, "D": float(D), "loss": l, "loss_limit": L_both, "excess": l - L_both}
            for D, l in zip(Ds, L)]


def _rp(task, Ps, L_both):
    L = loss_infinite_data(task, Ps)
    return [{"scaled": "P", "N": float(P), "D": math.inf, "loss": l, "loss_limit": L_both, "excess": l - L_both}
            for P, l in zip(Ps, L)]


def regime_slopes(runs: pd.DataFrame, level: float = 0.95) -> dict:
    """Fitted slopes of the four regimes (statsmodels OLS in log–log space via
    :func:`workbench.fitting.fit_power_law`).

    For each regime the seed-averaged ``excess = L − L_limit`` is fitted against the
    scaled variable (``D`` or ``P``). Variance-limited regimes should give ``−1``,
    resolution-limited ones ``−alpha``.

    Returns
    -------
    dict
        ``{regime: PowerLawFit}``.
    """
    from ..fitting import fit_power_law

    if "regime" not in runs.columns:
        raise ArgumentError("regime_slopes needs the table returned by random_features.regimes() (a 'regime' column).")
    out = {}
    for name in REGIMES:
        sub = runs[runs["regime"] == name]
        if sub.empty:
            continue
        var = "D" if sub["scaled"].iloc[0] == "D" else "N"
        mean = sub.groupby(var, as_index=False)["excess"].mean()
        if (mean["excess"] <= 0).any():
            raise ArgumentError(
                f"{name}: the seed-averaged excess loss is not positive at {var} = "
                f"{mean.loc[mean['excess'] <= 0, var].tolist()}; use more seeds or larger sizes."
            )
        out[name] = fit_power_law(mean, x=var, y="excess", level=level)
    return out


# ---------------------------------------------------------- where am I?
def classify_regime(P: float, D: float, ratio: float = 4.0) -> dict:
    """Which regime a student with ``P`` features and ``D`` samples is in, in words.

    With ``D ≥ ratio·P`` the model is the bottleneck: more data is variance-limited (``1/D``)
    and more features resolution-limited (``P^(−α)``). With ``P ≥ ratio·D`` it is the reverse.
    In between, near ``P ≈ D``, the ridgeless fit interpolates and neither law holds.

    Returns
    -------
    dict with ``in_D``, ``in_P`` (regime names, or ``"crossover"``) and ``summary`` (a sentence).
    """
    if not (P > 0 and D > 0):
        raise ArgumentError(f"P and D must be positive, got P={P!r}, D={D!r}.")
    if D >= ratio * P:
        in_D, in_P = "variance-limited in D", "resolution-limited in P"
        summary = (f"D = {D:.0f} ≫ P = {P:.0f}: the model is the bottleneck. More data only removes sampling noise "
                   f"(L − L∞ ∝ 1/D); more features resolve more of the spectrum (L ∝ P^−α).")
    elif P >= ratio * D:
        in_D, in_P = "resolution-limited in D", "variance-limited in P"
        summary = (f"P = {P:.0f} ≫ D = {D:.0f}: the data are the bottleneck. More features only remove the noise of "
                   f"finite width (L − L∞ ∝ 1/P); more data resolve more of the spectrum (L ∝ D^−α).")
    else:
        in_D = in_P = "crossover"
        summary = (f"P = {P:.0f} ≈ D = {D:.0f}: the crossover. With almost no ridge the fit interpolates the data "
                   f"here and the loss peaks (double descent); no single power law applies.")
    return {"in_D": in_D, "in_P": in_P, "summary": summary}


def local_slopes(D_values, loss_D, P_values, loss_P, D: float, P: float, window: float = 2.0) -> dict:
    """Local log–log slopes of ``loss_D`` against ``D`` at ``D`` and of ``loss_P`` against ``P`` at ``P``.

    Each is the least-squares slope of ``ln loss`` on ``ln size`` over the grid points within a
    factor ``window`` of the point (at least the two nearest); NaN where a value is not positive.
    """
    def slope(xs, ys, x0):
        xs, ys = np.asarray(xs, float), np.asarray(ys, float)
        near = np.abs(np.log(xs / x0)) <= math.log(window) + 1e-9
        if near.sum() < 2:
            near = np.zeros(len(xs), bool)
            near[np.argsort(np.abs(np.log(xs / x0)))[:2]] = True
        if np.any(ys[near] <= 0):
            return math.nan
        return float(line_fit(np.log(xs[near]), np.log(ys[near]))[1][0])

    return {"slope_D": slope(D_values, loss_D, D), "slope_P": slope(P_values, loss_P, P)}


def fit_with_irreducible(runs: pd.DataFrame, regime: str, **fit_options):
    """Fit ``L = E + A·x^(−alpha)`` with :func:`workbench.fit` to one regime's seed-averaged loss.

    In the variance-limited regimes the fitted irreducible term ``E`` should recover the
    analytic limit (``loss_limit``) and ``alpha`` should be 1; it shows how a law with an
    irreducible term finds the limit without being told it.

    Parameters
    ----------
    runs : DataFrame from :func:`regimes`.
    regime : one of :data:`REGIMES`.
    fit_options : passed to :func:`workbench.fit` (default ``bootstrap=0``).

    Returns
    -------
    Fit
    """
    from ..fitting import fit

    if regime not in REGIMES:
        raise ArgumentError(f"regime must be one of {REGIMES}, got {regime!r}.")
    sub = runs[runs["regime"] == regime]
    if sub.empty:
        raise ArgumentError(f"No rows for {regime!r} in the table.")
    var = "D" if sub["scaled"].iloc[0] == "D" else "N"
    table = sub.groupby(var, as_index=False)["loss"].mean()[[var, "loss"]]
    fit_options.setdefault("bootstrap", 0)
    return fit(f"power_law_{var}", table, **fit_options)


def null_loss(alpha: float, latent_dim: int = 2048) -> float:
    """Expected loss of the student that predicts zero, ``sum_k lambda_k = sum_k k^-(1+alpha)`` for
    ``k = 1 .. M`` (a teacher with unit-variance weights on the power-law spectrum)."""
    return float((np.arange(1, int(latent_dim) + 1) ** (-(1.0 + float(alpha)))).sum())


def size_grid(lo: int, hi: int, per_octave: int = 2) -> list[int]:
    """Integer sizes from ``lo`` to ``hi`` spaced by ``2^(1/per_octave)`` (the sliders' positions)."""
    ks = range(int(math.floor(per_octave * math.log2(lo))), int(math.ceil(per_octave * math.log2(hi))) + 1)
    return sorted({int(round(2 ** (k / per_octave))) for k in ks if lo <= round(2 ** (k / per_octave)) <= hi})


def _seed_mean(fn, task, seed, threads):
    with _threads(threads):
        return np.mean([fn(task.with_seed(s)) for s in numbers(seed, "seed", distinct=True, integer=True)], 0)


def _curves(task, seed, threads, fixed: str, size: int, sweep: str, values, finite, limit, infinite):
    """Seed-averaged loss against ``sweep`` at a fixed ``fixed = size``, the limit of the fixed size
    (``sweep = ∞``) and, when ``infinite``, the curve of the other side at infinity."""
    (size,) = _check_sizes([size], fixed)
    xs = _check_sizes(values, f"{sweep}_values")
    fin = _seed_mean(lambda t: finite(t, size, xs), task, seed, threads)
    lim = float(_seed_mean(lambda t: limit(t, [size]), task, seed, threads)[0])
    parts = [pd.DataFrame({sweep: np.asarray(xs, float), "curve": f"{fixed} = {size}", "loss": fin}),
             pd.DataFrame({sweep: np.asarray(xs, float), "curve": f"{fixed} = {size} limit ({sweep} = ∞)", "loss": lim})]
    if infinite:
        parts.append(_infinite_curve(task, seed, threads, sweep, xs))
    return pd.concat(parts, ignore_index=True)


def _infinite_curve(task, seed, threads, sweep: str, values) -> pd.DataFrame:
    xs = _check_sizes(values, f"{sweep}_values")
    fn = loss_infinite_width if sweep == "D" else loss_infinite_data
    inf = _seed_mean(lambda t: fn(t, xs), task, seed, threads)
    return pd.DataFrame({sweep: np.asarray(xs, float), "curve": f"{'P' if sweep == 'D' else 'D'} = ∞", "loss": inf})


def curves_at_width(alpha: float, P: int, D_values: Sequence[int], latent_dim: int = 2048, seed=(0, 1, 2),
                    ridge: float = 1e-8, infinite: bool = True, device=None, threads=None) -> pd.DataFrame:
    """Seed-averaged loss against ``D`` for ``P`` features, with its limit ``L(P, D=∞)`` and (when
    ``infinite``) the infinitely wide student's curve.

    ``seed`` (int or sequence of int): the tasks averaged over; ``device``, ``threads`` as in :func:`regimes`.
    Returns a long table: ``D``, ``curve`` (``"P = …"``, ``"P = … limit (D = ∞)"``, ``"P = ∞"``), ``loss``.
    """
    task = RandomFeatureTask(alpha, latent_dim, ridge, device=device)
    return _curves(task, seed, threads, "P", P, "D", D_values, loss_data_sweep, loss_infinite_data, infinite)


def infinite_width_curve(alpha: float, D_values: Sequence[int], latent_dim: int = 2048, seed=(0, 1, 2),
                         ridge: float = 1e-8, device=None, threads=None) -> pd.DataFrame:
    """Seed-averaged loss of the infinitely wide student against ``D`` (``"P = ∞"``), as :func:`curves_at_width`."""
    return _infinite_curve(RandomFeatureTask(alpha, latent_dim, ridge, device=device), seed, threads, "D", D_values)


def curves_at_data(alpha: float, D: int, P_values: Sequence[int], latent_dim: int = 2048, seed=(0, 1, 2),
                   ridge: float = 1e-8, infinite: bool = True, device=None, threads=None) -> pd.DataFrame:
    """Seed-averaged loss against ``P`` for ``D`` samples, with its limit ``L(D, P=∞)`` and (when
    ``infinite``) the curve of infinite data; arguments as in :func:`curves_at_width`.

    Losses at ``P ≥ 2D`` are feature-averaged with the second-order control variate of
    :func:`loss_width_sweep`; below that, plain losses (both estimate the same expectation).
    """
    def finite(task, D, Ps):
        wide = [P for P in Ps if P >= 2 * D]
        vals = dict(zip(wide, loss_width_sweep(task, D, wide, control_variate="second"))) if wide else {}
        vals.update({P: float(loss_data_sweep(task, P, [D])[0]) for P in Ps if P < 2 * D})
        return [vals[P] for P in Ps]

    task = RandomFeatureTask(alpha, latent_dim, ridge, device=device)
    return _curves(task, seed, threads, "D", D, "P", P_values, finite, loss_infinite_width, infinite)


def infinite_data_curve(alpha: float, P_values: Sequence[int], latent_dim: int = 2048, seed=(0, 1, 2),
                        ridge: float = 1e-8, device=None, threads=None) -> pd.DataFrame:
    """Seed-averaged loss with infinite data against ``P`` (curve ``"D = ∞"``), as :func:`curves_at_width`."""
    return _infinite_curve(RandomFeatureTask(alpha, latent_dim, ridge, device=device), seed, threads, "P", P_values)


def describe_student(D_curve: pd.DataFrame, P_curve: pd.DataFrame, P: int, D: int) -> dict:
    """Regime and local slopes of the student with ``P`` features and ``D`` samples.

    Uses the tables of :func:`curves_at_width` (at this ``P``) and :func:`curves_at_data` (at
    this ``D``). The local slopes are those of the excess loss over the relevant limit,
    ``d ln(L − L(P, ∞)) / d ln D`` and ``d ln(L − L(D, ∞)) / d ln P``: about ``−1`` in a
    variance-limited direction and about ``−alpha`` in a resolution-limited one.

    Returns
    -------
    dict with ``loss`` (at the point, from the ``D`` curve), ``slope_D``, ``slope_P``, ``in_D``,
    ``in_P`` and ``summary``.
    """
    dc = D_curve[D_curve["curve"] == f"P = {P}"].sort_values("D")
    dl = float(D_curve[D_curve["curve"].str.endswith("limit (D = ∞)")]["loss"].iloc[0])
    pc = P_curve[P_curve["curve"] == f"D = {D}"].sort_values("P")
    pl = float(P_curve[P_curve["curve"].str.endswith("limit (P = ∞)")]["loss"].iloc[0])
    slopes = local_slopes(dc["D"], dc["loss"] - dl, pc["P"], pc["loss"] - pl, D, P)
    at = dc[np.isclose(dc["D"], D)]
    loss = float(at["loss"].iloc[0]) if len(at) else float(np.interp(np.log(D), np.log(dc["D"]), dc["loss"]))
    return {"loss": loss, **slopes, **classify_regime(P, D)}
