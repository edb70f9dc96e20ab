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
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from ..laws.core import Law, chain_jacobian

__all__ = ["Problem", "robust_loss", "POLISH_OPTIONS", "single_threaded_blas"]


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


def robust_loss(r: np.ndarray, loss: str, delta: float):
    """Return ``rho(r)``, ``psi(r) = rho'(r)`` and the IRLS weight ``psi(r)/r``.

    ``huber``: ``rho = r^2/2`` for ``|r| <= delta`` else ``delta (|r| - delta/2)``
    (Huber 1964; the form of ``scipy.special.huber``). ``squares``: ``rho = r^2/2``.
    """
    if loss == "squares":
        return 0.5 * r * r, r, np.ones_like(r)
    a = np.abs(r)
    inside = a <= delta
    rho = np.where(inside, 0.5 * r * r, delta * (a - 0.5 * delta))
    psi = np.clip(r, -delta, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = np.where(inside, 1.0, delta / a)
    return rho, psi, omega


@dataclass
class Problem:
    """A law, data and objective, with some parameters possibly held fixed."""

    law: Law
    x: dict
    y: np.ndarray
    weights: np.ndarray
    loss: str = "huber"
    delta: float = 1e-3
    fixed: dict = field(default_factory=dict)

    def __post_init__(self):
        self.ylog = np.log(np.asarray(self.y, float))
        self.free = np.array([p.name not in self.fixed for p in self.law.parameters], bool)
        self.fixed_values = np.array([float(self.fixed.get(p.name, np.nan)) for p in self.law.parameters])
        lo, hi = self.law.fit_bounds
        self.lo, self.hi = lo[self.free], hi[self.free]
        self.log_free = self.law.log_mask[self.free]
        self.n = len(self.ylog)
        self.n_free = int(self.free.sum())

    # ---------------------------------------------------------------- spaces
    def values(self, theta: np.ndarray) -> np.ndarray:
        """Fit-space free parameters ``(K, Pf)`` -> full parameter values ``(K, P)``."""
        theta = np.atleast_2d(theta)
        vals = np.empty((theta.shape[0], self.law.n_params))
        vals[:, ~self.free] = self.fixed_values[~self.free]
        free_vals = theta.copy()
        with np.errstate(over="ignore"):
            free_vals[:, self.log_free] = np.exp(theta[:, self.log_free])
        vals[:, self.free] = free_vals
        return vals

    def theta_of(self, values: np.ndarray) -> np.ndarray:
        """Full parameter values ``(K, P)`` -> fit-space free parameters."""
        return self.law.to_fit_space(np.atleast_2d(values))[:, self.free]

    def clip(self, theta):
        return np.clip(theta, self.lo, self.hi)

    # -------------------------------------------------------------- pieces
    def residuals(self, theta: np.ndarray) -> np.ndarray:
        lp = self.law.log_predict_batch(self.values(theta), self.x)
        return self.ylog[None, :] - lp

    def objective(self, theta: np.ndarray, weights=None) -> np.ndarray:
        w = self.weights if weights is None else weights
        r = self.residuals(theta)
        rho, _, _ = robust_loss(r, self.loss, self.delta)
        f = np.sum(w * rho, axis=-1)
        return np.where(np.isfinite(f), f, np.inf)

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``d ln f / d theta`` for the free parameters, shape ``(K, Pf, n)``."""
        theta = np.atleast_2d(theta)
        vals = self.values(theta)
        if self.law.log_gradient is not None:
            from types import SimpleNamespace

            p = self.law._batch(vals)
            with np.errstate(all="ignore"):
                grads = self.law.log_gradient(p, SimpleNamespace(**self.x))
            return chain_jacobian(self.law, vals, grads, self.free)
        # central differences in fit space
        K, Pf = theta.shape
        J = np.empty((K, Pf, self.n))
        for j in range(Pf):
            h = 1e-6 * np.maximum(1.0, np.abs(theta[:, j]))
            tp, tm = theta.copy(), theta.copy()
            tp[:, j] += h
            tm[:, j] -= h
            fp = self.law.log_predict_batch(self.values(tp), self.x)
            fm = self.law.log_predict_batch(self.values(tm), self.x)
            J[:, j, :] = (fp - fm) / (2 * h[:, None])
        return J

    def value_and_grad(self, theta_1d: np.ndarray, weights=None):
        """Objective and its exact gradient at one point (for scipy)."""
        w = self.weights if weights is None else weights
        theta = theta_1d[None, :]
        r = self.residuals(theta)[0]
        rho, psi, _ = robust_loss(r, self.loss, self.delta)
        f = float(np.sum(w * rho))
        if not np.isfinite(f):
            return 1e300, np.zeros_like(theta_1d)
        J = self.jacobian(theta)[0]
        g = -J @ (w * psi)
        if not np.all(np.isfinite(g)):
            return 1e300, np.zeros_like(theta_1d)
        return f, g

    # ---------------------------------------------------------- optimisers
    def levenberg_marquardt(self, theta0: np.ndarray, weights=None, max_iter: int = 60, ftol: float = 1e-10, xtol: float = 1e-9):
        """Batched LM on the IRLS Gauss-Newton model, one independent problem per row.

        ``weights`` may be ``(n,)`` (shared) or ``(K, n)`` (one weighting per
        start, as in the bootstrap). A row stops when an accepted step lowers
        its objective by less than ``ftol`` (relative) or moves its parameters
        by less than ``xtol`` (relative), or when its damping grows past 1e8.
        Returns ``theta, objective, n_iter``.
        """
        w = self.weights if weights is None else weights
        w = np.broadcast_to(w, (theta0.shape[0], self.n))
        theta = self.clip(np.array(theta0, float))
        K, Pf = theta.shape
        r = self.residuals(theta)
        rho, psi, omega = robust_loss(r, self.loss, self.delta)
        F = np.sum(w * rho, axis=1)
        F = np.where(np.isfinite(F), F, np.inf)
        lam = np.full(K, 1e-2)
        active = np.isfinite(F)
        eye = np.eye(Pf)
        it = 0
        for it in range(1, max_iter + 1):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            th = theta[idx]
            J = self.jacobian(th)
            J = np.where(np.isfinite(J), J, 0.0)
            wp = w[idx] * psi[idx]
            wo = w[idx] * omega[idx]
            g = np.matmul(J, wp[:, :, None])[:, :, 0]  # = -dF/dtheta
            H = np.matmul(J * wo[:, None, :], J.transpose(0, 2, 1))
            d = np.einsum("kpp->kp", H)
            damp = lam[idx, None] * (d + 1e-9 * d.max(axis=1, keepdims=True) + 1e-300)
            A = H + damp[:, :, None] * eye
            try:
                step = np.linalg.solve(A, g[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                step = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(A, g)])
            new = self.clip(th + step)
            r_new = self.residuals(new)
            rho_n, psi_n, om_n = robust_loss(r_new, self.loss, self.delta)
            F_new = np.sum(w[idx] * rho_n, axis=1)
            F_new = np.where(np.isfinite(F_new), F_new, np.inf)
            better = F_new < F[idx]
            acc = idx[better]
            improvement = F[acc] - F_new[better]
            theta[acc] = new[better]
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
