"""Scaling Workbench: fit, plan and explore neural scaling laws in Jupyter.

Quick start
-----------
>>> import workbench as wb
>>> runs = wb.load_dataset("chinchilla")            # doctest: +SKIP
>>> fit = wb.fit("chinchilla", runs)                 # doctest: +SKIP
>>> print(fit.summary())                             # doctest: +SKIP
"""

from .data import get_parameter_set, list_datasets, list_parameter_sets, load_dataset, load_runs
from .errors import WorkbenchError
from .fit import Fit, Rollout, fit, rollout
from .laws import get_law, list_laws

__version__ = "0.1.0"

__all__ = [
    "load_runs",
    "load_dataset",
    "list_datasets",
    "get_parameter_set",
    "list_parameter_sets",
    "fit",
    "Fit",
    "rollout",
    "Rollout",
    "get_law",
    "list_laws",
    "WorkbenchError",
    "__version__",
]
