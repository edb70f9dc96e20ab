"""Scaling laws declared as data, and their published parameter sets.

See :func:`get_law`, :func:`list_laws`, :func:`get_parameter_set` and :func:`list_parameter_sets`.
"""

from .catalogue import LAWS, chinchilla_optimum, get_law, list_laws, register_law
from .core import Law, Parameter
from .optimum import optimal_allocation
from .published import PARAMETER_SETS, FittedLaw, ParameterSet, fitted_law, get_parameter_set, list_parameter_sets
from .synthetic import synthetic_runs, synthetic_trajectories

__all__ = [
    "Law", "Parameter", "get_law", "list_laws", "register_law", "LAWS", "chinchilla_optimum",
    "ParameterSet", "PARAMETER_SETS", "get_parameter_set", "list_parameter_sets", "FittedLaw", "fitted_law",
    "optimal_allocation", "synthetic_runs", "synthetic_trajectories",
]
