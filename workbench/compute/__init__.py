"""Compute planning: FLOPs, compute-optimal allocation, isoFLOP analysis, data limits, inference, hardware.

The main entry points:

* :func:`plan` — from a budget (and unique data, and inference demand) to a model
  size, tokens, predicted loss with interval, days, energy, emissions and cost.
* :func:`compute_optimal` — ``N_opt``, ``D_opt``, tokens per parameter and loss for
  any law of ``N`` and ``D`` (the closed form a law declares, numeric otherwise), with
  intervals from a :class:`~workbench.fitting.Fit`'s bootstrap.
* :func:`isoflop_analysis` / :func:`envelope_analysis` — Hoffmann et al.'s Approaches
  2 and 1 from runs.
* :func:`data_constrained_optimum` — Muennighoff et al.'s optimum with limited unique data.
* :func:`inference_optimum` — Sardana & Frankle's optimum of training plus inference FLOPs.
* :func:`crossover` — where one fitted law overtakes another.
* :func:`hardware_estimate`, :func:`accelerator_table` — time, energy, emissions, cost.
* :func:`training_flops`, :func:`transformer_flops`, :func:`flops_comparison` — FLOPs accounting.

Every function takes a *fitted law*: a :class:`~workbench.fitting.Fit`, a published
:class:`~workbench.laws.ParameterSet` (or its name, e.g. ``"besiroglu2024"``), or a law
with your values (see :func:`workbench.laws.fitted_law`).
"""

from ..laws.optimum import optimal_allocation
from . import flops, hardware, optimal, isoflop, constrained, inference, crossover, plan

#: The public API: what each module lists in its own ``__all__``.
__all__ = [
    "optimal_allocation", *flops.__all__, *hardware.__all__, *optimal.__all__, *isoflop.__all__,
    *constrained.__all__, *inference.__all__, *crossover.__all__, *plan.__all__,
]

from .flops import *  # noqa: E402, F403
from .hardware import *  # noqa: E402, F403
from .optimal import *  # noqa: E402, F403
from .isoflop import *  # noqa: E402, F403
from .constrained import *  # noqa: E402, F403
from .inference import *  # noqa: E402, F403
from .crossover import *  # noqa: E402, F403
from .plan import *  # noqa: E402, F403
