"""The test-time panels: every control swept from its minimum to its maximum without error."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.charts.data import spec_datasets
from workbench.widgets.testtime import coverage_panel, flops_panel, verifier_panel


@pytest.fixture(scope="module")
def panels():
    return {"coverage": coverage_panel(bootstrap=30), "verifier": verifier_panel(), "flops": flops_panel()}


def _sane(kind, numbers):
    if kind == "coverage":
        return (0 < numbers["truth_at_end"] <= 1 and 0 < numbers["law_at_end"] <= 1
                and 0 < numbers["beta_binomial_at_end"] <= 1 and numbers["law"]["a"] < 0 and numbers["law"]["b"] < 0)
    if kind == "verifier":
        return 0 <= numbers["ceiling"] <= 1 and numbers["best_k"] >= 1 and np.isfinite(numbers["best_utility"])
    return numbers["k"] >= 1 and 0 <= numbers["small_k"] <= 1 and 0 <= numbers["large_1"] <= 1


CONTROLS = {
    "coverage": ["distribution", "strength", "tail", "spread", "problems", "fit_samples", "k_max", "seed"],
    "verifier": ["accuracy", "evenness", "completeness", "soundness", "fp_cost", "k_max"],
    "flops": ["N_large", "ratio", "strength", "spread", "slope", "completeness", "soundness"],
}


@pytest.mark.parametrize("kind, control", [(k, c) for k, cs in CONTROLS.items() for c in cs])
def test_every_control_sweeps_from_min_to_max(panels, kind, control):
    panel = panels[kind]
    assert set(panel.controls) == set(CONTROLS[kind])
    for value, error, numbers in panel.sweep(control, n=4):
        assert error is None, (kind, control, value, error)
        assert _sane(kind, numbers), (kind, control, value, numbers)


def test_coverage_panel_with_logit_normal_shows_the_two_extrapolations_apart(panels):
    p = panels["coverage"]
    p.set(distribution="logit-normal", spread=2.5, strength=0.2, fit_samples=100, k_max=10_000)
    n = p.numbers
    assert p.error is None and n["first_k_apart"] is not None and n["first_k_apart"] > 100
    data = spec_datasets(p.view.chart.to_dict())
    assert {"coverage_curves", "coverage_points", "extrapolated_region", "extrapolation_gap", "difficulty_pdf",
            "difficulty_hist"} <= set(data)
    assert {r["method"] for r in data["coverage_curves"]} == {"coverage law", "beta-binomial", "truth"}
    p.set(distribution="beta")


def test_verifier_panel_numbers_follow_the_cost(panels):
    p = panels["verifier"]
    p.set(fp_cost=0.5, accuracy=0.5, evenness=1.0, completeness=1.0, soundness=0.75)
    a = p.numbers["best_k"]
    p.set(fp_cost=2.0)
    b = p.numbers["best_k"]
    assert a == 7 and b == 1
    assert p.numbers["ceiling"] == pytest.approx(0.7172, abs=1e-3)
    assert "Best K" in p.view.text and {"verifier_curves", "verifier_ceiling", "verifier_best"} <= set(spec_datasets(p.view.chart.to_dict()))


def test_flops_panel_and_static_picture(panels):
    p = panels["flops"]
    p.set(ratio=14.0, slope=3.0)
    assert p.numbers["k"] == 14
    hard_small, hard_large = p.numbers["hardest_bin"]
    assert hard_large > hard_small
    assert "<svg" in p._repr_mimebundle_()["text/html"]


def test_coverage_panel_refills_one_chart_with_the_rows_a_fresh_chart_would_have():
    """Slider moves swap rows in the chart built on the first update; the result must equal building anew."""
    from workbench.charts.testtime import (
        difficulty_chart,
        extrapolation_chart,
        side_by_side,
    )
    from workbench.testtime import (
        compare_extrapolations,
        difficulty,
        generate_counts,
        k_grid,
    )

    p = coverage_panel(bootstrap=10)
    first = p.view.chart
    p.set(strength=0.3, tail=0.5, fit_samples=50, k_max=10_000, seed=3)
    assert p.view.chart is first  # the same object, refilled
    dist = difficulty("beta", 0.3, 0.5)
    counts = generate_counts(int(p.state["problems"]), 50, dist, seed=3)
    cmp = compare_extrapolations(counts, None, k=k_grid(10_000, per_decade=10), bootstrap=10, seed=3)
    fresh = side_by_side(extrapolation_chart(cmp, width=420, height=250),
                         difficulty_chart(dist, counts=counts, fit=cmp.beta_fit, width=260, height=200))
    assert p.view.chart.to_dict() == fresh.to_dict()


def test_live_coverage_panel_sends_only_new_rows():
    p = coverage_panel(bootstrap=0)
    p.widget  # the live chart exists
    spec_before = p._jchart.spec
    p.set(strength=0.5)
    updates = {u["name"]: u["value"] for u in p._jchart._py_to_js_updates}
    assert p._jchart.spec == spec_before  # structure untouched: no redraw from scratch
    assert {"coverage_curves", "coverage_points", "difficulty_hist", "difficulty_pdf"} <= set(updates)
    assert updates["coverage_points"] == spec_datasets(p.view.chart.to_dict())["coverage_points"]
