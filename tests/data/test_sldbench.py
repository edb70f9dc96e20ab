"""The SLDBench tasks as registered datasets: pinned files, citations, the split as data, and the column
swap of the data-constrained file detected and corrected."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.data import Largest, get_dataset
from workbench.data.sldbench import SLDBENCH_FILES, SLDBENCH_SPLITS, ColumnSwapWarning, read_data_constrained

pytestmark = pytest.mark.needs_mirror

TASKS = ("data-constrained", "vocabulary", "moe", "lr-batch", "sft", "domain-mixture")


def _load(task):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ColumnSwapWarning)
        return wb.load_dataset(f"sldbench-{task}")


@pytest.mark.parametrize("task", TASKS)
def test_each_task_is_a_pinned_dataset_citing_sldbench_and_its_origin(task):
    ds = get_dataset(f"sldbench-{task}")
    assert ds.repository == "linhaowei1/SLD" and len(ds.commit) == 40
    assert "Can Language Models Discover Scaling Laws" in ds.citation and "runs from" in ds.citation
    assert "MIT" in ds.licence
    assert [f.path for f in ds.files] == list(SLDBENCH_FILES[task])
    for f in ds.files:
        assert len(f.sha256) == 64 and f.url.startswith("https://raw.githubusercontent.com/linhaowei1/SLD/")
        assert "/data/" in f.url


def _raw(mirror, rel):
    return mirror / "sldbench" / rel


def test_data_constrained_split_and_swap(mirror):
    raw = pd.read_csv(_raw(mirror, SLDBENCH_FILES["data-constrained"][0]))
    # SLDBench's rule, stated on the file's own column names
    held = (raw["unique_tokens"] >= sorted(raw["unique_tokens"].unique())[-2]) | (raw["params"] >= sorted(raw["params"].unique())[-2])
    with pytest.warns(ColumnSwapWarning, match="swapped"):
        df = wb.load_dataset("sldbench-data-constrained")
    assert df.attrs["columns_swapped"]
    assert (df["split"] == "test").sum() == held.sum() == 21 and (df["split"] == "train").sum() == 161
    np.testing.assert_array_equal(df["split"].eq("test").to_numpy(), held.to_numpy())
    run = df[df["name"] == "2b832b4b"].iloc[0]  # 2.8B parameters, 32B tokens seen, 4B unique
    assert (run["N"], run["D"], run["U"]) == (2.81e9, 32e9, 4e9)
    assert (df["D"] >= df["U"]).all()
    # the same runs in the datablations mirror agree once corrected
    db = wb.load_dataset("datablations")
    merged = df.merge(db[["name", "D", "U"]].drop_duplicates("name"), on="name", suffixes=("", "_db"))
    assert len(merged) == len(df)
    np.testing.assert_array_equal(merged["D"], merged["D_db"])
    np.testing.assert_array_equal(merged["U"], merged["U_db"])


def test_a_corrected_file_is_read_as_it_is(mirror, tmp_path):
    src = _raw(mirror, SLDBENCH_FILES["data-constrained"][0])
    raw = pd.read_csv(src)
    fixed = raw.rename(columns={"tokens": "unique_tokens", "unique_tokens": "tokens"})
    (tmp_path / "data_constrained_scaling_law").mkdir()
    fixed.to_csv(tmp_path / SLDBENCH_FILES["data-constrained"][0], index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ColumnSwapWarning)
        df = read_data_constrained(tmp_path)
    assert not df.attrs["columns_swapped"]
    assert df.loc[df["name"] == "2b832b4b", "D"].iloc[0] == 32e9


def test_vocabulary_split_is_the_largest_non_vocabulary_size(mirror):
    raw = pd.read_csv(_raw(mirror, SLDBENCH_FILES["vocabulary"][0]))
    df = _load("vocabulary")
    held = raw["Non_vocab_parameters"] == raw["Non_vocab_parameters"].max()
    assert (df["split"] == "test").sum() == held.sum() == 200
    np.testing.assert_allclose(df["N_v"], raw["vocab_size"] * raw["embed_dim"])
    np.testing.assert_allclose(df["neg_lossu"], -raw["Lossu"])


def test_moe_split_is_the_largest_dense_size_at_the_last_step(mirror):
    raw = pd.read_csv(_raw(mirror, SLDBENCH_FILES["moe"][0]))
    raw = raw[raw["step"] == 249000]
    df = _load("moe")
    held = raw["dense_parameter_count"] == raw["dense_parameter_count"].max()
    assert len(df) == len(raw) == 221
    assert (df["split"] == "test").sum() == held.sum() == 28


def test_lr_batch_split_is_the_largest_data_or_model(mirror):
    raw = pd.read_csv(_raw(mirror, SLDBENCH_FILES["lr-batch"][0]))
    raw = raw[raw["smooth loss"] <= 4.0]
    df = _load("lr-batch")
    held = (raw["D"] == raw["D"].max()) | (raw["N"] == raw["N"].max())
    assert len(df) == len(raw) == 1730
    assert (df["split"] == "test").sum() == held.sum() == 271
    np.testing.assert_allclose(df["batch"], df["batch_sequences"] * 2048)  # tokens per step
    np.testing.assert_allclose(df["D"] / df["steps"], df["batch"], rtol=0.01)  # 2,048-token sequences


def test_sft_split_is_the_last_point_of_each_curve(mirror):
    df = _load("sft")
    assert df["curve"].nunique() == 42  # 14 models x 3 datasets, each with 13 points
    test = df[df["split"] == "test"]
    assert len(test) == 42 and (test["D"] == 819200).all()
    assert (df[df["split"] == "train"].groupby("curve").size() >= 4).all()
    assert (df["D"] > 0).all()  # the 0-example column (before fine-tuning) is not part of the curves


def test_domain_mixture_split_is_the_published_eval_mixtures(mirror):
    data = json.loads(_raw(mirror, SLDBENCH_FILES["domain-mixture"][0]).read_text())
    df = _load("domain-mixture")
    n_eval = sum(len(v["eval"]) for k, v in data.items() if k != "1B")
    n_train = sum(len(v["train"]) for k, v in data.items() if k != "1B")
    assert (df["split"] == "test").sum() == 5 * n_eval == 120
    assert (df["split"] == "train").sum() == 5 * n_train == 400
    mix = df[[f"mix_d{j}" for j in range(1, 6)]].to_numpy()
    np.testing.assert_allclose(mix.sum(axis=1), 1.0, atol=1e-9)
    assert set(df["output"]) == {0, 1, 2, 3, 4}


def test_splits_are_the_registered_rules():
    assert SLDBENCH_SPLITS["vocabulary"] == Largest("N")
    assert "2nd largest" in SLDBENCH_SPLITS["data-constrained"].describe()


def test_a_mirror_without_the_sldbench_folder_is_explained(tmp_path, monkeypatch):
    from workbench.errors import DatasetError

    monkeypatch.setenv("WORKBENCH_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DatasetError, match="sldbench"):
        wb.load_dataset("sldbench-moe")


def test_a_changed_file_fails_its_hash(mirror, tmp_path, monkeypatch):
    from workbench.errors import DatasetHashError

    shutil.copytree(mirror / "sldbench", tmp_path / "sldbench")
    path = tmp_path / "sldbench" / SLDBENCH_FILES["moe"][0]
    path.write_bytes(path.read_bytes() + b"\n")
    monkeypatch.setenv("WORKBENCH_DATA_MIRROR", str(tmp_path))
    with pytest.raises(DatasetHashError):
        wb.load_dataset("sldbench-moe")


def test_split_rules_from_filters():
    from workbench.data import Folds, Where
    from workbench.data.splits import as_split_rule
    from workbench.errors import WorkbenchError

    t = pd.DataFrame({"N": [1e8, 2e8, 4e8, 4e8], "D": [1e9, 5e9, 2e9, 4e9], "held": [False, True, False, True],
                      "curve": ["a", "a", "b", "b"]})
    assert as_split_rule("N >= 4e8 or D > 4e9").mask(t).tolist() == [False, True, True, True]
    assert as_split_rule("held").mask(t).tolist() == [False, True, False, True]
    assert Where("N > 1e8").columns() == ("N",)
    assert Largest("D", per="curve").mask(t).tolist() == [False, True, False, True]
    assert [m.tolist() for m in Folds(2, by="curve").masks(t)] == [[True, True, False, False], [False, False, True, True]]
    with pytest.raises(WorkbenchError):
        as_split_rule("__import__('os')")
    with pytest.raises(WorkbenchError):
        as_split_rule(3)
    with pytest.raises(WorkbenchError, match="several validation folds"):
        Folds(2).mask(t)
