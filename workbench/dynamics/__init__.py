"""Training dynamics: learning-rate schedules, the learning-rate-annealing law of whole loss curves,
and hyperparameter laws (Step Law's optimal learning rate and batch size, Kaplan's critical batch).

The tiny language models that produce loss curves to check them on live in
:mod:`workbench.toys.tinylm`.
"""

from .annealing import (
    DECAY_GRID,
    DEFAULT_DECAY,
    AnnealingFit,
    add_annealing_areas,
    annealing_areas,
    default_decay,
    fit_annealing,
    predict_curve,
    schedule_areas,
)
from .schedules import PRESETS, SCHEDULE_KINDS, Schedule, preset

__all__ = [
    "Schedule",
    "preset",
    "PRESETS",
    "SCHEDULE_KINDS",
    "annealing_areas",
    "add_annealing_areas",
    "schedule_areas",
    "fit_annealing",
    "predict_curve",
    "AnnealingFit",
    "DEFAULT_DECAY",
    "DECAY_GRID",
    "default_decay",
]
