"""Compute-optimal model size and data for any law of ``N`` and ``D``.

Under the usual training-compute model ``C = 6 N D`` FLOPs (Kaplan et al. 2020;
Hoffmann et al. 2022), the compute-optimal allocation is

    N_opt(C) = argmin_N L(N, C / (6 N)),    D_opt(C) = C / (6 N_opt(C)).

For Chinchilla's ``L = E + A/N^alpha + B/D^beta`` the answer has a closed form
(Hoffmann et al. 2022, Eq. 4):

    G = (alpha A / (beta B))^(1 / (alpha + beta)),
    N_opt = G (C/6)^(beta / (alpha + beta)),   D_opt = (C/6)^(alpha / (alpha + beta)) / G,

so tokens per parameter ``D_opt / N_opt = (C/6)^((alpha - beta)/(alpha + beta)) / G^2``
drift with compute unless ``alpha = beta``. Closed forms are also used for the
over-training law of Gadre et al. (2024) (a constant ``M = D/N = (b/a)^(1/(2 eta))``)
and Kaplan's ``L(N, D)``. Every other law of ``N`` and ``D`` (and the data-constrained
law, given the unique tokens ``U``) is optimised numerically over ``ln N`` with
:func:`~workbench.compute.optimize.minimize_bracketed`, vectorised over budgets and
bootstrap resamples.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import LawError
from ..format import fmt, fmt_interval, number
from ..laws.core import Law
from ..results import Result, ResultWarning
from ._eval import repeat_rows, rowwise
from .optimize import minimize_anchored
from .sources import LawSource, as_source

__all__ = [
    "Allocation",
    "compute_optimal",
    "compute_optimal_values",
    "optimal_allocation",
    "closed_form_optimum",
    "CLOSED_FORMS",
    "SEARCH_DECADES",
    "SATURATION_TOLERANCE",
    "data_constrained_floor",
]

#: The numeric optimum searches N over sqrt(C/6) times 10^-SEARCH_DECADES .. 10^+SEARCH_DECADES.
SEARCH_DECADES = 6.0

#: With limited unique data the loss approaches a floor as compute grows (repeated tokens and excess
#: parameters stop helping). Once the optimum at a budget is within this many nats/token of the floor,
#: the allocation is the cheapest one reaching floor + SATURATION_TOLERANCE: more compute buys less.
SATURATION_TOLERANCE = 1e-3


# ----------------------------------------------------------------------------- closed forms
def _chinchilla(p, C):
    A, B, alpha, beta = p["A"], p["B"], p["alpha"], p["beta"]
    s = alpha + beta
    lnG = (np.log(alpha * A) - np.log(beta * B)) / s
    lc = np.log(C / 6.0)
    return np.exp(lnG + beta / s * lc), np.exp(alpha / s * lc - lnG)


def _overtraining(p, C):
    # L = E + (a M^eta + b M^-eta) C^-eta is smallest at a M^(2 eta) = b (Gadre et al. 2024)
    lnM = (np.log(p["b"]) - np.log(p["a"])) / (2.0 * p["eta"])
    lnN = 0.5 * (np.log(C / 6.0) - lnM)
    return np.exp(lnN), np.exp(lnN + lnM)


def _kaplan_nd(p, C):
    # minimise (N_c/N)^r + D_c 6N/C with r = alpha_N/alpha_D: N^(r+1) = r N_c^r C / (6 D_c)
    r = p["alpha_N"] / p["alpha_D"]
    lnN = (np.log(r) + r * np.log(p["N_c"]) + np.log(C / 6.0) - np.log(p["D_c"])) / (r + 1.0)
    return np.exp(lnN), np.exp(np.log(C / 6.0) - lnN)


#: Closed-form compute-optimal allocations ``f(params: dict of arrays, C) -> (N, D)`` by law name
#: (a law's own ``compute_optimal`` takes precedence).
CLOSED_FORMS = {"chinchilla": _chinchilla, "overtraining": _overtraining, "kaplan_ND": _kaplan_nd}


def closed_form_optimum(law: Law):
    """The closed-form allocation of ``law`` (``f(params, C) -> (N, D)``), or ``None``."""
    if law.compute_optimal is not None:
        return law.compute_optimal
    return CLOSED_FORMS.get(law.name)


# ----------------------------------------------------------------------------- batch core
def _kind(law: Law) -> str:
    ins = set(law.inputs)
    if law.target != "loss":
        raise LawError(f"Law {law.name!r} predicts {law.target!r}, not the loss: it has no compute-optimal allocation.")
    if ins == {"N", "D"}:
        return "ND"
    if ins == {"N", "D", "U"}:
        return "NDU"
    if ins == {"C"}:
        return "C"
    raise LawError(
        f"Law {law.name!r} depends on {', '.join(law.inputs)} only: a compute-optimal split needs a law of "
        "both parameters N and tokens D (e.g. chinchilla, kaplan_ND, overtraining, data_constrained)."
    )


def optimal_allocation(law: Law, values, C, U=None, method: str = "auto"):
    """Compute-optimal ``N``, ``D`` and loss for a batch of parameter vectors and budgets.

    Parameters
    ----------
    law : Law
    values : array, shape ``(K, P)``
        Parameter vectors (e.g. the point estimate and bootstrap resamples).
    C : array, shape ``(n,)``
        Training compute budgets (FLOPs).
    U : float or array ``(n,)``, optional
        Unique tokens available (laws with input ``U`` only).
    method : {"auto", "closed", "numeric"}
        ``auto`` uses a closed form when the law has one.

    Returns
    -------
    N, D, L : ndarray, shape ``(K, n)``
        Parameters, tokens and predicted loss (nats/token).
    info : dict
        ``method`` and ``at_edge`` (``(K, n)`` booleans: the numeric optimum hit the
        edge of the search range, so the law keeps improving beyond it).
    """
    values = np.atleast_2d(np.asarray(values, float))
    C = np.atleast_1d(np.asarray(C, float))
    if np.any(~(C > 0)):
        raise LawError("Compute budgets must be positive FLOPs.")
    K, n = values.shape[0], C.shape[0]
    kind = _kind(law)
    if kind == "C":
        L = rowwise(law, values, C=C[None, :])
        nan = np.full((K, n), np.nan)
        return nan, nan.copy(), np.array(L, float), {"method": "law of compute only", "at_edge": np.zeros((K, n), bool)}
    if kind == "NDU":
        if U is None:
            raise LawError(f"Law {law.name!r} needs the unique tokens available: pass unique_tokens=...")
        U = np.broadcast_to(np.asarray(U, float), (n,))
        if np.any(~(U > 0)):
            raise LawError("Unique tokens must be positive.")
    closed = closed_form_optimum(law) if kind == "ND" else None
    if method == "closed" and closed is None:
        raise LawError(f"Law {law.name!r} has no closed-form compute-optimal allocation; use method='numeric'.")
    if closed is not None and method in ("auto", "closed"):
        p = {nm: values[:, j : j + 1] for j, nm in enumerate(law.param_names)}
        with np.errstate(all="ignore"):
            N, D = closed(p, C[None, :])
        N, D = np.broadcast_to(N, (K, n)).copy(), np.broadcast_to(D, (K, n)).copy()
        L = rowwise(law, values, N=N, D=D)
        return N, D, np.array(L, float), {"method": "closed form", "at_edge": np.zeros((K, n), bool)}
    # numeric: one problem per (parameter row, budget), minimise L over x = ln N at D = C / (6N);
    # row k * n + j is parameter row k at budget j; the point estimate (k = 0) anchors the resamples
    rows = repeat_rows(values, n)  # (K*n, P)
    lc6 = np.tile(np.log(C / 6.0), K)  # (K*n,)
    Ur = None if kind != "NDU" else np.tile(U, K)
    centre = 0.5 * lc6
    span = SEARCH_DECADES * np.log(10.0)

    def make_f(idx):
        extra = {} if Ur is None else {"U": Ur[idx][:, None]}
        r, l6 = rows[idx], lc6[idx][:, None]

        def f(x):
            return rowwise(law, r, N=np.exp(x), D=np.exp(l6 - x), **extra)

        return f

    anchor = np.tile(np.arange(n), K)
    x, Lmin, info = minimize_anchored(make_f, centre - span, centre + span, anchor)
    N = np.exp(x).reshape(K, n)
    D = np.exp(lc6 - x).reshape(K, n)
    at_edge = (info["at_lower_edge"] | info["at_upper_edge"]).reshape(K, n)
    return N, D, Lmin.reshape(K, n), {"method": "numeric", "at_edge": at_edge}


def data_constrained_floor(law: Law, values, U) -> np.ndarray:
    """The lowest loss the data-constrained law reaches with ``U`` unique tokens, however much compute.

    As ``N, D -> infinity`` at fixed ``U`` (Muennighoff et al. 2023, Eq. 5-7) the effective tokens
    tend to ``D' = U (1 + R*_D)`` and the effective parameters to ``N' = N_opt(U) (1 + R*_N)``, so

        L_floor(U) = E + A / (N_opt(U) (1 + R*_N))^alpha + B / (U (1 + R*_D))^beta,

    with ``N_opt(U) = G (G U)^(beta / alpha)``, ``G = (alpha A / (beta B))^(1 / (alpha + beta))``.
    ``values`` is ``(K, P)``; returns ``(K, len(U))``.
    """
    if law.name != "data_constrained":
        raise LawError(f"Only the data_constrained law has a floor set by the unique tokens, not {law.name!r}.")
    p = law._batch(np.atleast_2d(values))
    U = np.atleast_1d(np.asarray(U, float))[None, :]
    with np.errstate(all="ignore"):
        G = (p.alpha * p.A / (p.beta * p.B)) ** (1.0 / (p.alpha + p.beta))
        N_opt_U = G * (G * U) ** (p.beta / p.alpha)
        return p.E + p.A / (N_opt_U * (1.0 + p.R_N)) ** p.alpha + p.B / (U * (1.0 + p.R_D)) ** p.beta


def _cheapest_near_floor(law, values, C, U, N, D, L, tolerance):
    """Where the optimum at a budget lies within ``tolerance`` of the data-constrained floor, the
    cheapest allocation (least ``6 N D``) that reaches ``floor + tolerance`` instead.

    On the plateau the loss hardly depends on ``N`` at fixed compute, so ``argmin_N`` is not identified
    (point estimate and resamples would land anywhere on it); the cheapest allocation reaching the
    same loss to within ``tolerance`` is well defined and uses at most the budget. Returns ``N, D, L``
    and the ``(K, n)`` mask of saturated entries.
    """
    floor = data_constrained_floor(law, values, U)  # (K, n)
    sat = np.isfinite(L) & (L - floor <= tolerance)
    if not np.any(sat):
        return N, D, L, sat
    from .inference import _DataConstrainedInverse  # the inverse of the law in D (inference imports this module)

    k, j = np.nonzero(sat)
    rows = values[k]
    Uk = np.asarray(U, float)[j][:, None]
    target = (floor[k, j] + tolerance)[:, None]
    inverse = _DataConstrainedInverse(law, rows, Uk)
    centre = np.log(inverse.N_opt_U[:, 0])

    def make_f(idx):
        sub = _DataConstrainedInverse(law, rows[idx], Uk[idx])

        def cost(x):
            n_ = np.exp(x)
            return 6.0 * n_ * sub(n_, target[idx])

        return cost

    # the cheapest point lies above N_opt(U) (excess parameters approach N_opt(U) (1 + R*_N)) and
    # well below the plateau's far end: search from 10^-3 to 10^8 times N_opt(U)
    x, _, _ = minimize_anchored(make_f, centre - 3 * np.log(10.0), centre + 8 * np.log(10.0), np.arange(len(k)))
    Nn = np.exp(x)
    Dn = inverse(Nn[:, None], target)[:, 0]
    ok = np.isfinite(Nn) & np.isfinite(Dn) & (6.0 * Nn * Dn <= 6.0 * N[k, j] * D[k, j] * (1 + 1e-9))
    N, D, L = N.copy(), D.copy(), L.copy()
    kk, jj = k[ok], j[ok]
    N[kk, jj], D[kk, jj] = Nn[ok], Dn[ok]
    L[kk, jj] = rowwise(law, values[kk], N=Nn[ok][:, None], D=Dn[ok][:, None], U=np.asarray(U, float)[jj][:, None])[:, 0] \
        if len(kk) else L[kk, jj]
    sat = np.zeros_like(sat)
    sat[kk, jj] = True
    return N, D, L, sat


def compute_optimal_values(law, params, C, U=None, method: str = "auto"):
    """``(N_opt, D_opt, loss)`` from parameters given as a mapping of floats or arrays.

    Written for :meth:`workbench.fitting.Fit.propagate`, which calls it with the
    point estimate (floats) and with one array per parameter over the bootstrap
    resamples::

        fit.propagate(lambda p: compute_optimal_values(fit.law, p, 1e22)[0])

    Returns arrays of shape ``(K, len(C))`` squeezed to the inputs' shape.
    """
    from ..laws import get_law

    law = get_law(law)
    cols = [np.atleast_1d(np.asarray(params[nm], float)) for nm in law.param_names]
    K = max(len(c) for c in cols)
    values = np.column_stack([np.broadcast_to(c, (K,)) for c in cols])
    N, D, L, _ = optimal_allocation(law, values, C, U=U, method=method)
    scalar_params = all(np.ndim(params[nm]) == 0 for nm in law.param_names)
    scalar_c = np.ndim(C) == 0
    out = []
    for a in (N, D, L):
        a = a[0] if scalar_params else a
        a = a[..., 0] if scalar_c else a
        out.append(a)
    return tuple(out)


# ----------------------------------------------------------------------------- result object
def _interval(samples: np.ndarray, level: float):
    """Percentile interval ``(lo, hi)`` over axis 0, ignoring ``nan`` (numpy's default linear interpolation).

    A sort and two gathers: ``np.nanquantile`` costs ~1 ms per call, too much for a live planner.
    """
    x = np.sort(np.asarray(samples, float), axis=0)  # nan sorts last
    n = np.sum(~np.isnan(x), axis=0)
    q = (1 - level) / 2
    out = []
    for p in (q, 1 - q):
        pos = p * np.maximum(n - 1, 0)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, np.maximum(n - 1, 0))
        frac = pos - i0
        a = np.take_along_axis(x, i0[None, ...], axis=0)[0]
        b = np.take_along_axis(x, i1[None, ...], axis=0)[0]
        v = a + (b - a) * frac
        out.append(np.where(n > 0, v, np.nan))
    return out[0], out[1]


QUANTITIES = ("N", "D", "tokens_per_parameter", "loss")
#: Units of the quantities (for :func:`workbench.format.fmt`).
UNITS = {"N": "parameters", "D": "tokens", "tokens_per_parameter": None, "loss": "nats/token", "epochs": None}
LABELS = {
    "N": "model size N (parameters)",
    "D": "training tokens D",
    "tokens_per_parameter": "tokens per parameter D/N",
    "loss": "predicted loss (nats/token)",
    "epochs": "epochs over the unique tokens",
}


@dataclass(repr=False)
class Allocation(Result):
    """Compute-optimal allocation at one or more budgets, with intervals when the source has samples.

    Attributes
    ----------
    compute : ndarray
        Training compute budgets (FLOPs).
    N, D, tokens_per_parameter, loss : ndarray
        Point estimates, one per budget (parameters, tokens, D/N, nats/token).
    intervals : dict or None
        ``name -> (lo, hi)`` arrays at ``level`` from the source's samples.
    method : str
        ``"closed form"``, ``"numeric"`` or ``"law of compute only"``.
    source : LawSource
    """

    compute: np.ndarray
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    source: LawSource
    method: str
    intervals: dict | None = None
    samples: dict | None = None
    at_edge: np.ndarray | None = None
    unique_tokens: np.ndarray | None = None
    warnings: list = field(default_factory=list)
    #: per budget: the unique data are exhausted, so the allocation spends less than the budget
    #: (the cheapest one within :data:`SATURATION_TOLERANCE` of the loss floor); ``None`` when unlimited
    saturated: np.ndarray | None = None

    @property
    def tokens_per_parameter(self) -> np.ndarray:
        return self.D / self.N

    @property
    def training_flops(self) -> np.ndarray:
        """Training compute the allocation uses, ``6 N D`` (FLOPs): the budget, or less when saturated."""
        return 6.0 * self.N * self.D

    @property
    def level(self) -> float:
        return self.source.level

    def value(self, name: str, i: int = 0) -> float:
        """Point value of ``name`` at budget ``i`` as a float."""
        return float(np.atleast_1d(getattr(self, name))[i])

    def interval(self, name: str, i: int = 0):
        """``(lo, hi)`` of ``name`` at budget ``i``, or ``(nan, nan)`` without samples."""
        if not self.intervals:
            return (float("nan"), float("nan"))
        lo, hi = self.intervals[name]
        return float(np.atleast_1d(lo)[i]), float(np.atleast_1d(hi)[i])

    def to_frame(self) -> pd.DataFrame:
        """One row per budget: ``C, N, D, tokens_per_parameter, loss`` and ``*_lo``/``*_hi`` intervals."""
        df = pd.DataFrame({"C": self.compute, "N": self.N, "D": self.D, "tokens_per_parameter": self.tokens_per_parameter, "loss": self.loss})
        if self.unique_tokens is not None:
            df["U"] = self.unique_tokens
            df["epochs"] = self.D / self.unique_tokens
        if self.intervals:
            for k, (lo, hi) in self.intervals.items():
                df[f"{k}_lo"], df[f"{k}_hi"] = lo, hi
        return df

    def summary(self) -> str:
        lines = [f"Compute-optimal allocation — {self.source.label} [{self.source.law.name}, {self.method}]"]
        pct = f"{100 * self.level:g}%"
        for i, c in enumerate(np.atleast_1d(self.compute)):
            lines.append(f"  C = {fmt(c, 'FLOPs')}" + (f", U = {fmt(self.unique_tokens[i], 'tokens')} unique" if self.unique_tokens is not None else ""))
            for q in QUANTITIES:
                v = self.value(q, i)
                s = f"    {LABELS[q]:<34} {fmt(v, UNITS[q]):>18}"
                if self.intervals:
                    lo, hi = self.interval(q, i)
                    s += f"   {pct} [{fmt_interval(lo, hi, UNITS[q])}]"
                lines.append(s)
            if self.unique_tokens is not None:
                lines.append(f"    {LABELS['epochs']:<34} {number(self.value('D', i) / self.unique_tokens[i]):>18}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        c = np.atleast_1d(self.compute)
        if len(c) == 1:
            return (f"<Allocation C={c[0]:.3g}: N={self.value('N'):.3g}, D={self.value('D'):.3g}, "
                    f"D/N={self.value('tokens_per_parameter'):.3g}, loss={self.value('loss'):.4g}; {self.source.law.name}>")
        return f"<Allocation at {len(c)} budgets {c.min():.3g}..{c.max():.3g} FLOPs; {self.source.law.name}>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        pct = f"{100 * self.level:g}%"
        head = "".join(f"<th>{html.escape(LABELS[q])}</th>" for q in QUANTITIES)
        rows = []
        for i, c in enumerate(np.atleast_1d(self.compute)):
            cells = []
            for q in QUANTITIES:
                s = html.escape(fmt(self.value(q, i), UNITS[q]))
                if self.intervals:
                    lo, hi = self.interval(q, i)
                    s += f"<br><small>{pct}: {html.escape(fmt_interval(lo, hi, UNITS[q]))}</small>"
                cells.append(f"<td>{s}</td>")
            rows.append(f"<tr><td>{html.escape(fmt(c, 'FLOPs'))}</td>{''.join(cells)}</tr>")
        warn = "".join(f"<p style='color:#a33'>&#9888; {html.escape(w)}</p>" for w in self.warnings)
        return (
            f"<div class='workbench-allocation'><b>Compute-optimal allocation</b> &mdash; {html.escape(self.source.label)} "
            f"<code>[{html.escape(self.source.law.name)}, {html.escape(self.method)}]</code>"
            f"<table><thead><tr><th>compute C (FLOPs)</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{warn}</div>"
        )

    def to_dict(self) -> dict:
        out = {
            "source": self.source.label,
            "law": self.source.law.name,
            "params": self.source.params,
            "method": self.method,
            "level": self.level,
            "compute": np.atleast_1d(self.compute).tolist(),
        }
        for q in QUANTITIES:
            out[q] = np.atleast_1d(getattr(self, q)).tolist()
        if self.unique_tokens is not None:
            out["unique_tokens"] = np.atleast_1d(self.unique_tokens).tolist()
            out["epochs"] = (np.atleast_1d(self.D) / self.unique_tokens).tolist()
        out["intervals"] = None if not self.intervals else {k: [np.atleast_1d(lo).tolist(), np.atleast_1d(hi).tolist()] for k, (lo, hi) in self.intervals.items()}
        out["warnings"] = list(self.warnings)
        return out


def _edge_warning(at_edge, law) -> list[str]:
    if at_edge is not None and np.any(at_edge):
        return [
            f"The optimum of {law.name!r} lies at the edge of the search range (N within 10^±{SEARCH_DECADES:g} of sqrt(C/6)) "
            "for some budgets or resamples: the law keeps improving as N grows or shrinks, so its optimum is not defined there."
        ]
    return []


def compute_optimal(source, compute, unique_tokens=None, values=None, method: str = "auto", level: float | None = None,
                    saturation_tolerance: float = SATURATION_TOLERANCE) -> Allocation:
    """Compute-optimal model size, tokens, tokens per parameter and loss at the given budgets.

    Parameters
    ----------
    source : Fit, str, ParameterSet, LawSource or (law, values)
        Which law and parameters: a :class:`~workbench.fitting.Fit` (intervals come
        from its bootstrap), a parameter-set name such as ``"besiroglu2024"``,
        or a law name with ``values=``.
    compute : float or array
        Training compute budgets ``C`` in FLOPs (``C = 6 N D``).
    unique_tokens : float or array, optional
        Unique tokens available, for laws with input ``U`` (``data_constrained``).
        To limit the data of a plain Chinchilla law, use
        :func:`workbench.compute.data_constrained_optimum`.
    method : {"auto", "closed", "numeric"}
        ``auto`` uses the closed form when the law has one (Chinchilla: Hoffmann
        et al. 2022, Eq. 4), otherwise a vectorised numeric search over ``ln N``.
    level : float, optional
        Interval coverage (default: the source's, 0.95).
    saturation_tolerance : float
        With limited unique data (``data_constrained``), budgets whose optimum lies within this
        many nats/token of the loss floor get the cheapest allocation reaching ``floor + tolerance``
        (see :func:`data_constrained_floor`): it uses less than the budget, and is marked in
        :attr:`Allocation.saturated` and by a warning with code ``data_saturated``.

    Returns
    -------
    Allocation

    Examples
    --------
    >>> from workbench.compute import compute_optimal
    >>> a = compute_optimal("besiroglu2024", 5.88e23)
    >>> round(float(a.tokens_per_parameter[0]), 1)
    18.4
    """
    src = as_source(source, values)
    if level is not None:
        src = LawSource(src.law, src.values, src.samples, src.label, level)
    C = np.atleast_1d(np.asarray(compute, float))
    U = None if unique_tokens is None else np.broadcast_to(np.asarray(unique_tokens, float), C.shape).copy()
    batch = src.batch()
    N, D, L, info = optimal_allocation(src.law, batch, C, U=U, method=method)
    saturated = None
    if U is not None and src.law.name == "data_constrained" and saturation_tolerance is not None:
        N, D, L, sat = _cheapest_near_floor(src.law, batch, C, U, N, D, L, float(saturation_tolerance))
        saturated = sat[0]
        # the plateau is where the search's edges were hit: the cheapest allocation is interior
        info["at_edge"] = info["at_edge"] & ~sat
    intervals = samples = None
    if src.has_samples:
        samples = {"N": N[1:], "D": D[1:], "tokens_per_parameter": D[1:] / N[1:], "loss": L[1:]}
        intervals = {k: _interval(v, src.level) for k, v in samples.items()}
    warnings = _edge_warning(info["at_edge"], src.law)
    if info["method"] == "law of compute only":
        warnings.append(f"Law {src.law.name!r} depends on compute only: it predicts the loss but not how to split C into N and D.")
    if saturated is not None and np.any(saturated):
        from ..format import fmt

        i = int(np.argmax(saturated))
        used = 6.0 * N[0, i] * D[0, i]
        warnings.append(ResultWarning(
            f"With only {fmt(U[i], 'tokens')} of unique data the loss cannot fall much further: beyond "
            f"{fmt(used, 'FLOPs')} of training compute it gains less than {saturation_tolerance:g} nats/token, "
            f"so the allocation spends that{' (for this and other budgets)' if saturated.sum() > 1 else ''} "
            f"instead of the budget of {fmt(C[i], 'FLOPs')}.", code="data_saturated"))
    return Allocation(
        compute=C, N=N[0], D=D[0], loss=L[0], source=src, method=info["method"], intervals=intervals,
        samples=samples, at_edge=info["at_edge"][0], unique_tokens=U, warnings=warnings, saturated=saturated,
    )
