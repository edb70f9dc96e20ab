"""Panels of the training-dynamics lab: every control swept, no error, sane numbers; charts export."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from workbench.charts.dynamics import grid_fit_chart, loss_curves_chart, lr_sweep_chart, schedule_chart
from workbench.charts.export import chart_svg
from workbench.dynamics import preset, schedule_areas
from workbench.dynamics.hyperparams import optimal_lr
from workbench.toys.tinylm import lr_sweep
from workbench.widgets.dynamics import grid_panel, hyperparams_panel, schedule_panel


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "tinylm-cache"


def test_grid_panel_trains_fits_and_switches_views(cache):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = grid_panel(cache_dir=cache, train_on_start=False, bootstrap=0)
        p.run(largest_width=16, largest_budget=2**15)
        assert p.error is None and p.numbers["finished"] and p.numbers["n_runs"] == 6
        assert p.numbers["entropy_rate"] < p.numbers["best_loss"] < 3.8
        assert "E_fit" in p.numbers
        seconds = p.training_seconds
        for value, error, numbers in p.sweep("show", n=2):
            assert error is None and numbers["n_runs"] == 6
        assert p.training_seconds == seconds  # view controls do not retrain
        p.run(largest_width=8, largest_budget=2**14)  # another grid, cheap
        assert p.error is None and p.numbers["n_runs"] == 3
        p.run(largest_width=16, largest_budget=2**15)  # back: read from the cache
        assert p.numbers["n_cached"] == 2 and p.training_seconds < seconds
    assert chart_svg(p.view.chart).startswith("<svg")


def test_schedule_panel_sweeps_every_control(cache):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = schedule_panel(steps=200, cache_dir=cache)
        assert p.error is None and p.numbers["finished"]
        base = p.numbers["predicted_final"]
        assert 2.0 < base < 3.0 and abs(p.numbers["error_pct_cosine"]) < 1.0
        n_trainings = p.training_seconds
        for name in ("schedule", "peak", "warmup", "decay_start", "final", "fit_on"):
            for value, error, numbers in p.sweep(name, n=3):
                assert error is None, (name, value, error)
                assert np.isfinite(numbers["predicted_final"]) and numbers["predicted_final"] > 0
        assert p.training_seconds == n_trainings  # drawing a schedule never retrains
        # choosing a preset sets its warmup / decay start / final fraction
        p.set(schedule="cosine")
        assert p.state["decay_start"] == 0.0 and p.state["final"] == 0.1
        p.set(schedule="wsd")
        assert p.state["decay_start"] == 0.8
        # the predicted curve follows the drawn schedule
        a = p.set(schedule="wsd", final=0.0).numbers["predicted_final"]
        b = p.set(schedule="constant").numbers["predicted_final"]
        assert a != b
        p.run()  # train the drawn schedule too
        assert p.error is None and "error_pct_yours" in p.numbers
    assert chart_svg(p.view.chart).startswith("<svg")


def test_hyperparams_panel():
    p = hyperparams_panel()
    assert p.error is None and 1e-4 < p.numbers["lr_opt"] < 1e-2
    for name in ("N", "D", "loss"):
        for value, error, numbers in p.sweep(name, n=4):
            assert error is None and numbers["lr_opt"] > 0 and numbers["batch_opt"] > 0
    lr_small = p.set(N=1e7).numbers["lr_opt"]
    lr_big = p.set(N=1e11).numbers["lr_opt"]
    assert lr_big < lr_small


def test_lr_sweep_and_static_charts(cache):
    g = lr_sweep([(8, 1), (16, 1)], [0.01, 0.03, 0.1], 2**13, cache_dir=cache)
    opt = optimal_lr(g.runs)
    assert len(opt) == 2 and (opt["lr_opt"] > 0).all()
    for chart in (lr_sweep_chart(g.runs, opt), loss_curves_chart(g.curves, x="D", color="label"),
                  schedule_chart(schedule_areas(preset("wsd"), 100).assign(label="wsd")),
                  grid_fit_chart(g.runs, None, entropy_rate=g.entropy_rate)):
        assert chart_svg(chart).startswith("<svg")
