"""One fitting engine for every law: robust loss, vectorised multi-start, bootstrap, held-out checks.

(The subpackage is ``workbench.fitting``; its main function is ``workbench.fit``.)
"""

from .api import fit
from .families import FitTable
from .loglinear import PowerLawFit, fit_power_law
from .result import Fit, FitWarning
from .rollout import Rollout, rollout

__all__ = ["fit", "Fit", "FitWarning", "fit_power_law", "PowerLawFit", "rollout", "Rollout", "FitTable"]
