"""Scaling Workbench: fit, plan and explore neural scaling laws in Jupyter.

Quick start
-----------
>>> import workbench as wb
>>> runs = wb.load_dataset("chinchilla")            # doctest: +SKIP
>>> fit = wb.fit("chinchilla", runs)                 # doctest: +SKIP
>>> print(fit.summary())                             # doctest: +SKIP
>>> wb.compute.plan(1e22, fit)                       # doctest: +SKIP

The public API is the table ``_PUBLIC`` below (name -> the module that defines
it): the functions and types listed there, and the subpackages
(``wb.compute``, ``wb.metrics``, ``wb.testtime`` ...), each imported the first
time it is used.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: The public API in one place: name -> module that defines it (imported on first use).
_PUBLIC = {
    "load_runs": "data",
    "load_dataset": "data",
    "list_datasets": "data",
    "get_law": "laws",
    "list_laws": "laws",
    "get_parameter_set": "laws",
    "list_parameter_sets": "laws",
    "fit": "fitting",
    "Fit": "fitting",
    "rollout": "fitting",
    "Rollout": "fitting",
    "benchmark_extrapolation": "benchmark",
    "fit_task_ladder": "metrics",
    "Result": "results",
    "WorkbenchError": "errors",
}

#: Subpackages reachable as attributes: ``wb.compute.plan(...)``.
_SUBPACKAGES = (
    "data", "laws", "fitting", "compute", "metrics", "testtime", "dynamics", "toys", "sweeps",
    "benchmark", "charts", "widgets", "results", "errors",
)

__all__ = [*_PUBLIC, *_SUBPACKAGES, "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}; its public names are {', '.join(__all__)}.")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
