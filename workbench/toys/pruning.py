"""Beating power laws with data pruning: the teacher–student perceptron (Sorscher et al. 2022).

Sorscher, Geirhos, Shekhar, Ganguli & Morcos (2022), "Beyond neural scaling laws: beating
power law scaling via data pruning", Section 2. The setting:

* inputs ``x ~ N(0, I_d)``, labels from a teacher perceptron ``y = sign(T·x)``;
* a pool of ``α_total·d`` labelled examples;
* a pruning metric: the margin ``|J·x|`` measured with a probe ``J`` at angle ``θ`` from the
  teacher (``θ = 0`` is a perfect metric);
* keep the hardest (smallest margin) or the easiest (largest margin) fraction ``f`` of the
  pool — or a random fraction — leaving ``α_prune·d = f·α_total·d`` examples;
* train a student perceptron ``J_s`` on what is kept and measure its test error exactly:
  ``ε = arccos(R)/π`` with ``R`` the cosine between student and teacher.

**Student rule.** The student is the maximum-margin perceptron (a hard-margin linear SVM
without bias), the classic student of the statistical mechanics of learning: on random data
its error falls as ``≈ 0.5/α`` (Opper & Kinzel), the ``1/α`` power law of the paper. It is
computed exactly, for many datasets at once, by a batched primal–dual interior-point
method for the quadratic program ``min ½|J|²`` subject to ``y_i J·x_i ≥ 1`` (checked against
scipy's SLSQP in the tests). It runs in float64 by default (float32 on Apple ``mps``): the
hard-margin solution is a vertex with about as many support vectors as dimensions and the
interior-point iterations end very ill-conditioned, so float32 cannot meet the float64
tolerances (about a third of the problems stop short of them). Measured on the test grid,
float32 moves individual errors by up to 0.8% (seed-averaged curves by 0.3%) and runs about
1.6× faster on a CPU: pass ``dtype=torch.float32`` where speed matters more.

**Exact by symmetry.** The input distribution is isotropic, so the teacher can be ``e₁``
and the probe ``cos θ e₁ + sin θ e₂`` without loss of generality. Pruning only looks at the
first two coordinates, so the pool is drawn in those two coordinates only and the other
``d − 2`` coordinates of the *kept* examples are drawn afterwards: exactly the same
distribution as pruning a full ``d``-dimensional pool, at a fraction of the cost (pools of
millions of examples are cheap). The error is computed as ``atan2(|J_⊥|, J₁)/π``, which is
``arccos(R)/π`` without its loss of precision at small angles.

**What the toy shows** (``tests/toys/test_pruning.py``):

* random pruning: ``ε ∝ α_prune^(−1)`` at large ``α_prune``;
* keep easy examples when data is scarce, hard ones when it is abundant;
* with a perfect metric, keeping only the hardest examples makes the error collapse once
  ``α_prune`` passes about 2 (the number of examples a ``d``-dimensional perceptron can fit
  with random labels: below it the student can "explain" the thin band of hard examples with
  the directions orthogonal to the teacher). Past that point the error is about
  ``0.45·f/α_prune``, so the best-``f`` frontier falls faster than any power law — better
  described by an exponential — over the range where smaller fractions are available; it
  becomes a ``1/α`` law again once the smallest fraction tried (the largest pool) is reached;
* with an imperfect metric (``θ > 0``), keeping too small a fraction is worse than random:
  the band of "hard" examples is tilted away from the teacher's boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..fitting import fit_power_law
from ..fitting.linear import ols
from ..results import Result
from ..sweeps.progress import reporting
from .device import device as default_device
from .device import num_threads, numbers, toy_threads

__all__ = [
    "STRATEGIES",
    "max_margin",
    "student_error",
    "prune_and_train",
    "mean_curves",
    "frontier",
    "error_vs_examples",
    "random_pruning_law",
    "ExponentialFit",
    "fit_exponential",
    "compare_frontier_fits",
]

#: Pruning strategies: keep a random fraction, the hardest (smallest margin) or the easiest.
STRATEGIES = ("random", "hard", "easy")



# ------------------------------------------------------------------ the student
def max_margin(Z, max_iter: int = 100):
    """Maximum-margin directions for a batch of linearly separable problems (no bias).

    Solves the hard-margin problem ``min ½|J|²`` subject to ``Z_i·J ≥ 1`` for every problem of
    the batch with a primal–dual interior-point method (Mehrotra predictor–corrector). Each
    iteration solves one well-conditioned ``d × d`` system ``(I + Zᵀ diag(λ/s) Z) ΔJ = r`` per
    problem; convergence takes 10–30 iterations whatever the geometry of the data, which
    matters here: with a perfect pruning metric the kept examples lie in a very thin band and
    the solution sits on a vertex with as many support vectors as dimensions.

    Parameters
    ----------
    Z : tensor (B, n, d)
        Signed inputs ``y_i x_i`` (every problem of the batch has ``n`` examples).
    max_iter : int
        Iteration limit.

    Returns
    -------
    (J, converged) : tensor (B, d), bool tensor (B,)
        The max-margin weight vectors (norm ``1/γ``, ``γ`` the margin) and whether each met the
        tolerances (in float64: relative duality gap 1e−11, margin residuals 1e−9, relative
        stationarity residual 1e−5; looser in float32).
    """
    import torch

    B, n, d = Z.shape
    dt, dev = Z.dtype, Z.device
    f64 = dt == torch.float64
    res_tol = 1e-9 if f64 else 3e-5  # primal feasibility (margins are ~1)
    dual_tol = 1e-5 if f64 else 1e-3  # w = Zᵀλ, relative to |w|
    gap_tol = 1e-11 if f64 else 1e-6  # Σ λ_i s_i relative to |w|²
    tiny = torch.finfo(dt).tiny
    eye = torch.eye(d, device=dev, dtype=dt)
    w = torch.zeros(B, d, device=dev, dtype=dt)
    s = torch.ones(B, n, device=dev, dtype=dt)  # slacks: Z w − 1 = s ≥ 0
    lam = torch.ones(B, n, device=dev, dtype=dt)  # multipliers ≥ 0
    done = torch.zeros(B, dtype=torch.bool, device=dev)
    converged = torch.zeros(B, dtype=torch.bool, device=dev)

    def mv(A, x):
        return torch.bmm(A, x[:, :, None])[..., 0]

    def max_step(x, dx):
        ratio = torch.where(dx < 0, -x / dx, torch.full_like(x, math.inf))
        return ratio.min(1).values.clamp(max=1.0)

    for _ in range(max_iter):
        idx = torch.nonzero(~done).squeeze(1)
        if idx.numel() == 0:
            break
        Zi, wi, si, li = Z[idx], w[idx], s[idx], lam[idx]
        Zt = Zi.transpose(1, 2)
        rd = wi - mv(Zt, li)  # stationarity: w = Zᵀλ
        rp = mv(Zi, wi) - si - 1  # primal feasibility
        mu = (li * si).mean(1)
        scale = 1 + wi.norm(dim=1)
        # relative duality gap (Σ λ_i s_i against the objective ½|w|²) and residuals
        ok = (n * mu < gap_tol * scale**2) & (rp.abs().max(1).values < res_tol) \
            & (rd.norm(dim=1) < dual_tol * scale)
        Lc, info = torch.linalg.cholesky_ex(eye + torch.bmm(Zt, Zi * (li / si.clamp_min(tiny))[..., None]))
        stop = ok | (info != 0)
        Lc = torch.where(stop[:, None, None], eye.expand_as(Lc), Lc)

        def direction(rc):
            dw = torch.cholesky_solve((-rd - mv(Zt, (rc + li * rp) / si))[:, :, None], Lc)[..., 0]
            ds = mv(Zi, dw) + rp
            return dw, ds, -(rc + li * ds) / si

        dw, ds, dl = direction(li * si)  # predictor (affine scaling)
        a_p, a_d = max_step(si, ds), max_step(li, dl)
        mu_aff = ((si + a_p[:, None] * ds) * (li + a_d[:, None] * dl)).mean(1)
        sigma = (mu_aff / mu).clamp(0, 1) ** 3
        dw, ds, dl = direction(li * si + ds * dl - (sigma * mu)[:, None])  # corrector
        a_p, a_d = 0.99 * max_step(si, ds), 0.99 * max_step(li, dl)
        nw, ns, nl = wi + a_p[:, None] * dw, si + a_p[:, None] * ds, li + a_d[:, None] * dl
        sane = torch.isfinite(nw).all(1) & (ns > 0).all(1) & (nl > 0).all(1) & torch.isfinite(ns).all(1) \
            & torch.isfinite(nl).all(1)
        stop = stop | ~sane
        go = (~stop)[:, None]
        w = w.index_copy(0, idx, torch.where(go, nw, wi))
        s = s.index_copy(0, idx, torch.where(go, ns, si))
        lam = lam.index_copy(0, idx, torch.where(go, nl, li))
        done = done.index_copy(0, idx, stop)
        converged = converged.index_copy(0, idx, ok)
    return w, converged


def student_error(J):
    """Exact test error ``arccos(R)/π`` of students ``J`` (…, d) against the teacher ``e₁``.

    Computed as ``atan2(|J_⊥|, J₁)/π``, equal to ``arccos(J₁/|J|)/π`` but accurate at small angles.
    """
    import torch

    return torch.atan2(J[..., 1:].norm(dim=-1), J[..., 0]) / math.pi


# ------------------------------------------------------------------ experiment
def _rng(seed: int, *keys):
    import torch

    state = np.random.SeedSequence([int(seed)] + [int(k) for k in keys]).generate_state(1)[0]
    g = torch.Generator(device=default_device())
    g.manual_seed(int(state))
    return g


def prune_and_train(
    alpha_prune: Sequence[float] = (1, 2, 4, 8, 16),
    fractions: Sequence[float] = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02),
    thetas: Sequence[float] = (0.0,),
    strategies: Sequence[str] = STRATEGIES,
    seed: Sequence[int] | int = (0, 1, 2, 3),
    dim: int = 32,
    alpha_total_range: tuple[float, float] | None = None,
    dtype=None,
    progress=True,
    device=None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Prune a pool of teacher-labelled examples, train max-margin students, measure their error.

    For every examples-kept-per-dimension ``α_prune``, fraction kept ``f`` (pool
    ``α_total = α_prune/f``), probe angle ``θ``, strategy and seed, one student is trained;
    all students with the same ``α_prune`` are trained together as one batch. Pools are
    shared between strategies and angles of the same (``α_prune``, ``f``, seed), so their
    comparisons are paired.

    Parameters
    ----------
    alpha_prune : sequence of float
        Examples kept per input dimension (``α_prune·dim`` examples, rounded).
    fractions : sequence of float in (0, 1]
        Fractions ``f`` of the pool that are kept. ``f = 1`` keeps the whole pool (no pruning;
        the same for every strategy).
    thetas : sequence of float
        Angles between the probe and the teacher, in degrees (0 = perfect metric).
    strategies : sequence of {"random", "hard", "easy"}
    seed : int or sequence of int
    dim : int
        Input dimension ``d``.
    alpha_total_range : (float, float), optional
        Only run the (``α_prune``, ``f``) pairs whose pool ``α_total`` lies in this range.
    dtype : torch dtype, optional
        Default float64 (float32 on ``mps``). float32 is about 1.6× faster on a CPU and moves
        individual errors by up to ~1% (measured), but many problems stop short of the float64
        tolerances (``converged`` is then false).
    progress, device, threads
        The toys' convention (:mod:`workbench.toys`); a :class:`~workbench.toys.Progress` gets the
        partial table after each ``α_prune`` batch.

    Returns
    -------
    DataFrame
        One row per student: ``alpha_prune``, ``alpha_total``, ``f``, ``theta`` (degrees;
        NaN for random pruning), ``strategy``, ``seed``, ``dim``, ``D`` (examples kept),
        ``N`` (student parameters, = ``dim``), ``error`` (test error ``arccos(R)/π``),
        ``loss`` (= ``error``, so the table fits like any runs table), ``cosine`` (``R``),
        ``converged``.
    """
    import torch

    aps = sorted(set(numbers(alpha_prune, "alpha_prune", lo=0)))
    fs = sorted(set(numbers(fractions, "fractions", lo=0, hi=1)), reverse=True)
    ths = numbers(thetas, "thetas")
    if not all(0 <= t <= 90 for t in ths):
        raise ArgumentError(f"thetas are angles in degrees between 0 and 90, got {ths}.")
    strategies = list(strategies)
    bad = [s for s in strategies if s not in STRATEGIES]
    if bad or not strategies:
        raise ArgumentError(f"strategies must be among {STRATEGIES}, got {strategies}.")
    dim = int(dim)
    if dim < 3:
        raise ArgumentError(f"dim must be at least 3, got {dim}.")
    seeds = numbers(seed, "seed", distinct=True, integer=True)
    dev = default_device() if device is None else torch.device(device)
    if dtype is None:
        dtype = torch.float32 if dev.type == "mps" else torch.float64
    lo_tot, hi_tot = (0.0, math.inf) if alpha_total_range is None else map(float, alpha_total_range)

    rows: list[dict] = []
    def probe():
        prune_and_train(alpha_prune=(2,), fractions=(0.5,), thetas=(0.0,), strategies=("hard",), seed=(0, 1),
                        dim=dim, dtype=dtype, threads="current", progress=False, device=dev)

    with num_threads(toy_threads(threads, "pruning", probe) if dev.type == "cpu" else None), \
            reporting(progress, len(aps), "pruning") as progress:
        for k, ap in enumerate(aps):
            n_keep = max(1, int(round(ap * dim)))
            Zs, meta = [], []
            for f in fs:
                n_pool = int(math.ceil(n_keep / f - 1e-9))
                a_tot = n_pool / dim
                if not (lo_tot * (1 - 1e-9) <= a_tot <= hi_tot * (1 + 1e-9)):
                    continue
                for seed in seeds:
                    g = _rng(seed, n_keep, n_pool)
                    # the two pool coordinates that pruning looks at: teacher (e1) and e2
                    pool = torch.randn(n_pool, 2, generator=g, device=dev, dtype=torch.float32)
                    cases = []
                    if n_pool == n_keep:  # no pruning: every strategy keeps everything
                        cases.append(("all", math.nan, torch.arange(n_keep, device=dev)))
                    else:
                        if "random" in strategies:  # the pool is i.i.d.: its first n_keep are a random subset
                            cases.append(("random", math.nan, torch.arange(n_keep, device=dev)))
                        for th in ths:
                            t = math.radians(th)
                            score = (pool[:, 0] * math.cos(t) + pool[:, 1] * math.sin(t)).abs()
                            order = torch.argsort(score)
                            if "hard" in strategies:
                                cases.append(("hard", th, order[:n_keep]))
                            if "easy" in strategies:
                                cases.append(("easy", th, order[n_pool - n_keep:]))
                    for strat, th, idx in cases:
                        rest = torch.randn(n_keep, dim - 2, generator=g, device=dev, dtype=torch.float32)
                        X = torch.cat([pool[idx], rest], 1).to(dtype)
                        y = torch.where(X[:, 0] >= 0, 1.0, -1.0).to(dtype)
                        Zs.append(y[:, None] * X)
                        meta.append((f, a_tot, strat, th, seed))
            if Zs:
                Z = torch.stack(Zs)
                J, conv = max_margin(Z)
                err = student_error(J).double().cpu().numpy()
                cos = (J[:, 0] / J.norm(dim=1)).double().cpu().numpy()
                conv = conv.cpu().numpy()
                for (f, a_tot, strat, th, seed), e, c, ok in zip(meta, err, cos, conv):
                    targets = [(s, math.nan if s == "random" else t) for s in strategies for t in ths] \
                        if strat == "all" else [(strat, th)]
                    seen = set()
                    for s, t in targets:
                        if (s, t if s != "random" else None) in seen:
                            continue
                        seen.add((s, t if s != "random" else None))
                        rows.append({
                            "alpha_prune": ap, "alpha_total": a_tot, "f": f, "theta": t, "strategy": s,
                            "seed": seed, "dim": dim, "D": n_keep, "N": dim, "error": float(e), "loss": float(e),
                            "cosine": float(c), "converged": bool(ok),
                        })
            progress.update(k + 1, pd.DataFrame(rows))
            if progress.stopped:
                break
    out = pd.DataFrame(rows, columns=["alpha_prune", "alpha_total", "f", "theta", "strategy", "seed", "dim", "D",
                                      "N", "error", "loss", "cosine", "converged"])
    out.attrs["student"] = "max-margin perceptron (batched finite-Newton squared hinge, ridge -> 0)"
    return out


