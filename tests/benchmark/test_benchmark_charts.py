"""Charts of the benchmark and the ladder: valid Vega-Lite, drawn through the notebooks' offline renderer
(which must read back faceted and concatenated specs, not only single charts)."""

from __future__ import annotations

import warnings

import altair as alt
import pandas as pd
import pytest

from workbench.benchmark import benchmark_extrapolation
from workbench.charts.theme import _chart_from_spec, _offline_jupyter_renderer


@pytest.mark.needs_mirror
def test_benchmark_charts_render_offline():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = benchmark_extrapolation(["moe", "sft"], quick=True, progress=False)
    charts = [lb.chart(), lb.chart(kind="residuals", laws="all"), lb.task("moe").chart(),
              lb.task("moe").chart(kind="residuals", x="experts")]
    for c in charts:
        spec = c.to_dict()
        assert _offline_jupyter_renderer(spec)
    assert "facet" in charts[0].to_dict()


@pytest.mark.parametrize("kind", ["unit", "layer", "hconcat", "vconcat", "concat", "facet", "repeat"])
def test_every_top_level_spec_reads_back(kind):
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4], "t": ["a", "b"]})
    base = alt.Chart(df).mark_point().encode(x="x", y="y")
    chart = {
        "unit": base,
        "layer": base + base,
        "hconcat": alt.hconcat(base, base),
        "vconcat": alt.vconcat(base, base),
        "concat": alt.concat(base, base, columns=2),
        "facet": (base + base).facet(facet=alt.Facet("t:N"), columns=2),
        "repeat": alt.Chart(df).mark_point().encode(x=alt.X(alt.repeat("column"), type="quantitative"), y="y")
        .repeat(column=["x", "y"]),
    }[kind]
    spec = chart.to_dict()
    assert _chart_from_spec(spec).to_dict() == spec
