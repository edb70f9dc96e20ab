"""The public API: one list of names, subpackages reachable lazily, one error hierarchy, layers enforced."""

from __future__ import annotations

import subprocess
import sys

import pytest

import workbench as wb
from workbench import errors


def test_subpackages_are_attributes_and_do_not_shadow_functions():
    assert callable(wb.fit) and wb.fit.__module__ == "workbench.fitting.api"
    assert wb.fitting.fit_power_law.__name__ == "fit_power_law"
    assert wb.compute.plan.__module__ == "workbench.compute.plan"
    for name in ("testtime", "metrics", "dynamics", "toys", "laws", "data", "charts", "widgets", "sweeps"):
        assert getattr(wb, name).__name__ == f"workbench.{name}"
    with pytest.raises(AttributeError, match="public names"):
        wb.no_such_thing  # noqa: B018


def test_all_lists_only_public_names_and_each_resolves():
    internals = {"Problem", "robust_loss", "POLISH_OPTIONS", "as_source", "LawSource", "PLANNER_PARAMETER_SETS"}
    assert not internals & set(wb.__all__)
    for name in wb.__all__:
        assert getattr(wb, name) is not None
    assert not internals & set(wb.fitting.__all__)


def test_import_is_lazy():
    code = "import sys, workbench; print(sorted(m for m in sys.modules if m.startswith('workbench')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['workbench']"


@pytest.mark.parametrize("cls", [errors.RunsError, errors.MissingColumnsError, errors.UnknownNameError, errors.LawError,
                                 errors.SamplesError, errors.ArgumentError])
def test_argument_errors_are_workbench_and_value_errors(cls):
    err = cls("message")
    assert isinstance(err, errors.WorkbenchError) and isinstance(err, ValueError)
    assert str(err) == "message"  # key errors print their message, not its repr


def test_samples_error_is_one_class():
    assert wb.testtime.SamplesError is errors.SamplesError
    with pytest.raises(ValueError, match="k must be at least 1"):
        wb.testtime.pass_at_k([5], [2], 0)
