"""On-disk cache of finished runs: one Parquet file per configuration, named by its hash, with a
record of its configuration and checksum so that damaged entries are recognised and recomputed."""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..data.manifest import sha256_of
from ..errors import ArgumentError, CacheError, WorkbenchError

__all__ = ["config_key", "RunCache", "CacheWarning", "default_cache_dir"]


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


#: Version of the record written beside each cached run (older caches have none and are recomputed).
RECORD_FORMAT = 2
#: Temporary files of writers that are gone are removed; those of a live process are kept, unless older than this.
TEMPORARY_MAX_AGE_S = 24 * 3600
#: Sub-folder where damaged entries are moved (renamed, never deleted).
DAMAGED_DIR = "damaged"


class CacheWarning(UserWarning):
    """Damaged cache entries were moved aside and their runs computed again."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class RunCache:
    """Finished runs on disk: per key, a Parquet file and a JSON record of its configuration and checksum.

    The record (``<key>.json``) holds the configuration and namespace the run belongs
    to, the key they hash to, and the size and sha256 of the Parquet payload
    (``<key>.parquet``). :meth:`check` compares an entry with its record, so a
    truncated, zeroed, corrupt, edited or swapped file, or one left half-written by a
    killed process, is recognised; :meth:`move_aside` renames such an entry into the
    ``damaged/`` sub-folder (never deleting it) so that it is computed again.

    Writes go through temporary files renamed into place, the record first and the
    payload last, so the payload appears only once its record is there. Temporary
    files of writers that died are removed by :meth:`clean_temporary`.
    """

    def __init__(self, directory):
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The Parquet payload of ``key``."""
        return self.directory / f"{key}.parquet"

    def record_path(self, key: str) -> Path:
        """The JSON record of ``key``: configuration, namespace, key, size and sha256 of the payload."""
        return self.directory / f"{key}.json"

    def has(self, key: str) -> bool:
        """Whether a payload exists for ``key`` (it may still be damaged: see :meth:`check`)."""
        return self.path(key).is_file()

    def check(self, key: str) -> str | None:
        """What is wrong with the entry of ``key``, in a few words, or ``None`` when it is sound.

        Sound means: the record exists and names this key, its configuration and
        namespace hash to this key, and the payload has the recorded size and sha256.
        """
        payload, record_path = self.path(key), self.record_path(key)
        if not payload.is_file():
            return "missing"
        try:
            record = json.loads(record_path.read_text())
        except FileNotFoundError:
            return "no record of its checksum (half-written, or written by an older version)"
        except (OSError, ValueError):
            return "unreadable record"
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            return "no record of its checksum (half-written, or written by an older version)"
        if record.get("key") != key:
            return "belongs to another configuration"
        try:
            if record["config"] is not None and config_key(record["config"], record["namespace"]) != key:
                return "record does not match its configuration"
        except (KeyError, TypeError, AttributeError, WorkbenchError):
            return "unreadable record"
        size = payload.stat().st_size
        if size != record.get("size"):
            if size == 0:
                return "empty file"
            return "truncated" if isinstance(record.get("size"), int) and size < record["size"] else "wrong size"
        if sha256_of(payload) != record.get("sha256"):
            return "checksum differs (edited or replaced)"
        return None

    def read(self, key: str) -> tuple[pd.DataFrame | None, str | None]:
        """``(table, None)`` for a sound entry, ``(None, what is wrong)`` otherwise (see :meth:`check`)."""
        problem = self.check(key)
        if problem is None:
            try:
                return pd.read_parquet(self.path(key)), None
            except Exception as exc:  # a payload that matches its record but does not read (pyarrow raises many types)
                problem = f"unreadable ({type(exc).__name__})"
        return None, problem

    def load(self, key: str) -> pd.DataFrame:
        """The cached run of ``key``, after :meth:`check`.

        Raises
        ------
        CacheError
            The entry is missing or damaged (the message says how).
        """
        table, problem = self.read(key)
        if problem is not None:
            raise CacheError(f"The cached run {key[:12]}... in {str(self.directory)!r} is damaged: {problem}. "
                             "run_sweep() moves such entries aside and computes them again.")
        return table

    def save(self, key: str, table: pd.DataFrame, config: Mapping | None = None, namespace: str = "") -> Path:
        """Write ``table`` as the run of ``key`` (= ``config_key(config, namespace)``), with its record.

        Raises
        ------
        CacheError
            ``config`` and ``namespace`` do not hash to ``key``.
        """
        if config is not None and config_key(config, namespace) != key:
            raise CacheError(f"save({key[:12]}...): the configuration and namespace given do not hash to this key.")
        target, note = self.path(key), self.record_path(key)
        tag = f"{os.getpid()}.tmp"
        tmp = target.with_name(f".{target.name}.{tag}")
        ntmp = note.with_name(f".{note.name}.{tag}")
        try:
            table.to_parquet(tmp, index=False)
            record = {
                "format": RECORD_FORMAT,
                "key": key,
                "namespace": namespace,
                "config": None if config is None else _canonical(config),
                "size": tmp.stat().st_size,
                "sha256": sha256_of(tmp),
                "rows": len(table),
            }
            ntmp.write_text(json.dumps(record, indent=1, sort_keys=True))
            os.replace(ntmp, note)
            os.replace(tmp, target)
        finally:
            for p in (tmp, ntmp):
                p.unlink(missing_ok=True)
        return target

    def move_aside(self, key: str, reason: str = "damaged") -> list[Path]:
        """Rename the payload and record of ``key`` into ``damaged/`` (never deleting them); return the new paths."""
        folder = self.directory / DAMAGED_DIR
        folder.mkdir(exist_ok=True)
        stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        slug = "".join(ch if ch.isalnum() else "-" for ch in reason)[:40].strip("-")
        moved = []
        for src in (self.path(key), self.record_path(key)):
            if src.exists():
                dest = folder / f"{key}.{stamp}.{slug}{src.suffix}"
                os.replace(src, dest)
                moved.append(dest)
        return moved

    def clean_temporary(self, max_age_s: float = TEMPORARY_MAX_AGE_S) -> list[Path]:
        """Remove temporary files left by writers that died (or older than ``max_age_s``); return them."""
        removed = []
        now = time.time()
        for p in self.directory.glob(".*.tmp"):
            try:
                pid = int(p.name.rsplit(".", 2)[-2])
            except (ValueError, IndexError):
                pid = None
            try:
                stale = now - p.stat().st_mtime > max_age_s or pid is None or pid == os.getpid() or not _pid_alive(pid)
                if stale:
                    p.unlink()
                    removed.append(p)
            except FileNotFoundError:
                continue
        return removed

    def keys(self) -> list[str]:
        """Keys that have a payload (sound or not)."""
        return sorted(p.stem for p in self.directory.glob("*.parquet"))

    def clear(self) -> None:
        """Delete every entry (payloads and records; the ``damaged/`` folder is kept)."""
        for p in list(self.directory.glob("*.parquet")) + list(self.directory.glob("*.json")):
            p.unlink()
