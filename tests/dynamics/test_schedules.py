"""Learning-rate schedules: shapes, warmup, decay start, final fraction."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.dynamics import PRESETS, Schedule, preset, schedules
from workbench.errors import WorkbenchError


def test_doctests():
    assert doctest.testmod(schedules).failed == 0


def test_constant_with_warmup():
    lr = Schedule("constant", peak=0.1, warmup=0.1).lrs(100)
    np.testing.assert_allclose(lr[:10], 0.1 * np.arange(1, 11) / 10)
    assert np.all(lr[10:] == 0.1)


def test_cosine_from_end_of_warmup_to_final():
    T = 1000
    lr = Schedule("cosine", peak=1.0, warmup=0.1, final=0.1).lrs(T)
    assert lr[99] == pytest.approx(1.0) and lr[100] == pytest.approx(1.0)
    mid = 100 + (T - 100) // 2
    assert lr[mid] == pytest.approx(0.55, abs=1e-3)  # halfway down the cosine: f + (1 - f)/2
    assert lr[-1] == pytest.approx(0.1, abs=1e-4) and np.all(np.diff(lr[100:]) <= 0)


def test_wsd_is_flat_then_decays_linearly():
    lr = Schedule("wsd", peak=1.0, warmup=0.0, decay_start=0.8, final=0.0).lrs(100)
    assert np.all(lr[:80] == 1.0)
    np.testing.assert_allclose(lr[80:], 1.0 - np.arange(20) / 20)
    assert lr.min() > 0  # stays positive even when decaying to 0
    cos = Schedule("wsd", peak=1.0, decay_start=0.5, final=0.2, decay_shape="cosine").lrs(100)
    assert cos[50] == 1.0 and cos[-1] == pytest.approx(0.2, abs=1e-3)


def test_step_drops():
    lr = Schedule("step", peak=1.0, decay_start=0.5, final=0.01, drops=2).lrs(100)
    assert set(np.round(lr, 6)) == {1.0, 0.1, 0.01}
    assert np.all(lr[:50] == 1.0) and np.all(lr[50:75] == pytest.approx(0.1)) and np.all(lr[75:] == pytest.approx(0.01))


@given(kind=st.sampled_from(list(PRESETS)), steps=st.integers(1, 400), peak=st.floats(1e-5, 1.0),
       warmup=st.floats(0.0, 0.5), decay_start=st.floats(0.0, 1.0), final=st.floats(0.01, 1.0))
def test_every_schedule_is_positive_and_bounded(kind, steps, peak, warmup, decay_start, final):
    s = Schedule(kind, peak=peak, warmup=warmup, decay_start=decay_start, final=final)
    lr = s.lrs(steps)
    assert lr.shape == (steps,) and np.all(lr > 0) and np.all(lr <= peak * (1 + 1e-12))


def test_presets_and_errors():
    assert preset("wsd", peak=3e-3).peak == 3e-3 and preset("cosine").kind == "cosine"
    assert "decay from 80%" in preset("wsd").describe()
    for bad in (dict(kind="exponential"), dict(peak=0), dict(warmup=1.0), dict(final=1.5), dict(decay_start=-0.1),
                dict(kind="step", final=0.0), dict(drops=0), dict(decay_shape="cubic")):
        with pytest.raises(WorkbenchError):
            Schedule(**bad)
    with pytest.raises(WorkbenchError):
        preset("onecycle")
    with pytest.raises(WorkbenchError):
        Schedule().lrs(0)
