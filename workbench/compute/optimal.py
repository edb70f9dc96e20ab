"""Compute-optimal model size and data for any law of ``N`` and ``D``.

Under the usual training-compute model ``C = 6 N D`` FLOPs (Kaplan et al. 2020;
Hoffmann et al. 2022), the compute-optimal allocation is

    N_opt(C) = argmin_N L(N, C / (6 N)),    D_opt(C) = C / (6 N_opt(C)).

For Chinchilla's ``L = E + A/N^alpha + B/D^beta`` the answer has a closed form
(Hoffmann et al. 2022, Eq. 4):

    G = (alpha A / (beta B))^(1 / (alpha + beta)),
    N_opt = G (C/6)^(beta / (alpha + beta)),   D_opt = (C/6)^(alpha / (alpha + beta)) / G,

so tokens per parameter ``D_opt / N_opt = (C/6)^((alpha - beta)/(alpha + beta)) / G^2``
drift with compute unless ``alpha = beta``. Closed forms live on the laws' declarations
(also for the over-training law of Gadre et al. (2024), a constant
``M = D/N = (b/a)^(1/(2 eta))``, and Kaplan's ``L(N, D)``); every other law of ``N`` and
``D`` (and the data-constrained law, given the unique tokens ``U``) is optimised
numerically over ``ln N`` by :func:`workbench.laws.optimal_allocation`, vectorised over
budgets and parameter samples.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import LawError
from ..format import fmt, fmt_interval
from ..laws import get_law
from ..laws.core import Law
from ..laws.optimize import minimize_anchored
from ..laws.optimum import SEARCH_DECADES, optimal_allocation
from ..laws.published import fitted_law, parameter_rows, parameter_set_of
from ..results import Result, ResultWarning, percentile_interval

__all__ = ["Allocation", "compute_optimal", "compute_optimal_values", "SATURATION_TOLERANCE", "data_constrained_floor"]

#: With limited unique data the loss approaches a floor as compute grows (repeated tokens and excess
#: parameters stop helping). Once the optimum at a budget is within this many nats/token of the floor,
#: the allocation is the cheapest one reaching floor + SATURATION_TOLERANCE: more compute buys less.
SATURATION_TOLERANCE = 1e-3


def data_constrained_floor(law: Law, values, U) -> np.ndarray:
    """The lowest loss the data-constrained law reaches with ``U`` unique tokens, however much compute.

    As ``N, D -> infinity`` at fixed ``U`` (Muennighoff et al. 2023, Eq. 5-7) the effective tokens
    tend to ``D' = U (1 + R*_D)`` and the effective parameters to ``N' = N_opt(U) (1 + R*_N)``, so

        L_floor(U) = E + A / (N_opt(U) (1 + R*_N))^alpha + B / (U (1 + R*_D))^beta,

    with ``N_opt(U) = G (G U)^(beta / alpha)``, ``G = (alpha A / (beta B))^(1 / (alpha + beta))``.
    ``values`` is a mapping or ``(K, P)``; returns ``(K, len(U))``.
    """
    if law.name != "data_constrained":
        raise LawError(f"Only the data_constrained law has a floor set by the unique tokens, not {law.name!r}.")
    p = law._batch(np.atleast_2d(law._values_array(values)))
    U = np.atleast_1d(np.asarray(U, float))[None, :]
    with np.errstate(all="ignore"):
        G = (p.alpha * p.A / (p.beta * p.B)) ** (1.0 / (p.alpha + p.beta))
        N_opt_U = G * (G * U) ** (p.beta / p.alpha)
        return p.E + p.A / (N_opt_U * (1.0 + p.R_N)) ** p.alpha + p.B / (U * (1.0 + p.R_D)) ** p.beta


def _cheapest_near_floor(law, values, U, N, D, L, tolerance):
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
    if len(kk):
        L[kk, jj] = law.predict_rows(values[kk], N=Nn[ok][:, None], D=Dn[ok][:, None], U=np.asarray(U, float)[jj][:, None])[:, 0]
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
    source : Fit or ParameterSet
        The fitted law (see :func:`workbench.laws.fitted_law`).
    """

    compute: np.ndarray
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    source: object
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

    def to_frame(self) -> pd.DataFrame:
        """One row per budget: ``C, N, D, tokens_per_parameter, loss`` and ``*_lo``/``*_hi`` intervals."""
        df = pd.DataFrame({"C": self.compute, "N": self.N, "D": self.D, "tokens_per_parameter": self.tokens_per_parameter, "loss": self.loss})
        if self.unique_tokens is not None:
            df["U"] = self.unique_tokens
            df["epochs"] = self.D / self.unique_tokens
        return self._with_intervals(df)

    def _title(self) -> str:
        return f"Compute-optimal allocation — {self.source.label} [{self.source.law.name}, {self.method}]"

    def _summarize(self, s) -> None:
        qs = QUANTITIES + (("epochs",) if self.unique_tokens is not None else ())
        head = ["compute C (FLOPs)"] + (["unique tokens U"] if self.unique_tokens is not None else []) + [LABELS[q] for q in qs]
        rows = []
        for i, c in enumerate(np.atleast_1d(self.compute)):
            row = [fmt(c, "FLOPs")] + ([fmt(self.unique_tokens[i], "tokens")] if self.unique_tokens is not None else [])
            for q in qs:
                v = self.value("D", i) / self.unique_tokens[i] if q == "epochs" else self.value(q, i)
                iv = (self.intervals or {}).get(q)
                row.append(fmt(v, UNITS[q]) + (f" [{fmt_interval(np.atleast_1d(iv[0])[i], np.atleast_1d(iv[1])[i], UNITS[q])}]"
                                               if iv else ""))
            rows.append(row)
        s.add_table((head, rows))
        if self.intervals:
            s.add_text(f"[intervals]: {100 * self.level:g}% over the source's parameter samples")

    def _headline(self) -> str:
        c = np.atleast_1d(self.compute)
        if len(c) == 1:
            return (f"C={c[0]:.3g}: N={self.value('N'):.3g}, D={self.value('D'):.3g}, "
                    f"D/N={self.value('tokens_per_parameter'):.3g}, loss={self.value('loss'):.4g}; {self.source.law.name}")
        return f"at {len(c)} budgets {c.min():.3g}..{c.max():.3g} FLOPs; {self.source.law.name}"

    _dict_exclude = ("source", "samples", "at_edge")
    _dict_properties = ("label", "tokens_per_parameter")

    def _dict_extra(self) -> dict:
        return {"law": self.source.law.name, "params": self.source.params}

    @property
    def label(self) -> str:
        return self.source.label


