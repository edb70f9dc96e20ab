"""The superposition lab's panels and charts: every control swept, partial results rendered,
charts valid Vega-Lite with named datasets."""

from __future__ import annotations


import numpy as np
import pytest

from workbench.charts.data import spec_datasets
from workbench.charts.superposition import (
    dims_per_feature_chart,
    feature_norms_chart,
    geometry_chart,
    loss_vs_width_chart,
    overlap_chart,
    superposition_dashboard,
    training_curves_chart,
)
from workbench.toys import Progress
from workbench.toys.elhage import train_toy_models
from workbench.toys.superposition import train_superposition
from workbench.widgets.superposition import (
    elhage_panel,
    superposition_panel,
    widths_between,
)


@pytest.fixture(scope="module")
def small():
    return train_superposition((4, 6, 8), n_features=32, steps=60, batch_size=64, eval_samples=512,
                               weight_decay=[-1.0, 0.5])


def _names(chart) -> set:
    return set(spec_datasets(chart.to_dict()))  # to_dict validates against the Vega-Lite schema


def test_superposition_charts_are_valid_and_named(small):
    assert {"superposition_runs", "superposition_fit", "superposition_reference"} <= _names(loss_vs_width_chart(small.runs))
    assert "superposition_norms" in _names(feature_norms_chart(small.norms()))
    assert "superposition_overlap" in _names(overlap_chart(small.runs))
    assert "superposition_history" in _names(training_curves_chart(small.history))
    assert _names(superposition_dashboard(small.runs, small.norms()))
    assert small.chart() is not None
    # the 1/m reference has slope exactly -1
    spec = loss_vs_width_chart(small.runs).to_dict()
    ref = spec_datasets(spec)["superposition_reference"]
    x0, x1 = ref[0], ref[-1]
    assert np.log(x1["loss"] / x0["loss"]) / np.log(x1["N"] / x0["N"]) == pytest.approx(-1.0)


def test_feature_norms_chart_thins_large_tables():
    res = train_superposition((4, 8), n_features=4000, steps=2, batch_size=8, eval_samples=16)
    chart = feature_norms_chart(res.norms())
    rows = spec_datasets(chart.to_dict())["superposition_norms"]
    assert len(rows) <= 5000


def test_widths_between():
    assert widths_between(16, 64) == [16, 23, 32, 45, 64]
    assert widths_between(8, 8) == [8]


def test_superposition_panel_sweeps_every_control():
    p = superposition_panel(n_features=128, widths=(4, 8), steps=100, batch_size=64, eval_samples=1024)
    assert p.error is None and p.numbers["finished"] and "slope" in p.numbers
    for name in ("alpha", "weight_decay", "n_features", "widths"):
        for value, error, numbers in p.sweep(name, n=3):
            assert error is None, (name, value, error)
            assert numbers["n_widths"] >= 1 and 0 <= numbers["represented_fraction"] <= 1
    p.set(steps=p.controls["steps"].options[0])  # the shortest training offered
    assert p.error is None and p.numbers["finished"]
    # weak vs strong from the panel: the weak regime represents fewer features
    p.set(weight_decay=1.0)
    weak = p.numbers["represented_fraction"]
    p.set(weight_decay=-1.0)
    assert weak < p.numbers["represented_fraction"]


def test_superposition_panel_renders_partial_results():
    p = superposition_panel(n_features=128, widths=(4, 8), steps=100, train_on_start=False)
    partials = []
    prog = Progress(100, on_partial=lambda part, frac: partials.append(part), bar=False, min_interval=0.0)
    train_superposition((4, 8), n_features=64, steps=100, batch_size=64, eval_samples=256, progress=prog,
                        report_every=25)
    view = p._render_fn(p.state, partials[0], False)
    assert view.numbers["finished"] is False and "training" in view.text
    assert _names(view.chart)


def test_elhage_panel_slider_redraws_without_training():
    p = elhage_panel(sparsities=(0.0, 0.7, 0.95), steps=1500, seed=(0, 1, 2))
    assert p.error is None and p.numbers["finished"]
    trained = p.training_seconds
    seen = {}
    for value, error, numbers in p.sweep("sparsity", n=3):
        assert error is None
        seen[value] = numbers["geometry"]
    assert p.training_seconds == trained  # the slider only redraws
    assert seen == {0.0: "orthogonal pair", 0.7: "antipodal pairs", 0.95: "pentagon"}
    assert "elhage_features" in _names(p.view.chart)
    p.set(steps=p.controls["steps"].options[0])  # the shortest training offered
    assert p.error is None
    for value, error, numbers in p.sweep("importance_decay", n=2):
        assert error is None and numbers["n_represented"] >= 1


def test_elhage_charts():
    res = train_toy_models((0.0, 0.9), seed=0, steps=100)
    assert "elhage_features" in _names(geometry_chart(res.features(), sparsity=0.9))
    assert _names(geometry_chart(res.features()))  # faceted by sparsity
    assert "elhage_dims" in _names(dims_per_feature_chart(res.runs))
    partials = []
    prog = Progress(100, on_partial=lambda part, frac: partials.append(part), bar=False, min_interval=0.0)
    train_toy_models((0.0, 0.9), seed=0, steps=100, progress=prog, report_every=50)
    p = elhage_panel(sparsities=(0.0, 0.9), steps=200, seed=(0,), train_on_start=False)
    view = p._render_fn(p.state, partials[0], False)
    assert view.numbers["finished"] is False and _names(view.chart)
