"""Diagnostics of a fit: machine-readable warnings, each saying what to do.

Every warning is a string (its message) with a ``code`` and the ``parameters`` it
concerns, and serialises as ``{"code": ..., "message": ...}``; a fit's ``untrusted``
lists the parameters that ``at_bound`` and ``not_identified`` warnings name.

=================  =====================================================================
code               when
=================  =====================================================================
no_residual_dof    as many free parameters as rows (or more): the fit interpolates,
                   nothing is left to estimate the noise (refused unless ``force=True``);
                   or as many free parameters as runs, with several rows per run (warned)
duplicates         rows repeating another row's inputs and target (kept or dropped on request)
at_bound           a parameter ended at a bound *in the space it is fitted in*: for a
                   log-scale parameter with lower bound 0 (``E``, ``A``, ``B``), a value so
                   small that it changes no prediction (``E -> 0``)
not_identified     the data cannot tell some parameters apart: distinct optima with equal
                   objective across starts, a flat direction of the Jacobian, or a
                   confidence interval that runs into the parameter's bound
few_sizes          fewer than 4 distinct model sizes for a law with a size exponent
bootstrap_failed   bootstrap refits that did not converge
optimizer          the polishing optimiser reported a problem
=================  =====================================================================
"""

from __future__ import annotations

import numpy as np

from ..results import ResultWarning
from .selection import size_levels

__all__ = ["FitDiagnostic", "diagnostic", "at_bound", "identification", "few_sizes", "CODES", "trusted"]

CODES = ("no_residual_dof", "duplicates", "at_bound", "not_identified", "few_sizes", "bootstrap_failed", "optimizer")

#: A log-scale parameter bounded below by 0 counts as "at 0" when its term is below this
#: fraction of the prediction at every fitted run (``E = 1e-39`` beside losses of 2-4).
NEGLIGIBLE_SHARE = 1e-4
#: Relative objective difference below which two optima count as equally good.
EQUAL_OBJECTIVE = 1e-6
#: Fit-space distance (relative to ``max(1, |theta|)``) beyond which two optima are distinct.
DISTINCT_PARAMS = 0.05
#: Smallest singular value of the column-scaled Jacobian, relative to the largest, that still
#: counts as a direction the data constrain (below it, the direction is numerically flat).
FLAT_DIRECTION = 1e-8


class FitDiagnostic(ResultWarning):
    """A :class:`~workbench.results.ResultWarning` (message and ``code``) that also names the ``parameters`` it concerns."""

    parameters: tuple

    def __new__(cls, message: str, code: str = "warning", parameters=()):
        obj = super().__new__(cls, str(message), code)
        obj.parameters = tuple(parameters)
        return obj

    # serialised as ``{code, message}`` like every result warning; ``Fit.untrusted`` lists the parameters


def diagnostic(code: str, message: str, parameters=()) -> FitDiagnostic:
    if code not in CODES:
        raise ValueError(f"unknown diagnostic code {code!r}")
    return FitDiagnostic(message, code, parameters)


def trusted(warnings, name: str) -> bool:
    """False when a warning flags parameter ``name`` (at a bound or not identified)."""
    return not any(getattr(w, "code", None) in ("at_bound", "not_identified") and name in getattr(w, "parameters", ())
                   for w in warnings or ())


def _names(ns) -> str:
    ns = list(ns)
    return ", ".join(repr(n) for n in ns)