def _edge_warning(at_edge, law) -> list:
    if at_edge is not None and np.any(at_edge):
        return [ResultWarning(
            f"The optimum of {law.name!r} lies at the edge of the search range (N within 10^±{SEARCH_DECADES:g} of sqrt(C/6)) "
            "for some budgets or resamples: the law keeps improving as N grows or shrinks, so its optimum is not defined there.",
            code="optimum_at_search_edge")]
    return []


def compute_optimal(source, compute, unique_tokens=None, values=None, method: str = "auto", level: float | None = None,
                    saturation_tolerance: float = SATURATION_TOLERANCE) -> Allocation:
    """Compute-optimal model size, tokens, tokens per parameter and loss at the given budgets.

    Parameters
    ----------
    source : Fit, str, ParameterSet or (law, values)
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
    src = fitted_law(source, values)
    if level is not None:
        src = parameter_set_of(src, level=level)
    C = np.atleast_1d(np.asarray(compute, float))
    U = None if unique_tokens is None else np.broadcast_to(np.asarray(unique_tokens, float), C.shape).copy()
    batch = parameter_rows(src)
    N, D, L, info = optimal_allocation(src.law, batch, C, U=U, method=method)
    saturated = None
    if U is not None and src.law.name == "data_constrained" and saturation_tolerance is not None:
        N, D, L, sat = _cheapest_near_floor(src.law, batch, U, N, D, L, float(saturation_tolerance))
        saturated = sat[0]
        # the plateau is where the search's edges were hit: the cheapest allocation is interior
        info["at_edge"] = info["at_edge"] & ~sat
    intervals = samples = None
    if len(batch) > 1:
        samples = {"N": N[1:], "D": D[1:], "tokens_per_parameter": D[1:] / N[1:], "loss": L[1:]}
        intervals = {k: percentile_interval(v, src.level) for k, v in samples.items()}
    warnings = _edge_warning(info["at_edge"], src.law)
    if info["method"] == "law of compute only":
        warnings.append(ResultWarning(f"Law {src.law.name!r} depends on compute only: it predicts the loss but not how "
                                      "to split C into N and D.", code="law_of_compute_only"))
    if saturated is not None and np.any(saturated):
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
