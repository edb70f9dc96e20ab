"""Vectorised one-dimensional minimisation and root finding for the compute planner.

Every planner question reduces to many small one-dimensional problems (one per
compute budget, per bootstrap resample, per inference demand): minimise the loss
over ``ln N`` at fixed compute, or find the tokens that reach a target loss. These
helpers solve a whole batch at once with numpy, so a planner update costs a few
hundred array operations instead of thousands of scalar optimiser calls.

* :func:`minimize_bracketed`: a coarse log grid over the whole search range (so a
  kinked or flat objective, or one with a spurious local minimum off the grid's
  best cell, cannot trap it), then zooming grids around the best cell, then one
  guarded parabolic step through the last three points. Accurate to about
  ``1e-9`` in the argument on smooth objectives.
* :func:`solve_decreasing`: a root of a monotone decreasing function (bracketing regula falsi).
"""

from __future__ import annotations

import numpy as np

__all__ = ["minimize_bracketed", "solve_decreasing", "OptimumInfo"]


class OptimumInfo(dict):
    """Diagnostics of a batch minimisation: ``at_lower_edge``, ``at_upper_edge``, ``infeasible`` (boolean arrays)."""


def minimize_bracketed(f, lo, hi, n_grid: int = 161, n_zoom: int = 17, width_tol: float = 2e-5):
    """Minimise a batch of one-dimensional functions on ``[lo, hi]``.

    Parameters
    ----------
    f : callable
        ``f(x) -> values`` for ``x`` of shape ``(M, G)`` (``M`` independent
        problems, ``G`` trial points each); ``nan`` or ``inf`` marks infeasible
        points.
    lo, hi : array_like, shape ``(M,)``
        The search range of each problem.
    n_grid : int
        Points of the first, global grid.
    n_zoom : int
        Points of each zooming grid (the bracket shrinks ``(n_zoom - 1) / 2``-fold
        per round).
    width_tol : float
        Zoom until the bracket is narrower than this, then take a parabolic step.

    Returns
    -------
    x : ndarray, shape ``(M,)``
        Argument of the minimum (``nan`` where every point was infeasible).
    fx : ndarray, shape ``(M,)``
        Value at the minimum.
    info : OptimumInfo
        ``at_lower_edge`` / ``at_upper_edge``: the minimum lies on the edge of the
        search range (the true optimum may lie beyond it); ``infeasible``.
    """
    lo = np.atleast_1d(np.asarray(lo, float))
    hi = np.atleast_1d(np.asarray(hi, float))
    lo, hi = np.broadcast_arrays(lo, hi)
    M = lo.shape[0]
    rows = np.arange(M)

    def clean(v):
        v = np.asarray(v, float)
        return np.where(np.isfinite(v), v, np.inf)

    t = np.linspace(0.0, 1.0, n_grid)
    x = lo[:, None] + (hi - lo)[:, None] * t[None, :]
    v = clean(f(x))
    i = np.argmin(v, axis=1)
    best = v[rows, i]
    infeasible = ~np.isfinite(best)
    at_lo = (i == 0) & ~infeasible
    at_hi = (i == n_grid - 1) & ~infeasible
    a = x[rows, np.maximum(i - 1, 0)]
    b = x[rows, np.minimum(i + 1, n_grid - 1)]
    xbest = x[rows, i]
    tz = np.linspace(0.0, 1.0, n_zoom)
    for _ in range(60):
        width = np.max(np.where(infeasible, 0.0, b - a)) if M else 0.0
        if width <= width_tol:
            break
        xz = a[:, None] + (b - a)[:, None] * tz[None, :]
        vz = clean(f(xz))
        j = np.argmin(vz, axis=1)
        improve = vz[rows, j] <= best
        xbest = np.where(improve, xz[rows, j], xbest)
        best = np.where(improve, vz[rows, j], best)
        a = np.where(improve, xz[rows, np.maximum(j - 1, 0)], a)
        b = np.where(improve, xz[rows, np.minimum(j + 1, n_zoom - 1)], b)
        # a round that found nothing better still shrinks the bracket towards the best point
        shrink = ~improve
        a = np.where(shrink, np.maximum(a, xbest - (b - a) / 4), a)
        b = np.where(shrink, np.minimum(b, xbest + (b - a) / 4), b)
    # one guarded parabolic step through (x - h, x, x + h)
    h = np.maximum((b - a) / 4, 1e-12)
    x3 = np.stack([xbest - h, xbest, xbest + h], axis=1)
    x3 = np.clip(x3, lo[:, None], hi[:, None])
    v3 = clean(f(x3))
    fm, f0, fp = v3[:, 0], v3[:, 1], v3[:, 2]
    with np.errstate(all="ignore"):
        curv = fp - 2 * f0 + fm
        step = -h * (fp - fm) / (2 * curv)
    ok = np.isfinite(step) & (curv > 0) & (np.abs(step) <= h) & np.isfinite(v3).all(axis=1)
    xp = np.where(ok, xbest + np.where(ok, step, 0.0), xbest)
    vp = clean(f(xp[:, None]))[:, 0]
    take = ok & (vp <= f0 + 64 * np.finfo(float).eps * np.abs(f0))
    xbest = np.where(take, xp, xbest)
    best = np.where(take, vp, np.where(np.isfinite(f0) & (f0 < best), f0, best))
    xbest = np.where(infeasible, np.nan, xbest)
    best = np.where(infeasible, np.nan, best)
    return xbest, best, OptimumInfo(at_lower_edge=at_lo, at_upper_edge=at_hi, infeasible=infeasible)


