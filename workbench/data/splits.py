"""Split rules: which rows of a runs table are held out to measure extrapolation.

A rule is data, not code a user types: a small object that says "the rows with
the largest model size", "the rows whose unique tokens are at least the
second-largest value", "the rows marked ``eval`` in column ``split``", or any
of several such rules. Each rule gives a boolean mask (``True`` = held out)
with :meth:`SplitRule.mask`; a validation rule may give several masks (folds)
with :meth:`SplitRule.masks`. The extrapolation benchmark uses one rule to make
each task's held-out split and another (by default the same rule applied to
the training rows) to choose a law from the training split alone.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"N": [1e8, 2e8, 4e8, 4e8], "D": [1e9, 1e9, 2e9, 4e9]})
>>> Largest("N").mask(t).tolist()
[False, False, True, True]
>>> AnyOf(Largest("N"), Largest("D")).mask(t).tolist()
[False, False, True, True]
>>> Largest("N", rank=2).describe()
'N >= its 2nd largest value'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import MissingColumnsError, RunsError

__all__ = ["SplitRule", "Largest", "Equals", "AnyOf", "Folds", "Where", "as_split_rule"]


def _ordinal(k: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(k, f"{k}th")


class SplitRule:
    """Base of the split rules: ``mask(table)`` marks held-out rows, ``masks(table)`` lists validation folds."""

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def masks(self, table: pd.DataFrame) -> list[np.ndarray]:
        """The held-out masks this rule makes on ``table`` (one, except for :class:`Folds`)."""
        return [self.mask(table)]

    def describe(self) -> str:
        raise NotImplementedError

    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads."""
        return ()

    def _need(self, table: pd.DataFrame, *cols) -> None:
        missing = [c for c in cols if c is not None and c not in table.columns]
        if missing:
            raise MissingColumnsError(
                f"The split rule '{self.describe()}' reads column(s) {missing}, which the table lacks "
                f"(its columns: {list(table.columns)})."
            )

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class Largest(SplitRule):
    """Rows whose ``column`` is at least its ``rank``-th largest distinct value (``rank=1``: the largest).

    With ``per``, the ranking is taken within each group of rows sharing the
    value of column ``per`` (e.g. the largest data size of each curve).
    """

    column: str
    rank: int = 1
    per: str | None = None

    def __post_init__(self):
        if int(self.rank) < 1:
            raise RunsError(f"Largest(rank=...) must be 1 or more, not {self.rank!r}.")

    def describe(self) -> str:
        if self.rank == 1:
            what = f"{self.column} = its largest value"
        else:
            what = f"{self.column} >= its {_ordinal(self.rank)} largest value"
        return what + (f" within each {self.per}" if self.per else "")

    def columns(self) -> tuple[str, ...]:
        return (self.column,) + ((self.per,) if self.per else ())

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        self._need(table, self.column, self.per)
        values = pd.to_numeric(table[self.column], errors="coerce").to_numpy(float)

        def cut(v):
            distinct = np.unique(v[np.isfinite(v)])
            if distinct.size == 0:
                return np.inf
            return distinct[-min(int(self.rank), distinct.size)]

        if self.per is None:
            return values >= cut(values)
        out = np.zeros(len(table), bool)
        keys = table[self.per].to_numpy()
        for key in pd.unique(keys):
            sel = keys == key
            out[sel] = values[sel] >= cut(values[sel])
        return out


@dataclass(frozen=True)
class Equals(SplitRule):
    """Rows whose ``column`` equals ``value`` (e.g. ``Equals("split", "eval")``)."""

    column: str
    value: object

    def describe(self) -> str:
        return f"{self.column} = {self.value!r}"

    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        self._need(table, self.column)
        return (table[self.column] == self.value).to_numpy(bool)


@dataclass(frozen=True, init=False)
class AnyOf(SplitRule):
    """Rows held out by any of several rules."""

    rules: tuple = field(default=())

    def __init__(self, *rules):
        if not rules:
            raise RunsError("AnyOf needs at least one rule.")
        object.__setattr__(self, "rules", tuple(as_split_rule(r) for r in rules))

    def describe(self) -> str:
        return " or ".join(r.describe() for r in self.rules)

    def columns(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for r in self.rules for c in r.columns()))

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        out = np.zeros(len(table), bool)
        for r in self.rules:
            out |= r.mask(table)
        return out


@dataclass(frozen=True)
class Folds(SplitRule):
    """``k`` validation folds: the distinct values of column ``by`` (each row alone without it) dealt in turn.

    Deterministic: values are taken in order of first appearance and dealt
    round-robin, so fold ``i`` holds values ``i, i + k, i + 2k, ...``. For
    validation only (a held-out split is one mask: use another rule).
    """

    k: int = 4
    by: str | None = None

    def __post_init__(self):
        if int(self.k) < 2:
            raise RunsError(f"Folds needs k >= 2, not {self.k!r}.")

    def describe(self) -> str:
        return f"{self.k} folds" + (f" of {self.by}" if self.by else " of rows")

    def columns(self) -> tuple[str, ...]:
        return (self.by,) if self.by else ()

    def masks(self, table: pd.DataFrame) -> list[np.ndarray]:
        self._need(table, self.by)
        keys = table[self.by].to_numpy() if self.by else np.arange(len(table))
        order = {v: i for i, v in enumerate(pd.unique(keys))}
        fold = np.array([order[v] % int(self.k) for v in keys])
        return [fold == i for i in range(int(self.k)) if np.any(fold == i)]

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        raise RunsError(f"'{self.describe()}' makes several validation folds, not one held-out split; use masks().")


@dataclass(frozen=True)
class Where(SplitRule):
    """Rows where a filter holds, written in the workbench's filter language (e.g. ``"N >= 4e8 or D > 5e10"``,
    or the name of a true/false column); see :mod:`workbench.data.filters`. Never evaluated as Python."""

    text: str

    def __post_init__(self):
        from .filters import parse_filter

        parse_filter(self.text, label="split")  # refuse a bad filter when the rule is made

    def describe(self) -> str:
        return self.text

    def columns(self) -> tuple[str, ...]:
        from .filters import parse_filter

        return parse_filter(self.text, label="split").columns

    def mask(self, table: pd.DataFrame) -> np.ndarray:
        from .filters import filter_mask

        return np.asarray(filter_mask(table, self.text, label="split"), bool)


def as_split_rule(rule) -> SplitRule:
    """A :class:`SplitRule` from a rule, or from a filter (``"N >= 4e8"``, or a true/false column's name)."""
    if isinstance(rule, SplitRule):
        return rule
    if isinstance(rule, str):
        return Where(rule)
    raise RunsError(
        f"A split rule must be a SplitRule (Largest, Equals, AnyOf, Folds, Where) or a filter such as 'N >= 4e8', "
        f"not {type(rule).__name__}."
    )
