"""IsoFLOP analysis: estimate how the optimal model size grows with compute, from runs.

Hoffmann et al. (2022) estimate ``N_opt ∝ C^a`` and ``D_opt ∝ C^b`` three ways:

* **Approach 1** (:func:`envelope_analysis`): from training curves. At each compute
  ``C`` along the curves, the run with the lowest loss marks ``N_opt(C)``; regress
  ``log N_opt`` on ``log C``. Published ``a = 0.50``.
* **Approach 2** (:func:`isoflop_analysis`): train several model sizes at each of a
  few fixed budgets ("isoFLOP profiles"), fit a parabola to loss against ``log N``
  per budget, take its minimum as ``N_opt(C)`` and regress. Published ``a = 0.49``.
* **Approach 3** fits the parametric law (:func:`workbench.fit`); its optimum is
  :func:`workbench.compute.compute_optimal` (published ``a = 0.46``).

The exponent regressions are ordinary least squares on logs, fitted with
statsmodels (``.regressions["N"].summary()`` gives the familiar table); intervals
come from both the OLS fit and a bootstrap that resamples runs within each budget
(Approach 2) or whole training curves (Approach 1) and repeats every step.
:func:`isoflop_curves` draws the isoFLOP profiles a law predicts.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.runs import load_runs
from ..errors import ArgumentError, RunsError
from ..results import Result
from ._eval import repeat_rows, rowwise
from .optimal import _interval, optimal_allocation
from .sources import as_source

__all__ = [
    "CHINCHILLA_ISOFLOP_BUDGETS",
    "PUBLISHED_EXPONENTS",
    "bin_budgets",
    "isoflop_analysis",
    "IsoFLOPAnalysis",
    "envelope_analysis",
    "EnvelopeAnalysis",
    "isoflop_curves",
]

#: The nine isoFLOP budgets of Hoffmann et al. (2022), Figure 3 (FLOPs).
CHINCHILLA_ISOFLOP_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)

#: Published exponents a of N_opt ∝ C^a (Hoffmann et al. 2022, Table 2).
PUBLISHED_EXPONENTS = {"approach 1": 0.50, "approach 2": 0.49, "approach 3": 0.46}


# ----------------------------------------------------------------------------- binning
def bin_budgets(runs, budgets="auto", tolerance: float = 0.05, min_runs: int = 5, gap: float = 0.02) -> pd.DataFrame:
    """Assign each run to a compute budget; returns the runs that belong to one, with a ``budget`` column.

    Parameters
    ----------
    runs : DataFrame
        Runs with ``C`` (or ``N`` and ``D``).
    budgets : "auto", "exact" or sequence of float
        ``"exact"``: every distinct ``C`` (to 9 significant digits) is a budget
        (synthetic or carefully planned runs). A sequence: each run joins the nearest budget within
        ``tolerance`` decades (e.g. :data:`CHINCHILLA_ISOFLOP_BUDGETS`).
        ``"auto"``: sort ``log10 C`` and start a new group wherever consecutive
        runs are more than ``gap`` decades apart; a group's budget is the
        geometric mean of its runs' compute.
    tolerance : float
        Decades of ``C`` a run may lie from its budget (sequence mode).
    min_runs : int
        Budgets with fewer runs are dropped.
    """
    df = load_runs(runs, on_duplicates="keep", require=("N", "loss")).copy()
    if "C" not in df:
        df["C"] = 6.0 * df["N"] * df["D"]
    lc = np.log10(df["C"].to_numpy(float))
    if isinstance(budgets, str) and budgets == "exact":
        # C = 6ND recomputed from N and D differs in the last bits between runs of one budget
        df["budget"] = [float(f"{c:.9g}") for c in df["C"]]
    elif isinstance(budgets, str) and budgets == "auto":
        order = np.argsort(lc)
        groups = np.empty(len(lc), int)
        g = 0
        for rank, i in enumerate(order):
            if rank > 0 and lc[i] - lc[order[rank - 1]] > gap:
                g += 1
            groups[i] = g
        df["_g"] = groups
        df["budget"] = df.groupby("_g")["C"].transform(lambda c: float(np.exp(np.mean(np.log(c)))))
        df = df.drop(columns="_g")
    else:
        b = np.asarray(sorted(float(v) for v in budgets))
        if b.size == 0 or np.any(b <= 0):
            raise ArgumentError("budgets must be positive FLOPs.")
        dist = np.abs(lc[:, None] - np.log10(b)[None, :])
        j = np.argmin(dist, axis=1)
        near = dist[np.arange(len(lc)), j] <= tolerance
        df["budget"] = np.where(near, b[j], np.nan)
        df = df[near]
    counts = df.groupby("budget")["loss"].transform("size")
    df = df[counts >= min_runs]
    if df["budget"].nunique() < 2:
        raise RunsError(
            f"Only {df['budget'].nunique()} compute budget(s) with at least {min_runs} runs: an isoFLOP analysis needs "
            "several budgets. Check budgets=/tolerance= (or use budgets='auto')."
        )
    return df.sort_values(["budget", "N"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- parabolas
def _parabola_vertex(x, y, w):
    """Weighted least-squares parabolas ``y = c0 + c1 x + c2 x^2`` for weight rows ``w (B, n)``.

    Returns ``(vertex_x, vertex_y, c2, coefficients (B, 3))``; ``nan`` where the
    weights cover fewer than three distinct ``x``.
    """
    x0 = float(np.mean(x))
    xc = x - x0  # centred for conditioning
    X = np.stack([np.ones_like(xc), xc, xc * xc], axis=1)  # (n, 3)
    XtW = X.T[None, :, :] * w[:, None, :]  # (B, 3, n)
    A = XtW @ X  # (B, 3, 3)
    b = XtW @ y  # (B, 3)
    uniq, inv = np.unique(x, return_inverse=True)
    member = np.zeros((len(uniq), len(x)))
    member[inv, np.arange(len(x))] = 1.0
    distinct = ((w @ member.T) > 0).sum(axis=1)
    ok = distinct >= 3
    A = np.where(ok[:, None, None], A, np.eye(3)[None])
    with np.errstate(all="ignore"):
        cc = np.linalg.solve(A, b[..., None])[..., 0]
        cc = np.where(ok[:, None], cc, np.nan)
        xv = x0 - cc[:, 1] / (2 * cc[:, 2])
        xvc = xv - x0
        yv = cc[:, 0] + cc[:, 1] * xvc + cc[:, 2] * xvc * xvc
        # coefficients in the uncentred x
        c = np.column_stack([cc[:, 0] - cc[:, 1] * x0 + cc[:, 2] * x0 * x0, cc[:, 1] - 2 * cc[:, 2] * x0, cc[:, 2]])
    return xv, yv, cc[:, 2], c


def _slopes(x, y, valid):
    """OLS slope and intercept of ``y`` on ``x`` per row, using only ``valid`` points: ``(B,)`` each."""
    w = valid.astype(float)
    n = w.sum(axis=1)
    with np.errstate(all="ignore"):
        xm = (w * x).sum(axis=1) / n
        ym = (w * np.where(valid, y, 0.0)).sum(axis=1) / n
        dx = np.where(valid, x - xm[:, None], 0.0)
        dy = np.where(valid, y - ym[:, None], 0.0)
        slope = (dx * dy).sum(axis=1) / (dx * dx).sum(axis=1)
    slope = np.where(n >= 2, slope, np.nan)
    return slope, ym - slope * xm


def _ols(x, y, names):
    """statsmodels OLS of ``y`` on ``[1, x]`` (the user gets its ``summary()``)."""
    import statsmodels.api as sm

    X = sm.add_constant(np.asarray(x, float))
    X = pd.DataFrame(X, columns=["const", names[0]])
    return sm.OLS(pd.Series(np.asarray(y, float), name=names[1]), X).fit()


@dataclass(repr=False)
class IsoFLOPAnalysis(Result):
    """Result of :func:`isoflop_analysis` (Approach 2).

    Attributes
    ----------
    profiles : DataFrame
        One row per budget: ``budget`` (FLOPs), ``n_runs``, ``N_opt``, ``D_opt``,
        ``loss_opt`` (parabola minimum), ``curvature``, ``N_min``/``N_max`` of the
        runs, ``used`` (the vertex is a minimum inside the runs' range),
        ``N_opt_lo``/``N_opt_hi`` (bootstrap interval).
    runs : DataFrame
        The binned runs (with ``budget``).
    exponents : dict
        ``{"N": a, "D": b}``: slopes of ``log10 N_opt`` and ``log10 D_opt`` on ``log10 C``.
    intervals : dict
        Bootstrap percentile intervals of the exponents (``None`` without bootstrap).
    ols_intervals : dict
        Intervals from the statsmodels OLS fits (conditional on the per-budget optima).
    regressions : dict
        The statsmodels results, ``"N"`` and ``"D"``.
    bootstrap_exponents : ndarray ``(B, 2)`` or None
    """

    profiles: pd.DataFrame
    runs: pd.DataFrame
    exponents: dict
    intervals: dict | None
    ols_intervals: dict
    regressions: dict
    bootstrap_exponents: np.ndarray | None
    level: float
    coefficients: dict
    warnings: list = field(default_factory=list)

    def predict(self, C) -> pd.DataFrame:
        """``N_opt`` and ``D_opt`` at compute ``C`` from the fitted power laws."""
        lc = np.log10(np.atleast_1d(np.asarray(C, float)))
        out = {"C": 10**lc}
        for q in ("N", "D"):
            a0 = self.regressions[q].params["const"]
            a1 = self.regressions[q].params["log10_C"]
            out[f"{q}_opt"] = 10 ** (a0 + a1 * lc)
        return pd.DataFrame(out)

    def summary(self) -> str:
        pct = f"{100 * self.level:g}%"
        used = self.profiles["used"].sum()
        lines = [
            "IsoFLOP analysis (Hoffmann et al. 2022, Approach 2)",
            f"  {len(self.profiles)} budgets ({used} used), {len(self.runs)} runs; parabola of loss vs log10 N per budget",
        ]
        for q, name in (("N", "N_opt"), ("D", "D_opt")):
            s = f"  {name} ∝ C^{self.exponents[q]:.3f}"
            if self.intervals:
                lo, hi = self.intervals[q]
                s += f"   bootstrap {pct} [{lo:.3f}, {hi:.3f}]"
            lo, hi = self.ols_intervals[q]
            s += f"   OLS {pct} [{lo:.3f}, {hi:.3f}]"
            lines.append(s)
        lines.append("  published (Hoffmann et al. 2022): a = 0.50 / 0.49 / 0.46 by Approaches 1 / 2 / 3")
        t = self.profiles[["budget", "n_runs", "N_opt", "D_opt", "loss_opt", "used"]].copy()
        lines.append("  " + t.to_string(index=False, float_format=lambda v: f"{v:.4g}").replace("\n", "\n  "))
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        return f"<IsoFLOPAnalysis a={self.exponents['N']:.3f}, b={self.exponents['D']:.3f}; {len(self.profiles)} budgets>"

    def _repr_html_(self) -> str:
        pct = f"{100 * self.level:g}%"
        rows = []
        for q, name in (("N", "N<sub>opt</sub>"), ("D", "D<sub>opt</sub>")):
            iv = self.intervals[q] if self.intervals else (np.nan, np.nan)
            ols = self.ols_intervals[q]
            rows.append(f"<tr><td>{name} ∝ C<sup>a</sup></td><td><b>{self.exponents[q]:.3f}</b></td>"
                        f"<td>[{iv[0]:.3f}, {iv[1]:.3f}]</td><td>[{ols[0]:.3f}, {ols[1]:.3f}]</td></tr>")
        warn = "".join(f"<p style='color:#a33'>&#9888; {html.escape(w)}</p>" for w in self.warnings)
        return (
            "<div class='workbench-isoflop'><b>IsoFLOP analysis</b> (Approach 2)"
            f"<table><tr><th></th><th>exponent</th><th>bootstrap {pct}</th><th>OLS {pct}</th></tr>{''.join(rows)}</table>"
            f"<p>published: a = 0.50 / 0.49 / 0.46 (Approaches 1 / 2 / 3)</p>"
            f"{self.profiles.to_html(index=False, float_format=lambda v: f'{v:.4g}')}{warn}</div>"
        )

    def to_dict(self) -> dict:
        return {
            "method": "isoflop approach 2",
            "exponents": dict(self.exponents),
            "intervals": None if self.intervals is None else {k: list(v) for k, v in self.intervals.items()},
            "ols_intervals": {k: list(v) for k, v in self.ols_intervals.items()},
            "level": self.level,
            "published": PUBLISHED_EXPONENTS,
            "profiles": self.profiles.to_dict(orient="list"),
            "warnings": list(self.warnings),
        }


def isoflop_analysis(
    runs,
    budgets="auto",
    tolerance: float = 0.05,
    min_runs: int = 5,
    bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> IsoFLOPAnalysis:
    """Hoffmann et al.'s Approach 2: exponents of ``N_opt ∝ C^a`` and ``D_opt ∝ C^b`` from isoFLOP profiles.

    Per budget, fit ``loss = c0 + c1 x + c2 x^2`` with ``x = log10 N`` by least squares;
    the minimum ``x* = -c1 / (2 c2)`` gives ``N_opt``, and ``D_opt = C / (6 N_opt)``.
    Then regress ``log10 N_opt`` and ``log10 D_opt`` on ``log10 C`` (statsmodels OLS).
    Budgets whose parabola opens downwards or whose minimum lies outside the sizes
    trained are left out of the regression (and reported).

    Parameters
    ----------
    runs : DataFrame
        Runs with ``N``, ``D`` (or ``C``) and ``loss``; if a ``budget`` column is
        present it is used as is.
    budgets, tolerance, min_runs
        How runs are grouped into budgets: see :func:`bin_budgets`.
    bootstrap : int
        Resamples (runs resampled with replacement within each budget; every
        step repeated) for percentile intervals; 0 to skip.
    level : float
        Interval coverage.
    seed : int
    """
    df = runs if (hasattr(runs, "columns") and "budget" in runs.columns) else bin_budgets(runs, budgets, tolerance, min_runs)
    budgets_ = np.sort(df["budget"].unique())
    rng = np.random.default_rng(seed)
    B = int(bootstrap)
    prof = []
    boot_x = np.full((B, len(budgets_)), np.nan)
    for j, c in enumerate(budgets_):
        g = df[df["budget"] == c]
        x = np.log10(g["N"].to_numpy(float))
        y = g["loss"].to_numpy(float)
        n = len(x)
        xv, yv, c2, coef = _parabola_vertex(x, y, np.ones((1, n)))
        inside = bool(c2[0] > 0 and x.min() <= xv[0] <= x.max())
        if B:
            w = rng.multinomial(n, np.full(n, 1.0 / n), size=B).astype(float)
            bx, _, bc2, _ = _parabola_vertex(x, y, w)
            okb = (bc2 > 0) & (bx >= x.min()) & (bx <= x.max())
            boot_x[:, j] = np.where(okb, bx, np.nan)
        prof.append(
            {
                "budget": float(c), "n_runs": n, "N_opt": 10 ** xv[0], "D_opt": float(c) / (6.0 * 10 ** xv[0]),
                "loss_opt": yv[0], "curvature": c2[0], "N_min": 10 ** x.min(), "N_max": 10 ** x.max(), "used": inside,
                "c0": coef[0, 0], "c1": coef[0, 1], "c2": coef[0, 2],
            }
        )
    profiles = pd.DataFrame(prof)
    warns = []
    dropped = profiles.loc[~profiles["used"], "budget"].tolist()
    if dropped:
        warns.append(
            "Left out budgets whose parabola has no minimum inside the sizes trained: "
            + ", ".join(f"{b:.3g}" for b in dropped) + " FLOPs."
        )
    use = profiles[profiles["used"]]
    if len(use) < 2:
        raise RunsError("Fewer than two budgets have a usable parabola minimum: cannot estimate the exponents.")
    lc = np.log10(use["budget"].to_numpy(float))
    lN = np.log10(use["N_opt"].to_numpy(float))
    lD = np.log10(use["D_opt"].to_numpy(float))
    regs = {"N": _ols(lc, lN, ("log10_C", "log10_N_opt")), "D": _ols(lc, lD, ("log10_C", "log10_D_opt"))}
    exps = {q: float(r.params["log10_C"]) for q, r in regs.items()}
    ols_iv = {q: tuple(float(v) for v in r.conf_int(alpha=1 - level).loc["log10_C"]) for q, r in regs.items()}
    intervals = boot = None
    if B:
        used_mask = profiles["used"].to_numpy()
        lcb = np.log10(budgets_)[None, :].repeat(B, axis=0)
        valid = np.isfinite(boot_x) & used_mask[None, :]
        aN, _ = _slopes(lcb, boot_x, valid)
        lDb = np.log10(budgets_ / 6.0)[None, :] - boot_x
        aD, _ = _slopes(lcb, lDb, valid)
        boot = np.column_stack([aN, aD])
        lo, hi = _interval(boot, level)
        intervals = {"N": (float(lo[0]), float(hi[0])), "D": (float(lo[1]), float(hi[1]))}
        qlo, qhi = _interval(10 ** np.where(valid, boot_x, np.nan), level)
        profiles["N_opt_lo"], profiles["N_opt_hi"] = qlo, qhi
        frac = np.mean(~np.isfinite(boot_x[:, used_mask]))
        if frac > 0.05:
            warns.append(f"{100 * frac:.0f}% of bootstrap parabolas had no minimum inside the sizes trained.")
    coefs = {q: {"const": float(r.params["const"]), "slope": float(r.params["log10_C"])} for q, r in regs.items()}
    return IsoFLOPAnalysis(profiles, df, exps, intervals, ols_iv, regs, boot, level, coefs, warns)


# ----------------------------------------------------------------------------- Approach 1
@dataclass(repr=False)
class EnvelopeAnalysis(Result):
    """Result of :func:`envelope_analysis` (Approach 1).

    Attributes
    ----------
    envelope : DataFrame
        ``C`` grid, the lowest ``loss`` any curve reaches at that compute, the
        ``N`` of that run (``N_opt``), ``D_opt = C / (6 N_opt)`` and ``used``.
    exponents, intervals, ols_intervals, regressions
        As in :class:`IsoFLOPAnalysis`.
    """

    envelope: pd.DataFrame
    curves: pd.DataFrame
    exponents: dict
    intervals: dict | None
    ols_intervals: dict
    regressions: dict
    bootstrap_exponents: np.ndarray | None
    level: float
    warnings: list = field(default_factory=list)

    def summary(self) -> str:
        pct = f"{100 * self.level:g}%"
        lines = [
            "Training-curve envelope (Hoffmann et al. 2022, Approach 1)",
            f"  {self.curves['_run'].nunique()} training curves, {int(self.envelope['used'].sum())} envelope points used",
        ]
        for q, name in (("N", "N_opt"), ("D", "D_opt")):
            s = f"  {name} ∝ C^{self.exponents[q]:.3f}"
            if self.intervals:
                s += f"   bootstrap over curves {pct} [{self.intervals[q][0]:.3f}, {self.intervals[q][1]:.3f}]"
            s += f"   OLS {pct} [{self.ols_intervals[q][0]:.3f}, {self.ols_intervals[q][1]:.3f}] (envelope points are not independent)"
            lines.append(s)
        lines.append("  published (Hoffmann et al. 2022, Approach 1): a = 0.50")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)

    __str__ = summary

    def __repr__(self) -> str:
        return f"<EnvelopeAnalysis a={self.exponents['N']:.3f}, b={self.exponents['D']:.3f}>"

    def _repr_html_(self) -> str:
        return f"<pre class='workbench-envelope'>{html.escape(self.summary())}</pre>"

    def to_dict(self) -> dict:
        return {
            "method": "envelope approach 1",
            "exponents": dict(self.exponents),
            "intervals": None if self.intervals is None else {k: list(v) for k, v in self.intervals.items()},
            "ols_intervals": {k: list(v) for k, v in self.ols_intervals.items()},
            "level": self.level,
            "warnings": list(self.warnings),
        }


def _envelope(run_ids, logC_list, loss_list, N_of_run, grid, drop_edges, N_range):
    """Lowest loss over curves at each grid point and the N of the winning curve."""
    R = len(run_ids)
    L = np.full((R, len(grid)), np.inf)
    for r in range(R):
        lc, ls = logC_list[r], loss_list[r]
        inside = (grid >= lc[0]) & (grid <= lc[-1])
        L[r, inside] = np.interp(grid[inside], lc, ls)
    win = np.argmin(L, axis=0)
    best = L[win, np.arange(len(grid))]
    Nw = N_of_run[win]
    used = np.isfinite(best)
    if drop_edges:
        used &= (Nw > N_range[0]) & (Nw < N_range[1])
    return best, Nw, used


def envelope_analysis(
    curves,
    run: str | None = None,
    n_grid: int = 200,
    drop_edges: bool = True,
    bootstrap: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> EnvelopeAnalysis:
    """Hoffmann et al.'s Approach 1: the lower envelope of training curves.

    Parameters
    ----------
    curves : DataFrame
        Several rows per training run: ``N`` (fixed within a run), ``D`` (tokens
        seen so far), ``loss``; optionally ``step``. Runs are told apart by the
        ``run`` column (default: ``run``, then ``group``, then ``N``).
    n_grid : int
        Log-spaced compute values at which the envelope is taken.
    drop_edges : bool
        Leave out compute values where the smallest or the largest model wins
        (the true optimum may lie outside the sizes trained).
    bootstrap : int
        Resamples of whole curves for percentile intervals of the exponents.

    Notes
    -----
    Curves trained with a schedule tuned to their final length (cosine decay
    to the end) are only compute-optimal at their end; an envelope of
    intermediate checkpoints of such runs biases ``N_opt`` towards small models.
    Hoffmann et al. trained separate schedules for this reason.
    """
    df = load_runs(curves, on_duplicates="keep", require=("N", "D", "loss")).copy()
    if run is None:
        run = next((c for c in ("run", "group") if c in df.columns), "N")
    if run not in df.columns:
        raise RunsError(f"No column {run!r} to tell training runs apart; pass run='your id column'.")
    df["_run"] = df[run]
    df["_logC"] = np.log10(6.0 * df["N"].to_numpy(float) * df["D"].to_numpy(float))
    df = df.sort_values(["_run", "_logC"])
    groups = [g for _, g in df.groupby("_run", sort=True)]
    if len(groups) < 3:
        raise RunsError(f"Approach 1 needs training curves of at least 3 model sizes; found {len(groups)} runs.")
    if any(g["N"].nunique() != 1 for g in groups):
        raise RunsError(f"Each training run (column {run!r}) must have one model size N; pass run= to tell runs apart.")
    short = [str(g["_run"].iloc[0]) for g in groups if len(g) < 2]
    if short:
        raise RunsError(f"Runs {short[:5]} have a single point: Approach 1 needs training curves (several D per run).")
    logC = [g["_logC"].to_numpy() for g in groups]
    loss = [g["loss"].to_numpy(float) for g in groups]
    N_of = np.array([float(g["N"].iloc[0]) for g in groups])
    lo = min(v[0] for v in logC)
    hi = max(v[-1] for v in logC)
    grid = np.linspace(lo, hi, n_grid)
    N_range = (N_of.min(), N_of.max())
    best, Nw, used = _envelope(range(len(groups)), logC, loss, N_of, grid, drop_edges, N_range)
    if used.sum() < 3:
        raise RunsError("Fewer than 3 envelope points where an intermediate model size wins: train a wider range of sizes.")
    env = pd.DataFrame({"C": 10**grid, "loss": best, "N_opt": Nw, "D_opt": 10**grid / (6.0 * Nw), "used": used})
    u = env[env["used"]]
    lc = np.log10(u["C"].to_numpy())
    regs = {
        "N": _ols(lc, np.log10(u["N_opt"].to_numpy()), ("log10_C", "log10_N_opt")),
        "D": _ols(lc, np.log10(u["D_opt"].to_numpy()), ("log10_C", "log10_D_opt")),
    }
    exps = {q: float(r.params["log10_C"]) for q, r in regs.items()}
    ols_iv = {q: tuple(float(v) for v in r.conf_int(alpha=1 - level).loc["log10_C"]) for q, r in regs.items()}
    intervals = boot = None
    if bootstrap:
        rng = np.random.default_rng(seed)
        R = len(groups)
        out = []
        for _ in range(int(bootstrap)):
            pick = rng.integers(0, R, R)
            b_best, b_N, b_used = _envelope(pick, [logC[i] for i in pick], [loss[i] for i in pick], N_of[pick], grid, drop_edges, N_range)
            if b_used.sum() < 3:
                out.append((np.nan, np.nan))
                continue
            x = grid[b_used]
            yN = np.log10(b_N[b_used])
            sN = np.polyfit(x, yN, 1)[0]
            out.append((sN, 1.0 - sN))
        boot = np.array(out)
        lo_, hi_ = _interval(boot, level)
        intervals = {"N": (float(lo_[0]), float(hi_[0])), "D": (float(lo_[1]), float(hi_[1]))}
    warns = []
    if not drop_edges and (Nw[used] == N_range[1]).any():
        warns.append("The largest model wins at the top of the compute range: the optimum there may lie beyond the sizes trained.")
    return EnvelopeAnalysis(env, df, exps, intervals, ols_iv, regs, boot, level, warns)


# ----------------------------------------------------------------------------- curves from a law
def isoflop_curves(source, budgets, n_points: int = 61, span: float = 1.5, unique_tokens=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """IsoFLOP profiles a law predicts: loss against model size at fixed compute.

    Parameters
    ----------
    source : Fit, str, ParameterSet or LawSource
    budgets : sequence of float
        Compute budgets (FLOPs).
    n_points : int
        Model sizes per budget, log-spaced over ``N_opt x 10^(±span)``.
    span : float
        Half-width of each profile in decades of ``N``.
    unique_tokens : float, optional
        Unique data for laws with input ``U``.

    Returns
    -------
    curves : DataFrame
        ``budget``, ``N``, ``D = budget / 6N``, ``tokens_per_parameter``, ``loss``.
    optima : DataFrame
        ``budget``, ``N``, ``D``, ``loss`` at each profile's minimum.
    """
    src = as_source(source)
    C = np.atleast_1d(np.asarray(budgets, float))
    U = None if unique_tokens is None else np.full(C.shape, float(unique_tokens))
    N0, D0, L0, _ = optimal_allocation(src.law, src.values[None, :], C, U=U)
    t = np.linspace(-span, span, n_points)
    N = N0[0][:, None] * 10 ** t[None, :]  # (nC, G)
    D = (C[:, None] / 6.0) / N
    extra = {} if U is None else {"U": U[:, None]}
    L = rowwise(src.law, repeat_rows(src.values[None, :], len(C)), N=N, D=D, **extra)
    curves = pd.DataFrame(
        {
            "budget": np.repeat(C, n_points),
            "N": N.ravel(),
            "D": D.ravel(),
            "tokens_per_parameter": (D / N).ravel(),
            "loss": np.asarray(L, float).ravel(),
        }
    )
    optima = pd.DataFrame({"budget": C, "N": N0[0], "D": D0[0], "loss": L0[0]})
    return curves, optima
