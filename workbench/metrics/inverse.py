"""Inverse and U-shaped scaling, fitted with the broken power law.

Some tasks get *worse* with scale (McKenzie et al. 2023, 'Inverse Scaling: When
Bigger Isn't Better'); evaluated further, several of them turn around (Wei et
al. 2022, 'Inverse scaling can become U-shaped'). A single power law cannot
bend back; the broken neural scaling law of Caballero et al. (2022) with one
break can,

    y = a + b x^(-c0) (1 + (x / d1)^(1/f1))^(-c1 f1),

with slope ``-c0`` in log-log before the break at ``d1`` and ``-(c0 + c1)``
after it. Fitted to an error (lower is better), ``c0 < 0`` is inverse scaling
at small scale and ``c0 + c1 > 0`` a recovery at large scale: U-shaped.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..fitting import Fit, fit
from ..fitting.result import FitWrapper

__all__ = ["InverseFit", "fit_inverse_scaling", "scaling_shape"]


def scaling_shape(scale, error, tol: float = 0.01) -> tuple[str, float | None]:
    """Shape of an error-vs-scale curve in performance terms, and the scale where it turns.

    Returns ``("positive" | "inverse" | "U-shaped" | "inverted U" | "flat", turn)``:
    performance improving throughout, worsening throughout, worsening then
    improving, improving then worsening, or changing by less than ``tol`` of
    its level. ``turn`` is the scale of the extreme error (None when monotone).
    """
    x = np.asarray(scale, float)
    y = np.asarray(error, float)
    order = np.argsort(x)
    x, y = x[order], y[order]
    if np.ptp(y) <= tol * np.max(np.abs(y)):
        return "flat", None
    i_max, i_min = int(np.argmax(y)), int(np.argmin(y))
    inner = lambda i: 0 < i < len(y) - 1 and min(y[i] - y[0], y[i] - y[-1]) > tol * abs(y[i])  # noqa: E731
    inner_min = lambda i: 0 < i < len(y) - 1 and min(y[0] - y[i], y[-1] - y[i]) > tol * abs(y[i])  # noqa: E731
    if inner(i_max):
        return "U-shaped", float(x[i_max])
    if inner_min(i_min):
        return "inverted U", float(x[i_min])
    return ("positive", None) if y[-1] < y[0] else ("inverse", None)


class InverseFit(FitWrapper):
    """A broken power law fitted to an error-vs-scale curve.

    Attributes
    ----------
    fit : Fit
        The workbench fit (``broken_power_law_<x>``).
    shape : str
        Of the fitted curve over the data's range: "positive", "inverse",
        "U-shaped", "inverted U" or "flat" (in performance terms).
    turn : float or None
        Scale where the fitted error peaks (U-shaped) or bottoms (inverted U).
    data_shape : str
        Shape of the measured points themselves.
    """

    fit: Fit
    shape: str
    turn: float | None
    data_shape: str
    x: str
    higher_is_better: bool
    ceiling: float

    def predict(self, scale) -> np.ndarray:
        """The fitted curve at ``scale``, in the original metric's units."""
        y = self.fit.law.predict(self.fit.params, **{self.x: np.asarray(scale, float)})
        return self.ceiling - y if self.higher_is_better else y

    def _title(self) -> str:
        return f"Broken power law fitted to a score against {self.x}"

    def _summarize(self, s) -> None:
        p = self.fit.params
        turn = f", turning at {self.x} = {self.turn:.3g}" if self.turn else ""
        s.add_fields([
            ("slope before the break, -c0", -p["c0"]),
            ("slope after it, -(c0 + c1)", -(p["c0"] + p["c1"])),
            (f"break at {self.x}", f"{p['d1']:.3g}"),
            ("fitted shape", self.shape + turn),
            ("shape of the measured points", self.data_shape),
            ("RMSE of log residuals", self.fit.rmse_log),
        ])

    def _headline(self) -> str:
        return f"{self.shape}, break at {self.x} = {self.fit.params['d1']:.3g}"


def fit_inverse_scaling(
    scale,
    score,
    higher_is_better: bool = True,
    ceiling: float = 1.0,
    x: str = "N",
    bootstrap: int = 0,
    **fit_kwargs,
) -> InverseFit:
    """Fit the broken power law to a score that may get worse with scale.

    Parameters
    ----------
    scale : array_like
        Model sizes (``x="N"``), tokens (``"D"``) or compute (``"C"``).
    score : array_like
        The metric at each scale.
    higher_is_better : bool
        If true (accuracy), the law is fitted to the error ``ceiling - score``.
    ceiling : float
        Best possible score (1 for accuracies).
    x : {"N", "D", "C"}
    bootstrap : int
        Bootstrap resamples (0 to skip).
    **fit_kwargs
        Passed to :func:`~workbench.fit` (``bounds=``, ``starts=``, ...).

    Returns
    -------
    InverseFit
    """
    if x not in ("N", "D", "C"):
        raise ArgumentError(f"x must be 'N', 'D' or 'C', not {x!r}.")
    s = np.asarray(scale, float)
    v = np.asarray(score, float)
    if s.shape != v.shape or s.size < 6:
        raise ArgumentError(f"fit_inverse_scaling needs scale and score of the same length, at least 6 points (got {s.size}, {v.size}).")
    err = ceiling - v if higher_is_better else v
    if np.any(err <= 0):
        raise ArgumentError("The error (ceiling - score, or the score itself when lower is better) must be > 0 to be fitted on a log scale.")
    runs = pd.DataFrame({x: s, "loss": err})
    if x != "N":
        runs["N"] = 1.0  # the runs table wants N; the law reads only x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = fit(f"broken_power_law_{x}", runs, bootstrap=bootstrap, **fit_kwargs)
    grid = np.logspace(np.log10(s.min()), np.log10(s.max()), 200)
    shape, turn = scaling_shape(grid, f.law.predict(f.params, **{x: grid}))
    data_shape, _ = scaling_shape(s, err)
    return InverseFit(f, shape, turn, data_shape, x, bool(higher_is_better), float(ceiling))
