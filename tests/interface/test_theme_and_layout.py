"""The house style (theme, log axes) and the one control layout every panel shares."""

from __future__ import annotations

import re
import warnings

import altair as alt
import ipywidgets as w
import numpy as np
import pandas as pd
import pytest

import workbench.charts  # noqa: F401  (registers and enables the theme)
from workbench.charts.export import chart_svg
from workbench.charts.theme import ENTITY_COLORS, house_style, label_expr
from workbench.widgets.panel import LABEL_WIDTH, TRACK_WIDTH, Panel, View, log_slider


def _axis_labels(svg: str, role: str) -> list[str]:
    group = re.search(rf'aria-label="{role}[^"]*"(.*?)</g></g></g>', svg, re.S)
    return re.findall(r"<text[^>]*>([^<]*)</text>", group.group(1)) if group else []


def test_theme_is_registered_and_active():
    assert alt.theme.active == "workbench"
    config = alt.theme.get()()["config"]
    assert config["axis"]["labelFontSize"] >= 11 and config["legend"]["labelLimit"] >= 200


def test_log_axes_are_labelled_at_powers_of_ten():
    df = pd.DataFrame({"C": np.logspace(18, 24, 30), "N": np.logspace(7, 12, 30), "loss": np.linspace(3.2, 2.0, 30)})
    chart = alt.Chart(df).mark_line().encode(
        x=alt.X("C:Q", title="training compute C (FLOPs)", scale=alt.Scale(type="log"), axis=alt.Axis(format="~e")),
        y=alt.Y("loss:Q", title="loss (nats/token)", scale=alt.Scale(type="log")))
    spec = house_style(chart.to_dict())
    x, y = spec["encoding"]["x"], spec["encoding"]["y"]
    assert x["axis"]["labelExpr"] == label_expr("power") and "format" not in x["axis"]
    assert y["axis"]["format"] == "~g"  # a loss axis keeps plain numbers
    svg = chart_svg(chart)
    labels = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "10²⁰" in labels and not [t for t in labels if "e+" in t]
    counts = alt.Chart(df).mark_line().encode(x=alt.X("N:Q", title="model size N (parameters)", scale=alt.Scale(type="log")),
                                              y="loss:Q")
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart_svg(counts))
    assert {"100M", "1B", "10B", "100B"} <= set(labels) and "1G" not in labels


def test_a_narrow_log_range_gets_1_2_5_labels():
    df = pd.DataFrame({"m": [8, 11, 14, 18, 24], "loss": [0.8, 0.7, 0.65, 0.6, 0.55]})
    chart = alt.Chart(df).mark_point().encode(x=alt.X("m:Q", title="width m", scale=alt.Scale(type="log")), y="loss:Q")
    spec = house_style(chart.to_dict())
    assert spec["encoding"]["x"]["axis"]["labelExpr"] == label_expr("count", "125")
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", chart_svg(chart))
    assert "10" in labels and "20" in labels


def test_fit_chart_legend_shows_the_marks(chinchilla_runs):
    import workbench as wb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("chinchilla", chinchilla_runs.sort_values("loss").iloc[:-5], holdout="C > 1e21", bootstrap=0)
    spec = f.chart().to_dict()
    runs = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point"][0]["encoding"]
    assert runs["shape"]["title"] == runs["color"]["title"] == "runs"  # one legend: colour and shape together
    assert runs["shape"].get("legend", {}) is not None
    assert runs["color"]["scale"]["range"] == [ENTITY_COLORS["fitted"], ENTITY_COLORS["held out"]]


def test_every_control_gets_the_same_layout():
    controls = {
        "a": log_slider("compute budget C", 1e23, 1e18, 1e27),
        "b": w.FloatSlider(value=0.5, min=0, max=1, description="a rather long description that would squeeze the track"),
        "c": w.Dropdown(options=["x", "y"], description="choice"),
        "d": w.Checkbox(value=True, description="switch"),
    }
    p = Panel(controls, lambda s: View(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"), text="ok"),
              help={"b": "the long explanation"}, applies={"c": lambda s: s["d"] or "turn the switch on"})
    box = p.widget
    rows = [r for r in p._rows.values()]
    assert len(rows) == 4 and all(c.description == "" for c in controls.values())
    assert controls["b"].layout.width == f"{TRACK_WIDTH + 88}px" and controls["a"].layout.width == f"{TRACK_WIDTH}px"
    assert TRACK_WIDTH >= 200 and LABEL_WIDTH >= 150
    assert "the long explanation" in rows[1].children[0].value  # the tooltip
    text = p._texts["a"]
    text.value = "3e22"  # a typed value sets the log slider
    assert controls["a"].value == pytest.approx(3e22)
    text.value = "not a number"
    assert "wb-invalid" in text._dom_classes and controls["a"].value == pytest.approx(3e22)
    p.set(d=False)
    assert controls["c"].disabled and "wb-off" in p._rows["c"]._dom_classes
    p.set(d=True)
    assert not controls["c"].disabled
    assert "wb-panel" in box._dom_classes and "set from code" in p._timing.value
