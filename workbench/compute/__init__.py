"""Compute planning: FLOPs, compute-optimal allocation, isoFLOP analysis, data limits, inference, hardware.

The main entry points:

* :func:`plan` — from a budget (and unique data, and inference demand) to a model
  size, tokens, predicted loss with interval, days, energy, emissions and cost.
* :func:`compute_optimal` — ``N_opt``, ``D_opt``, tokens per parameter and loss for
  any law of ``N`` and ``D`` (the closed form a law declares, numeric otherwise), with
  intervals from a :class:`~workbench.fitting.Fit`'s bootstrap.

Every function takes a *fitted law*: a :class:`~workbench.fitting.Fit`, a published
:class:`~workbench.laws.ParameterSet` (or its name, e.g. ``"besiroglu2024"``), or a law
with your values (see :func:`workbench.laws.fitted_law`).
* :func:`isoflop_analysis` / :func:`envelope_analysis` — Hoffmann et al.'s Approaches
  2 and 1 from runs.
* :func:`data_constrained_optimum` — Muennighoff et al.'s optimum with limited unique data.
* :func:`inference_optimum` — Sardana & Frankle's optimum of training plus inference FLOPs.
* :func:`crossover` — where one fitted law overtakes another.
* :func:`hardware_estimate`, :func:`accelerator_table` — time, energy, emissions, cost.
* :func:`training_flops`, :func:`transformer_flops`, :func:`flops_comparison` — FLOPs accounting.
"""

from .constrained import DataConstrainedPlan, data_constrained_optimum, data_constrained_source, repeated_data_value, repetition_cost
from .crossover import Crossover, crossover, loss_along
from .flops import KNOWN_SHAPES, TransformerShape, flops_comparison, inference_flops, training_flops, transformer_flops
from .hardware import (
    ACCELERATORS,
    DEFAULT_ASSUMPTIONS,
    Accelerator,
    HardwareEstimate,
    accelerator_table,
    get_accelerator,
    hardware_estimate,
    register_accelerator,
)
from .inference import InferencePlan, inference_optimum, tokens_for_loss
from .isoflop import (
    CHINCHILLA_ISOFLOP_BUDGETS,
    PUBLISHED_EXPONENTS,
    EnvelopeAnalysis,
    IsoFLOPAnalysis,
    bin_budgets,
    envelope_analysis,
    isoflop_analysis,
    isoflop_curves,
)
from ..laws.optimum import optimal_allocation
from .optimal import Allocation, compute_optimal, compute_optimal_values
from .plan import Plan, plan

__all__ = [
    "plan", "Plan",
    "compute_optimal", "compute_optimal_values", "optimal_allocation", "Allocation",
    "data_constrained_optimum", "data_constrained_source", "DataConstrainedPlan", "repeated_data_value", "repetition_cost",
    "inference_optimum", "InferencePlan", "tokens_for_loss",
    "crossover", "Crossover", "loss_along",
    "isoflop_analysis", "IsoFLOPAnalysis", "envelope_analysis", "EnvelopeAnalysis", "bin_budgets", "isoflop_curves",
    "CHINCHILLA_ISOFLOP_BUDGETS", "PUBLISHED_EXPONENTS",
    "hardware_estimate", "HardwareEstimate", "accelerator_table", "register_accelerator", "get_accelerator",
    "Accelerator", "ACCELERATORS", "DEFAULT_ASSUMPTIONS",
    "training_flops", "inference_flops", "transformer_flops", "TransformerShape", "flops_comparison", "KNOWN_SHAPES",
]
