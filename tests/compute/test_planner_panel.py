"""The planner panel driven from Python: every control swept from its minimum to its maximum, and the
compute-planning charts."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.charts import compute as cc
from workbench.charts.data import spec_datasets
from workbench.compute import (
    crossover,
    envelope_analysis,
    inference_optimum,
    isoflop_analysis,
    plan,
    repetition_cost,
)
from workbench.widgets.planner import planner_panel


def synthetic_runs(seed=0):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.logspace(7.5, 9.5, 6), 5)
    D = N * np.tile([5, 10, 20, 40, 80], 6)
    loss = (1.8 + 480 / N**0.35 + 2100 / D**0.37) * np.exp(rng.normal(0, 0.004, N.size))
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


@pytest.fixture(scope="module")
def user_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.fit("chinchilla", synthetic_runs(), bootstrap=30, seed=2)


@pytest.fixture(scope="module")
def panel(user_fit):
    return planner_panel(user_fit, limit_data=True)


def test_panel_offers_the_parameter_sets_and_the_users_fit(panel):
    values = [v for _, v in panel.controls["parameter_set"].options]
    assert values[0] == "fit" and {"hoffmann2022", "besiroglu2024", "muennighoff2023"} <= set(values)
    assert panel.controls["parameter_set"].value == "fit"
    n = panel.numbers
    assert panel.error is None
    for key in ("N", "D", "tokens_per_parameter", "loss", "loss_lo", "loss_hi", "days", "energy_mwh", "emissions_tonnes", "cost_usd"):
        assert np.isfinite(n[key]), key
    assert n["loss_lo"] < n["loss"] < n["loss_hi"]  # the user's fit has a bootstrap
    assert "predicted loss" in panel.view.text and "days" in panel.view.text


@pytest.mark.parametrize(
    "control",
    ["compute", "limit_data", "unique_tokens", "inference_tokens", "parameter_set", "accelerator", "utilisation",
     "devices", "pue", "carbon_intensity", "price_per_device_hour"],
)
def test_every_control_sweeps_from_min_to_max(panel, control):
    assert control in panel.controls
    results = panel.sweep(control, n=4)
    assert len(results) >= 2
    for value, error, numbers in results:
        assert error is None, (control, value, error)
        assert numbers["N"] > 0 and numbers["D"] > 0 and np.isfinite(numbers["loss"])
        assert numbers["days"] > 0 and numbers["cost_usd"] >= 0 and numbers["energy_mwh"] > 0
    assert set(panel.controls) == {
        "compute", "limit_data", "unique_tokens", "inference_tokens", "parameter_set", "accelerator", "utilisation",
        "devices", "pue", "carbon_intensity", "price_per_device_hour"}


def test_numbers_follow_the_controls(panel):
    panel.set(limit_data=False, inference_tokens=1e6, parameter_set="besiroglu2024")
    base = panel.numbers
    panel.set(compute=panel.controls["compute"].value * 10)
    bigger = panel.numbers
    assert bigger["N"] > base["N"] and bigger["loss"] < base["loss"] and bigger["days"] > base["days"]
    panel.set(compute=panel.controls["compute"].value / 10, inference_tokens=1e15)
    served = panel.numbers
    assert served["N"] < base["N"] and served["tokens_per_parameter"] > base["tokens_per_parameter"]
    panel.set(devices=panel.controls["devices"].value * 2)
    assert panel.numbers["days"] == pytest.approx(served["days"] / 2)
    panel.set(price_per_device_hour=0.0)
    assert panel.numbers["cost_usd"] == 0.0
    panel.set(limit_data=True, unique_tokens=1e9, inference_tokens=1e6)
    limited = panel.numbers
    assert limited["epochs"] > 1 and limited["loss"] > base["loss"]
    panel.set(limit_data=False, price_per_device_hour=2.0, inference_tokens=1e12)


def test_chart_data_update_in_place(panel):
    panel.set(compute=1e21)
    a = panel.view.chart.to_dict()
    panel.set(compute=1e24)
    b = panel.view.chart.to_dict()
    da, db = spec_datasets(a), spec_datasets(b)
    assert {"isoflop_curves", "isoflop_optima", "marked"} <= set(da)
    assert da["isoflop_optima"] != db["isoflop_optima"]
    # the structure (everything but the rows) is the same, so a live view only swaps data
    from workbench.charts.data import split_spec_data

    assert split_spec_data(a)[0] == split_spec_data(b)[0]


def test_refilled_chart_equals_a_fresh_one():
    p1, p2 = plan(1e21, "hoffmann2022"), plan(1e24, "besiroglu2024", inference_tokens=1e13)
    refilled = cc.plan_chart(p2, template=cc.plan_chart(p1))
    assert refilled.to_dict() == cc.plan_chart(p2).to_dict()


def test_static_picture_and_freeze(panel):
    bundle = panel._repr_mimebundle_()
    assert "<svg" in bundle["text/html"] and "predicted loss" in bundle["text/html"]
    assert "layer" in panel.freeze().to_dict()


def test_unknown_parameter_set_is_refused():
    with pytest.raises(wb.errors.UnknownNameError):
        planner_panel(parameter_set="fit")


def test_compute_charts_render_and_use_named_data(user_fit):
    from workbench.charts.export import chart_svg

    charts = {
        "frontier": cc.frontier_chart({name: wb.compute.compute_optimal(src, np.logspace(19, 24, 11))
                                       for name, src in (("Hoffmann", "hoffmann2022"), ("your fit", user_fit))}),
        "allocation": wb.compute.compute_optimal(user_fit, np.logspace(19, 24, 6)).chart(),
        "inference": cc.inference_chart(inference_optimum("besiroglu2024", np.logspace(10, 14, 5), compute=1e23)),
        "repetition": cc.repetition_chart(repetition_cost("muennighoff2023", 1e22)),
        "crossover": crossover(user_fit, "hoffmann2022").chart(),
        "plan": plan(1e22, user_fit, unique_tokens=2e10, inference_tokens=1e12).chart(),
    }
    rows = []
    for i, N in enumerate(np.logspace(7.5, 10, 6)):
        D = np.logspace(8, 12, 30)
        rows.append(pd.DataFrame({"run": i, "N": N, "D": D, "loss": 1.8 + 480 / N**0.35 + 2100 / D**0.37}))
    charts["envelope"] = envelope_analysis(pd.concat(rows), bootstrap=0).chart()
    iso = []
    for C in (1e18, 1e19, 1e20):
        N = np.sqrt(C / 120) * np.logspace(-1, 1, 7)
        iso.append(pd.DataFrame({"N": N, "D": C / (6 * N), "loss": 1.8 + 480 / N**0.35 + 2100 / (C / (6 * N)) ** 0.37}))
    charts["isoflop"] = isoflop_analysis(pd.concat(iso), budgets="exact", bootstrap=20).chart()
    for name, chart in charts.items():
        spec = chart.to_dict()
        data = spec_datasets(spec)
        assert data and all(isinstance(v, list) for v in data.values()), name
        assert sum(len(v) for v in data.values()) < 5000, name
        assert chart_svg(chart).startswith("<svg"), name
