"""A damaged sweep cache heals itself: bad entries are moved aside (never deleted), computed again once, counted
and reported in one warning; temporary files of killed writers are removed; no run is lost and none is wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import CacheError
from workbench.sweeps import CacheWarning, RunCache, config_key, grid, run_sweep

NAMESPACE = "heal-test"
CALLS: list[int] = []


def det_run(config: dict) -> pd.DataFrame:
    """A deterministic stand-in for training: a short loss curve of a width-w model."""
    CALLS.append(config["width"])
    w = config["width"]
    step = np.arange(1.0, 6.0)
    return pd.DataFrame({"N": float(w), "step": step, "loss": 1.0 / w + 1.0 / step + 1e-3 * w})


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["width", "step"]).reset_index(drop=True)[["width", "N", "step", "loss", "config_key"]]


def _damage(cache: RunCache, keys: list[str], tmp_path: Path) -> dict[str, str]:
    """Damage entries in every way the issue lists; return {key: what was done}."""
    done = {}
    k = iter(keys)

    key = next(k)                                         # truncated
    data = cache.path(key).read_bytes()
    cache.path(key).write_bytes(data[: len(data) // 2])
    done[key] = "truncated"

    key = next(k)                                         # zero bytes
    cache.path(key).write_bytes(b"")
    done[key] = "zeroed"

    key = next(k)                                         # bytes flipped in the middle, same size
    data = bytearray(cache.path(key).read_bytes())
    data[len(data) // 2] ^= 0xFF
    cache.path(key).write_bytes(bytes(data))
    done[key] = "corrupted"

    key, other = next(k), keys[-1]                        # another configuration's payload copied over it
    shutil.copyfile(cache.path(other), cache.path(key))
    done[key] = "payload swapped"

    key = next(k)                                         # another configuration's payload and record copied over it
    shutil.copyfile(cache.path(other), cache.path(key))
    shutil.copyfile(cache.record_path(other), cache.record_path(key))
    done[key] = "payload and record swapped"

    key = next(k)                                         # edited: a valid Parquet file with a different loss
    table = pd.read_parquet(cache.path(key))
    table.loc[0, "loss"] = 0.5
    table.to_parquet(cache.path(key), index=False)
    done[key] = "edited payload"

    key = next(k)                                         # record edited to claim another configuration
    record = json.loads(cache.record_path(key).read_text())
    record["config"]["width"] = 999
    cache.record_path(key).write_text(json.dumps(record))
    done[key] = "edited record"

    key = next(k)                                         # payload without its record (half-written / older version)
    cache.record_path(key).unlink()
    done[key] = "record missing"

    key = next(k)                                         # record unreadable
    cache.record_path(key).write_text("{not json")
    done[key] = "record garbage"
    return done


def test_damaged_entries_are_moved_aside_and_recomputed_once(tmp_path):
    configs = grid(width=list(range(1, 13)))
    keys = [config_key(c, NAMESPACE) for c in configs]
    reference = _sorted(run_sweep(det_run, configs, cache_dir=False, progress=False, namespace=NAMESPACE))
    cache_dir = tmp_path / "cache"
    CALLS.clear()
    first = run_sweep(det_run, configs, cache_dir=cache_dir, progress=False, namespace=NAMESPACE)
    assert sorted(CALLS) == list(range(1, 13)) and first.attrs["n_damaged"] == 0
    cache = RunCache(cache_dir)
    assert all(cache.check(k) is None for k in keys)

    damaged = _damage(cache, keys, tmp_path)
    for key in damaged:
        assert cache.check(key) is not None, damaged[key]
        with pytest.raises(CacheError, match="is damaged"):
            cache.load(key)
    # a killed writer's temporary file (its process is gone)
    stale = cache_dir / f".{keys[0]}.parquet.{2**22 + 12345}.tmp"
    stale.write_bytes(os.urandom(1 << 16))
    before = {p.name: p.read_bytes() for p in cache_dir.iterdir() if p.is_file() and not p.name.startswith(".")}

    CALLS.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        healed = run_sweep(det_run, configs, cache_dir=cache_dir, progress=False, namespace=NAMESPACE)
    cache_warnings = [w for w in caught if issubclass(w.category, CacheWarning)]
    assert len(cache_warnings) == 1 and f"{len(damaged)} cached run(s)" in str(cache_warnings[0].message)

    # every damaged configuration computed exactly once more, nothing else; 0 lost, 0 wrong
    widths = {k: c["width"] for c, k in zip(configs, keys)}
    assert sorted(CALLS) == sorted(widths[k] for k in damaged)
    pd.testing.assert_frame_equal(_sorted(healed), reference)
    a = healed.attrs
    assert a["complete"] and a["n_damaged"] == len(damaged) == 9
    assert a["n_cached"] == 12 - 9 and a["n_computed"] == 9 and a["n_temporary_removed"] == 1
    assert {d["key"] for d in a["damaged"]} == set(damaged) and a["warnings"][0]["code"] == "cache_damaged"
    assert not stale.exists() and not list(cache_dir.glob(".*.tmp"))
    # moved aside, never deleted: every damaged file's bytes are in damaged/
    kept = {p.read_bytes() for p in (cache_dir / "damaged").iterdir()}
    for key in damaged:
        for p in (cache.path(key), cache.record_path(key)):
            if p.name in before:
                assert before[p.name] in kept, p.name
    assert all(cache.check(k) is None for k in keys)

    # healed for good: the next run computes nothing and warns about nothing
    CALLS.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        again = run_sweep(det_run, configs, cache_dir=cache_dir, progress=False, namespace=NAMESPACE)
    assert CALLS == [] and again.attrs["n_cached"] == 12 and again.attrs["n_damaged"] == 0
    pd.testing.assert_frame_equal(_sorted(again), reference)


def test_a_cache_from_an_older_version_is_recomputed_once(tmp_path):
    """Entries written before records carried checksums (a bare JSON of the configuration) count as damaged."""
    configs = grid(width=[1, 2, 3])
    run_sweep(det_run, configs, cache_dir=tmp_path, progress=False, namespace=NAMESPACE)
    cache = RunCache(tmp_path)
    for c in configs:
        cache.record_path(config_key(c, NAMESPACE)).write_text(json.dumps(c))
    CALLS.clear()
    with pytest.warns(CacheWarning, match="3 cached run"):
        out = run_sweep(det_run, configs, cache_dir=tmp_path, progress=False, namespace=NAMESPACE)
    assert sorted(CALLS) == [1, 2, 3] and out.attrs["n_damaged"] == 3


KILL_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    import numpy as np
    import pandas as pd
    from workbench.sweeps import grid, run_sweep

    cache_dir, log, mode, out_path = sys.argv[1:5]

    def det_run(config):
        with open(log, "a") as fh:
            fh.write(f"computed {config['width']}\\n")
        w = config["width"]
        step = np.arange(1.0, 6.0)
        return pd.DataFrame({"N": float(w), "step": step, "loss": 1.0 / w + 1.0 / step + 1e-3 * w})

    if mode == "kill-inside-a-write":      # the third payload is half on disk when the process dies
        real, count = pd.DataFrame.to_parquet, [0]
        def to_parquet(self, path, *args, **kwargs):
            count[0] += 1
            real(self, path, *args, **kwargs)
            if count[0] == 3:
                data = open(path, "rb").read()
                open(path, "wb").write(data[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
        pd.DataFrame.to_parquet = to_parquet
    elif mode == "kill-between-renames":   # the third run's record is in place, its payload not yet
        real_replace, count = os.replace, [0]
        def replace(src, dst):
            count[0] += 1
            real_replace(src, dst)
            if count[0] == 5:
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = replace

    out = run_sweep(det_run, grid(width=list(range(1, 9))), cache_dir=cache_dir, progress=False, namespace="heal-kill")
    out.to_csv(out_path, index=False)
    print(json.dumps({k: out.attrs[k] for k in ("n_cached", "n_computed", "n_damaged", "n_temporary_removed")}))
    """
)


