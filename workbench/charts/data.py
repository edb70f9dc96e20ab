"""Named inline datasets: charts keep their data in named Vega datasets so live panels can
replace a dataset's rows without rebuilding the view."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["named_data", "named", "attach_data", "records"]


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


def named(name: str) -> alt.Data:
    """A reference to a dataset by name; attach the rows with :func:`attach_data` on the finished chart."""
    return alt.Data(name=name)


def attach_data(chart, **tables: pd.DataFrame):
    """Attach tables as the chart's top-level named datasets (no copy of every row per layer).

    Layers refer to them with :func:`named`. This is the fast path for live panels: Altair
    deep-copies inline rows whenever charts are layered, while top-level datasets are set once
    and handed to the browser as they are.
    """
    current = chart.datasets if isinstance(getattr(chart, "datasets", None), dict) else {}
    chart.datasets = {**current, **{name: records(df) for name, df in tables.items()}}
    return chart
