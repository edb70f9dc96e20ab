"""The extrapolation panel: a task dropdown, a law dropdown, the held-out fit chart; drivable from Python."""

from __future__ import annotations

import warnings

import pytest

from workbench.benchmark import benchmark_extrapolation
from workbench.errors import UnknownNameError
from workbench.widgets import extrapolation_panel

pytestmark = pytest.mark.needs_mirror


@pytest.fixture(scope="module")
def leaderboard():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return benchmark_extrapolation(["moe", "sft"], quick=True, progress=False)


def test_panel_follows_task_and_law(leaderboard):
    p = extrapolation_panel(leaderboard)
    assert p.error is None and p.numbers["task"] == "moe" and p.numbers["law"] == leaderboard.task("moe").selected
    # the law list follows the task
    p.set(task="sft")
    assert p.error is None and p.numbers["task"] == "sft"
    assert [v for _, v in p.controls["law"].options] == leaderboard.task("sft").laws
    assert p.controls["law"].value == leaderboard.task("sft").selected
    p.set(law="power_law_D")
    assert p.numbers["law"] == "power_law_D"
    assert p.numbers["r2"] == pytest.approx(leaderboard.task("sft").score("power_law_D").r2)
    p.set(view="residuals")
    assert p.error is None
    spec = p.freeze().to_dict()
    assert "relative error" in str(spec)
    # a change of task made through the widget (as a user does) also refreshes the law list
    p.controls["task"].value = "moe"
    assert p.error is None and p.controls["law"].value == leaderboard.task("moe").selected
    assert "heldout-r2" in p.view.text


def test_panel_sweeps_every_choice(leaderboard):
    p = extrapolation_panel(leaderboard, task="sft", law="rectified_sft")
    for _, error, numbers in p.sweep("task") + p.sweep("law") + p.sweep("view"):
        assert error is None and numbers


def test_panel_rejects_unknown_choices(leaderboard):
    with pytest.raises(UnknownNameError):
        extrapolation_panel(leaderboard, task="vocabulary")
    with pytest.raises(UnknownNameError):
        extrapolation_panel(leaderboard, task="moe", law="chinchilla")
