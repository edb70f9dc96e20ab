"""Compute-optimal model size and data of a law, for many parameter vectors and budgets at once.

Under the usual training-compute model ``C = 6 N D`` FLOPs (Kaplan et al. 2020;
Hoffmann et al. 2022), the compute-optimal allocation is

    N_opt(C) = argmin_N L(N, C / (6 N)),    D_opt(C) = C / (6 N_opt(C)).

A law whose declaration carries a closed form (``Law.compute_optimal``: Chinchilla,
Hoffmann et al. 2022, Eq. 4; the over-training law of Gadre et al. 2024; Kaplan's
``L(N, D)``) uses it. Every other law of ``N`` and ``D`` (and the data-constrained
law, given the unique tokens ``U``) is optimised numerically over ``ln N`` with
:func:`~workbench.laws.optimize.minimize_anchored`, vectorised over budgets and
parameter vectors. The planner (:func:`workbench.compute.compute_optimal`) and a
fit's compute-optimal frontier (:meth:`workbench.fitting.Fit.curve`) both use it.
"""

from __future__ import annotations

import numpy as np

from ..errors import LawError
from .core import Law
from .optimize import minimize_anchored

__all__ = ["optimal_allocation", "SEARCH_DECADES"]

#: The numeric optimum searches N over sqrt(C/6) times 10^-SEARCH_DECADES .. 10^+SEARCH_DECADES.
SEARCH_DECADES = 6.0


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
        L = law.predict_rows(values, C=C[None, :])
        nan = np.full((K, n), np.nan)
        return nan, nan.copy(), np.array(L, float), {"method": "law of compute only", "at_edge": np.zeros((K, n), bool)}
    if kind == "NDU":
        if U is None:
            raise LawError(f"Law {law.name!r} needs the unique tokens available: pass unique_tokens=...")
        U = np.broadcast_to(np.asarray(U, float), (n,))
        if np.any(~(U > 0)):
            raise LawError("Unique tokens must be positive.")
    closed = law.compute_optimal if kind == "ND" else None
    if method == "closed" and closed is None:
        raise LawError(f"Law {law.name!r} has no closed-form compute-optimal allocation; use method='numeric'.")
    if closed is not None and method in ("auto", "closed"):
        p = {nm: values[:, j : j + 1] for j, nm in enumerate(law.param_names)}
        with np.errstate(all="ignore"):
            N, D = closed(p, C[None, :])
        N, D = np.broadcast_to(N, (K, n)).copy(), np.broadcast_to(D, (K, n)).copy()
        L = law.predict_rows(values, N=N, D=D)
        return N, D, np.array(L, float), {"method": "closed form", "at_edge": np.zeros((K, n), bool)}
    # numeric: one problem per (parameter row, budget), minimise L over x = ln N at D = C / (6N);
    # row k * n + j is parameter row k at budget j; the point estimate (k = 0) anchors the resamples
    rows = np.repeat(values, n, axis=0)  # (K*n, P)
    lc6 = np.tile(np.log(C / 6.0), K)  # (K*n,)
    Ur = None if kind != "NDU" else np.tile(U, K)
    centre = 0.5 * lc6
    span = SEARCH_DECADES * np.log(10.0)

    def make_f(idx):
        extra = {} if Ur is None else {"U": Ur[idx][:, None]}
        r, l6 = rows[idx], lc6[idx][:, None]

        def f(x):
            return law.predict_rows(r, N=np.exp(x), D=np.exp(l6 - x), **extra)

        return f

    anchor = np.tile(np.arange(n), K)
    x, Lmin, info = minimize_anchored(make_f, centre - span, centre + span, anchor)
    N = np.exp(x).reshape(K, n)
    D = np.exp(lc6 - x).reshape(K, n)
    at_edge = (info["at_lower_edge"] | info["at_upper_edge"]).reshape(K, n)
    return N, D, Lmin.reshape(K, n), {"method": "numeric", "at_edge": at_edge}