@pytest.mark.parametrize("mode", ["kill-inside-a-write", "kill-between-renames"])
def test_a_write_killed_midway_loses_nothing(tmp_path, mode):
    script = tmp_path / "job.py"
    script.write_text(KILL_SCRIPT)
    cache_dir, log, out = tmp_path / "cache", tmp_path / "log.txt", tmp_path / "out.csv"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    killed = subprocess.run([sys.executable, str(script), str(cache_dir), str(log), mode, str(out)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    saved = set(RunCache(cache_dir).keys())
    assert len(saved) == 2 and len(list(cache_dir.glob(".*.tmp"))) == 1   # the third payload, half or whole
    if mode == "kill-between-renames":
        assert len(list(cache_dir.glob("*.json"))) == 3                     # its record made it

    r = subprocess.run([sys.executable, str(script), str(cache_dir), str(log), "plain", str(out)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    attrs = json.loads(r.stdout)
    assert attrs["n_cached"] == 2 and attrs["n_computed"] == 6
    assert attrs["n_temporary_removed"] == 1 and attrs["n_damaged"] == 0
    assert not list(cache_dir.glob(".*.tmp"))
    counts = pd.Series([int(line.split()[1]) for line in log.read_text().splitlines()]).value_counts()
    # the two saved runs were computed once; the one killed while being saved once more; the rest once
    assert set(counts.index) == set(range(1, 9)) and counts.max() <= 2 and (counts == 2).sum() == 1
    got = pd.read_csv(out).sort_values(["width", "step"]).reset_index(drop=True)
    w = got["width"].to_numpy(float)
    np.testing.assert_allclose(got["loss"], 1.0 / w + 1.0 / got["step"] + 1e-3 * w, rtol=0, atol=0)
    assert len(got) == 8 * 5 and got.groupby("width").size().eq(5).all()
