"""Which rows of a runs table a fit uses: duplicates, early checkpoints, the largest sizes held out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ArgumentError, FitError, RunsError

__all__ = ["duplicate_rows", "early_checkpoints", "largest_sizes", "size_levels", "SAME_SIZE_RTOL"]

#: Model sizes closer than this (relative) are one size. Tables digitised from published plots
#: write one model several times with tiny differences (Chinchilla's 7.38246716e7 and
#: 7.38246891e7); real ladders step by 10% or more.
SAME_SIZE_RTOL = 1e-3


def size_levels(values, rtol: float = SAME_SIZE_RTOL) -> tuple[np.ndarray, np.ndarray]:
    """The model sizes in ``values`` as levels: ``(level of each value, smallest value of each level)``.

    Sorted distinct values start a new level where they exceed the previous value by more than
    ``rtol`` of it; closer values are the same model written twice (see :data:`SAME_SIZE_RTOL`).
    """
    uniq, inverse = np.unique(np.asarray(values, float), return_inverse=True)
    new = np.r_[True, uniq[1:] - uniq[:-1] > rtol * np.abs(uniq[:-1])]
    return (np.cumsum(new) - 1)[inverse], uniq[new]


def duplicate_rows(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Mask of rows whose ``columns`` (a law's inputs, its target, the run label) repeat an earlier row's.

    Such rows are the same measurement written twice: fitting them counts one run several
    times and makes the intervals too narrow.
    """
    from .groups import row_codes

    cols = [c for c in dict.fromkeys(columns) if c in table.columns]
    if not cols:
        return np.zeros(len(table), bool)
    codes = row_codes(table[cols])
    dup = np.ones(len(table), bool)
    dup[np.unique(codes, return_index=True)[1]] = False
    return dup


def early_checkpoints(table: pd.DataFrame, codes: np.ndarray, min_fraction: float) -> np.ndarray:
    """Mask of the rows in the first ``min_fraction`` of their run's tokens.

    Choshen et al. (2024) fit on intermediate checkpoints but leave out the earliest, whose
    loss still reflects warm-up and the learning-rate schedule more than the model's size.
    A row is early when its tokens ``D`` (or compute ``C``, or ``step``) is below
    ``min_fraction`` times the largest value of its run.
    """
    if not 0 <= min_fraction < 1:
        raise ArgumentError(f"min_fraction must be in [0, 1) (the share of each run's tokens to drop), got {min_fraction!r}.")
    for col in ("D", "C", "step"):
        if col in table.columns:
            t = table[col].to_numpy(float)
            break
    else:
        raise RunsError("min_fraction needs a column that grows along a run: 'D' (tokens), 'C' or 'step'.")
    top = pd.Series(t).groupby(codes).transform("max").to_numpy()
    return t < min_fraction * top


def largest_sizes(table: pd.DataFrame, k: int, column: str = "N") -> np.ndarray:
    """Mask of the rows whose model size is among the ``k`` largest distinct sizes (:func:`size_levels`)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ArgumentError(f"holdout_largest must be a positive whole number of model sizes, got {k!r}.")
    if column not in table.columns:
        raise RunsError(f"holdout_largest holds out the largest model sizes, but the table has no {column!r} column.")
    levels, sizes = size_levels(table[column].to_numpy(float))
    if k >= len(sizes):
        raise FitError(f"holdout_largest={k} would hold out every model size (the table has {len(sizes)}): "
                       "hold out fewer sizes.")
    return levels >= len(sizes) - k