def minimize_anchored(make_f, lo, hi, anchor, half_width: float = 3.5, n_grid: int = 161, n_grid_warm: int = 29,
                      width_tol: float = 2e-5, width_tol_warm: float = 1e-3):
    """:func:`minimize_bracketed` for many related problems: solve the anchors, then the rest near them.

    Bootstrap resamples of a law have optima close to the point estimate's. Rows
    whose ``anchor`` is themselves are solved over the full ``[lo, hi]``; every other
    row first searches ``x_anchor ± half_width`` with a coarse grid of
    ``n_grid_warm`` points, and is solved again over the full range if its minimum
    lands on the edge of that narrower bracket.

    Parameters
    ----------
    make_f : callable
        ``make_f(idx) -> f`` where ``f(x)`` evaluates the rows ``idx`` at ``x`` of
        shape ``(len(idx), G)``.
    anchor : array of int, shape ``(M,)``
        Index of each row's anchor (``anchor[i] == i`` for anchors).
    width_tol, width_tol_warm : float
        Final bracket width for the anchors and for the other rows (samples only
        feed percentile intervals, so ``1e-3`` in ``ln x`` is plenty before the
        parabolic step).
    """
    lo = np.broadcast_to(np.asarray(lo, float), np.shape(anchor)).copy()
    hi = np.broadcast_to(np.asarray(hi, float), np.shape(anchor)).copy()
    anchor = np.asarray(anchor, int)
    M = len(anchor)
    x = np.full(M, np.nan)
    fx = np.full(M, np.nan)
    at_lo = np.zeros(M, bool)
    at_hi = np.zeros(M, bool)
    infeasible = np.zeros(M, bool)

    def solve(idx, a, b, grid, tol=width_tol):
        xi, fi, info = minimize_bracketed(make_f(idx), a, b, n_grid=grid, width_tol=tol)
        x[idx], fx[idx] = xi, fi
        infeasible[idx] = info["infeasible"]
        return info

    A = np.nonzero(anchor == np.arange(M))[0]
    info = solve(A, lo[A], hi[A], n_grid)
    at_lo[A], at_hi[A] = info["at_lower_edge"], info["at_upper_edge"]
    R = np.nonzero(anchor != np.arange(M))[0]
    if len(R):
        c = x[anchor[R]]
        good = np.isfinite(c)
        a = np.where(good, np.maximum(lo[R], c - half_width), lo[R])
        b = np.where(good, np.minimum(hi[R], c + half_width), hi[R])
        info = solve(R, a, b, n_grid_warm, width_tol_warm)
        edge_lo = info["at_lower_edge"] & (a > lo[R])
        edge_hi = info["at_upper_edge"] & (b < hi[R])
        at_lo[R] = info["at_lower_edge"] & ~edge_lo
        at_hi[R] = info["at_upper_edge"] & ~edge_hi
        redo = R[edge_lo | edge_hi | ~good | info["infeasible"]]
        if len(redo):
            info = solve(redo, lo[redo], hi[redo], n_grid)
            at_lo[redo], at_hi[redo] = info["at_lower_edge"], info["at_upper_edge"]
    return x, fx, OptimumInfo(at_lower_edge=at_lo, at_upper_edge=at_hi, infeasible=infeasible)


def solve_decreasing(g, target, lo, hi, xtol: float = 1e-11, max_iterations: int = 100):
    """Solve ``g(x) = target`` for a decreasing ``g`` on ``[lo, hi]``, vectorised, by the Illinois variant
    of regula falsi: bracketing (so as safe as bisection, kinks included) but superlinear on smooth
    functions, stopping when every bracket is narrower than ``xtol``.

    ``g`` takes and returns arrays of the shape of ``lo``/``hi``/``target``
    (broadcast together). Returns ``nan`` where the target is not bracketed:
    ``g(lo) < target`` or ``g(hi) > target``.
    """
    lo, hi, target = (np.array(v, float) for v in np.broadcast_arrays(lo, hi, target))
    fa, fb = g(lo) - target, g(hi) - target
    bad = ~(fa >= 0) | ~(fb <= 0)
    a, b = lo, hi
    fa = np.where(bad, 1.0, fa)
    fb = np.where(bad, -1.0, fb)
    side = np.zeros(a.shape, int)
    for _ in range(max_iterations):
        width = np.abs(b - a)
        if np.all(bad | (width < xtol)):
            break
        with np.errstate(all="ignore"):
            m = (a * fb - b * fa) / (fb - fa)
        m = np.where(np.isfinite(m) & (m > np.minimum(a, b)) & (m < np.maximum(a, b)), m, 0.5 * (a + b))
        fm = g(m) - target
        fm = np.where(np.isfinite(fm), fm, 0.0)
        right = fm > 0  # root lies between m and b
        # Illinois: halve the function value kept at the end that stays put twice in a row
        a_new = np.where(right, m, a)
        b_new = np.where(right, b, m)
        fa_new = np.where(right, fm, np.where(side == -1, fa / 2, fa))
        fb_new = np.where(right, np.where(side == 1, fb / 2, fb), fm)
        side = np.where(right, 1, -1)
        done = width < xtol
        a, b = np.where(done, a, a_new), np.where(done, b, b_new)
        fa, fb = np.where(done, fa, fa_new), np.where(done, fb, fb_new)
        exact = fm == 0
        a = np.where(exact & ~done, m, a)
        b = np.where(exact & ~done, m, b)
    return np.where(bad, np.nan, 0.5 * (a + b))
