"""Scores of an extrapolation, as SLDBench defines them.

SLDBench (Lin et al. 2025) scores a law on a task's held-out split by

* ``NMSE = mean((y - f)^2) / var(y_all)``,
* ``NMAE = mean(|y - f|) / mean(|y_all - mean(y_all)|)``,
* ``R^2 = 1 - NMSE``,

where ``y`` and ``f`` are the held-out observations and predictions and
``y_all`` every target of the task (training and held-out together). Normalising
by the spread of the whole task makes the three comparable across tasks; this
``R^2`` can be negative (a law worse than predicting the task's mean).
"""

from __future__ import annotations

import numpy as np

from ..errors import WorkbenchError

__all__ = ["extrapolation_scores"]


def extrapolation_scores(predicted, observed, reference) -> dict[str, float]:
    """``r2``, ``nmse`` and ``nmae`` of ``predicted`` against ``observed``, normalised by ``reference``'s spread.

    Parameters
    ----------
    predicted, observed : array_like
        Held-out predictions and observations (same shape).
    reference : array_like
        Every target value of the task (train and held-out), whose variance and
        mean absolute deviation normalise the errors.

    Returns
    -------
    dict
        ``{"r2", "nmse", "nmae"}``; all NaN when any prediction is not finite
        (a law that cannot predict a held-out point has no score).

    Examples
    --------
    >>> s = extrapolation_scores([1.0, 2.0], [1.0, 2.2], [0.0, 1.0, 2.0, 3.0])
    >>> round(s["nmse"], 4), round(s["r2"], 4)
    (0.016, 0.984)
    """
    f = np.asarray(predicted, float).ravel()
    y = np.asarray(observed, float).ravel()
    ref = np.asarray(reference, float).ravel()
    if f.shape != y.shape:
        raise WorkbenchError(f"extrapolation_scores: {f.size} predictions for {y.size} observations.")
    if y.size == 0:
        raise WorkbenchError("extrapolation_scores: no held-out observations to score.")
    if not np.all(np.isfinite(f)):
        return {"r2": float("nan"), "nmse": float("nan"), "nmae": float("nan")}
    var = float(np.var(ref))
    mad = float(np.mean(np.abs(ref - ref.mean())))
    mse = float(np.mean((y - f) ** 2))
    mae = float(np.mean(np.abs(y - f)))
    nmse = mse / var if var > 0 else mse
    nmae = mae / mad if mad > 0 else mae
    return {"r2": 1.0 - nmse, "nmse": nmse, "nmae": nmae}
