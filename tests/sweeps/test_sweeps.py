"""Sweeps: executors, on-disk cache, and resuming after a kill."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.sweeps import Progress, RunCache, config_key, grid, run_sweep

CALLS: list[dict] = []
LOCK = threading.Lock()


def toy_run(config: dict) -> pd.DataFrame:
    """A stand-in for training: loss of a width-m model, deterministic in the seed."""
    with LOCK:
        CALLS.append(dict(config))
    rng = np.random.default_rng(config["seed"])
    m = config["width"]
    return pd.DataFrame({"N": [float(m)], "D": [1000.0], "loss": [1.0 / m + 0.01 * rng.random()]})


def test_grid_and_keys():
    g = grid(width=[8, 16], seed=[0, 1, 2])
    assert len(g) == 6 and g[0] == {"width": 8, "seed": 0}
    assert config_key({"a": 1, "b": 2.0}) == config_key({"b": 2, "a": 1.0})
    assert config_key({"a": 1}) != config_key({"a": 1}, namespace="other")
    with pytest.raises(WorkbenchError, match="list of values"):
        grid(width=8)
    with pytest.raises(WorkbenchError, match="Configuration values"):
        config_key({"f": object()})


def test_in_process_sweep_caches_and_skips(tmp_path):
    CALLS.clear()
    configs = grid(width=[4, 8, 16], seed=[0, 1])
    first = run_sweep(toy_run, configs, cache_dir=tmp_path, progress=False)
    assert len(first) == 6 and first.attrs["n_computed"] == 6 and first.attrs["complete"]
    assert set(first.columns) >= {"N", "loss", "width", "seed", "config_key"}
    assert len(CALLS) == 6
    again = run_sweep(toy_run, configs, cache_dir=tmp_path, progress=False)
    assert len(CALLS) == 6 and again.attrs["n_cached"] == 6
    pd.testing.assert_frame_equal(first.reset_index(drop=True), again.reset_index(drop=True), check_like=True)
    more = run_sweep(toy_run, configs + [{"width": 32, "seed": 0}], cache_dir=tmp_path, progress=False)
    assert len(CALLS) == 7 and len(more) == 7 and more.attrs["n_computed"] == 1


@pytest.mark.parametrize("kind", ["thread", "process"])
def test_concurrent_futures_executors(tmp_path, kind):
    configs = grid(width=[4, 8, 16, 32], seed=[0])
    pool = cf.ThreadPoolExecutor(2) if kind == "thread" else cf.ProcessPoolExecutor(2)
    with pool:
        out = run_sweep(toy_run, configs, cache_dir=tmp_path, executor=pool, progress=False)
    assert sorted(out["width"]) == [4, 8, 16, 32]
    serial = run_sweep(toy_run, configs, cache_dir=False, progress=False)
    merged = out.merge(serial, on=["width", "seed"], suffixes=("", "_serial"))
    np.testing.assert_allclose(merged["loss"], merged["loss_serial"])


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            out = run_sweep(toy_run, grid(width=[4, 8, 16], seed=[0, 1]), cache_dir=tmp_path, executor=client, progress=False)
    assert len(out) == 6 and out.attrs["complete"]
    assert len(RunCache(tmp_path).keys()) == 6


def test_stop_keeps_finished_runs(tmp_path):
    progress = Progress(4, bar=False)  # the progress object owns the stop flag
    seen = []

    def on_result(config, table):
        seen.append(config)
        if len(seen) == 2:
            progress.stop()

    out = run_sweep(toy_run, grid(width=[4, 8, 16, 32], seed=[0]), cache_dir=tmp_path, progress=progress, on_result=on_result)
    assert progress.done == 2
    assert len(out) == 2 and not out.attrs["complete"]
    assert len(RunCache(tmp_path).keys()) == 2


def test_bad_function_output(tmp_path):
    with pytest.raises(WorkbenchError, match="must return a DataFrame"):
        run_sweep(lambda c: 1.0, [{"a": 1}], cache_dir=tmp_path, progress=False)
    with pytest.raises(WorkbenchError, match="no configurations"):
        run_sweep(toy_run, [], cache_dir=tmp_path, progress=False)
    with pytest.raises(WorkbenchError, match="repeat"):
        run_sweep(toy_run, [{"width": 1, "seed": 0}] * 2, cache_dir=tmp_path, progress=False)


SCRIPT = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from workbench.sweeps import Progress, grid, run_sweep

    log = sys.argv[2]

    def slow_run(config):
        with open(log, "a") as fh:
            fh.write(f"start {config['width']}\\n")
        time.sleep(0.4)
        with open(log, "a") as fh:
            fh.write(f"done {config['width']}\\n")
        return pd.DataFrame({"N": [float(config["width"])], "loss": [1.0 / config["width"]]})

    out = run_sweep(slow_run, grid(width=list(range(1, 9))), cache_dir=sys.argv[1], progress=False, namespace="kill-test")
    print(len(out), out.attrs["n_cached"], out.attrs["n_computed"])
    """
)


def test_killed_sweep_resumes_without_loss_or_duplicates(tmp_path):
    script = tmp_path / "sweep_job.py"
    script.write_text(SCRIPT)
    cache, log = tmp_path / "cache", tmp_path / "log.txt"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, str(script), str(cache), str(log)], env=env)
    deadline = time.time() + 120
    # kill once three runs are on disk (a run's "done" line is written before its result is saved)
    while time.time() < deadline:
        if cache.is_dir() and len(RunCache(cache).keys()) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished_before = set(RunCache(cache).keys())
    assert 3 <= len(finished_before) < 8, "the sweep should have been killed halfway"
    widths_before = {int(RunCache(cache).load(k)["N"].iloc[0]) for k in finished_before}

    r = subprocess.run([sys.executable, str(script), str(cache), str(log)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    n, n_cached, n_computed = map(int, r.stdout.split())
    assert n == 8 and n_cached == len(finished_before) and n_computed == 8 - len(finished_before)
    assert len(RunCache(cache).keys()) == 8
    # nothing that had been saved was computed again; every width finished
    dones = [int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("done")]
    assert all(dones.count(w) == 1 for w in widths_before) and set(dones) == set(range(1, 9))
    assert not list(cache.glob(".*.tmp")), "no half-written files are left behind"