def at_bound(problem, theta: np.ndarray) -> list[FitDiagnostic]:
    """Parameters at a bound of the space they are fitted in.

    Finite bounds: within ``1e-6`` (relative) of the bound. A log-scale parameter whose
    lower bound is 0 has no finite bound in fit space (``ln 0 = -inf``); it counts as
    at 0 when its share of the prediction, ``d ln f / d ln v = v (d f / d v) / f``, is below
    ``NEGLIGIBLE_SHARE`` at every fitted run: then any smaller value fits as well.
    """
    out = []
    law = problem.law
    theta = np.asarray(theta, float)
    share = None
    for c, j in enumerate(problem.free_index):
        p, t = law.parameters[j], theta[c]
        shown = float(np.exp(t)) if p.log else float(t)
        side = None
        for bnd, s in ((problem.lo[c], "lower"), (problem.hi[c], "upper")):
            if np.isfinite(bnd) and abs(t - bnd) <= 1e-6 * max(1.0, abs(bnd)):
                side, shown_b = s, (float(np.exp(bnd)) if p.log else float(bnd))
        if side is None and p.log and not np.isfinite(problem.lo[c]):
            if share is None:
                share = max_share(problem, theta[None, :])[0]
            if share[c] < NEGLIGIBLE_SHARE:
                side, shown_b = "lower", 0.0
        if side is None:
            continue
        members = [law.param_names[k] for k in range(law.n_params) if problem.column[k] == c]
        if side == "lower" and shown_b == 0.0 and p.log:
            text = (f"Parameter {p.name!r} = {shown:.3g} has collapsed to its lower bound 0 (it is fitted as "
                    f"ln {p.name}, which ran off to {t:.3g}): its term changes no prediction by even "
                    f"{100 * NEGLIGIBLE_SHARE:g}%, so the data show no sign of it and its interval means nothing. "
                    f"Fix it (fixed={{'{p.name}': ...}}, e.g. a published value), bound it (bounds={{'{p.name}': (lo, hi)}}"
                    + "), or add runs " + ("that reach closer to the floor." if p.name == "E"
                                           else "over a wider range of scale."))
        else:
            text = (f"Parameter {p.name!r} ended at its {side} bound ({shown_b:g}): the data do not pin it down "
                    f"or the law does not fit. Try bounds={{'{p.name}': (...)}}, fix it with fixed={{'{p.name}': ...}}, "
                    "or add runs over a wider range of scale.")
        out.append(diagnostic("at_bound", text, members))
    return out


def max_share(problem, thetas: np.ndarray) -> np.ndarray:
    """``max_i |d ln f_i / d theta_c|`` over the fitted runs, for each row of ``thetas`` ``(K, Pf)``.

    For a log-scale parameter this is its largest share of a prediction (``E / f`` for ``E``)."""
    thetas = np.atleast_2d(thetas)
    m = np.zeros(thetas.shape)
    for sl in problem.chunks(len(thetas)):
        J = problem.jacobian(thetas, sl)
        m = np.maximum(m, np.max(np.abs(np.where(np.isfinite(J), J, 0.0)), axis=2))
    return m


