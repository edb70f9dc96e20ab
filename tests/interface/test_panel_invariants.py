"""Every panel never contradicts itself, whatever its controls say (hypothesis sweeps them).

For each panel, random settings of its controls are applied and the view it shows is checked:

* every point estimate lies inside its interval, or the readout says that the interval does not
  contain it and why (:data:`workbench.format.NOT_COVERING`);
* each quantity is shown once: the readout's quantities have distinct labels, and each label
  appears once in the text (one value per quantity);
* the planner names the compute budget and the resulting training compute apart, and the
  numbers behind them agree (budget = the control; training compute = 6 N D);
* warnings carry a machine-readable code; controls that do not apply are disabled.

Training panels are swept over the controls that only change the view (the others retrain).
"""

from __future__ import annotations

import html
import math
import re
import warnings

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.format import NOT_COVERING, fmt
from workbench.widgets.panel import Panel

pytestmark = [pytest.mark.needs_mirror, pytest.mark.slow]


# ------------------------------------------------------------------ strategies from controls
def control_strategy(c: w.Widget):
    """Values a person can give a control (log sliders and typed values included)."""
    if isinstance(c, w.FloatLogSlider):
        return st.floats(c.min, c.max).map(lambda e: float(c.base**e))
    if isinstance(c, (w.FloatSlider, w.BoundedFloatText)):
        return st.floats(float(c.min), float(c.max))
    if isinstance(c, (w.IntSlider, w.BoundedIntText)):
        return st.integers(int(c.min), int(c.max))
    if isinstance(c, w.SelectionRangeSlider):
        vals = [o[1] if isinstance(o, tuple) else o for o in c.options]
        return st.tuples(st.integers(0, len(vals) - 1), st.integers(0, len(vals) - 1)).map(
            lambda ij: (vals[min(ij)], vals[max(ij)]))
    if isinstance(c, (w.Dropdown, w.ToggleButtons, w.SelectionSlider, w.RadioButtons, w.Select)):
        return st.sampled_from([o[1] if isinstance(o, tuple) else o for o in c.options])
    if isinstance(c, (w.Checkbox, w.ToggleButton)):
        return st.booleans()
    raise TypeError(f"no strategy for a {type(c).__name__}")


def readout_text(view) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", view.text))


def check_view(panel: Panel, where: str) -> None:
    """The invariants every panel's view must keep."""
    assert panel.error is None, f"{where}: {panel.error}"
    view = panel.view
    text = readout_text(view)
    labels = [q.label for q in view.quantities]
    assert len(labels) == len(set(labels)), f"{where}: a quantity is shown twice: {labels}"
    for q in view.quantities:
        value = q.value if isinstance(q.value, str) else fmt(q.value, q.unit, q.digits)
        assert value in text, f"{where}: {q.label} = {value!r} is not shown"
        # the label appears once, as the label of one row of the readout's table of quantities (other tables, such
        # as the planner's alternatives, name other models' numbers in columns of their own)
        first_table = view.text[view.text.index("<table"):view.text.index("</table>")]
        assert len(re.findall(rf">{re.escape(html.escape(q.label))}</t[hd]>", first_table)) == 1, \
            f"{where}: label {q.label!r} is not shown exactly once"
        if isinstance(q.value, (int, float, np.number)) and q.has_interval:
            inside = float(q.lo) - 1e-9 * abs(float(q.lo)) <= float(q.value) <= float(q.hi) + 1e-9 * abs(float(q.hi))
            if not inside:  # marked, with the reason
                assert not q.covers and NOT_COVERING in text and text.split(NOT_COVERING, 1)[1].strip(": ")[:5], \
                    f"{where}: {q.label} = {q.value} outside [{q.lo}, {q.hi}] and not marked"
    for wng in view.warnings:
        assert getattr(wng, "code", None), f"{where}: a warning without a code: {wng}"
    for name in panel.not_applying():
        assert panel.controls[name].disabled, f"{where}: {name} does not apply but is enabled"


