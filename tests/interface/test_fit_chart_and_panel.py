"""Charts of fits and the fitting panel, driven from Python."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.charts.data import spec_datasets
from workbench.fitting import FitWarning
from workbench.widgets import control_values, fitting_panel


def synthetic_runs(seed=0):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.logspace(7.5, 9.5, 6), 5)
    D = N * np.tile([5, 10, 20, 40, 80], 6)
    loss = (1.8 + 480 / N**0.35 + 2100 / D**0.37) * np.exp(rng.normal(0, 0.004, N.size))
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


def test_chart_shows_data_fit_extrapolation_and_band():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("chinchilla", synthetic_runs(), holdout=0.2, bootstrap=40)
    spec = f.chart().to_dict()
    data = spec_datasets(spec)
    assert {"runs", "curve", "extrapolated_region"} <= set(data)
    roles = {r["role"] for r in data["runs"]}
    assert roles == {"fitted", "held out"}
    regions = {r["region"] for r in data["curve"]}
    assert regions == {"fitted range", "extrapolation"}
    assert all(r["lo"] <= r["fit"] <= r["hi"] for r in data["curve"])
    assert spec["layer"][-1]["encoding"]["y"]["scale"]["type"] == "log"


def test_chart_of_one_input_law_and_parity_chart():
    df = synthetic_runs()
    f = wb.fit("power_law_N", df, bootstrap=0)
    assert "curve" in spec_datasets(f.chart().to_dict())
    with pytest.warns(FitWarning, match="R_N"):  # without repeated data, R*_N is not pinned down
        g = wb.fit("data_constrained", df.assign(U=df["D"] / 2), bootstrap=0,
                   starts={"E": [1.8], "A": [480], "B": [2100], "alpha": [0.35], "beta": [0.37]})
    assert "diagonal" in spec_datasets(g.chart().to_dict())


@pytest.fixture(scope="module")
def panel():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fitting_panel(synthetic_runs(), bootstrap=20)


def test_panel_numbers_follow_the_compute_slider(panel):
    C = 6 * synthetic_runs().eval("N * D")
    panel.set(max_compute=float(np.quantile(C, 0.6)))
    a = panel.numbers
    panel.set(max_compute=float(np.quantile(C, 0.9)))
    b = panel.numbers
    assert panel.error is None
    assert a["n_fit"] < b["n_fit"] and a["n_held_out"] > b["n_held_out"]
    assert a["holdout_mean_abs_rel_error"] != b["holdout_mean_abs_rel_error"]


@pytest.mark.parametrize("control", ["law", "max_compute", "delta"])
def test_every_control_sweeps_from_min_to_max(panel, control):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = panel.sweep(control, n=4)
    for value, error, numbers in results:
        assert error is None, (control, value, error)
        assert numbers["n_fit"] > 0 and np.isfinite(numbers["rmse_log"])


def test_error_in_a_callback_is_shown_and_panel_recovers():
    df = synthetic_runs().iloc[::2]  # 15 runs: at the slider's minimum only 3 remain to fit 5 parameters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = fitting_panel(df, bootstrap=0)
        C = 6 * df.eval("N * D")
        p.set(max_compute=float(C.min()))  # the slider clips to its minimum
    assert p.error and "runs to fit" in p.error
    assert "runs to fit" in p._error.value
    p.set(max_compute=float(C.max()))
    assert p.error is None and p._error.value == ""


def test_freeze_gives_a_static_chart(panel):
    chart = panel.freeze()
    spec = chart.to_dict()
    assert "layer" in spec
    assert chart is not panel.view.chart


def test_static_picture_for_reports(panel):
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<svg" in bundle["text/html"] and "Held out" in bundle["text/html"]


def test_control_values_cover_the_range():
    import ipywidgets as w

    s = w.FloatLogSlider(min=-3, max=2, base=10, value=1)
    vals = control_values(s, 3)
    assert vals[0] == pytest.approx(1e-3) and vals[-1] == pytest.approx(100)
    assert control_values(w.Dropdown(options=[("a", 1), ("b", 2)])) == [1, 2]


def test_panel_shows_diagnostics_as_badges_and_greys_untrusted_intervals():
    """Runs with no floor in sight: E collapses to 0; the panel flags E beside its value and greys its interval."""
    rng = np.random.default_rng(1)
    N = np.repeat(np.logspace(7.5, 9.5, 6), 5)
    D = N * np.tile([5, 10, 20, 40, 80], 6)
    loss = 40 * (6 * N * D) ** -0.06 * np.exp(rng.normal(0, 0.002, N.size))  # a pure power law in compute
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = fitting_panel(pd.DataFrame({"N": N, "D": D, "loss": loss}), law="power_law_C", bootstrap=20)
    assert "at_bound" in p.numbers["warnings"] and p.numbers["untrusted"] == ["E"]
    html = p.view.text
    row_E = html[html.index("<tr><td>E</td>"):].split("</tr>")[0]
    assert "fit-badge" in row_E and "data-code='at_bound'" in row_E and "class='untrusted'" in row_E
    row_alpha = html[html.index("<tr><td>alpha</td>"):].split("</tr>")[0]
    assert "fit-badge" not in row_alpha and "untrusted" not in row_alpha
