"""Dataset registry: pinned addresses and hashes, mirror, cache, download and offline errors."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.data import registry
from workbench.data.derive import datablations_points
from workbench.data.manifest import sha256_of
from workbench.errors import DatasetError, DatasetHashError, DatasetOfflineError, UnknownNameError

REQUIRED = {"chinchilla", "overtraining", "datablations"}


def test_registry_entries_are_pinned_and_cited():
    assert REQUIRED <= set(wb.list_datasets())
    for name in wb.list_datasets():
        ds = registry.get_dataset(name)
        assert len(ds.commit) == 40 and all(c in "0123456789abcdef" for c in ds.commit)
        assert ds.licence and ds.citation and ds.files
        for f in ds.files:
            assert len(f.sha256) == 64
            assert f.url.startswith(f"https://raw.githubusercontent.com/{ds.repository}/{ds.commit}/")


def test_unknown_dataset():
    with pytest.raises(UnknownNameError, match="chinchilla"):
        wb.load_dataset("chinchila")


@pytest.mark.needs_mirror
def test_mirror_files_match_registry(mirror):
    for name in wb.list_datasets():
        for f in registry.get_dataset(name).files:
            assert sha256_of(mirror / registry.get_dataset(name).folder_name / f.path) == f.sha256, f.path


@pytest.mark.needs_mirror
def test_load_chinchilla(chinchilla_runs):
    df = chinchilla_runs
    assert len(df) == 245
    assert {"N", "D", "C", "loss"} <= set(df.columns)
    np.testing.assert_allclose(df["D"], df["C"] / (6 * df["N"]))
    assert "Besiroglu" in df.attrs["citation"]


@pytest.mark.needs_mirror
def test_load_overtraining():
    df = wb.load_dataset("overtraining")
    assert len(df) == 104
    assert set(df["training_set"]) == {"c4_original", "rpj", "rw_original"}
    np.testing.assert_allclose(df["M"], df["D"] / df["N"])
    np.testing.assert_allclose(df["loss"], df["loss_c4_val"])
    # 20 tokens per parameter times the multiplier
    np.testing.assert_allclose(df["M"] / 20, df["multiplier"], rtol=0.02)
    rpj = wb.load_dataset("overtraining", training_set="rpj", evals=True)
    assert len(rpj) == 35 and "acc_hellaswag" in rpj.columns
    with pytest.raises(DatasetError, match="val_set"):
        wb.load_dataset("overtraining", val_set="nope")


@pytest.mark.needs_mirror
def test_load_datablations():
    df = wb.load_dataset("datablations")
    assert len(df) == 296
    assert {"N", "D", "U", "loss", "epochs"} <= set(df.columns)
    assert (df["D"] >= df["U"] * 0.999).all()  # tokens trained include the unique ones
    np.testing.assert_allclose(df["epochs"], df["D"] / df["U"], rtol=1e-9)  # epochs = D / U


def _copy_dataset(mirror: Path, tmp: Path, name: str) -> Path:
    root = tmp / "mirror"
    shutil.copytree(mirror / name, root / name)
    return root


@pytest.mark.needs_mirror
def test_corrupt_mirror_is_refused(mirror, tmp_path, monkeypatch):
    root = _copy_dataset(mirror, tmp_path, "chinchilla")
    path = root / "chinchilla" / "chinchilla_extracted.csv"
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    path.write_bytes(bytes(data))
    monkeypatch.setenv("WORKBENCH_DATA_MIRROR", str(root))
    with pytest.raises(DatasetHashError, match="sha256"):
        wb.load_dataset("chinchilla")


def test_mirror_without_dataset_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DatasetError, match="has no folder 'chinchilla'"):
        wb.load_dataset("chinchilla")


def test_offline_without_mirror_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_DATA_MIRROR", raising=False)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
    with pytest.raises(DatasetOfflineError) as err:
        wb.load_dataset("chinchilla")
    msg = str(err.value)
    assert "WORKBENCH_DATA_MIRROR" in msg and "raw.githubusercontent.com/IBM/ColPret" in msg


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_server(tmp_path):
    """An HTTP server on localhost serving tmp_path/www (stands in for GitHub; no internet needed)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _point_dataset_at(monkeypatch, name: str, base: str):
    ds = registry.get_dataset(name)
    files = tuple(dataclasses.replace(f, url=f"{base}/{name}/{f.path}") for f in ds.files)
    patched = dataclasses.replace(ds, files=files)
    reg = dict(registry._registry())
    reg[name] = patched
    monkeypatch.setattr(registry, "_registry", lambda: reg)


@pytest.mark.needs_mirror
def test_download_verifies_and_caches(mirror, tmp_path, monkeypatch, local_server):
    www, base = local_server
    shutil.copytree(mirror / "chinchilla", www / "chinchilla")
    _point_dataset_at(monkeypatch, "chinchilla", base)
    monkeypatch.delenv("WORKBENCH_DATA_MIRROR", raising=False)
    monkeypatch.delenv("WORKBENCH_OFFLINE", raising=False)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    df = wb.load_dataset("chinchilla")
    assert len(df) == 245
    cached = tmp_path / "cache" / "chinchilla" / "chinchilla_extracted.csv"
    assert cached.is_file()
    # second load works offline from the cache
    shutil.rmtree(www / "chinchilla")
    monkeypatch.setenv("WORKBENCH_OFFLINE", "1")
    assert len(wb.load_dataset("chinchilla")) == 245


@pytest.mark.needs_mirror
def test_download_with_wrong_bytes_is_refused(mirror, tmp_path, monkeypatch, local_server):
    www, base = local_server
    (www / "chinchilla").mkdir()
    (www / "chinchilla" / "chinchilla_extracted.csv").write_text("x,y\n1,2\n")
    _point_dataset_at(monkeypatch, "chinchilla", base)
    monkeypatch.delenv("WORKBENCH_DATA_MIRROR", raising=False)
    monkeypatch.delenv("WORKBENCH_OFFLINE", raising=False)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DatasetHashError):
        wb.load_dataset("chinchilla")
    assert not (tmp_path / "cache" / "chinchilla" / "chinchilla_extracted.csv").exists()


def test_unreachable_server_is_reported_as_offline(tmp_path, monkeypatch):
    _point_dataset_at(monkeypatch, "chinchilla", "http://127.0.0.1:9")
    monkeypatch.delenv("WORKBENCH_DATA_MIRROR", raising=False)
    monkeypatch.delenv("WORKBENCH_OFFLINE", raising=False)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DatasetOfflineError, match="offline"):
        wb.load_dataset("chinchilla")


@pytest.mark.needs_mirror
def test_datablations_points_rebuilt_from_notebook_output(mirror, tmp_path):
    """The published table is the data-loading cell's printout; rebuilding it from a notebook
    holding that printout must reproduce the pinned bytes exactly."""
    rows = pd.read_csv(mirror / "datablations" / "parametric_fit_points.csv", dtype=str)
    lines = [" ".join(r) + "\n" for r in rows.itertuples(index=False, name=None)]
    lines.insert(20, "1b25\n")  # the notebook also prints stray fragments; they are skipped
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Data"]},
            {"cell_type": "code", "source": ["print(...)"], "outputs": [{"output_type": "stream", "name": "stdout", "text": lines}]},
        ]
    }
    src = tmp_path / "parametric_fit.ipynb"
    src.write_text(json.dumps(nb))
    out = tmp_path / "points.csv"
    datablations_points(src, out)
    expected = next(f for f in registry.get_dataset("datablations").files if f.path == "parametric_fit_points.csv")
    assert sha256_of(out) == expected.sha256
