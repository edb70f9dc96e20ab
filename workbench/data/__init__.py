"""Runs tables and public datasets (published parameter sets of laws live in :mod:`workbench.laws`)."""

from .filters import Filter, filter_mask, parse_filter
from .registry import (
    PinnedFolder,
    cache_dir,
    dataset_dir,
    dataset_files,
    get_dataset,
    list_datasets,
    load_dataset,
    register_loader,
)
from .runs import CANONICAL_COLUMNS, INPUT_COLUMNS, load_runs, stack_outputs, validate_runs
from .splits import AnyOf, Equals, Folds, Largest, SplitRule, Where

__all__ = [
    "CANONICAL_COLUMNS",
    "load_runs",
    "validate_runs",
    "INPUT_COLUMNS",
    "stack_outputs",
    "SplitRule",
    "Largest",
    "Equals",
    "AnyOf",
    "Folds",
    "Where",
    "parse_filter",
    "filter_mask",
    "Filter",
    "load_dataset",
    "list_datasets",
    "get_dataset",
    "dataset_dir",
    "dataset_files",
    "PinnedFolder",
    "cache_dir",
    "register_loader",
]
