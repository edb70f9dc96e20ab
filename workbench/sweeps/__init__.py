"""Sweeps: run a grid of configurations (in process, on any ``concurrent.futures`` executor, or on a
Dask cluster), cache every finished run on disk, and resume after an interruption."""

from .cache import CacheWarning, RunCache, config_key, default_cache_dir
from .progress import Progress, reporting
from .runner import SweepResult, grid, run_sweep

__all__ = ["grid", "run_sweep", "SweepResult", "RunCache", "CacheWarning", "config_key", "default_cache_dir", "Progress",
           "reporting"]