# ------------------------------------------------------------------ analysis
def mean_curves(runs: pd.DataFrame) -> pd.DataFrame:
    """Seed-averaged learning curves: one row per (strategy, θ, f, α_prune) with ``error`` (mean),
    ``error_sem`` (standard error over seeds), ``alpha_total`` and ``n`` (seeds)."""
    need = {"alpha_prune", "f", "strategy", "theta", "error"}
    missing = need - set(runs.columns)
    if missing:
        raise ArgumentError(f"Expected the table returned by prune_and_train(); missing columns {sorted(missing)}.")
    r = runs.assign(theta=runs["theta"].fillna(-1.0))
    m = r.groupby(["strategy", "theta", "f", "alpha_prune"], as_index=False).agg(
        error=("error", "mean"), error_sem=("error", "sem"), alpha_total=("alpha_total", "mean"), n=("error", "size"))
    m["theta"] = m["theta"].where(m["theta"] >= 0)
    return m


def frontier(runs: pd.DataFrame, strategy: str = "hard", theta: float = 0.0) -> pd.DataFrame:
    """The best-``f`` frontier: for each ``α_prune``, the lowest seed-averaged error over the
    fractions ``f`` tried with ``strategy`` at probe angle ``theta`` (and ``f = 1``, no pruning).

    Returns
    -------
    DataFrame with ``alpha_prune``, ``error``, ``best_f``, ``alpha_total``, ``D``.
    """
    if strategy not in STRATEGIES:
        raise ArgumentError(f"strategy must be one of {STRATEGIES}, got {strategy!r}.")
    m = mean_curves(runs)
    if strategy == "random":
        sel = m[m["strategy"] == "random"]
    else:
        sel = m[((m["strategy"] == strategy) & np.isclose(m["theta"].fillna(-1), theta)) | (m["f"] == 1.0)]
    if sel.empty:
        raise ArgumentError(f"No runs with strategy={strategy!r} and theta={theta} in the table.")
    best = sel.loc[sel.groupby("alpha_prune")["error"].idxmin()]
    dim = float(runs["dim"].iloc[0]) if "dim" in runs.columns else math.nan
    return pd.DataFrame({
        "alpha_prune": best["alpha_prune"].to_numpy(float),
        "error": best["error"].to_numpy(float),
        "best_f": best["f"].to_numpy(float),
        "alpha_total": best["alpha_total"].to_numpy(float),
        "D": np.round(best["alpha_prune"].to_numpy(float) * dim),
    }).sort_values("alpha_prune", ignore_index=True)


