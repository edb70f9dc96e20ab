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
    """

    sigma_between: float
    sigma_within: float
    dof: float

    @property
    def sigma(self) -> float:
        """Standard deviation of one new observation around the law: ``sqrt(sb^2 + sw^2)``."""
        return float(np.hypot(self.sigma_between, self.sigma_within))

    def to_dict(self) -> dict:
        return {"sigma_between": self.sigma_between, "sigma_within": self.sigma_within, "sigma": self.sigma,
                "dof": self.dof}


def _group_sums(codes: np.ndarray, G: int, M: np.ndarray) -> np.ndarray:
    """Sum the rows of ``M`` (n x k) within runs: (G x k)."""
    return np.stack([np.bincount(codes, weights=M[:, j], minlength=G) for j in range(M.shape[1])], axis=1)


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
        return NoiseModel(float(np.sqrt(max(sb2, 0.0))), 0.0, float(max(c_bb, 1e-9)))
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
    return NoiseModel(float(np.sqrt(sb2)), float(np.sqrt(sw2)), float(dof))


# ----------------------------------------------------------------------------- bootstrap
#: How the bootstrap draws new data sets (see :func:`bootstrap`).
RESAMPLE_METHODS = ("auto", "residuals", "runs")


#: ``resample="auto"`` resamples whole runs when there are at least this many runs per free parameter.
RUNS_PER_PARAMETER = 6


def choose_resample(method: str, groups, n_free: int) -> str:
    """``"auto"``: whole runs (cases) when there are many runs, the run-level residual scheme when there are few.

    A case resample keeps on average 63% of the distinct runs; with at least
    :data:`RUNS_PER_PARAMETER` runs per free parameter that is still about four runs per
    parameter and the refits stay well posed, so the case bootstrap, which assumes nothing
    about the noise, is used. With fewer runs (a family of training curves, a handful of
    final losses) resamples often lack the largest sizes and their extrapolations wander;
    the residual scheme keeps every run in place instead.
    """
    if method != "auto":
        return method
    G = groups.n_groups if groups is not None else 0
    return "runs" if G >= RUNS_PER_PARAMETER * max(n_free, 1) else "residuals"


def _resample_batches(problem, B: int) -> list[slice]:
    """Batches of resamples whose ``(batch, n)`` weight or target arrays fit a quarter of the memory budget."""
    per = 8 * max(problem.n, 1) * 2
    size = max(1, int(problem.memory_budget // 4 // per))
    return [slice(i, min(i + size, B)) for i in range(0, B, size)]


def bootstrap(problem, theta: np.ndarray, codes: np.ndarray, G: int, B: int, seed, *, method: str = "runs",
              noise: NoiseModel | None = None, max_iter: int = 40):
    """Refit the law to ``B`` data sets resampled run by run; returns fit-space draws ``(B', Pf)``.

    ``method="runs"`` resamples whole runs with replacement (the case or "pairs" bootstrap
    over runs; Besiroglu et al. 2024 did this with one row per run). It assumes nothing
    about the noise. With one row per run it is the classic case bootstrap; with few runs
    of several rows each, a resample often lacks the largest sizes and its extrapolations
    wander, so its intervals come out too wide.

    ``method="residuals"`` keeps every run in place and redraws its noise, one run at a time
    (a model-based bootstrap, Davison & Hinkley 1997, sec. 6.2): run ``i``'s log losses become
    ``ln f_hat + z_i sqrt(sigma_between^2 + sigma_within^2 / m_i) + v_i d_i * sigma_within / s_d``,
    with ``z_i`` standard normal (a new level for the run: its offset plus the mean of its
    ``m_i`` rows' noise), ``d_i`` run ``i``'s within-run residuals (deviations from its own
    mean: the correlation along a training curve is kept), ``v_i = +-1`` flipping them as
    one block (a wild bootstrap over runs, Cameron, Gelbach & Miller 2008) and ``s_d`` their
    root mean square. With one row per run this is the parametric bootstrap
    ``ln f_hat + sigma z``. The scales are the estimates of :func:`noise_components`, corrected
    for what the fit absorbs: the fitted residuals of the most influential runs (the
    largest, which drive an extrapolation) are shrunk towards the law, and resampling them
    as they are understates the uncertainty. The offsets are drawn, not resampled: a robust
    fit leaves some residuals at exactly zero, and resampling those would pin the refits.

    Each resample is refitted by up to ``max_iter`` Levenberg-Marquardt steps from the
    optimum (each resample's optimum lies close to it).
    """
    rng = np.random.default_rng(seed)
    theta = np.asarray(theta, float)
    if method not in ("residuals", "runs"):
        raise ValueError(method)
    if method == "residuals":
        r = np.concatenate([problem.residuals(theta[None, :], None, sl)[0] for sl in problem.chunks(1)])
        m = np.bincount(codes, minlength=G).astype(float)
        rbar = np.bincount(codes, weights=r, minlength=G) / m
        d = r - rbar[codes]
        qd = np.sum(d**2) / max(len(d) - G, 1)
        kw = noise.sigma_within / np.sqrt(qd) if (noise is not None and qd > 0) else 0.0
        sb = noise.sigma_between if noise is not None else float(np.sqrt(np.mean(rbar**2)))
        sw = noise.sigma_within if noise is not None else 0.0
        # a run's level moves by its offset and by the mean of its within-run noise (centred blocks lose it)
        s_run = np.sqrt(sb**2 + sw**2 / m)
        base = problem.ylog - r  # ln f_hat
    out = []
    for sl in _resample_batches(problem, B):
        k = sl.stop - sl.start
        if method == "runs":
            pick = rng.integers(0, G, size=(k, G))
            counts = np.zeros((k, G))
            np.add.at(counts, (np.repeat(np.arange(k), G), pick.ravel()), 1.0)
            W = counts[:, codes] * problem.weights[None, :]
            th, F, _ = problem.levenberg_marquardt(np.tile(theta, (k, 1)), weights=W, max_iter=max_iter,
                                                   ftol=1e-10, xtol=1e-7)
        else:
            off = s_run[None, :] * rng.standard_normal((k, G))
            flip = rng.choice([-1.0, 1.0], size=(k, G))
            T = base[None, :] + off[:, codes] + kw * flip[:, codes] * d[None, :]
            th, F, _ = problem.levenberg_marquardt(np.tile(theta, (k, 1)), targets=T, max_iter=max_iter,
                                                   ftol=1e-10, xtol=1e-7)
        out.append(th[np.isfinite(F)])
    return np.concatenate(out) if out else np.empty((0, theta.size))


def widen(estimate: np.ndarray, draws: np.ndarray, level: float, dof: float) -> np.ndarray:
    """Bootstrap draws moved away from the estimate by ``t_{(1+level)/2, dof} / z_{(1+level)/2}``.

    A bootstrap that draws noise at its estimated scale behaves as if the scale were
    known; a Student ``t`` with the scale's degrees of freedom corrects that
    (Hesterberg 2015, "What teachers should know about the bootstrap": the expanded
    percentile interval). Percentiles of the widened draws are the expanded percentile
    interval of each coordinate, and quantities derived from them are widened alike.
    """
    from scipy import stats

    if not (np.isfinite(dof) and dof > 0):
        return draws
    q = 1 - (1 - level) / 2
    c = stats.t.ppf(q, dof) / stats.norm.ppf(q)
    return estimate + c * (draws - estimate)


#: Above this many rows x resamples, bootstrap refits are replaced by the score bootstrap.
REFIT_WORK = 4_000_000


def score_bootstrap(problem, theta: np.ndarray, codes: np.ndarray, G: int, B: int, seed, *, method: str = "runs"):
    """Bootstrap draws from one Newton step per resample, for tables too large to refit ``B`` times.

    Each resample reweights the runs' contributions to the score at the optimum,
    ``s_i = sum over run i's rows of w psi(r) d ln f / d theta``, and takes one Newton step,
    ``theta_b = theta_hat + H^-1 sum_i c_bi s_i``, with ``H = sum w psi'(r) J J'`` the
    Hessian of the robust objective (Kline & Santos 2012, "A score based approach to wild
    bootstrap inference"; Andrews 2002 on k-step bootstraps). ``method="runs"`` uses
    Poisson(1) weights per run ``c_bi - 1`` (the Poisson bootstrap of whole runs, Hanley &
    MacGibbon 2006; it equals resampling runs with replacement as the number of runs
    grows); ``"residuals"`` uses +-1 per run (a wild bootstrap of the runs' scores). The
    draws' covariance is the run-clustered sandwich ``H^-1 (sum s_i s_i') H^-1`` (Huber 1967),
    which is what refits would give with this many rows. One pass over the rows, memory
    ``O(G P)``.
    """
    rng = np.random.default_rng(seed)
    theta = np.asarray(theta, float)
    P = theta.size
    S = np.zeros((G, P))
    H = np.zeros((P, P))
    for sl in problem.chunks(1):
        r = problem.residuals(theta[None, :], None, sl)[0]
        _, psi, _ = problem._loss(r)
        if problem.loss == "squares":
            dpsi = np.ones_like(r)
        else:
            dpsi = (np.abs(r) <= problem.delta).astype(float)
        if problem.overestimate_penalty != 1.0:
            dpsi = dpsi * np.where(r < 0, problem.overestimate_penalty, 1.0)
        J = problem.jacobian(theta[None, :], sl)[0]
        J = np.where(np.isfinite(J), J, 0.0)
        w = problem.weights[sl]
        H += (J * (w * dpsi)) @ J.T
        c = codes[sl]
        for p in range(P):
            S[:, p] += np.bincount(c, weights=w * psi * J[p], minlength=G)
    Hinv = np.linalg.pinv(H, rcond=1e-12)
    g = np.zeros((B, P))
    step = max(1, int(problem.memory_budget // 4 // (8 * B)))
    for i in range(0, G, step):
        k = min(step, G - i)
        if method == "runs":
            c = rng.poisson(1.0, size=(B, k)) - 1.0
        else:
            c = rng.choice([-1.0, 1.0], size=(B, k))
        g += c @ S[i:i + k]
    return problem.clip(theta[None, :] + g @ Hinv.T)
