"""The numerical core of :func:`workbench.fitting.fit`.

Residuals are taken on the log of the target: ``r = ln y_obs - ln f(x; theta)``.
The objective is the weighted **sum** (not the mean) of a robust loss of the
residuals, by default Huber with ``delta = 1e-3`` as in Besiroglu et al.
(2024); summing matters: averaging shrinks the gradient by ``1/n`` and makes
L-BFGS stop early (``tests/fit/test_chinchilla.py`` checks the published optimum is reached).

Multi-start is vectorised: all ``K`` starts take Levenberg-Marquardt steps on
the iteratively-reweighted Gauss-Newton model of the objective together
(``(K, n, P)`` Jacobians, ``K`` small linear solves per iteration). The best
distinct end points are then polished with ``scipy.optimize.minimize``
(L-BFGS-B, bounds) using the exact gradient, so the final optimum is a proper
L-BFGS-B optimum of the same objective a reference implementation would use.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from ..laws.core import Law, chain_jacobian

__all__ = ["Problem", "robust_loss", "POLISH_OPTIONS", "single_threaded_blas", "default_memory_budget", "available_memory"]


@functools.lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_threaded_blas():
    """Context manager limiting BLAS to one thread.

    The engine works on batches of tiny matrices (5 x 5 solves, L-BFGS-B's small
    updates). Multi-threaded OpenBLAS gains nothing there and, on a busy or small
    machine (a laptop in a workshop, Binder's single CPU), its spinning threads made
    L-BFGS-B 40x slower in our measurements (27 ms vs 0.6 ms per iteration).
    """
    return _blas_controller().limit(limits=1, user_api="blas")

#: L-BFGS-B options used to polish the best starts (also used by the reference
#: loop in ``benchmarks/bench_fit.py`` so that both reach the same optimum).
POLISH_OPTIONS = {"maxiter": 20000, "maxfun": 40000, "ftol": 1e-15, "gtol": 1e-11, "maxcor": 20}


def robust_loss(r: np.ndarray, loss: str, delta: float, overestimate_penalty: float = 1.0):
    """Return ``rho(r)``, ``psi(r) = rho'(r)`` and the IRLS weight ``psi(r)/r``.

    ``huber``: ``rho = r^2/2`` for ``|r| <= delta`` else ``delta (|r| - delta/2)``
    (Huber 1964; the form of ``scipy.special.huber``). ``squares``: ``rho = r^2/2``.
    With ``overestimate_penalty = w != 1`` all three are multiplied by ``w`` where
    ``r < 0``, i.e. where the law predicts more than was observed (the asymmetric
    loss of OLMo-core's ladder fits: ``w > 1`` pushes the fit towards the lower
    envelope of the runs).
    """
    if loss == "squares":
        rho, psi, omega = 0.5 * r * r, r, np.ones_like(r)
    else:
        a = np.abs(r)
        inside = a <= delta
        rho = np.where(inside, 0.5 * r * r, delta * (a - 0.5 * delta))
        psi = np.clip(r, -delta, delta)
        with np.errstate(divide="ignore", invalid="ignore"):
            omega = np.where(inside, 1.0, delta / a)
    if overestimate_penalty != 1.0:
        s = np.where(r < 0, overestimate_penalty, 1.0)
        rho, psi, omega = rho * s, psi * s, omega * s
    return rho, psi, omega


def default_memory_budget() -> int:
    """Bytes the engine may use for its working arrays: ``WORKBENCH_FIT_MEMORY`` (e.g. ``512M``,
    ``2G``) or 512 MiB, and never more than half the memory the machine has free."""
    text = os.environ.get("WORKBENCH_FIT_MEMORY", "").strip().upper()
    budget = 512 * 2**20
    if text:
        mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1], 1)
        try:
            budget = int(float(text.rstrip("KMGB") or "nan") * mult)
        except ValueError:
            budget = 512 * 2**20
    free = available_memory()
    if free is not None:
        budget = min(budget, free // 2)
    return max(int(budget), 16 * 2**20)


def available_memory() -> int | None:
    """Bytes of memory the operating system reports as available (``None`` when it cannot tell)."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - psutil ships with the project's dependencies
        try:
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None


#: Working arrays per (start, run) pair besides the Jacobian: residuals, rho, psi, omega and the
#: temporaries of a law's formula and gradient (measured on the catalogue's laws: at most ~12).
_WORK_ARRAYS = 14


@dataclass
class Problem:
    """A law, data and objective, with some parameters fixed or tied together.

    The fitted coordinates ``theta`` are the *free* parameters in fit space (``ln``
    of log-scale parameters), one coordinate per tie group. Every sum over runs
    is taken in chunks of runs sized so that the working arrays of all starts stay
    within ``memory_budget`` bytes, so any number of runs can be fitted.
    """

    law: Law
    x: dict
    y: np.ndarray
    weights: np.ndarray
    loss: str = "huber"
    delta: float = 1e-3
    fixed: dict = field(default_factory=dict)
    tie: tuple = ()
    overestimate_penalty: float = 1.0
    memory_budget: int | None = None

    def __post_init__(self):
        law = self.law
        names = list(law.param_names)
        self.ylog = np.log(np.asarray(self.y, float))
        self.weights = np.asarray(self.weights, float)
        self.fixed_values = np.array([float(self.fixed.get(p.name, np.nan)) for p in law.parameters])
        # tie groups: every member follows the group's first name
        self.leader = np.arange(law.n_params)
        for group in self.tie or ():
            group = list(group)
            idx = [names.index(g) for g in group]
            for j in idx[1:]:
                self.leader[j] = idx[0]
        self.is_fixed = ~np.isnan(self.fixed_values)
        self.free = ~self.is_fixed & (self.leader == np.arange(law.n_params))
        self.free_index = np.flatnonzero(self.free)
        # column of each parameter in theta (-1 for fixed ones)
        col = np.full(law.n_params, -1)
        col[self.free_index] = np.arange(self.free_index.size)
        self.column = np.where(self.is_fixed, -1, col[self.leader])
        lo, hi = law.fit_bounds
        lo_r, hi_r = lo[self.free].copy(), hi[self.free].copy()
        for j in range(law.n_params):
            c = self.column[j]
            if c >= 0:
                lo_r[c], hi_r[c] = max(lo_r[c], lo[j]), min(hi_r[c], hi[j])
        self.lo, self.hi = lo_r, hi_r
        self.log_free = law.log_mask[self.free]
        self.n = len(self.ylog)
        self.n_free = int(self.free.sum())
        self.free_names = [names[j] for j in self.free_index]
        if self.memory_budget is None:
            self.memory_budget = default_memory_budget()

    def subset(self, rows) -> "Problem":
        """The same problem on some of the runs (``rows``: indices or a mask)."""
        rows = np.asarray(rows)
        sub = Problem(self.law, {k: v[rows] for k, v in self.x.items()}, np.asarray(self.y)[rows], self.weights[rows],
                      loss=self.loss, delta=self.delta, fixed=self.fixed, tie=self.tie,
                      overestimate_penalty=self.overestimate_penalty, memory_budget=self.memory_budget)
        return sub

    # ---------------------------------------------------------------- spaces
    def values(self, theta: np.ndarray) -> np.ndarray:
        """Fit-space coordinates ``(K, Pf)`` -> full parameter values ``(K, P)``."""
        theta = np.atleast_2d(theta)
        vals = np.empty((theta.shape[0], self.law.n_params))
        free_vals = theta.copy()
        with np.errstate(over="ignore"):
            free_vals[:, self.log_free] = np.exp(theta[:, self.log_free])
        vals[:, self.is_fixed] = self.fixed_values[self.is_fixed]
        moving = ~self.is_fixed
        vals[:, moving] = free_vals[:, self.column[moving]]
        return vals

    def theta_of(self, values: np.ndarray) -> np.ndarray:
        """Full parameter values ``(K, P)`` -> fit-space coordinates (a tie group takes its first member)."""
        return self.law.to_fit_space(np.atleast_2d(values))[:, self.free]

    def clip(self, theta):
        return np.clip(theta, self.lo, self.hi)

    # ---------------------------------------------------------- chunking
    def chunks(self, K: int) -> list[slice]:
        """Slices of runs such that the working arrays of ``K`` starts fit the memory budget."""
        per_run = 8 * max(K, 1) * (self.n_free + _WORK_ARRAYS)
        size = max(1, int(self.memory_budget // per_run))
        if size >= self.n:
            return [slice(0, self.n)]
        return [slice(i, min(i + size, self.n)) for i in range(0, self.n, size)]

    def _x(self, sl: slice) -> dict:
        if sl.start == 0 and sl.stop == self.n:
            return self.x
        return {k: v[sl] for k, v in self.x.items()}

    @staticmethod
    def _rows(a, K: int, sl: slice, n: int):
        """Rows ``sl`` of a per-run array given as ``(n,)`` (shared) or ``(K, n)``."""
        a = np.asarray(a)
        if a.ndim == 1:
            return a[sl][None, :]
        return a[:, sl]

    # -------------------------------------------------------------- pieces
    def residuals(self, theta: np.ndarray, targets=None, sl: slice | None = None) -> np.ndarray:
        """Log residuals ``ln y - ln f``, ``(K, n)`` (or of the runs in ``sl``)."""
        sl = slice(0, self.n) if sl is None else sl
        lp = self.law.log_predict_batch(self.values(theta), self._x(sl))
        y = self.ylog if targets is None else targets
        return self._rows(y, lp.shape[0], sl, self.n) - lp

    def _loss(self, r):
        return robust_loss(r, self.loss, self.delta, self.overestimate_penalty)

    def objective(self, theta: np.ndarray, weights=None, targets=None) -> np.ndarray:
        """Weighted sum of the robust loss, one value per row of ``theta``."""
        theta = np.atleast_2d(theta)
        w = self.weights if weights is None else weights
        f = np.zeros(theta.shape[0])
        for sl in self.chunks(theta.shape[0]):
            rho, _, _ = self._loss(self.residuals(theta, targets, sl))
            f += np.sum(self._rows(w, theta.shape[0], sl, self.n) * rho, axis=-1)
        return np.where(np.isfinite(f), f, np.inf)

    def jacobian(self, theta: np.ndarray, sl: slice | None = None) -> np.ndarray:
        """``d ln f / d theta`` for the fitted coordinates, shape ``(K, Pf, n)`` (or of the runs in ``sl``)."""
        theta = np.atleast_2d(theta)
        sl = slice(0, self.n) if sl is None else sl
        x = self._x(sl)
        n = sl.stop - sl.start
        vals = self.values(theta)
        moving = ~self.is_fixed
        if self.law.log_gradient is not None:
            from types import SimpleNamespace

            p = self.law._batch(vals)
            with np.errstate(all="ignore"):
                grads = self.law.log_gradient(p, SimpleNamespace(**x))
            J = chain_jacobian(self.law, vals, grads, moving)
            if self.n_free == int(moving.sum()):
                return J
            out = np.zeros((theta.shape[0], self.n_free, n))
            for k, j in enumerate(np.flatnonzero(moving)):
                out[:, self.column[j], :] += J[:, k, :]
            return out
        # central differences in fit space (a tied coordinate moves its whole group)
        K, Pf = theta.shape
        J = np.empty((K, Pf, n))
        for j in range(Pf):
            h = 1e-6 * np.maximum(1.0, np.abs(theta[:, j]))
            tp, tm = theta.copy(), theta.copy()
            tp[:, j] += h
            tm[:, j] -= h
            fp = self.law.log_predict_batch(self.values(tp), x)
            fm = self.law.log_predict_batch(self.values(tm), x)
            J[:, j, :] = (fp - fm) / (2 * h[:, None])
        return J

    def value_and_grad(self, theta_1d: np.ndarray, weights=None):
        """Objective and its exact gradient at one point (for scipy)."""
        w = self.weights if weights is None else weights
        theta = np.asarray(theta_1d, float)[None, :]
        f, g = 0.0, np.zeros(theta.shape[1])
        for sl in self.chunks(1):
            r = self.residuals(theta, None, sl)[0]
            rho, psi, _ = self._loss(r)
            ws = np.asarray(w)[sl]
            f += float(np.sum(ws * rho))
            if not np.isfinite(f):
                return 1e300, np.zeros_like(theta[0])
            g -= self.jacobian(theta, sl)[0] @ (ws * psi)
        if not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(theta[0])
        return f, g

    def gauss_newton_terms(self, theta: np.ndarray, weights=None, targets=None):
        """Objective ``F``, ``g = -dF/dtheta`` and the IRLS Gauss-Newton matrix ``H = J^T diag(w omega) J``.

        Shapes ``(K,)``, ``(K, Pf)`` and ``(K, Pf, Pf)``, summed over the runs in chunks.
        """
        theta = np.atleast_2d(theta)
        K, Pf = theta.shape
        w = self.weights if weights is None else weights
        F, g, H = np.zeros(K), np.zeros((K, Pf)), np.zeros((K, Pf, Pf))
        for sl in self.chunks(K):
            r = self.residuals(theta, targets, sl)
            rho, psi, omega = self._loss(r)
            ws = self._rows(w, K, sl, self.n)
            F += np.sum(ws * rho, axis=1)
            J = self.jacobian(theta, sl)
            J = np.where(np.isfinite(J), J, 0.0)
            g += np.matmul(J, (ws * psi)[:, :, None])[:, :, 0]
            H += np.matmul(J * (ws * omega)[:, None, :], J.transpose(0, 2, 1))
        return np.where(np.isfinite(F), F, np.inf), g, H

    # ---------------------------------------------------------- optimisers
    def levenberg_marquardt(self, theta0: np.ndarray, weights=None, max_iter: int = 60, ftol: float = 1e-10,
                            xtol: float = 1e-9, targets=None):
        """Batched LM on the IRLS Gauss-Newton model, one independent problem per row.

        ``weights`` may be ``(n,)`` (shared) or ``(K, n)`` (one weighting per
        start, as in the bootstrap); so may ``targets``, the log targets (default
        the observed ``ln y``). A row stops when an accepted step lowers its
        objective by less than ``ftol`` (relative) or moves its parameters by
        less than ``xtol`` (relative), or when its damping grows past 1e8.
        Returns ``theta, objective, n_iter``.
        """
        w = self.weights if weights is None else np.asarray(weights)
        theta = self.clip(np.array(theta0, float))
        K, Pf = theta.shape
        per_row = lambda a, idx: a if a is None or np.ndim(a) == 1 else a[idx]  # noqa: E731
        # when every start's working arrays fit in memory at once, keep psi and omega of the
        # accepted points between iterations (one evaluation of the law per iteration, not two)
        whole = len(self.chunks(K)) == 1
        if whole:
            wk = np.broadcast_to(w, (K, self.n))
            rho, psi, omega = self._loss(self.residuals(theta, targets))
            F = np.sum(wk * rho, axis=1)
            F = np.where(np.isfinite(F), F, np.inf)
        else:
            F = self.objective(theta, w, targets)
        lam = np.full(K, 1e-2)
        active = np.isfinite(F)
        eye = np.eye(Pf)
        it = 0
        for it in range(1, max_iter + 1):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            th = theta[idx]
            wi, ti = per_row(w, idx), per_row(targets, idx)
            if whole:
                J = self.jacobian(th)
                J = np.where(np.isfinite(J), J, 0.0)
                g = np.matmul(J, (wk[idx] * psi[idx])[:, :, None])[:, :, 0]  # = -dF/dtheta
                H = np.matmul(J * (wk[idx] * omega[idx])[:, None, :], J.transpose(0, 2, 1))
            else:
                _, g, H = self.gauss_newton_terms(th, wi, ti)
            d = np.einsum("kpp->kp", H)
            damp = lam[idx, None] * (d + 1e-9 * d.max(axis=1, keepdims=True) + 1e-300)
            A = H + damp[:, :, None] * eye
            try:
                step = np.linalg.solve(A, g[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                step = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(A, g)])
            new = self.clip(th + step)
            if whole:
                rho_n, psi_n, om_n = self._loss(self.residuals(new, ti))
                F_new = np.sum(wk[idx] * rho_n, axis=1)
                F_new = np.where(np.isfinite(F_new), F_new, np.inf)
            else:
                F_new = self.objective(new, wi, ti)
            better = F_new < F[idx]
            acc = idx[better]
            improvement = F[acc] - F_new[better]
            theta[acc] = new[better]
            if whole:
                psi[acc], omega[acc] = psi_n[better], om_n[better]
            F_old = F[acc].copy()
            F[acc] = F_new[better]
            lam[acc] = np.maximum(lam[acc] / 3.0, 1e-12)
            lam[idx[~better]] *= 4.0
            done = np.zeros(K, bool)
            moved = np.max(np.abs(step[better]) / (np.abs(th[better]) + 1.0), axis=1)
            done[acc] = (improvement <= ftol * np.maximum(F_old, 1e-300)) | (moved <= xtol)
            done[idx[~better]] = lam[idx[~better]] > 1e8
            active &= ~done
        return theta, F, it

    def polish(self, theta0: np.ndarray, weights=None, options=None):
        """L-BFGS-B from one start, with bounds and the exact gradient."""
        bounds = [(lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None) for lo, hi in zip(self.lo, self.hi)]
        res = optimize.minimize(
            self.value_and_grad,
            np.asarray(theta0, float),
            args=(weights,),
            jac=True,
            method="L-BFGS-B",
            bounds=bounds,
            options=dict(POLISH_OPTIONS, **(options or {})),
        )
        return res


def distinct_best(theta: np.ndarray, F: np.ndarray, k: int, rtol: float = 1e-3) -> np.ndarray:
    """Indices of up to ``k`` best finite rows whose parameters differ from each other."""
    order = np.argsort(F)
    chosen: list[int] = []
    for i in order:
        if not np.isfinite(F[i]):
            break
        t = theta[i]
        if any(np.all(np.abs(t - theta[j]) <= rtol * np.maximum(1.0, np.abs(theta[j]))) for j in chosen):
            continue
        chosen.append(int(i))
        if len(chosen) >= k:
            break
    return np.array(chosen, int)
