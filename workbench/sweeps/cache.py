"""On-disk cache of finished runs: one Parquet file per configuration, named by its hash."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..errors import ArgumentError

__all__ = ["config_key", "RunCache", "default_cache_dir"]


def _canonical(value):
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return repr(value)
        return float(repr(value)) if value != int(value) or abs(value) >= 2**53 else int(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    raise ArgumentError(
        f"Configuration values must be numbers, strings, booleans, lists or dicts; got {type(value).__name__} ({value!r})."
    )


def config_key(config: Mapping, namespace: str = "") -> str:
    """A stable sha256 hex key of a configuration (key order and int/float spelling do not matter)."""
    text = json.dumps({"namespace": namespace, "config": _canonical(config)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def default_cache_dir() -> Path:
    """``WORKBENCH_SWEEP_CACHE`` or ``<workbench cache>/sweeps``."""
    env = os.environ.get("WORKBENCH_SWEEP_CACHE")
    if env:
        return Path(env).expanduser()
    from ..data.registry import cache_dir

    return cache_dir() / "sweeps"


class RunCache:
    """Finished runs on disk, one Parquet file (plus a JSON note of its configuration) per key.

    Writes are atomic (a temporary file renamed into place), so a sweep killed at any
    moment leaves only complete files behind.
    """

    def __init__(self, directory):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.parquet"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def load(self, key: str) -> pd.DataFrame:
        return pd.read_parquet(self.path(key))

    def save(self, key: str, table: pd.DataFrame, config: Mapping | None = None) -> Path:
        target = self.path(key)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        table.to_parquet(tmp, index=False)
        os.replace(tmp, target)
        if config is not None:
            note = target.with_suffix(".json")
            ntmp = note.with_name(f".{note.name}.{os.getpid()}.tmp")
            ntmp.write_text(json.dumps(_canonical(config), indent=1, sort_keys=True))
            os.replace(ntmp, note)
        return target

    def keys(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.parquet"))

    def clear(self) -> None:
        for p in list(self.directory.glob("*.parquet")) + list(self.directory.glob("*.json")):
            p.unlink()