def error_vs_examples(runs: pd.DataFrame, theta: float = 0.0) -> pd.DataFrame:
    """Test error against examples kept, one long table for charts and fits.

    Curves: ``"random pruning"`` (seed-averaged, all fractions pooled), ``"keep hard, f = …"`` and
    ``"keep easy, f = …"`` at probe angle ``theta``, and the best-``f`` frontiers
    ``"frontier: keep hard"`` and ``"frontier: keep easy"``.

    Returns
    -------
    DataFrame with ``curve``, ``strategy``, ``f`` (NaN for pooled or frontier rows),
    ``alpha_prune``, ``D`` (examples kept) and ``error``.
    """
    m = mean_curves(runs)
    dim = float(runs["dim"].iloc[0]) if "dim" in runs.columns and len(runs) else math.nan
    parts = []
    rnd = m[m["strategy"] == "random"].groupby("alpha_prune", as_index=False)["error"].mean()
    parts.append(rnd.assign(curve="random pruning", strategy="random", f=math.nan))
    for strat in ("hard", "easy"):
        sub = m[(m["strategy"] == strat) & np.isclose(m["theta"].fillna(-1.0), theta) & (m["f"] < 1)]
        for f, g in sub.groupby("f"):
            parts.append(g[["alpha_prune", "error"]].assign(curve=f"keep {strat}, f = {f:g}", strategy=strat, f=f))
        if len(sub):
            fr = frontier(runs, strategy=strat, theta=theta)
            parts.append(fr[["alpha_prune", "error"]].assign(curve=f"frontier: keep {strat}", strategy=strat,
                                                             f=math.nan))
    out = pd.concat(parts, ignore_index=True)
    out["D"] = np.round(out["alpha_prune"] * dim)
    return out[["curve", "strategy", "f", "alpha_prune", "D", "error"]]


