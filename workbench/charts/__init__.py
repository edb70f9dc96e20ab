"""Altair chart builders. Each returns a plain Altair chart that also renders in exported HTML.

Importing this package registers every builder that draws a result type, so
``result.chart()`` finds it (see :mod:`workbench.charts.registry`).
"""

from . import benchmark, compute, dynamics, fit, ladder, metrics, pruning, rollout, superposition, testtime  # noqa: F401  (they register builders)
from .fit import fit_chart
from .registry import draw, draws

__all__ = ["draw", "draws", "fit_chart"]
