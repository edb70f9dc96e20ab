"""Choosing which runs to hold out of a fit to measure extrapolation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import FitError

__all__ = ["split_holdout"]


def split_holdout(runs: pd.DataFrame, holdout) -> np.ndarray:
    """Boolean mask of the runs held out of the fit.

    Parameters
    ----------
    runs : DataFrame
        A validated runs table.
    holdout : None, str, float, callable or boolean array
        ``None``: hold nothing out. A string: a pandas expression evaluated on
        the table, e.g. ``"C > 1e21"`` or ``"N >= 1e9 and D > 2e10"``. A float
        in (0, 1): the given fraction of runs with the largest compute ``C``.
        A callable: ``f(runs) -> mask``. A boolean array: the mask itself.

    Raises
    ------
    FitError
        The expression does not evaluate, or the mask has the wrong length.
    """
    n = len(runs)
    if holdout is None:
        return np.zeros(n, bool)
    if isinstance(holdout, str):
        text = holdout.strip()
        try:
            mask = runs.eval(text)
        except Exception as exc:
            raise FitError(
                f"Could not evaluate holdout={holdout!r} on the runs table ({exc}). Use an expression over its "
                f"columns {list(runs.columns)}, e.g. 'C > 1e21'."
            ) from None
        mask = np.asarray(mask)
        if mask.dtype != bool or mask.shape != (n,):
            raise FitError(f"holdout={holdout!r} must give one true/false value per run.")
        return mask
    if isinstance(holdout, (float, np.floating)) and not isinstance(holdout, bool):
        if not 0 < holdout < 1:
            raise FitError(f"A fractional holdout must be between 0 and 1, got {holdout}.")
        if "C" not in runs.columns:
            raise FitError("A fractional holdout holds out the largest-compute runs, but the table has no 'C'.")
        k = int(round(holdout * n))
        order = np.argsort(runs["C"].to_numpy(), kind="stable")
        mask = np.zeros(n, bool)
        if k:
            mask[order[-k:]] = True
        return mask
    if callable(holdout):
        mask = np.asarray(holdout(runs))
    else:
        mask = np.asarray(holdout)
    if mask.dtype != bool or mask.shape != (n,):
        raise FitError(f"holdout must be a boolean mask with one value per run ({n}), got dtype {mask.dtype} shape {mask.shape}.")
    return mask
