"""Helpers shared by the fitting tests."""

from __future__ import annotations

import warnings

import workbench as wb


def quiet_fit(*args, **kwargs):
    """``wb.fit`` with its FitWarnings silenced (tests read ``fit.warnings`` instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.fit(*args, **kwargs)
