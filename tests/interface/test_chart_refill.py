"""Refilling a chart built from named datasets: the live-panel fast path."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from workbench.charts.data import attach_data, inline_datasets, named, named_data, refill


def _layered(df):
    line = alt.Chart(named_data(df, "curve")).mark_line().encode(x="x:Q", y="y:Q")
    pts = alt.Chart(named_data(df, "curve")).mark_point().encode(x="x:Q", y="y:Q")
    other = alt.Chart(named("dots")).mark_point().encode(x="x:Q", y="y:Q")
    return attach_data(alt.hconcat(alt.layer(line, pts), other), dots=df)


def test_refill_replaces_rows_in_every_layer_and_top_level_dataset():
    a = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    b = pd.DataFrame({"x": [5.0, 6.0, 7.0], "y": [8.0, 9.0, 10.0]})
    chart = _layered(a)
    assert refill(chart, curve=b, dots=b) is chart
    assert chart.to_dict() == _layered(b).to_dict()
    assert inline_datasets(chart)["curve"] == [{"x": 5.0, "y": 8.0}, {"x": 6.0, "y": 9.0}, {"x": 7.0, "y": 10.0}]


def test_refill_leaves_a_frozen_copy_alone():
    import copy

    a = pd.DataFrame({"x": [1.0], "y": [2.0]})
    chart = _layered(a)
    frozen = copy.deepcopy(chart)
    refill(chart, curve=pd.DataFrame({"x": [9.0], "y": [9.0]}))
    assert inline_datasets(frozen)["curve"] == [{"x": 1.0, "y": 2.0}]


def test_refill_names_an_unknown_dataset():
    chart = _layered(pd.DataFrame({"x": [1.0], "y": [2.0]}))
    with pytest.raises(ValueError, match="no dataset.*'nope'.*curve.*dots"):
        refill(chart, nope=pd.DataFrame({"x": [1.0]}))
