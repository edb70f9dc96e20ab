"""Choosing which runs to hold out of a fit to measure extrapolation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.filters import filter_mask
from ..errors import FitError

__all__ = ["split_holdout"]


def split_holdout(runs: pd.DataFrame, holdout) -> np.ndarray:
    """Boolean mask of the runs held out of the fit.

    Parameters
    ----------
    runs : DataFrame
        A validated runs table.
    holdout : None, str, float, callable or boolean array
        ``None``: hold nothing out. A string: a condition in the workbench's
        filter language (:mod:`workbench.data.filters`; never evaluated as
        Python), e.g. ``"C > 1e21"`` or ``"N >= 1e9 and D > 2e10"``. A float
        in (0, 1): the given fraction of runs with the largest compute ``C``.
        A callable: ``f(runs) -> mask``. A boolean array: the mask itself.

    Raises
    ------
    FilterError
        The string is not a condition of the filter language on the table's columns.
    FitError
        The mask has the wrong length, or the fraction is out of range.
    """
    n = len(runs)
    if holdout is None:
        return np.zeros(n, bool)
    if isinstance(holdout, str):
        return filter_mask(runs, holdout, label="holdout")
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
