"""Altair chart builders. Each returns a plain Altair chart that also renders in exported HTML."""

from .fit import fit_chart, frontier

__all__ = ["fit_chart", "frontier"]
