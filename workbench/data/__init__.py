"""Runs tables and public datasets (published parameter sets of laws live in :mod:`workbench.laws`)."""

from .registry import cache_dir, dataset_dir, get_dataset, list_datasets, load_dataset, register_loader
from .runs import CANONICAL_COLUMNS, load_runs, validate_runs

__all__ = [
    "CANONICAL_COLUMNS",
    "load_runs",
    "validate_runs",
    "load_dataset",
    "list_datasets",
    "get_dataset",
    "dataset_dir",
    "cache_dir",
    "register_loader",
]
