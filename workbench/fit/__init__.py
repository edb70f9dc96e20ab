"""One fitting engine for every law: robust loss, vectorised multi-start, bootstrap, held-out checks."""

from .api import fit
from .diagnostics import FitDiagnostic
from .groups import resolve_groups
from .rollout import Rollout, rollout
from .uncertainty import NoiseModel
from .engine import POLISH_OPTIONS, Problem, robust_loss
from .loglinear import PowerLawFit, fit_power_law
from .result import Fit, FitWarning

__all__ = ["fit", "rollout", "Rollout", "FitDiagnostic", "NoiseModel", "resolve_groups", "fit_power_law", "PowerLawFit", "Fit", "FitWarning", "Problem", "robust_loss", "POLISH_OPTIONS"]
