"""Pure power laws ``y = a x^slope``, fitted as straight lines in log-log space with statsmodels.

DESIGN: models that are linear after a log transform are fitted with statsmodels (OLS on
``ln y = ln a + slope ln x``) so users get its familiar summary, confidence intervals and
diagnostics. Used for the slopes of toy models (loss vs width, error vs data) and for the
exponent regressions of compute-optimal allocation.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import FitError, RunsError

__all__ = ["PowerLawFit", "fit_power_law"]


@dataclass(repr=False)
class PowerLawFit:
    """Result of :func:`fit_power_law`: ``y = a x^slope`` with OLS statistics on the logs."""

    x: str
    y: str
    slope: float
    slope_interval: tuple[float, float]
    slope_stderr: float
    a: float
    a_interval: tuple[float, float]
    r_squared: float
    n: int
    level: float
    results: object  # statsmodels RegressionResults

    def predict(self, x) -> np.ndarray:
        return self.a * np.asarray(x, float) ** self.slope

    def summary(self) -> str:
        """statsmodels' own summary of the log-log regression."""
        return str(self.results.summary(xname=["ln a", f"slope (ln {self.x})"], yname=f"ln {self.y}"))

    def __repr__(self) -> str:
        lo, hi = self.slope_interval
        return (f"<PowerLawFit {self.y} = {self.a:.4g} {self.x}^{self.slope:.4f} "
                f"(slope {100 * self.level:g}% CI [{lo:.4f}, {hi:.4f}], R^2 {self.r_squared:.4f}, n={self.n})>")

    def _repr_html_(self) -> str:
        lo, hi = self.slope_interval
        return (f"<b>{html.escape(self.y)} = a &middot; {html.escape(self.x)}<sup>slope</sup></b>: slope "
                f"<b>{self.slope:.4f}</b> ({100 * self.level:g}% CI [{lo:.4f}, {hi:.4f}]), a = {self.a:.4g}, "
                f"R&sup2; = {self.r_squared:.4f}, {self.n} points")

    def to_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "slope": self.slope, "slope_interval": list(self.slope_interval),
                "slope_stderr": self.slope_stderr, "a": self.a, "a_interval": list(self.a_interval),
                "r_squared": self.r_squared, "n": self.n, "level": self.level}


def fit_power_law(data=None, x: str = "N", y: str = "loss", *, xs=None, ys=None, level: float = 0.95) -> PowerLawFit:
    """Fit ``y = a x^slope`` by ordinary least squares on ``ln y`` against ``ln x`` (statsmodels).

    Parameters
    ----------
    data : DataFrame, optional
        Table holding columns ``x`` and ``y``.
    x, y : str
        Column names (also used as labels when ``xs``/``ys`` are given).
    xs, ys : array_like, optional
        The values directly instead of ``data``.
    level : float
        Coverage of the confidence intervals.

    Raises
    ------
    RunsError
        Missing columns, non-positive or non-finite values.
    FitError
        Fewer than 3 points, or all ``x`` equal.
    """
    import statsmodels.api as sm

    if data is not None:
        if isinstance(data, pd.DataFrame):
            missing = [c for c in (x, y) if c not in data.columns]
            if missing:
                raise RunsError(f"fit_power_law needs columns {missing}; the table has {list(data.columns)}.")
            xs, ys = data[x].to_numpy(float), data[y].to_numpy(float)
        else:
            raise RunsError("fit_power_law: pass a DataFrame as data, or arrays as xs= and ys=.")
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise RunsError(f"fit_power_law needs two 1-D arrays of equal length, got {xs.shape} and {ys.shape}.")
    bad = ~(np.isfinite(xs) & np.isfinite(ys) & (xs > 0) & (ys > 0))
    if bad.any():
        raise RunsError(f"fit_power_law needs finite, positive {x} and {y}; positions {list(np.flatnonzero(bad)[:8])} are not.")
    if len(xs) < 3:
        raise FitError(f"fit_power_law needs at least 3 points for a slope with an interval, got {len(xs)}.")
    if np.ptp(np.log(xs)) == 0:
        raise FitError(f"All {x} values are equal: a slope cannot be fitted.")
    X = sm.add_constant(np.log(xs))
    res = sm.OLS(np.log(ys), X).fit()
    ci = res.conf_int(alpha=1 - level)
    return PowerLawFit(
        x=x, y=y,
        slope=float(res.params[1]), slope_interval=(float(ci[1, 0]), float(ci[1, 1])), slope_stderr=float(res.bse[1]),
        a=float(np.exp(res.params[0])), a_interval=(float(np.exp(ci[0, 0])), float(np.exp(ci[0, 1]))),
        r_squared=float(res.rsquared), n=int(len(xs)), level=level, results=res,
    )
