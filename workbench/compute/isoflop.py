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

The exponent regressions are least squares on logs through the fit layer's one
linear path (:mod:`workbench.fitting.linear`; ``.regressions["N"].summary()`` gives
statsmodels' familiar table); intervals come from a bootstrap that resamples runs
within each budget (Approach 2) or whole training curves (Approach 1), repeats every
step and refits the same least squares.
:func:`isoflop_curves` draws the isoFLOP profiles a law predicts.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd

from ..data.runs import load_runs
from ..errors import ArgumentError, RunsError
from ..fitting.linear import line_fit, ols
from ..laws.optimum import optimal_allocation
from ..laws.published import fitted_law
from ..results import Result, ResultWarning, percentile_interval

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
    budgets : "auto", "exact", "column" or sequence of float
        ``"column"``: the runs' own ``budget`` column. ``"exact"``: every distinct ``C`` (to 9 significant digits) is a budget
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
    if isinstance(budgets, str) and budgets == "column":
        if "budget" not in df.columns:
            raise RunsError("budgets='column' needs a 'budget' column (FLOPs) saying which budget each run belongs to.")
        df["budget"] = pd.to_numeric(df["budget"], errors="coerce")
        df = df[np.isfinite(df["budget"].to_numpy(float))]
    elif isinstance(budgets, str) and budgets == "exact":
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


def _exponent_regressions(log_C, log_N_opt, level: float):
    """The regressions of ``log10 N_opt`` and ``log10 D_opt = log10(C/6) - log10 N_opt`` on ``log10 C``
    (statsmodels results, for their summaries), their slopes and confidence intervals."""
    regs = {q: ols(log_C, y, names=("log10_C",), y_name=f"log10_{q}_opt")
            for q, y in (("N", log_N_opt), ("D", log_C - np.log10(6.0) - log_N_opt))}
    exps = {q: float(r.params["log10_C"]) for q, r in regs.items()}
    ci = {q: tuple(float(v) for v in r.conf_int(alpha=1 - level).loc["log10_C"]) for q, r in regs.items()}
    return regs, exps, ci


def _bootstrap_exponents(log_C, log_N_opt, valid):
    """Exponents ``(B, 2)`` of ``N_opt`` and ``D_opt`` refitted by the same least squares on resampled optima."""
    _, aN = line_fit(log_C, log_N_opt, valid.astype(float))
    return np.column_stack([aN, 1.0 - aN])  # D_opt = C / 6N_opt: its exponent is 1 - a


class ExponentAnalysis(Result):
    """What Approaches 1 and 2 share: exponents of ``N_opt ∝ C^a`` and ``D_opt ∝ C^b`` from straight lines
    in log-log space (``regressions``), their intervals, and the fitted power laws."""

    published = PUBLISHED_EXPONENTS

    def predict(self, C) -> pd.DataFrame:
        """``N_opt`` and ``D_opt`` at compute ``C`` from the fitted power laws."""
        lc = np.log10(np.atleast_1d(np.asarray(C, float)))
        out = {"C": 10**lc}
        for q in ("N", "D"):
            out[f"{q}_opt"] = 10 ** (self.regressions[q].params["const"] + self.regressions[q].params["log10_C"] * lc)
        return pd.DataFrame(out)

    def _headline(self) -> str:
        return f"a={self.exponents['N']:.3f}, b={self.exponents['D']:.3f}"

    def _summarize_exponents(self, s, what: str) -> None:
        pct = f"{100 * self.level:g}%"
        boot = percentile_interval(self.bootstrap_exponents, self.level) if self.bootstrap_exponents is not None else None
        rows = []
        for j, q in enumerate(("N", "D")):
            ci = tuple(self.regressions[q].conf_int(alpha=1 - self.level).loc["log10_C"])
            rows.append([f"{q}_opt ∝ C^a", f"{self.exponents[q]:.3f}", f"[{boot[0][j]:.3f}, {boot[1][j]:.3f}]" if boot else "-",
                         f"[{ci[0]:.3f}, {ci[1]:.3f}]"])
        s.add_text(what)
        s.add_table((["", "exponent", f"bootstrap {pct}", f"least squares {pct}"], rows))
        s.add_text("published (Hoffmann et al. 2022): a = 0.50 / 0.49 / 0.46 by Approaches 1 / 2 / 3")


class IsoFLOPAnalysis(ExponentAnalysis):
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
        Intervals of the exponents at ``level``: bootstrap percentiles, or (with
        ``bootstrap=0``) the least-squares confidence intervals, conditional on the
        per-budget optima (``regressions[q].conf_int()``).
    regressions : dict
        The statsmodels results, ``"N"`` and ``"D"`` (``.summary()`` for the familiar table).
    bootstrap_exponents : ndarray ``(B, 2)`` or None
    """

    profiles: pd.DataFrame
    runs: pd.DataFrame
    exponents: dict
    intervals: dict
    regressions: dict
    bootstrap_exponents: np.ndarray | None
    level: float
    coefficients: dict
    warnings: list = field(default_factory=list)

    def parabolas(self, n_points: int = 40) -> pd.DataFrame:
        """The fitted parabola of each budget over the sizes trained: ``budget``, ``N``, ``loss``."""
        parts = []
        for _, r in self.profiles.iterrows():
            xs = np.linspace(np.log10(r["N_min"]), np.log10(r["N_max"]), n_points)
            parts.append(pd.DataFrame({"budget": r["budget"], "N": 10**xs, "loss": r["c0"] + r["c1"] * xs + r["c2"] * xs * xs}))
        return pd.concat(parts, ignore_index=True)

    def _title(self) -> str:
        return "IsoFLOP analysis (Hoffmann et al. 2022, Approach 2)"

    def _summarize(self, s) -> None:
        self._summarize_exponents(s, f"{len(self.profiles)} budgets ({int(self.profiles['used'].sum())} used), {len(self.runs)} runs; "
                                   "parabola of loss vs log10 N per budget")
        s.add_table(self.profiles[["budget", "n_runs", "N_opt", "D_opt", "loss_opt", "used"]])

    def _headline(self) -> str:
        return super()._headline() + f"; {len(self.profiles)} budgets"

    _dict_exclude = ("runs", "regressions", "bootstrap_exponents")
    _dict_properties = ("method", "published")
    method = "isoflop approach 2"


def isoflop_analysis(
    runs,
    budgets=None,
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
        Runs with ``N``, ``D`` (or ``C``) and ``loss``, optionally a ``budget`` column.
    budgets, tolerance, min_runs
        How runs are grouped into budgets: see :func:`bin_budgets`. The default
        takes the runs' ``budget`` column when they have one (``"column"``) and
        groups them by compute otherwise (``"auto"``); budgets with fewer than
        ``min_runs`` runs are left out either way.
    bootstrap : int
        Resamples (runs resampled with replacement within each budget; every
        step repeated) for percentile intervals; 0 to skip.
    level : float
        Interval coverage.
    seed : int
    """
    if budgets is None:
        budgets = "column" if "budget" in getattr(runs, "columns", ()) else "auto"
    df = bin_budgets(runs, budgets, tolerance, min_runs)
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
        warns.append(ResultWarning(
            "Left out budgets whose parabola has no minimum inside the sizes trained: "
            + ", ".join(f"{b:.3g}" for b in dropped) + " FLOPs.", code="budgets_dropped"))
    use = profiles[profiles["used"]]
    if len(use) < 2:
        raise RunsError("Fewer than two budgets have a usable parabola minimum: cannot estimate the exponents.")
    lc = np.log10(use["budget"].to_numpy(float))
    lN = np.log10(use["N_opt"].to_numpy(float))
    regs, exps, intervals = _exponent_regressions(lc, lN, level)
    boot = None
    if B:
        used_mask = profiles["used"].to_numpy()
        valid = np.isfinite(boot_x) & used_mask[None, :]
        boot = _bootstrap_exponents(np.log10(budgets_), boot_x, valid)
        lo, hi = percentile_interval(boot, level)
        intervals = {"N": (float(lo[0]), float(hi[0])), "D": (float(lo[1]), float(hi[1]))}
        qlo, qhi = percentile_interval(10 ** np.where(valid, boot_x, np.nan), level)
        profiles["N_opt_lo"], profiles["N_opt_hi"] = qlo, qhi
        frac = np.mean(~np.isfinite(boot_x[:, used_mask]))
        if frac > 0.05:
            warns.append(ResultWarning(f"{100 * frac:.0f}% of bootstrap parabolas had no minimum inside the sizes trained.",
                                       code="bootstrap_no_minimum"))
    coefs = {q: {"const": float(r.params["const"]), "slope": float(r.params["log10_C"])} for q, r in regs.items()}
    return IsoFLOPAnalysis(profiles, df, exps, intervals, regs, boot, level, coefs, warns)


# ----------------------------------------------------------------------------- Approach 1
class EnvelopeAnalysis(ExponentAnalysis):
    """Result of :func:`envelope_analysis` (Approach 1).

    Attributes
    ----------
    envelope : DataFrame
        ``C`` grid, the lowest ``loss`` any curve reaches at that compute, the
        ``N`` of that run (``N_opt``), ``D_opt = C / (6 N_opt)`` and ``used``.
    exponents, intervals, regressions
        As in :class:`IsoFLOPAnalysis` (bootstrap over whole curves; the least-squares
        intervals treat envelope points as independent, which they are not).
    """

    envelope: pd.DataFrame
    curves: pd.DataFrame
    exponents: dict
    intervals: dict
    regressions: dict
    bootstrap_exponents: np.ndarray | None
    level: float
    warnings: list = field(default_factory=list)

    def _title(self) -> str:
        return "Training-curve envelope (Hoffmann et al. 2022, Approach 1)"

    def _summarize(self, s) -> None:
        self._summarize_exponents(s, f"{self.curves['_run'].nunique()} training curves, "
                                   f"{int(self.envelope['used'].sum())} envelope points used")

    _dict_exclude = ("curves", "envelope", "regressions", "bootstrap_exponents")
    _dict_properties = ("method", "published")
    method = "envelope approach 1"


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
    regs, exps, intervals = _exponent_regressions(lc, np.log10(u["N_opt"].to_numpy()), level)
    boot = None
    if bootstrap:
        rng = np.random.default_rng(seed)
        R = len(groups)
        lN, ok = np.full((int(bootstrap), len(grid)), np.nan), np.zeros((int(bootstrap), len(grid)), bool)
        for r in range(int(bootstrap)):
            pick = rng.integers(0, R, R)
            _, b_N, b_used = _envelope(pick, [logC[i] for i in pick], [loss[i] for i in pick], N_of[pick], grid, drop_edges, N_range)
            lN[r], ok[r] = np.log10(b_N), b_used if b_used.sum() >= 3 else False
        boot = _bootstrap_exponents(grid, lN, ok)
        lo_, hi_ = percentile_interval(boot, level)
        intervals = {"N": (float(lo_[0]), float(hi_[0])), "D": (float(lo_[1]), float(hi_[1]))}
    warns = []
    if not drop_edges and (Nw[used] == N_range[1]).any():
        warns.append(ResultWarning("The largest model wins at the top of the compute range: the optimum there may lie "
                                   "beyond the sizes trained.", code="optimum_beyond_sizes"))
    return EnvelopeAnalysis(env, df, exps, intervals, regs, boot, level, warns)


# ----------------------------------------------------------------------------- curves from a law
def isoflop_curves(source, budgets, n_points: int = 61, span: float = 1.5, unique_tokens=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """IsoFLOP profiles a law predicts: loss against model size at fixed compute.

    Parameters
    ----------
    source : Fit, str or ParameterSet
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
    src = fitted_law(source)
    values = src.law._values_array(src.params)[None, :]
    C = np.atleast_1d(np.asarray(budgets, float))
    U = None if unique_tokens is None else np.full(C.shape, float(unique_tokens))
    N0, D0, L0, _ = optimal_allocation(src.law, values, C, U=U)
    t = np.linspace(-span, span, n_points)
    N = N0[0][:, None] * 10 ** t[None, :]  # (nC, G)
    D = (C[:, None] / 6.0) / N
    extra = {} if U is None else {"U": U[:, None]}
    L = src.law.predict_rows(np.repeat(values, len(C), axis=0), N=N, D=D, **extra)
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
