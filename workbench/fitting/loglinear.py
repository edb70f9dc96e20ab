"""Pure power laws ``y = a x^slope``, fitted as straight lines in log-log space.

Models that are linear after a log transform go through :mod:`workbench.fitting.linear`
(least squares on ``ln y = ln a + slope ln x``, as a statsmodels result) so users get its
familiar summary, confidence intervals and diagnostics. Used for the slopes of toy models
(loss vs width, error vs data).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import FitError, RunsError
from ..results import Result
from .linear import ols

__all__ = ["PowerLawFit", "fit_power_law"]


class PowerLawFit(Result):
    """Result of :func:`fit_power_law`: ``y = a x^slope`` with least-squares statistics on the logs.

    ``intervals`` holds the ``slope`` and ``a`` confidence intervals at ``level``;
    ``results`` is the statsmodels fit (``.summary()`` gives its familiar table).
    """

    x: str
    y: str
    slope: float
    a: float
    stderr: dict
    intervals: dict
    r_squared: float
    n: int
    level: float
    results: object  # statsmodels RegressionResults

    _dict_exclude = ("results",)

    def predict(self, x) -> np.ndarray:
        return self.a * np.asarray(x, float) ** self.slope

    def _title(self) -> str:
        return f"Power law {self.y} = a {self.x}^slope (least squares on the logs)"

    def _summarize(self, s) -> None:
        s.add_table((["parameter", "value", "std err", f"{100 * self.level:g}% interval"],
                     [["slope", self.slope, self.stderr["slope"], self.intervals["slope"]],
                      ["a", self.a, "", self.intervals["a"]]]))
        s.add_fields([("points", self.n), ("R^2 of the logs", self.r_squared)])

    def _headline(self) -> str:
        lo, hi = self.intervals["slope"]
        return (f"{self.y} = {self.a:.4g} {self.x}^{self.slope:.4f} (slope {100 * self.level:g}% CI [{lo:.4f}, {hi:.4f}], "
                f"R^2 {self.r_squared:.4f}, n={self.n})")


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
    res = ols(np.log(xs), np.log(ys), names=(f"slope (ln {x})",), y_name=f"ln {y}")
    (lo_u, hi_u), (lo_b, hi_b) = np.asarray(res.conf_int(alpha=1 - level))
    return PowerLawFit(
        x=x, y=y, slope=float(res.params.iloc[1]), a=float(np.exp(res.params.iloc[0])),
        stderr={"slope": float(res.bse.iloc[1])},
        intervals={"slope": (float(lo_b), float(hi_b)), "a": (float(np.exp(lo_u)), float(np.exp(hi_u)))},
        r_squared=float(res.rsquared), n=int(len(xs)), level=level, results=res,
    )
