"""Straight-line fits: the one path for every model that is linear after a log transform.

A pure power law ``y = a x^b`` is the line ``ln y = ln a + b ln x``; so are
Approach 2's exponent regressions (``log N_opt`` on ``log C``), the coverage law
of Brown et al. 2024 (``ln(-ln c)`` on ``ln k``), the PassUntil task law
(``ln(-ln PU)`` on ``ln N``) and the toys' slopes. Two functions fit them:

* :func:`line_fit` — weighted least squares of many lines at once (one per
  row), the estimator behind every point estimate and every bootstrap
  resample, so an interval always comes from the estimator that made the
  point estimate. With ``loss="huber"`` it minimises Huber's loss of the
  residuals by iteratively reweighted least squares (the same objective the
  nonlinear engine minimises for ``loss="huber"``).
* :func:`ols` — the same least-squares line as a statsmodels result, for its
  familiar summary, confidence intervals and diagnostics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ArgumentError

__all__ = ["line_fit", "ols"]


def line_fit(x, y, weights=None, *, loss: str = "squares", delta: float = 1e-3, max_iter: int = 100):
    """Weighted least-squares lines ``y = intercept + slope * x``, one per row of ``y``.

    Parameters
    ----------
    x : array_like, shape ``(n,)`` or ``(B, n)``
    y : array_like, shape ``(n,)`` or ``(B, n)``
        Entries with zero weight are ignored (they may be ``nan``).
    weights : array_like, shape ``(n,)`` or ``(B, n)``, optional
        Non-negative weights (e.g. bootstrap counts); ones by default.
    loss : {"squares", "huber"}
        ``"huber"``: minimise ``sum w rho(r)`` with Huber's ``rho`` of threshold
        ``delta`` by iteratively reweighted least squares from the least-squares line.

    Returns
    -------
    intercept, slope : ndarray, shape ``(B,)``
        ``nan`` for rows with fewer than two distinct weighted ``x``.
    """
    if loss not in ("squares", "huber"):
        raise ArgumentError(f"loss must be 'squares' or 'huber', not {loss!r}.")
    y = np.atleast_2d(np.asarray(y, float))
    x = np.broadcast_to(np.asarray(x, float), y.shape)
    w0 = np.ones(y.shape) if weights is None else np.broadcast_to(np.asarray(weights, float), y.shape)
    w0 = np.where(np.isfinite(y) & np.isfinite(x), w0, 0.0)
    ys = np.where(w0 > 0, y, 0.0)

    def solve(w):
        sw = w.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mx = (w * x).sum(axis=1) / sw
            my = (w * ys).sum(axis=1) / sw
            dx = np.where(w > 0, x - mx[:, None], 0.0)
            slope = (w * dx * (ys - my[:, None])).sum(axis=1) / (w * dx * dx).sum(axis=1)
        return my - slope * mx, slope

    u, b = solve(w0)
    if loss == "huber":
        for _ in range(max_iter):
            r = np.abs(ys - u[:, None] - b[:, None] * x)
            with np.errstate(divide="ignore"):
                w = w0 * np.where(r <= delta, 1.0, delta / r)
            u_new, b_new = solve(w)
            done = np.nanmax(np.abs(np.concatenate([u_new - u, b_new - b])), initial=0.0) < 1e-12
            u, b = u_new, b_new
            if done:
                break
    return u, b


def ols(x, y, *, names=("x",), y_name: str = "y", weights=None):
    """The least-squares fit of ``y`` on ``[1, x]`` as a statsmodels result (``.summary()``, ``.conf_int()``).

    Parameters
    ----------
    x : array_like, shape ``(n,)`` or ``(n, p)``
        Regressors (a constant is added, named ``const``).
    names : sequence of str
        Names of the regressors in the summary.
    weights : array_like, optional
        Weighted least squares (statsmodels ``WLS``) when given.
    """
    import statsmodels.api as sm

    x = np.asarray(x, float)
    X = pd.DataFrame(np.column_stack([np.ones(len(x)), x]), columns=["const", *names])
    Y = pd.Series(np.asarray(y, float), name=y_name)
    model = sm.OLS(Y, X) if weights is None else sm.WLS(Y, X, weights=np.asarray(weights, float))
    return model.fit()
