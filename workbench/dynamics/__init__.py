"""Training dynamics: learning-rate schedules, the learning-rate-annealing law of whole loss curves,
and hyperparameter laws (Step Law's optimal learning rate and batch size, Kaplan's critical batch).

The tiny language models that produce loss curves to check them on live in
:mod:`workbench.toys.tinylm`.
"""

from . import schedules, annealing, hyperparams

#: The public API: what each module lists in its own ``__all__``.
__all__ = [
    *schedules.__all__, *annealing.__all__, *hyperparams.__all__,
]

from .schedules import *  # noqa: E402, F403
from .annealing import *  # noqa: E402, F403
from .hyperparams import *  # noqa: E402, F403