def random_pruning_law(runs: pd.DataFrame, min_alpha: float = 4.0, level: float = 0.95):
    """Power law ``ε = a·α_prune^slope`` fitted (least squares on logs, :func:`workbench.fitting.fit_power_law`) to
    the seed-averaged error of random pruning (all fractions pooled: they are statistically the
    same) at ``α_prune ≥ min_alpha``. The paper's prediction is ``slope = −1``."""
    m = runs[runs["strategy"] == "random"]
    m = m[m["alpha_prune"] >= min_alpha].groupby("alpha_prune", as_index=False)["error"].mean()
    if len(m) < 3:
        raise ArgumentError(f"random_pruning_law needs random-pruning runs at >= 3 values of alpha_prune >= {min_alpha}; "
                             f"got {len(m)}.")
    return fit_power_law(m, x="alpha_prune", y="error", level=level)


class ExponentialFit(Result):
    """``y = a·exp(−rate·x)`` fitted by least squares of ``ln y`` on ``x`` (:func:`workbench.fitting.linear.ols`).

    Same response (``ln y``) and number of parameters as a power law fitted by
    :func:`workbench.fitting.fit_power_law`, so the two AICs compare directly.
    """

    x: str
    y: str
    results: object  # statsmodels RegressionResults
    level: float = 0.95

    _dict_exclude = ("results",)
    _dict_properties = ("a", "rate", "aic")

    @property
    def a(self) -> float:
        return float(np.exp(self.results.params["const"]))

    @property
    def rate(self) -> float:
        return float(-self.results.params[self.x])

    @property
    def aic(self) -> float:
        return float(self.results.aic)

    @property
    def intervals(self) -> dict:
        ci = self.results.conf_int(alpha=1 - self.level)
        return {"a": tuple(np.exp(ci.loc["const"]).tolist()), "rate": tuple((-ci.loc[self.x])[::-1].tolist())}

    def predict(self, x):
        return self.a * np.exp(-self.rate * np.asarray(x, float))

    def _title(self) -> str:
        return f"Exponential {self.y} = a exp(-rate {self.x}) (least squares on ln {self.y})"

    def _summarize(self, s) -> None:
        iv = self.intervals
        s.add_table((["parameter", "value", f"{100 * self.level:g}% interval"], [["a", self.a, iv["a"]], ["rate", self.rate, iv["rate"]]]))
        s.add_fields([("AIC", f"{self.aic:.2f}"), ("points", int(self.results.nobs))])

    def _headline(self) -> str:
        return f"{self.y} = {self.a:.4g} exp(-{self.rate:.4g} {self.x}), AIC {self.aic:.2f}"


