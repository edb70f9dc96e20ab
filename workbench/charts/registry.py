"""Which chart builder draws which result: the registry behind ``result.chart()``.

A science module defines a result type and never imports the charts layer;
a chart module registers its builder for that type with :func:`draws`, and
:meth:`workbench.results.Result.chart` calls :func:`draw`, which finds the
builder registered for the result's class (or the nearest base class). This is
the accessor pattern of xarray's ``.plot``: the data object offers ``.chart()``,
the plotting layer owns the drawing.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ArgumentError

__all__ = ["draws", "draw", "builder_for", "registered"]

_BUILDERS: dict[type, Callable] = {}


def draws(*result_types: type) -> Callable:
    """Register the decorated function as the chart builder of ``result_types``.

    The builder takes the result first and keyword options after it, and
    returns an Altair chart.
    """

    def register(builder: Callable) -> Callable:
        for t in result_types:
            _BUILDERS[t] = builder
        return builder

    return register


def builder_for(result_type: type) -> Callable | None:
    """The builder registered for ``result_type`` or its nearest base class, or ``None``."""
    for t in result_type.__mro__:
        if t in _BUILDERS:
            return _BUILDERS[t]
    return None


def registered() -> dict[type, Callable]:
    """A copy of the registry: result type -> builder."""
    return dict(_BUILDERS)


def draw(result, **kwargs):
    """Draw ``result`` with the builder registered for its type."""
    builder = builder_for(type(result))
    if builder is None:
        raise ArgumentError(
            f"There is no chart for a {type(result).__name__}; the charts layer draws "
            f"{', '.join(sorted(t.__name__ for t in _BUILDERS))}."
        )
    return builder(result, **kwargs)
