"""The mirage and real-task panels, swept from minimum to maximum; the metrics charts."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.charts.data import spec_datasets
from workbench.charts.export import chart_svg
from workbench.metrics import mirage
from workbench.widgets.metrics import mirage_panel, real_task_panel


@pytest.fixture(scope="module")
def panel():
    return mirage_panel()


@pytest.mark.parametrize("control", ["metric", "l", "k", "n", "log_y", "N_c", "alpha_N"])
def test_every_mirage_control_sweeps_from_min_to_max(panel, control):
    for value, error, numbers in panel.sweep(control, n=5):
        assert error is None, (control, value, error)
        assert np.isfinite(numbers["share"]) and np.isfinite(numbers["expected_min"]) and np.isfinite(numbers["expected_max"])
        assert isinstance(numbers["emergent"], bool)


def test_mirage_panel_shows_the_metric_flip(panel):
    panel.set(metric="exact_match", l=5)
    assert panel.numbers["emergent"] and "Emergent-looking" in panel.view.text
    panel.set(metric="edit_distance")
    assert not panel.numbers["emergent"]
    panel.set(metric="exact_match", n=10)
    assert panel.numbers["floor"] == pytest.approx(0.1) and panel.numbers["zeros"] >= 5


def test_mirage_panel_keeps_its_chart_structure_when_numbers_change(panel):
    """Same named datasets after a slider move, so a live view swaps data in place."""
    panel.set(l=5)
    a = spec_datasets(panel.view.chart.to_dict())
    panel.set(l=8)
    b = spec_datasets(panel.view.chart.to_dict())
    assert set(a) == set(b) == {"mirage_window", "mirage_floor", "mirage_curve", "mirage_test_set", "mirage_verdict"}
    assert a["mirage_curve"] != b["mirage_curve"]


@pytest.mark.needs_mirror
@pytest.mark.parametrize("control", ["task", "kind", "setting"])
def test_every_real_task_control_sweeps_from_min_to_max(control):
    p = real_task_panel()
    for value, error, numbers in p.sweep(control, n=4):
        assert error is None, (control, value, error)
        assert numbers["points"] > 0 and numbers["series"] >= 1


@pytest.mark.needs_mirror
def test_real_task_panel_toggles_the_metric():
    p = real_task_panel(task="pythia:lambada")
    assert p.numbers["metric"] == "exact_match"
    p.set(kind="graded")
    assert p.numbers["metric"] == "log_perplexity" and "log perplexity" in p.view.text


def test_mirage_chart_renders_offline_with_its_layers():
    r = mirage("choice_accuracy", l=1, n=50)
    chart = r.chart(log_y=True)
    spec = chart.to_dict()
    data = spec_datasets(spec)
    assert len(data["mirage_test_set"]) == len(r.test_set) and len(data["mirage_curve"]) == len(r.curve)
    assert data["mirage_floor"] == [{"floor": 0.02}]
    assert "<svg" in chart_svg(chart)


@pytest.mark.needs_mirror
def test_every_metrics_chart_builds_a_valid_spec():
    """Each result's chart validates against the Vega-Lite schema (types explicit for inline data)."""
    import warnings

    import pandas as pd

    import workbench as wb
    from workbench import metrics as wm
    from workbench.charts.metrics import (
        chain_chart,
        family_curves_chart,
        metric_grid_chart,
        passuntil_chart,
        sharpness_comparison_chart,
    )

    N = np.logspace(8, 11, 5)
    true = np.exp(-2.2e4 * N**-0.4)
    pu = wm.pass_until(true, n_items=20, r=2, seed=0)
    fixed = wm.fixed_budget(true, 20)
    curves, info = wm.real_task_curves("pythia:lambada", "graded")
    main = wb.load_dataset("observational")
    opt = main[main["family"] == "OPT"].sort_values("N")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        charts = [
            metric_grid_chart({"a": wm.mirage("exact_match"), "b": wm.mirage("brier", l=1)}),
            passuntil_chart(pd.DataFrame({"N": N, "true": true, "fixed": fixed["estimate"], "floor": fixed["floor"],
                                          "passuntil": pu["estimate"], "law": true})),
            chain_chart(wm.chain_correlations(wm.downstream_chain(n=20))),
            family_curves_chart(curves, info, wm.curve_verdicts(curves, info["higher_is_better"])),
            sharpness_comparison_chart(wm.compare_sharpness()),
            wm.fit_loss_to_error(bootstrap=0, chain=False).chart(),
            wm.benchmark_pca(main).chart(),
            wm.fit_observational(main, "GSM8K").chart(),
            wm.fit_inverse_scaling(opt["N"], opt["TruthfulQA"]).chart(),
        ]
    for c in charts:
        spec = c.to_dict()  # validates
        assert spec_datasets(spec)
