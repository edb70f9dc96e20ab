"""Which rows of a runs table belong to the same training run.

A runs table may hold one row per run (final losses) or several rows per run
(checkpoints along a training curve, a ``step`` column, or the same model size
at growing token counts). Rows of one run share its seed, data order and
hyperparameters, so their errors are correlated: a bootstrap must resample whole
runs, and a prediction for a *new* run must include the run-to-run scatter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import RunsError

__all__ = ["Groups", "resolve_groups", "row_codes", "RUN_COLUMNS"]

#: Columns that name a run when present (checked in this order).
RUN_COLUMNS = ("group", "run")
#: Numeric columns that describe a run's configuration (constant along its training curve).
_CONFIG_COLUMNS = ("N", "U", "seed", "batch")


@dataclass(frozen=True)
class Groups:
    """Run labels of the rows of a table.

    Attributes
    ----------
    codes : ndarray of int
        ``codes[i]`` is the run of row ``i`` (``0 .. n_groups - 1``).
    n_groups : int
    source : str
        How the runs were found: ``"column"`` (a column named them), ``"inferred"``
        (from a ``step`` column or repeated model sizes), ``"rows"`` (one run per row).
    basis : str
        How, in words (``"named by column 'run'"``).
    """

    codes: np.ndarray
    n_groups: int
    source: str
    basis: str = ""

    @property
    def description(self) -> str:
        """In words, for a summary, e.g. ``"8 runs named by column 'run'"``."""
        if self.source == "rows":
            return "each row is an independent run"
        return f"{self.n_groups} runs {self.basis}"

    @property
    def several_rows_per_run(self) -> bool:
        return self.n_groups < len(self.codes)

    def subset(self, mask: np.ndarray) -> "Groups":
        """The runs of the rows selected by ``mask``, renumbered from 0."""
        uniq, codes = np.unique(self.codes[mask], return_inverse=True)
        return Groups(codes.astype(np.int64), int(len(uniq)), self.source, self.basis)

    def sizes(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=self.n_groups)


def row_codes(frame: pd.DataFrame) -> np.ndarray:
    """An integer per row, equal for rows that agree on every column (``0 .. k-1``)."""
    n = len(frame)
    if frame.shape[1] == 0:
        return np.arange(n, dtype=np.int64)
    codes = np.zeros(n, np.int64)
    for c in frame.columns:
        col, _ = pd.factorize(frame[c], use_na_sentinel=False)
        codes = codes * (int(col.max()) + 1 if n else 1) + col
        codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)  # keep the numbers small
    return codes



def _label_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])]


def resolve_groups(table: pd.DataFrame, group=None, *, time_columns=("D", "C", "step"),
                   sizes_name_runs: bool = True) -> Groups:
    """Label each row of ``table`` with its run.

    Parameters
    ----------
    table : DataFrame
        A validated runs table.
    group : None, False, str or array_like
        ``None`` (default): a ``group`` or ``run`` column when there is one; otherwise runs
        are inferred when the table has several rows per run (a ``step`` column, or rows
        that share a model size ``N`` at different token counts): rows that agree on ``N``,
        ``U``, ``seed``, ``batch`` and every text column (names, families) form one run.
        ``False``: every row is its own run. A column name: that column labels the runs.
        An array: one label per row.
    time_columns : tuple of str
        Columns that grow along a run (never used to tell runs apart).
    sizes_name_runs : bool
        Whether, without a ``step`` column, rows sharing a model size at different token
        counts count as one run (``fit`` passes whether the law reads ``N``: for a law of
        compute alone, ``N`` may be a placeholder). Fewer than 2 inferred runs also fall
        back to one run per row.

    Raises
    ------
    RunsError
        ``group`` names a missing column, has the wrong length, or holds missing labels.
    """
    n = len(table)
    if group is False:
        return Groups(np.arange(n, dtype=np.int64), n, "rows")
    if isinstance(group, str):
        if group not in table.columns:
            raise RunsError(f"group={group!r} is not a column of the runs table; its columns are {list(table.columns)}.")
        labels = table[group]
        if labels.isna().any():
            raise RunsError(f"Column {group!r} (the run labels) is missing in rows {list(table.index[labels.isna()][:8])}.")
        codes = row_codes(table[[group]])
        k = int(codes.max()) + 1 if n else 0
        return Groups(codes, k, "column", f"named by column {group!r}")
    if group is not None:
        labels = np.asarray(group)
        if labels.shape != (n,):
            raise RunsError(f"group must be a column name or one label per row ({n}), got shape {labels.shape}.")
        codes = row_codes(pd.DataFrame({"g": labels}))
        k = int(codes.max()) + 1 if n else 0
        return Groups(codes, k, "column", "labelled by group=")
    for name in RUN_COLUMNS:
        if name in table.columns:
            return resolve_groups(table, name, time_columns=time_columns)
    keys = [c for c in _CONFIG_COLUMNS if c in table.columns] + _label_columns(table)
    keys = [c for c in keys if c not in time_columns]
    if not keys:
        return Groups(np.arange(n, dtype=np.int64), n, "rows")
    codes = row_codes(table[keys])
    k = int(codes.max()) + 1
    if k == n:
        return Groups(codes, k, "rows", "each row is an independent run")
    has_steps = "step" in table.columns
    grows = [c for c in ("D", "C") if c in table.columns]
    if k < 2 or (not has_steps and not sizes_name_runs):
        return Groups(np.arange(n, dtype=np.int64), n, "rows")
    if not has_steps and grows:
        # repeated configurations count as one run only if the token count varies within them
        t = table[grows[0]].to_numpy(float)
        pairs = np.unique(np.column_stack([codes, t]), axis=0)
        if len(pairs) == k:  # one token count per configuration: separate runs
            return Groups(np.arange(n, dtype=np.int64), n, "rows")
    why = "a 'step' column" if has_steps else f"rows sharing {', '.join(keys)} at different token counts"
    return Groups(codes, k, "inferred",
                  f"inferred from {why} (rows that agree on {', '.join(keys)}); "
                  "pass group='COLUMN' to name the runs, or group=False to treat every row as its own run")