def fit_exponential(data: pd.DataFrame, x: str = "alpha_prune", y: str = "error") -> ExponentialFit:
    """Fit ``y = a·exp(−rate·x)`` by least squares on ``ln y`` (the fit layer's linear path)."""
    xs, ys = data[x].to_numpy(float), data[y].to_numpy(float)
    if len(xs) < 3 or np.any(ys <= 0) or not np.all(np.isfinite(ys)):
        raise ArgumentError(f"fit_exponential needs >= 3 finite, positive values of {y!r}.")
    return ExponentialFit(x, y, ols(xs, np.log(ys), names=(x,), y_name=f"ln {y}"))


def compare_frontier_fits(front: pd.DataFrame, alpha_range: tuple[float, float] | None = None) -> dict:
    """Power law versus exponential for a frontier (or any error curve) over ``alpha_range``.

    Both are two-parameter least-squares fits of ``ln error`` (against ``ln α`` and ``α``), so
    their AICs compare directly: the lower one describes the curve better.

    Returns
    -------
    dict with ``power`` (PowerLawFit), ``exponential`` (ExponentialFit), ``aic_power``,
    ``aic_exponential`` and ``better`` (``"exponential"`` or ``"power law"``).
    """
    sel = front
    if alpha_range is not None:
        lo, hi = alpha_range
        sel = front[(front["alpha_prune"] >= lo) & (front["alpha_prune"] <= hi)]
    power = fit_power_law(sel, x="alpha_prune", y="error")
    expo = fit_exponential(sel, x="alpha_prune", y="error")
    a_pow = float(power.results.aic)
    return {"power": power, "exponential": expo, "aic_power": a_pow, "aic_exponential": expo.aic,
            "better": "exponential" if expo.aic < a_pow else "power law"}