def sweep(panel: Panel, names, data, where: str) -> None:
    values = {n: data.draw(control_strategy(panel.controls[n]), label=n) for n in names}
    panel.set(**values)
    check_view(panel, f"{where} {values}")


SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                derandomize=True)


# ------------------------------------------------------------------------------- panels
@pytest.fixture(scope="module")
def runs():
    return wb.load_dataset("chinchilla").sort_values("loss").iloc[:-5]


@pytest.fixture(scope="module")
def fit(runs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.fit("chinchilla", runs, bootstrap=30, seed=0)


@pytest.fixture(scope="module")
def planner(fit):
    from workbench.widgets import planner_panel

    return planner_panel(fit, limit_data=True)


@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_planner_never_contradicts_itself(planner, data):
    sweep(planner, list(planner.controls), data, "planner")
    view, state, n = planner.view, planner.state, planner.numbers
    by_label = {q.label: q for q in view.quantities}
    budget, used = by_label["compute budget C"], by_label["training compute 6ND"]
    assert budget.value == pytest.approx(state["compute"])
    assert used.value == pytest.approx(6 * n["N"] * n["D"])
    assert "budget" in used.note  # the training compute says how it relates to the budget
    if state["limit_data"]:
        assert by_label["epochs over the unique data"].value == pytest.approx(n["D"] / state["unique_tokens"])
        # the epochs of the recommended run are shown once; the alternatives' epochs are in their own columns
        assert readout_text(view).count("epochs over the unique data") <= 2
    assert "Plan for C =" not in view.text


def test_planner_reported_cases(planner):
    """The contradictions seen in the notebook: the data-limited interval that left out its estimate, the epochs
    shown twice with two values, and the flat isoFLOP profiles."""
    for settings_ in (dict(compute=1e27, limit_data=True, unique_tokens=5e11, inference_tokens=1e15, parameter_set="fit"),
                      dict(compute=1e27, limit_data=True, unique_tokens=1e9, inference_tokens=1e15, parameter_set="fit"),
                      dict(compute=1e23, limit_data=False, inference_tokens=1e12, parameter_set="fit")):
        planner.set(**settings_)
        check_view(planner, str(settings_))
        n = planner.numbers
        assert n["N_lo"] <= n["N"] <= n["N_hi"] and n["D_lo"] <= n["D"] <= n["D_hi"]
    # with 1e9 unique tokens at 1e27 FLOPs the data cap the run: the profiles sit where compute still helps
    planner.set(compute=1e27, limit_data=True, unique_tokens=1e9, inference_tokens=1e6)
    curves = pd.DataFrame(planner.view.chart.datasets["isoflop_curves"].rows) if isinstance(
        getattr(planner.view.chart, "datasets", None), dict) else None
    from workbench.charts.data import spec_datasets

    curves = pd.DataFrame(spec_datasets(planner.view.chart.to_dict())["isoflop_curves"])
    minima = curves.groupby("budget")["loss"].min().sort_index()
    assert minima.iloc[0] > minima.iloc[-1] + 1e-3  # not one flat line
    assert any(getattr(x, "code", "") == "data_saturated" for x in planner.view.warnings)


@pytest.fixture(scope="module")
def fitting(runs):
    from workbench.widgets import fitting_panel

    return fitting_panel(runs, bootstrap=8)


@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_fitting_panel(fitting, data):
    sweep(fitting, list(fitting.controls), data, "fitting")


ANALYTIC = {
    "mirage_panel": dict(),
    "real_task_panel": dict(),
    "coverage_panel": dict(bootstrap=20),
    "verifier_panel": dict(),
    "flops_panel": dict(),
    "hyperparams_panel": dict(),
}


@pytest.fixture(scope="module", params=sorted(ANALYTIC))
def analytic(request):
    import workbench.widgets as widgets

    return request.param, getattr(widgets, request.param)(**ANALYTIC[request.param])


@settings(max_examples=12, **SETTINGS)
@given(data=st.data())
def test_analytic_panels(analytic, data):
    name, panel = analytic
    sweep(panel, list(panel.controls), data, name)


@pytest.fixture(scope="module")
def regimes():
    from workbench.widgets import regimes_panel

    return regimes_panel(max_P=64, max_D=64, latent_dim=256, seed=(0,))


@settings(max_examples=5, **SETTINGS)
@given(data=st.data())
def test_regimes_panel(regimes, data):
    sweep(regimes, list(regimes.controls), data, "regimes")


TRAINING = {
    "pruning_panel": dict(log2_pool=(0, 4), seed=(0,), dim=16),
    "superposition_panel": dict(steps=100, eval_samples=512),
    "elhage_panel": dict(steps=100, seed=(0,)),
    "schedule_panel": dict(steps=60, train_on_start=True),
    "grid_panel": dict(bootstrap=5),
}


@pytest.fixture(scope="module", params=sorted(TRAINING))
def trained(request, tmp_path_factory):
    import workbench.widgets as widgets

    options = dict(TRAINING[request.param])
    if request.param in ("schedule_panel", "grid_panel"):
        options["cache_dir"] = tmp_path_factory.mktemp("tinylm-cache")
    return request.param, getattr(widgets, request.param)(**options)


@settings(max_examples=4, **SETTINGS)
@given(data=st.data())
def test_training_panels_view_controls(trained, data):
    name, panel = trained
    check_view(panel, f"{name} as trained")
    if panel.view_controls:
        sweep(panel, sorted(panel.view_controls), data, name)


@pytest.fixture(scope="module")
def extrapolation():
    from workbench.benchmark import benchmark_extrapolation
    from workbench.widgets import extrapolation_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        leaderboard = benchmark_extrapolation(["moe", "sft"], quick=True, progress=False)
    return extrapolation_panel(leaderboard), leaderboard


@settings(max_examples=8, **SETTINGS)
@given(data=st.data())
def test_extrapolation_panel(extrapolation, data):
    """The law list follows the task (so the task is drawn first); the readout's held-out R² is the shown law's,
    given once in the sentence and once in its bold row of the table."""
    panel, leaderboard = extrapolation
    sweep(panel, ["task"], data, "extrapolation")
    sweep(panel, ["law", "view"], data, "extrapolation")
    n, t = panel.numbers, leaderboard.task(panel.state["task"])
    assert n["task"] == panel.state["task"] and n["law"] == panel.state["law"] and n["law"] in t.laws
    assert n["r2"] == pytest.approx(t.score(n["law"]).r2)
    r2 = f"{n['r2']:.4f}"
    assert f"<b class='heldout-r2'>{r2}</b>" in panel.view.text
    assert re.search(rf"<tr style='font-weight:bold'><td>{re.escape(n['law'])}</td><td>{re.escape(r2)}</td>", panel.view.text)
    # a law of another task is refused with the choices, not taken silently
    other = next(x for x in leaderboard.tasks if x.name != t.name)
    with pytest.raises(wb.WorkbenchError, match="choices"):
        panel.set(law=other.laws[0])


def test_every_panel_is_swept():
    """Each panel the workbench offers is one of those above (a new panel must join the sweep)."""
    import workbench.widgets as widgets

    swept = {"planner_panel", "fitting_panel", "regimes_panel", "extrapolation_panel", *ANALYTIC, *TRAINING}
    assert swept == set(widgets.PANELS)


def test_a_bad_interval_is_marked_and_explained():
    """The check itself can fail: an estimate outside its interval must be marked, with a reason."""
    from workbench.format import Quantity

    q = Quantity("model size N", 1.7e12, "parameters", 5.5e10, 3.96e11)
    assert not q.covers and NOT_COVERING in q.text() and q.text().split(NOT_COVERING)[1].strip(": ")
    assert Quantity("loss", 2.03, "nats/token", 2.0, 2.1).covers
    assert math.isfinite(float(q.value))
