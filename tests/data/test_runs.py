"""The runs table: loading from every format and a clear error for every kind of bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import MissingColumnsError, RunsError, WorkbenchError


def good():
    return pd.DataFrame({"N": [1e8, 4e8, 1e9, 3e9], "D": [2e9, 8e9, 2e10, 6e10], "loss": [3.3, 3.0, 2.8, 2.6]})


def test_derives_compute_and_orders_columns():
    runs = wb.load_runs(good())
    assert list(runs.columns[:4]) == ["N", "D", "C", "loss"]
    np.testing.assert_allclose(runs["C"], 6 * runs["N"] * runs["D"])


def test_derives_tokens_from_compute():
    df = good().drop(columns="D").assign(C=[1.2e18, 1.92e19, 1.2e20, 1.08e21])
    runs = wb.load_runs(df)
    np.testing.assert_allclose(runs["D"], df["C"] / (6 * df["N"]))


def test_common_column_spellings_are_recognised():
    df = pd.DataFrame({"Params": [1e8, 1e9], "tokens": [2e9, 2e10], "val_loss": [3.2, 2.7]})
    runs = wb.load_runs(df)
    assert {"N", "D", "C", "loss"} <= set(runs.columns)


def test_explicit_renames():
    df = pd.DataFrame({"Model Size": [1e8, 1e9], "Training FLOP": [1e18, 1e20], "L": [3.2, 2.7]})
    runs = wb.load_runs(df, columns={"Model Size": "N", "Training FLOP": "C", "L": "loss"})
    assert runs["D"].iloc[0] == pytest.approx(1e18 / 6e8)


def test_rename_of_missing_column_is_explained():
    with pytest.raises(MissingColumnsError, match="no such columns"):
        wb.load_runs(good(), columns={"params": "N"})


@pytest.mark.parametrize("suffix", ["csv", "parquet", "json", "jsonl", "tsv"])
def test_reads_files(tmp_path, suffix):
    df = good()
    path = tmp_path / f"runs.{suffix}"
    if suffix == "csv":
        df.to_csv(path, index=False)
    elif suffix == "tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix == "parquet":
        df.to_parquet(path)
    elif suffix == "json":
        df.to_json(path, orient="records")
    else:
        df.to_json(path, orient="records", lines=True)
    runs = wb.load_runs(path)
    pd.testing.assert_frame_equal(runs[["N", "D", "loss"]].reset_index(drop=True), df.astype(float))


def test_input_is_not_modified():
    df = good()
    before = df.copy()
    wb.load_runs(df)
    pd.testing.assert_frame_equal(df, before)


def test_list_of_dicts_and_mapping():
    recs = good().to_dict("records")
    assert len(wb.load_runs(recs)) == 4
    assert len(wb.load_runs(good().to_dict("list"))) == 4


def test_missing_file():
    with pytest.raises(RunsError, match="No runs file"):
        wb.load_runs("does/not/exist.csv")


def test_unknown_extension(tmp_path):
    p = tmp_path / "runs.xlsx"
    p.write_text("x")
    with pytest.raises(RunsError, match="Don't know how to read"):
        wb.load_runs(p)


def test_missing_column_names_it_and_says_how_to_fix():
    with pytest.raises(MissingColumnsError) as err:
        wb.load_runs(good().drop(columns="loss"))
    msg = str(err.value)
    assert "'loss'" in msg and "columns=" in msg
    assert isinstance(err.value, WorkbenchError)


@pytest.mark.parametrize(
    "column,value,words",
    [
        ("loss", np.nan, "missing (NaN)"),
        ("N", np.inf, "infinite"),
        ("N", -5.0, "must be > 0"),
        ("D", 0.0, "must be > 0"),
        ("loss", 0.0, "must be > 0"),
    ],
)
def test_bad_values_name_column_and_row(column, value, words):
    df = good()
    df.loc[2, column] = value
    with pytest.raises(RunsError) as err:
        wb.load_runs(df)
    msg = str(err.value)
    assert f"'{column}'" in msg and words in msg and "rows 2" in msg


def test_non_positive_compute():
    df = good().assign(C=[1e18, -1.0, 1e20, 1e21])
    with pytest.raises(RunsError, match=r"'C' must be > 0.*rows 1"):
        wb.load_runs(df)


def test_strings_in_numeric_columns():
    df = good().astype({"N": object})
    df.loc[1, "N"] = "400M"
    with pytest.raises(RunsError) as err:
        wb.load_runs(df)
    assert "'400M'" in str(err.value) and "non-numeric" in str(err.value) and "rows 1" in str(err.value)


def test_numbers_as_strings_are_accepted():
    df = good().astype(str)
    runs = wb.load_runs(df)
    assert runs["N"].dtype == float


def test_several_problems_reported_together():
    df = good()
    df.loc[0, "loss"] = np.nan
    df.loc[3, "D"] = -1
    with pytest.raises(RunsError) as err:
        wb.load_runs(df)
    assert "'loss'" in str(err.value) and "'D'" in str(err.value)


def test_duplicate_rows_raise_drop_or_keep():
    df = pd.concat([good(), good().iloc[[1]]], ignore_index=True)
    with pytest.raises(RunsError, match="repeat earlier rows.*on_duplicates='drop'"):
        wb.load_runs(df)
    assert len(wb.load_runs(df, on_duplicates="drop")) == 4
    assert len(wb.load_runs(df, on_duplicates="keep")) == 5


def test_empty_table():
    with pytest.raises(RunsError, match="no rows|empty"):
        wb.load_runs(pd.DataFrame({"N": [], "D": [], "loss": []}))


def test_boolean_column_rejected():
    df = good().assign(loss=[True, False, True, True])
    with pytest.raises(RunsError, match="true/false"):
        wb.load_runs(df)


def test_unsupported_source():
    with pytest.raises(RunsError, match="Cannot make a runs table"):
        wb.load_runs(42)
