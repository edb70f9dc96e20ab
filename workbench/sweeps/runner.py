"""Run a grid of configurations through an executor, caching each finished run on disk."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd

from ..errors import ArgumentError
from .cache import DAMAGED_DIR, CacheWarning, RunCache, config_key, default_cache_dir
from .progress import reporting

__all__ = ["grid", "run_sweep", "SweepResult"]


def grid(**axes: Sequence) -> list[dict]:
    """All combinations of the given values: ``grid(width=[8, 16], seed=[0, 1])`` -> 4 configs."""
    for name, values in axes.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise ArgumentError(f"grid(): {name}= needs a list of values, got {values!r}.")
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(axes[n]) for n in names))]


class SweepResult(pd.DataFrame):
    """The concatenated runs of a sweep, with ``attrs`` recording how it went:
    ``n_configs``, ``n_cached`` (read from disk), ``n_computed``, ``complete``, ``cache_dir``,
    ``n_damaged`` (cache entries found damaged, moved to ``cache_dir/damaged`` and computed again),
    ``damaged`` (one ``{key, config, reason, moved_to}`` per such entry), ``n_temporary_removed``
    (half-written files of killed writers removed) and ``warnings`` (``{code, message}``)."""

    @property
    def _constructor(self):
        return SweepResult


def _is_dask_client(executor) -> bool:
    return type(executor).__module__.startswith("distributed") and hasattr(executor, "gather")


def _namespace(func) -> str:
    return f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(func))}"


def run_sweep(
    func: Callable[[dict], pd.DataFrame],
    configs: Iterable[Mapping],
    *,
    cache_dir=None,
    executor=None,
    progress=True,
    namespace: str | None = None,
    on_result: Callable[[dict, pd.DataFrame], None] | None = None,
) -> SweepResult:
    """Run ``func(config) -> DataFrame`` for every configuration; cache and resume.

    Each finished run is written at once to ``cache_dir`` as Parquet under a hash of its
    configuration (and of ``func``'s name), with a record of that configuration and of the
    file's sha256, so re-running a sweep skips finished runs and a sweep killed halfway loses
    nothing and duplicates nothing. A cached entry that is truncated, corrupt, edited, swapped
    with another configuration's or half-written is moved to ``cache_dir/damaged`` (never
    deleted) and computed again, counted in ``attrs["n_damaged"]`` and reported in one
    :class:`~workbench.sweeps.cache.CacheWarning`; temporary files of killed writers are removed.

    Parameters
    ----------
    func : callable
        ``func(config) -> DataFrame`` (a runs table). For process pools and Dask clusters it
        must be importable (a module-level function).
    configs : iterable of dict
        Configurations, e.g. from :func:`grid`. Their values are added as columns.
    cache_dir : path, optional
        Folder of the cache (default :func:`~workbench.sweeps.cache.default_cache_dir`).
        ``False`` disables caching.
    executor : None, concurrent.futures.Executor or dask.distributed.Client
        ``None`` runs in this process, one configuration after another; any
        ``concurrent.futures`` executor or a Dask client (e.g. on a ``LocalCluster``, or
        a cluster spanning many machines) runs them concurrently.
    progress : bool or Progress
        ``True``: a progress bar over the configurations; ``False``: silent; a
        :class:`~workbench.sweeps.progress.Progress`: yours, whose ``stop()`` ends the sweep
        after the runs in flight (finished runs are kept).
    namespace : str, optional
        Part of every cache key (default: ``func``'s module and name); change it when
        ``func``'s behaviour changes so that old results are not reused.
    on_result : callable, optional
        ``on_result(config, table)`` for each run as it finishes (for live charts).

    Returns
    -------
    SweepResult
        All runs (cached and new) with the configuration columns and ``config_key``.
    """
    configs = [dict(c) for c in configs]
    if not configs:
        raise ArgumentError("run_sweep() got no configurations: pass a non-empty list, e.g. grid(width=[8, 16]).")
    ns = namespace if namespace is not None else _namespace(func)
    keys = [config_key(c, ns) for c in configs]
    if len(set(keys)) != len(keys):
        raise ArgumentError("Some configurations repeat exactly; each configuration must appear once.")
    cache = None if cache_dir is False else RunCache(cache_dir if cache_dir is not None else default_cache_dir())

    tables: dict[str, pd.DataFrame] = {}
    todo = []
    damaged: list[dict] = []
    removed = cache.clean_temporary() if cache is not None else []
    for c, k in zip(configs, keys):
        if cache is not None and cache.has(k):
            table, problem = cache.read(k)
            if problem is None:
                tables[k] = table
                continue
            moved = cache.move_aside(k, problem)
            damaged.append({"key": k, "config": c, "reason": problem, "moved_to": [str(p) for p in moved]})
        todo.append((c, k))
    n_cached = len(tables)
    sweep_warnings = []
    if damaged:
        reasons: dict[str, int] = {}
        for d in damaged:
            reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
        message = (
            f"{len(damaged)} cached run(s) in {str(cache.directory)!r} were damaged ("
            + "; ".join(f"{n} {r}" for r, n in reasons.items())
            + f"): moved to {str(cache.directory / DAMAGED_DIR)!r} (not deleted) and computed again."
        )
        sweep_warnings.append({"code": "cache_damaged", "message": message})
        warnings.warn(message, CacheWarning, stacklevel=2)
    with reporting(progress, len(configs), "sweep", initial=n_cached) as bar:
        complete = _run(func, todo, executor, bar, cache, ns, tables, on_result)

    parts = []
    for c, k in zip(configs, keys):
        if k in tables:
            t = tables[k].copy()
            for name, value in c.items():
                if name not in t.columns:
                    t[name] = value if not isinstance(value, (list, dict)) else str(value)
            t["config_key"] = k
            parts.append(t)
    out = SweepResult(pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    complete = complete and len(tables) == len(configs)
    out.attrs.update(
        n_configs=len(configs),
        n_cached=n_cached,
        n_computed=len(tables) - n_cached,
        complete=complete,
        cache_dir=None if cache is None else str(cache.directory),
        n_damaged=len(damaged),
        damaged=damaged,
        n_temporary_removed=len(removed),
        warnings=sweep_warnings,
    )
    return out


def _run(func, todo, executor, progress, cache, ns, tables, on_result) -> bool:
    """Compute the configurations ``todo`` (in process or on ``executor``), saving each as it finishes;
    ``False`` when ``progress`` was stopped first."""

    def finish(config, key, table):
        if not isinstance(table, pd.DataFrame):
            raise ArgumentError(f"The sweep function must return a DataFrame, got {type(table).__name__} for {config}.")
        if cache is not None:
            cache.save(key, table, config, ns)
        tables[key] = table
        progress.update(progress.done + 1)
        if on_result is not None:
            on_result(config, table)

    if executor is None:
        for c, k in todo:
            if progress.stopped:
                return False
            finish(c, k, func(dict(c)))
        return True
    if _is_dask_client(executor):
        from distributed import as_completed

        futures = {executor.submit(func, dict(c), pure=False): (c, k) for c, k in todo}
    else:
        from concurrent.futures import as_completed

        futures = {executor.submit(func, dict(c)): (c, k) for c, k in todo}
    try:
        for fut in as_completed(list(futures)):
            c, k = futures[fut]
            finish(c, k, fut.result())
            if progress.stopped:
                return False
    finally:
        for fut in futures:
            if not fut.done():
                fut.cancel()
    return True
