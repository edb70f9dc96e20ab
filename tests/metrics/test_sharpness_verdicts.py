"""Sharpness of score-vs-scale curves and the "emergent-looking" verdict."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.errors import WorkbenchError
from workbench.metrics import mirage, sharpness

N = np.logspace(8, 12, 81)


def test_a_late_step_is_emergent_and_a_line_in_log_scale_is_not():
    step = sharpness(N, (N > 2e11).astype(float))
    assert step.emergent and step.share == pytest.approx(1.0)
    line = sharpness(N, np.log10(N))
    assert not line.emergent and line.share == pytest.approx(0.25, abs=1e-6)


def test_a_sharp_early_drop_is_sharp_but_not_emergent():
    """A power law falls fastest at small scale: most of its change in the first decade, no flat stretch first."""
    loss = (1e8 / N) ** 1.0
    s = sharpness(N, loss, higher_is_better=False)
    assert s.share > 0.85 and not s.emergent
    assert "flat" in s.reason


def test_no_improvement_is_not_emergent():
    s = sharpness(N, -np.log10(N))
    assert not s.emergent and s.net_change < 0
    s2 = sharpness(N, np.log10(N), higher_is_better=False)
    assert not s2.emergent


@pytest.mark.parametrize("l", [5, 6, 8, 10])
def test_default_law_exact_match_with_long_answers_looks_emergent(l):
    r = mirage("exact_match", l=l)
    assert r.verdict.emergent, r.verdict
    assert r.measured_verdict.emergent, r.measured_verdict  # and so does the default test set of 100 items


def test_very_long_answers_rise_too_late_to_see_in_the_default_range():
    """With l = 20 exact match stays below 1% up to 1e12 parameters; shown up to 1e13 it jumps."""
    assert not mirage("exact_match", l=20).emergent
    assert mirage("exact_match", l=20, scale=(1e8, 1e13)).emergent


@pytest.mark.parametrize("l", [1, 2, 5, 10, 20])
def test_default_law_edit_distance_does_not(l):
    r = mirage("edit_distance", l=l)
    assert not r.verdict.emergent, r.verdict


def test_default_law_one_token_exact_match_and_log_likelihood_are_smooth():
    assert not mirage("exact_match", l=1).emergent
    assert not mirage("log_likelihood", l=5).emergent


def test_multiple_choice_grade_looks_emergent_and_brier_does_not():
    """Schaeffer et al. (2023): the multiple-choice grade is step-like, the Brier score smooth (same outputs)."""
    assert mirage("choice_accuracy", l=1, k=4).emergent
    assert not mirage("brier", l=1, k=4).emergent


def test_the_verdict_depends_on_the_range_shown():
    """Shown only up to 1e10 parameters, exact match rises by less than a percentage point: no jump in view."""
    r = mirage("exact_match", l=5, scale=(1e8, 1e10))
    assert not r.verdict.emergent and "visible" in r.verdict.reason
    assert (r.test_set["score"] == 0).all() and not r.measured_verdict.emergent


def test_short_curves_get_a_window_of_their_span():
    s = sharpness([1e9, 2e9, 4e9], [0.0, 0.1, 0.9])
    assert s.decades < 1 and s.share == pytest.approx(1.0)
    assert not s.emergent and "too few" in s.reason


def test_bad_input():
    with pytest.raises(WorkbenchError):
        sharpness([1e9], [0.5])
    with pytest.raises(WorkbenchError):
        sharpness([1e9, -1], [0.5, 0.6])
    with pytest.raises(WorkbenchError):
        sharpness([1e9, 1e10], [0.5])
