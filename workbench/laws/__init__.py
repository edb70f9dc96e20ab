"""Scaling laws declared as data. See :func:`get_law` and :func:`list_laws`."""

from .catalogue import LAWS, chinchilla_optimum, get_law, list_laws, register_law
from .core import Law, Parameter

__all__ = ["Law", "Parameter", "LAWS", "get_law", "list_laws", "register_law", "chinchilla_optimum"]
