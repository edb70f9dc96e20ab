"""One fit per model family: ``fit(law, runs, by="family")``."""

from __future__ import annotations

import warnings
from dataclasses import field

import pandas as pd

from ..data.runs import load_runs
from ..errors import RunsError, WorkbenchError
from ..laws import get_law
from ..results import Result, ResultWarning, jsonable

__all__ = ["FitTable", "fit_by"]


class FitTable(Result):
    """Fits of one law to each value of a column (one per model family).

    Attributes
    ----------
    law : Law
    by : str
        The column that splits the runs.
    fits : dict
        Value of ``by`` -> :class:`~workbench.fitting.Fit` (families that could not be fitted are absent).
    errors : dict
        Value of ``by`` -> why that family could not be fitted.
    level : float
    warnings : list
        One ``family_not_fitted`` warning per family that could not be fitted.
    """

    law: object
    by: str
    fits: dict
    errors: dict
    level: float
    warnings: list = field(default_factory=list)

    _dict_exclude = ("fits",)

    @property
    def intervals(self):
        """Intervals are per family: ``fits[key].intervals``."""
        return None

    @property
    def table(self) -> pd.DataFrame:
        """One row per family: runs, parameters with their intervals, fit statistics, held-out error, warning codes."""
        rows = []
        for key, f in self.fits.items():
            row = {self.by: key, "n_runs": f.n_runs}
            iv = f.intervals or {}
            for name, v in f.params.items():
                row[name] = v
                if name in iv and name not in f.fixed:
                    row[f"{name}_lo"], row[f"{name}_hi"] = iv[name]
            row["rmse_log"] = f.rmse_log
            he = f.holdout_error
            if he:
                row["holdout_mean_abs_rel_error"] = he["mean_abs_rel_error"]
                if "coverage" in he:
                    row["holdout_coverage"] = he["coverage"]
            row["warnings"] = ", ".join(sorted({getattr(w, "code", "warning") for w in f.warnings}))
            rows.append(row)
        for key, err in self.errors.items():
            rows.append({self.by: key, "error": err})
        return pd.DataFrame(rows)

    def __getitem__(self, key):
        return self.fits[key]

    def __iter__(self):
        return iter(self.fits)

    def __len__(self) -> int:
        return len(self.fits)

    def _title(self) -> str:
        return f"{self.law.title}, one fit per {self.by!r}"

    def _summarize(self, s) -> None:
        s.subtitle = self.law.equation
        s.add_table(self.table)

    def _headline(self) -> str:
        return f"{self.law.name} by {self.by!r}: {len(self.fits)} fits, {len(self.errors)} failed"

    def to_dict(self) -> dict:
        out = super().to_dict()
        out["fits"] = {str(k): f.to_dict() for k, f in self.fits.items()}
        out["table"] = jsonable(self.table.to_dict(orient="records"))
        return out


def fit_by(law, runs, by: str, **options) -> FitTable:
    """Fit ``law`` separately to the runs of each value of column ``by`` (see :func:`workbench.fit`)."""
    from .api import fit

    law = get_law(law)
    table = load_runs(runs, require=tuple(law.inputs) + (law.target,), on_duplicates="keep")
    if by not in table.columns:
        raise RunsError(f"by={by!r} is not a column of the runs table; its columns are {list(table.columns)}.")
    if table[by].isna().any():
        raise RunsError(f"Column {by!r} (the families) is missing in rows {list(table.index[table[by].isna()][:8])}.")
    weights = options.pop("weights", None)
    group = options.get("group")
    holdout = options.get("holdout")
    if weights is not None and not isinstance(weights, str):
        raise RunsError("With by=, give weights as a column name (weights='w') so each family takes its own rows.")
    for name, value in (("group", group), ("holdout", holdout)):
        if value is not None and not isinstance(value, (str, bool, float, int)) and not callable(value):
            raise RunsError(f"With by=, give {name}= as a column name or filter, not one value per row.")
    fits, errors = {}, {}
    for key, part in table.groupby(by, sort=True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits[key] = fit(law, part, weights=weights, **options)
        except WorkbenchError as exc:
            errors[key] = str(exc).split("\n")[0]
    if not fits:
        raise WorkbenchError(f"No value of {by!r} could be fitted: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    notes = [ResultWarning(f"{by}={k!r} could not be fitted: {v}", code="family_not_fitted") for k, v in errors.items()]
    return FitTable(law=law, by=by, fits=fits, errors=errors, level=options.get("level", 0.95), warnings=notes)