def identification(problem, theta: np.ndarray, F: float, candidates=(), boot_theta=None, level: float = 0.95,
                   flagged=()) -> list[FitDiagnostic]:
    """Parameters the data cannot tell apart.

    Three signs, each enough:

    1. **Distinct optima of equal objective**: two polished starts reach objectives within
       ``EQUAL_OBJECTIVE`` (relative) with parameters more than ``DISTINCT_PARAMS`` apart.
    2. **A flat direction**: the Jacobian of ``ln f`` at the optimum, its columns scaled to
       unit length, has a singular value below ``FLAT_DIRECTION`` times the largest; the
       parameters with the largest weight in that direction are named (Raue et al. 2009:
       structural non-identifiability).
    3. **An interval into the bound**: more than ``(1 - level) / 2`` of the bootstrap refits
       end at the parameter's bound (in fit space, ``E -> 0`` included), so the confidence
       region extends to the boundary (Raue et al. 2009: practical non-identifiability).

    Parameters already named in ``flagged`` (e.g. at a bound) are not named again.
    """
    law = problem.law
    names = problem.free_names
    hits: dict[str, str] = {}
    theta = np.asarray(theta, float)
    scale = np.maximum(1.0, np.abs(theta))
    for th_c, f_c in candidates:
        if not np.isfinite(f_c) or abs(f_c - F) > EQUAL_OBJECTIVE * max(abs(F), 1e-300):
            continue
        diff = np.abs(np.asarray(th_c) - theta) / scale
        for c in np.flatnonzero(diff > DISTINCT_PARAMS):
            a, b = theta[c], th_c[c]
            p = law.parameters[problem.free_index[c]]
            va, vb = (np.exp(a), np.exp(b)) if p.log else (a, b)
            hits.setdefault(names[c], f"{names[c]} = {va:.4g} and {vb:.4g} fit equally well")
    # flat direction of the scaled Jacobian
    try:
        J = problem.jacobian(theta[None, :], slice(0, min(problem.n, 200_000)))[0].T
        J = J[np.all(np.isfinite(J), axis=1)]
        norms = np.linalg.norm(J, axis=0)
        live = norms > 0
        if live.sum() >= 2:
            s, vt = np.linalg.svd(J[:, live] / norms[live], full_matrices=False)[1:]
            cols = np.flatnonzero(live)
            for k in np.flatnonzero(s < FLAT_DIRECTION * s[0]):
                v = np.abs(vt[k])
                for c in cols[v >= 0.3 * v.max()]:
                    hits.setdefault(names[c], "a flat direction of the fit")
    except np.linalg.LinAlgError:  # pragma: no cover - SVD of a finite matrix converges
        pass
    if boot_theta is not None and len(boot_theta) >= 10:
        tail = (1 - level) / 2
        # the refits' shares on at most 4,096 runs (the largest share among them is what matters)
        sub = problem if problem.n <= 4096 else problem.subset(
            np.random.default_rng(0).choice(problem.n, 4096, replace=False))
        shares = max_share(sub, boot_theta)
        for c, j in enumerate(problem.free_index):
            col = boot_theta[:, c]
            p = law.parameters[j]
            at = np.zeros(len(col), bool)
            for bnd in (problem.lo[c], problem.hi[c]):
                if np.isfinite(bnd):
                    at |= np.abs(col - bnd) <= 1e-6 * max(1.0, abs(bnd))
            if p.log and not np.isfinite(problem.lo[c]):
                at |= shares[:, c] < NEGLIGIBLE_SHARE
            if np.mean(at) > tail:
                hits.setdefault(names[c], f"{100 * np.mean(at):.0f}% of the bootstrap refits end at its bound")
    hits = {k: v for k, v in hits.items() if k not in set(flagged)}
    if not hits:
        return []
    why = "; ".join(sorted(set(hits.values())))
    ps = list(hits)
    if len(ps) == 1:
        text = (f"The data cannot pin down {_names(ps)} ({why}): its value and interval are not to be trusted. "
                f"Fix it (fixed={{'{ps[0]}': ...}}), tie it to a parameter of the same kind (e.g. tie=[('alpha', "
                "'beta')] for Chinchilla's exponents), or add runs that vary the inputs more (model sizes and "
                "token counts).")
    else:
        text = (f"The data cannot pin down {_names(ps)} ({why}): their values and intervals are not to be "
                f"trusted. Fix one of them (fixed={{'{ps[0]}': ...}}), tie them (tie=[({ps[0]!r}, {ps[1]!r})] if "
                "they are of one kind, e.g. tie=[('alpha', 'beta')]), or add runs that vary the inputs more "
                "(model sizes and token counts).")
    return [diagnostic("not_identified", text, ps)]


def few_sizes(law, runs) -> list[FitDiagnostic]:
    """Fewer than 4 distinct model sizes ``N`` (:func:`~workbench.fitting.selection.size_levels`) for a law
    with a size term."""
    if "N" not in law.inputs or "N" not in runs.columns:
        return []
    k = len(size_levels(runs["N"].to_numpy(float))[1])
    if k >= 4:
        return []
    size_params = [p.name for p in law.parameters if p.name in ("alpha", "alpha_N", "A", "N_c")]
    return [diagnostic(
        "few_sizes",
        f"Only {k} distinct model size(s) N in the fit: a size exponent from fewer than 4 sizes extrapolates "
        "blindly (any curvature fits). Add model sizes, fix the exponent (fixed={'alpha': ...}), or fit a "
        "law without a size term.",
        size_params,
    )]
