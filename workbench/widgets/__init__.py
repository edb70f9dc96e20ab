"""Interactive panels: ipywidgets controls + a live Altair chart + calls into the science layer.

Every lab's panels are importable from here (loaded on first use, so that importing
this package does not pull in torch for the toy-model panels).
"""

from __future__ import annotations

import importlib

from .panel import Panel, View, control_values, log_slider
from .training import TrainingPanel

#: panel factory -> module that defines it
PANELS = {
    "fitting_panel": "fitting",
    "extrapolation_panel": "benchmark",
    "planner_panel": "planner",
    "mirage_panel": "metrics",
    "real_task_panel": "metrics",
    "coverage_panel": "testtime",
    "verifier_panel": "testtime",
    "flops_panel": "testtime",
    "grid_panel": "dynamics",
    "schedule_panel": "dynamics",
    "hyperparams_panel": "dynamics",
    "pruning_panel": "pruning",
    "regimes_panel": "pruning",
    "superposition_panel": "superposition",
    "elhage_panel": "superposition",
}

__all__ = ["Panel", "View", "TrainingPanel", "log_slider", "control_values", *PANELS]


def __getattr__(name: str):
    if name in PANELS:
        return getattr(importlib.import_module(f".{PANELS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
