"""Named inline datasets: charts keep their data in named Vega datasets so live panels can
replace a dataset's rows without rebuilding the view."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["named_data", "records"]


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (numpy scalars to floats, NaN/inf to None)."""
    out = []
    cols = list(df.columns)
    for row in df.itertuples(index=False, name=None):
        rec = {}
        for c, v in zip(cols, row):
            if isinstance(v, (np.floating, float)):
                v = float(v)
                rec[c] = v if math.isfinite(v) else None
            elif isinstance(v, (np.integer,)):
                rec[c] = int(v)
            elif isinstance(v, (np.bool_,)):
                rec[c] = bool(v)
            else:
                rec[c] = v
        out.append(rec)
    return out


def named_data(df: pd.DataFrame, name: str) -> alt.InlineData:
    """An inline dataset with a stable name (``name``) that a live panel can update in place.

    The rows are attached after construction so that Altair does not validate
    every row against the schema (which costs ~0.1 s per dataset and would
    dominate a slider move); the chart is still validated when exported.
    """
    data = alt.InlineData(values=[], name=name)
    data.values = records(df)
    return data
