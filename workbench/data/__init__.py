"""Runs tables, public datasets and published parameter sets."""

from .filters import Filter, filter_mask, parse_filter
from .params import PARAMETER_SETS, ParameterSet, get_parameter_set, list_parameter_sets
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
from .runs import CANONICAL_COLUMNS, load_runs, validate_runs

__all__ = [
    "CANONICAL_COLUMNS",
    "load_runs",
    "validate_runs",
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
    "ParameterSet",
    "PARAMETER_SETS",
    "get_parameter_set",
    "list_parameter_sets",
]
