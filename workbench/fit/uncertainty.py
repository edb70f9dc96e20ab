"""Uncertainty of a fit: bootstrap over whole runs, and the noise a new run would show.

Two kinds of interval answer two questions:

* a **confidence** interval: where the law itself (the mean loss at given inputs) lies,
  from the spread of bootstrap refits;
* a **prediction** interval: where a *new run's observed loss* would lie: the law's
  uncertainty plus the scatter of one run around the law. In log space
  ``ln L_ij = ln f(x_ij) + u_i + e_ij``: a per-run offset ``u_i`` (variance
  ``sigma_between^2``: seed, data order, hyperparameters) and noise within a run
  (``sigma_within^2``: checkpoint to checkpoint).

The two variance components are estimated by the method of moments from the log
residuals of the fit, corrected for what the fitted law absorbs (Henderson's
method III with the fit's hat matrix ``H = J (J'WJ)^-1 J'W``): with ``A`` the
run-averaging matrix and ``Z`` its transpose's indicator,

``E[sum_i rbar_i^2] = sb2 ||A(I-H)Z||^2 + sw2 ||A(I-H)||^2``,
``E[sum_ij (r_ij - rbar_i)^2] = sb2 ||(I-ZA)(I-H)Z||^2 + sw2 ||(I-ZA)(I-H)||^2``,

every norm reduced to ``P x P`` products, so any number of runs is cheap. With one
row per run only their sum is identified and it is reported as ``sigma_between``.
The interval for a new observation is ``ln f_hat +- t_nu sqrt(se_conf^2 + sb2 + sw2)``
with ``nu`` from Satterthwaite's approximation (Satterthwaite 1946), the
``t``-quantile accounting for the few runs the scatter is estimated from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["NoiseModel", "noise_components", "WEBB_WEIGHTS"]

#: Webb's six-point distribution for wild bootstrap weights (Webb 2014, "Reworking wild
#: bootstrap based inference for clustered errors"): mean 0, variance 1, and six values,
#: so that even a handful of runs gives many distinct resamples.
WEBB_WEIGHTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass(frozen=True)
class NoiseModel:
    """Scatter of observed log losses around the law.

    Attributes
    ----------
    sigma_between : float
        Standard deviation of a run's offset from the law (log loss).
    sigma_within : float
        Standard deviation of one checkpoint around its run's level (log loss); 0 when every
        run has a single row (then ``sigma_between`` holds all the scatter).
    dof : float
        Effective degrees of freedom of ``sigma_between^2 + sigma_within^2`` (Satterthwaite).
    dof_between, dof_within : float
        Effective degrees of freedom of each component.
    """

    sigma_between: float
    sigma_within: float
    dof: float
    dof_between: float
    dof_within: float

    @property
    def sigma(self) -> float:
        """Standard deviation of one new observation around the law: ``sqrt(sb^2 + sw^2)``."""
        return float(np.hypot(self.sigma_between, self.sigma_within))

    def to_dict(self) -> dict:
        return {"sigma_between": self.sigma_between, "sigma_within": self.sigma_within, "sigma": self.sigma,
                "dof": self.dof}


def _group_sums(codes: np.ndarray, G: int, M: np.ndarray) -> np.ndarray:
    """Sum the rows of ``M`` (n x k) within runs: (G x k)."""
    out = np.zeros((G, M.shape[1]))
    np.add.at(out, codes, M)
    return out


def noise_components(r: np.ndarray, J: np.ndarray, w: np.ndarray, codes: np.ndarray, G: int) -> NoiseModel:
    """Method-of-moments estimate of the between-run and within-run scatter of log residuals.

    Parameters
    ----------
    r : (n,) array
        Log residuals ``ln y - ln f`` at the fitted parameters.
    J : (n, P) array
        Jacobian of ``ln f`` with respect to the fitted coordinates.
    w : (n,) array
        Weights of the normal equations (run weights times IRLS weights).
    codes : (n,) int array
        Run of each row, ``0 .. G-1``.
    G : int
        Number of runs.
    """
    n, P = J.shape
    m = np.bincount(codes, minlength=G).astype(float)
    keep = np.isfinite(r) & np.all(np.isfinite(J), axis=1)
    if not keep.all():
        r, J, w = np.where(keep, r, 0.0), np.where(keep[:, None], J, 0.0), np.where(keep, w, 0.0)
    JtWJ = J.T @ (J * w[:, None])
    Minv = np.linalg.pinv(JtWJ, rcond=1e-12)
    WJ = J * w[:, None]
    # group-level pieces: Z'J (sums), Z'WJ (sums), A J = D^-1 Z'J (means)
    ZJ = _group_sums(codes, G, J)
    ZWJ = _group_sums(codes, G, WJ)
    AJ = ZJ / m[:, None]
    AWJ = ZWJ / m[:, None]
    # K = A H Z = (AJ) M (Z'WJ)'  (G x G) via traces of P x P products
    tr_K = np.trace(Minv @ ZWJ.T @ AJ)
    fro_K = np.trace((AJ.T @ AJ) @ Minv @ (ZWJ.T @ ZWJ) @ Minv)
    c_bb = G - 2 * tr_K + fro_K
    # ||A(I-H)||^2 = sum 1/m - 2 tr(A H A') + ||A H||^2
    tr_AHA = np.trace(Minv @ AWJ.T @ AJ)
    fro_AH = np.trace((AJ.T @ AJ) @ Minv @ (WJ.T @ WJ) @ Minv)
    c_bw = np.sum(1.0 / m) - 2 * tr_AHA + fro_AH
    # ||(I-ZA)(I-H)||^2 = (n - G) - 2 tr((I-ZA)H) + tr((I-ZA) H H')
    tr_H = np.trace(Minv @ JtWJ)
    tr_HHt = np.trace(Minv @ (WJ.T @ WJ) @ Minv @ (J.T @ J))
    tr_ZAHHt = np.trace(Minv @ (ZJ.T @ (ZJ / m[:, None])) @ Minv @ (WJ.T @ WJ))
    c_ww = (n - G) - 2 * (tr_H - tr_K) + (tr_HHt - tr_ZAHHt)
    # ||(I-ZA) H Z||^2 = ||HZ||^2 - ||D^-1/2 Z' H Z||^2
    fro_HZ = np.trace(Minv @ (J.T @ J) @ Minv @ (ZWJ.T @ ZWJ))
    fro_ZHZ = np.trace(Minv @ (ZJ.T @ (ZJ / m[:, None])) @ Minv @ (ZWJ.T @ ZWJ))
    c_wb = fro_HZ - fro_ZHZ

    rbar = np.bincount(codes, weights=r, minlength=G) / m
    Qb = float(np.sum(rbar**2))
    Qw = float(np.sum((r - rbar[codes]) ** 2))
    if n == G or c_ww <= 1e-9:
        # one row per run: only the total scatter is identified, RSS / (n - tr H)-like
        sb2 = Qb / max(c_bb + c_bw * 0.0, 1e-12)
        dof_b = max(c_bb, 1e-9)
        return NoiseModel(float(np.sqrt(max(sb2, 0.0))), 0.0, float(dof_b), float(dof_b), float("inf"))
    Cm = np.array([[c_bb, c_bw], [c_wb, c_ww]])
    try:
        sb2, sw2 = np.linalg.solve(Cm, [Qb, Qw])
    except np.linalg.LinAlgError:
        sb2, sw2 = Qb / max(c_bb, 1e-12), Qw / max(c_ww, 1e-12)
    if sw2 < 0:
        sw2 = 0.0
        sb2 = Qb / max(c_bb, 1e-12)
    if sb2 < 0:
        sb2 = 0.0
        sw2 = Qw / max(c_ww, 1e-12)
    dof_b, dof_w = max(float(c_bb), 1e-9), max(float(c_ww), 1e-9)
    total = sb2 + sw2
    dof = total**2 / (sb2**2 / dof_b + sw2**2 / dof_w) if total > 0 else dof_b
    return NoiseModel(float(np.sqrt(sb2)), float(np.sqrt(sw2)), float(dof), dof_b, dof_w)
