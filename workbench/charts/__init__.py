"""Altair chart builders. Each returns a plain Altair chart that also renders in exported HTML.

Importing this package registers every builder that draws a result type, so
``result.chart()`` finds it (see :mod:`workbench.charts.registry`). Builders draw
what results carry (fitted lines and frontiers come computed from the science
layer). Every chart keeps its rows in named inline datasets
(:func:`~workbench.charts.data.named_data`) and takes its axis domains from the
data, so a live panel can replace the rows in place. It also registers
and enables the house theme (:mod:`workbench.charts.theme`) and, in a Jupyter kernel,
offline chart outputs.
"""

from . import theme as _theme
from . import benchmark, compute, dynamics, fit, ladder, metrics, pruning, rollout, superposition, testtime  # noqa: F401  (they register builders)
from .fit import fit_chart
from .registry import draw, draws

_theme.register()
_theme.enable_notebook_charts()

__all__ = ["draw", "draws", "fit_chart"]
