"""Inference-aware allocation: the cheapest model to train *and serve* at a target loss.

Sardana & Frankle (2023, "Beyond Chinchilla-Optimal: Accounting for Inference in
Language Model Scaling Laws") minimise the total FLOPs of training plus serving
``D_inf`` inference tokens,

    F(N, D) = 6 N D + 2 N D_inf,    subject to  L(N, D) = target loss,

(2N FLOPs per token of a forward pass). For each model size ``N`` the tokens
``D(N)`` that reach the target are found (in closed form for Chinchilla,
``D = (B / (L - E - A/N^alpha))^(1/beta)``; by a bracketing root search otherwise), and
``F(N, D(N))`` is minimised over ``ln N``. Because the inference term grows with
``N``, more expected inference can only make the optimal model smaller and train
it on more tokens per parameter.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import LawError
from ..laws.optimize import minimize_anchored, solve_decreasing
from ..laws.published import fitted_law, parameter_rows, parameter_set_of
from ..format import fmt, number, percent
from ..results import Result, ResultWarning, percentile_interval
from .optimal import compute_optimal

__all__ = ["InferencePlan", "inference_optimum", "tokens_for_loss"]


def tokens_for_loss(law, values, N, target, U=None):
    """Training tokens ``D`` at which ``L(N, D)`` reaches ``target`` (``nan`` where it cannot).

    ``values`` ``(M, P)`` pairs row by row with ``N`` ``(M, G)`` and ``target`` ``(M, 1)`` or ``(M, G)``.
    Chinchilla is inverted in closed form; other laws by a bracketing root search on ``ln D`` over
    ``10^-10 .. 10^15`` tokens per parameter (the loss must fall as ``D`` grows).
    """
    values = np.atleast_2d(values)
    N = np.asarray(N, float)
    target = np.asarray(target, float)
    if law.name == "chinchilla":
        p = law._batch(values)
        with np.errstate(all="ignore"):
            gap = target - p.E - p.A * N ** (-p.alpha)
            D = np.where(gap > 0, (p.B / np.where(gap > 0, gap, 1.0)) ** (1.0 / p.beta), np.nan)
        return D
    if law.name == "data_constrained" and U is not None:
        return _invert_data_constrained(law, values, N, target, U)
    extra = {} if U is None else {"U": U}
    return _bisect_tokens(law, values, N, target, extra)


def _bisect_tokens(law, values, N, target, extra, lo=None, hi=None):
    """``D`` with ``L(N, D) = target`` by a bracketing root finder on ``ln D`` (default bracket
    ``10^-10 .. 10^15`` tokens per parameter; ``lo``/``hi`` narrow it, in ``ln D``)."""
    lnN = np.log(N)

    def g(lnD):
        return law.predict_rows(values, N=N, D=np.exp(lnD), **extra)

    lo = lnN - 23.0 if lo is None else lo
    hi = lnN + 34.5 if hi is None else hi
    lnD = solve_decreasing(g, np.broadcast_to(target, N.shape), lo, hi)
    return np.exp(lnD)


class _DataConstrainedInverse:
    """Inverse of the data-constrained law in ``D`` for fixed parameter rows and unique tokens.

    Above one epoch (``D >= U``) only ``D'`` depends on ``D``: solve ``B / D'^beta = L - E - A / N'^alpha``
    for ``D'`` and invert ``D' = U (1 + R*_D (1 - exp(-R_D / R*_D)))`` for the repetitions. Below one
    epoch the law is Chinchilla's while ``N <= N_opt(D)``; the remaining points (oversized models on
    under an epoch of data) go to a bracketing root search. Row constants are computed once, since a
    minimisation calls the inverse many times with the same rows.
    """

    def __init__(self, law, values, U):
        self.law = law
        self.values = np.atleast_2d(values)
        p = law._batch(self.values)
        self.p = p
        self.U = np.asarray(U, float) * np.ones((self.values.shape[0], 1))
        with np.errstate(all="ignore"):
            self.G = (p.alpha * p.A / (p.beta * p.B)) ** (1.0 / (p.alpha + p.beta))
            self.N_opt_U = self.G * (self.G * self.U) ** (p.beta / p.alpha)
            self.B_at_U = p.B * self.U ** (-p.beta)
            self.inv_beta = 1.0 / p.beta

    def __call__(self, N, target, needed=None):
        """``D`` reaching ``target`` at ``N``.

        ``needed(D, rest, D_low)`` may pick which of the points that need a root search (models larger than
        compute-optimal for under an epoch of data) are solved; the others get the lower bound ``D_low``
        (Chinchilla's ``D``: excess parameters only make more data necessary). A minimiser uses this to skip
        points whose lower-bound cost already exceeds the best cost found.
        """
        p, U = self.p, self.U
        shape = np.broadcast_shapes(np.shape(N), U.shape, np.shape(target))
        D = np.full(shape, np.nan)
        D_c = np.full(shape, np.nan)
        with np.errstate(all="ignore"):
            U_N = np.minimum(self.N_opt_U, N)
            R_N = np.maximum(N / U_N - 1.0, 0.0)
            N_eff = U_N + U_N * p.R_N * (-np.expm1(-R_N / p.R_N))
            gap = target - p.E - p.A * N_eff ** (-p.alpha)
            above = gap < self.B_at_U  # L(N, D = U) > target: more than one epoch is needed
            if above.any():
                D_eff = (p.B / np.where(gap > 0, gap, np.nan)) ** self.inv_beta
                frac = (D_eff / U - 1.0) / p.R_D
                D_above = np.where(frac < 1.0, U * (1.0 - p.R_D * np.log1p(-np.minimum(frac, 1.0 - 1e-12))), np.nan)
                D = np.where(above, D_above, D)
            below = ~above & (gap > 0)
            chin_ok = np.zeros(shape, bool)
            if below.any():
                # under one epoch: Chinchilla's terms while the model is not larger than compute-optimal for its data
                gap2 = target - p.E - p.A * N ** (-p.alpha)
                D_c = (p.B / np.where(gap2 > 0, gap2, np.nan)) ** self.inv_beta
                chin_ok = below & (D_c <= U) & (N <= self.G * (self.G * D_c) ** (p.beta / p.alpha))
                D = np.where(chin_ok, D_c, D)
        rest = below & ~chin_ok
        if np.any(rest):
            D_low = np.broadcast_to(np.where(np.isfinite(D_c) & (D_c < U), D_c, np.nan), shape)
            solve = rest if needed is None else rest & needed(D, rest, D_low)
            if needed is not None:
                D = np.where(rest & ~solve, D_low, D)
            if np.any(solve):
                Nb = np.broadcast_to(N, shape)
                tb = np.broadcast_to(np.asarray(target, float), shape)
                Ub = np.broadcast_to(U, shape)
                rows, cols = np.nonzero(solve)
                vals = self.values[np.minimum(rows, self.values.shape[0] - 1)]
                # the root lies between Chinchilla's D and U (this regime is under one epoch)
                Dl = D_low[rows, cols][:, None]
                Ur = Ub[rows, cols][:, None]
                lo = np.log(np.where(np.isfinite(Dl), Dl, Ur * 1e-12))
                sub = _bisect_tokens(self.law, vals, Nb[rows, cols][:, None], tb[rows, cols][:, None], {"U": Ur},
                                     lo=lo, hi=np.log(Ur))
                D = np.array(D, copy=True)
                D[rows, cols] = sub[:, 0]
        return D


def _invert_data_constrained(law, values, N, target, U):
    """``D`` at which the data-constrained law reaches ``target`` (see :class:`_DataConstrainedInverse`)."""
    return _DataConstrainedInverse(law, values, U)(np.asarray(N, float), np.asarray(target, float))


class InferencePlan(Result):
    """The inference-aware optimum next to the compute-optimal model of the same loss.

    Attributes
    ----------
    target_loss : float
        Loss both models reach (nats/token).
    inference_tokens : ndarray
        Tokens to be served ``D_inf`` (one entry per demand).
    N, D : ndarray
        Inference-aware model size and training tokens.
    reference_N, reference_D : float
        The compute-optimal model reaching the same loss (ignores inference).
    intervals : dict or None
        Intervals of ``N``, ``D``, ``tokens_per_parameter`` over the source's samples
        (the target loss held fixed).
    """

    source: object
    target_loss: float
    inference_tokens: np.ndarray
    N: np.ndarray
    D: np.ndarray
    reference_N: float
    reference_D: float
    intervals: dict | None = None
    warnings: list = field(default_factory=list)

    @property
    def tokens_per_parameter(self):
        return self.D / self.N

    @property
    def training_flops(self):
        return 6.0 * self.N * self.D

    @property
    def inference_flops(self):
        return 2.0 * self.N * self.inference_tokens

    @property
    def total_flops(self):
        return self.training_flops + self.inference_flops

    @property
    def reference_total_flops(self):
        return 6.0 * self.reference_N * self.reference_D + 2.0 * self.reference_N * self.inference_tokens

    @property
    def saving(self):
        """Fraction of total FLOPs saved against the compute-optimal model of the same loss."""
        return 1.0 - self.total_flops / self.reference_total_flops

    @property
    def level(self) -> float:
        return self.source.level

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(
            {
                "inference_tokens": self.inference_tokens,
                "N": self.N,
                "D": self.D,
                "tokens_per_parameter": self.tokens_per_parameter,
                "training_flops": self.training_flops,
                "inference_flops": self.inference_flops,
                "total_flops": self.total_flops,
                "reference_total_flops": self.reference_total_flops,
                "saving": self.saving,
            }
        )
        return self._with_intervals(df)

    def _title(self) -> str:
        return f"Inference-aware optimum — {self.source.label} [{self.source.law.name}]"

    def _summarize(self, s) -> None:
        s.add_text(f"target loss {fmt(self.target_loss, 'nats/token')}; compute-optimal model of that loss: "
                   f"N = {fmt(self.reference_N, 'parameters')}, D = {fmt(self.reference_D, 'tokens')}")
        f = self.to_frame()
        rows = [[fmt(r.inference_tokens, "tokens"), fmt(r.N, "parameters"), fmt(r.D, "tokens"), number(r.tokens_per_parameter),
                 f"{fmt(r.training_flops, 'FLOPs')} + {fmt(r.inference_flops, 'FLOPs')} = {fmt(r.total_flops, 'FLOPs')}",
                 percent(r.saving)] for r in f.itertuples()]
        s.add_table((["serving (tokens)", "N", "D", "tokens/param", "training + inference FLOPs",
                      "less than the compute-optimal model"], rows))

    def _headline(self) -> str:
        return (f"target={self.target_loss:.4g}: N={self.value('N'):.3g}, D={self.value('D'):.3g} "
                f"for D_inf={self.value('inference_tokens'):.3g}")

    _dict_exclude = ("source",)
    _dict_properties = ("tokens_per_parameter", "saving")

    def _dict_extra(self) -> dict:
        return {"law": self.source.law.name}


def inference_optimum(
    source,
    inference_tokens,
    target_loss: float | None = None,
    compute: float | None = None,
    unique_tokens: float | None = None,
    values=None,
    repetition=None,
    reference=None,
) -> InferencePlan:
    """Model size and training tokens minimising training plus inference FLOPs at a target loss.

    Parameters
    ----------
    source : Fit, str or ParameterSet
        The law (any law of ``N`` and ``D``; with ``unique_tokens`` a Chinchilla law is
        extended with Muennighoff's repetition decay).
    inference_tokens : float or array
        Tokens the model will generate or read over its life ``D_inf`` (each costs
        ``2N`` FLOPs).
    target_loss : float, optional
        Loss to reach (nats/token). Default: the compute-optimal loss at ``compute``.
    compute : float, optional
        Training budget (FLOPs) defining the default target.
    unique_tokens : float, optional
        Unique data available (repeated tokens are worth less).
    reference : Allocation, optional
        The compute-optimal allocation at ``compute`` when already known (saves recomputing it).

    Returns
    -------
    InferencePlan

    Examples
    --------
    >>> import workbench as wb
    >>> p = wb.compute.inference_optimum("besiroglu2024", [0, 1e13], compute=1e23)
    >>> bool(p.N[1] < p.N[0]) and bool(p.tokens_per_parameter[1] > p.tokens_per_parameter[0])
    True
    """
    src = fitted_law(source, values)
    U = None
    if unique_tokens is not None:
        from .constrained import data_constrained_source

        src = data_constrained_source(src, repetition)
        U = float(unique_tokens)
    law = src.law
    if set(law.inputs) - {"U"} != {"N", "D"}:
        raise LawError(f"Inference-aware allocation needs a law of N and D; {law.name!r} depends on {', '.join(law.inputs)}.")
    if law.name == "data_constrained" and U is None:
        raise LawError("The data_constrained law needs unique_tokens=... .")
    T = np.atleast_1d(np.asarray(inference_tokens, float))
    if np.any(T < 0):
        raise LawError("inference_tokens must be >= 0.")
    batch = parameter_rows(src)
    K, n = batch.shape[0], T.shape[0]
    own_targets = target_loss is None
    if own_targets:
        if compute is None:
            raise LawError("Give target_loss=... or compute=... (the target is then the compute-optimal loss at that budget).")
        ref = reference
        if ref is None or (K > 1 and not ref.samples):
            ref = compute_optimal(src, compute, unique_tokens=U)
        target_loss = ref.value("loss")
        ref_N, ref_D = ref.value("N"), ref.value("D")
        warnings = list(ref.warnings)
        # each resample aims at its own compute-optimal loss at the budget, so the intervals say how
        # uncertain the recommended model is (a resample whose floor lies above the point estimate's
        # target could never reach that target, and dropping it would bias the interval)
        targets = np.full(K, float(target_loss))
        if K > 1 and ref.samples:
            targets[1:] = np.asarray(ref.samples["loss"], float).reshape(K - 1, -1)[:, 0]
    else:
        ref_N = ref_D = None
        warnings = []
        targets = np.full(K, float(target_loss))
    target_loss = float(target_loss)

    rows = np.repeat(batch, n, axis=0)  # (K*n, P)
    Tr = np.tile(T, K)[:, None]
    Ur = None if U is None else np.full((K * n, 1), U)
    Lr = np.repeat(targets, n)[:, None]  # (K*n, 1): the loss each row must reach

    # anchor the search on the compute-optimal model for the target (T = 0); find it if not known yet
    if ref_N is None:
        ref_N, ref_D = _compute_optimal_for_loss(parameter_set_of(src, samples=None), target_loss, U)
        if not np.isfinite(ref_N):
            raise LawError(f"The law never reaches a loss of {target_loss:.4g} nats/token (its floor is higher): raise the target.")
    centre = np.log(ref_N)
    # inference can only shrink the model (the optimum at zero demand is the compute-optimal size), so the
    # search runs from 10^-8 to 10 times that size (the margin covers resamples whose own optimum differs)
    lo, hi = np.full(K * n, centre - 8 * np.log(10.0)), np.full(K * n, centre + np.log(10.0))

    def make_f(idx):
        r, t, goal = rows[idx], Tr[idx], Lr[idx]
        inverse = _DataConstrainedInverse(law, r, Ur[idx]) if (Ur is not None and law.name == "data_constrained") else None

        def total(x):
            N = np.exp(x)
            if inverse is None:
                D = tokens_for_loss(law, r, N, goal, U=None if Ur is None else Ur[idx])
                return 6.0 * N * D + 2.0 * N * t

            def needed(D, rest, D_low):
                # a point whose cost is already above the row's best exact cost at its lower bound cannot win:
                # leave it at the bound (still above the best, so the minimiser's choice is unchanged)
                cost = np.where(rest, np.inf, 6.0 * N * D + 2.0 * N * t)
                cost = np.where(np.isfinite(cost), cost, np.inf)
                best = cost.min(axis=1, keepdims=True)
                return ~(6.0 * N * D_low + 2.0 * N * t > best)

            D = inverse(N, goal, needed)
            return 6.0 * N * D + 2.0 * N * t

        return total

    x, F, info = minimize_anchored(make_f, lo, hi, np.tile(np.arange(n), K), half_width=2.5)
    N = np.exp(x).reshape(K, n)
    D = tokens_for_loss(law, rows, np.exp(x)[:, None], Lr, U=Ur)[:, 0].reshape(K, n)
    stuck = info["infeasible"].reshape(K, n)[0] | ~np.isfinite(D[0])
    if np.any(stuck):
        # the law cannot be inverted around the target (e.g. thousands of epochs: repeated data have
        # saturated, so more tokens no longer lower the loss): keep the compute-optimal model there
        N[0, stuck], D[0, stuck] = ref_N, ref_D
        warnings.append(ResultWarning(
            f"No smaller model reaches a loss of {target_loss:.4g} for some demands (more tokens no longer lower the "
            "loss there, e.g. repeated data have saturated): the compute-optimal model is kept.", code="target_unreachable"))
    if np.any(info["at_upper_edge"].reshape(K, n)[0]) or np.any(info["at_lower_edge"].reshape(K, n)[0]):
        warnings.append(ResultWarning("The optimum lies at the edge of the searched model sizes (10^-8 .. 10 times the "
                                      "compute-optimal size).", code="optimum_at_search_edge"))
    intervals = None
    if K > 1 and not np.any(stuck):
        s = {"N": N[1:], "D": D[1:], "tokens_per_parameter": D[1:] / N[1:]}
        intervals = {k: percentile_interval(v, src.level) for k, v in s.items()}
        missing = ~(np.isfinite(N[1:]) & np.isfinite(D[1:]))
        if np.any(missing):
            warnings.append(ResultWarning(
                f"{100 * float(missing.mean()):.0f}% of the resamples never reach the target loss of {target_loss:.4g} "
                "nats/token (their floor is higher): the intervals describe only those that do.", code="interval_partial"))
    return InferencePlan(src, target_loss, T, N[0], D[0], float(ref_N), float(ref_D), intervals, warnings)


def _compute_optimal_for_loss(src, target: float, U=None):
    """The compute-optimal ``(N, D)`` whose loss is ``target``: a root in ``ln C``."""
    def loss_at(lnC):
        return compute_optimal(src, np.exp(lnC), unique_tokens=None if U is None else np.full(np.shape(lnC), U)).loss

    lnC = solve_decreasing(loss_at, np.array([target]), np.array([np.log(1e10)]), np.array([np.log(1e40)]))
    if not np.isfinite(lnC[0]):
        return float("nan"), float("nan")
    a = compute_optimal(src, float(np.exp(lnC[0])), unique_tokens=U)
    return a.value("N"), a.value("D")
