"""Bad input, as a careless user (or a fuzzer) gives it: through the Python API and the command line, each class
gives its own clear WorkbenchError (on the command line: exit status 2 and exactly one line), and nothing else."""

from __future__ import annotations

import contextlib
import io
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.cli import main as cli_main
from workbench.compute import plan
from workbench.errors import (
    ArgumentError,
    FilterError,
    FitError,
    LawError,
    MissingColumnsError,
    RunsError,
    SamplesError,
    UnknownNameError,
    WorkbenchError,
)
from workbench.testtime import fit_coverage_law, load_counts, pass_at_k

N = np.logspace(7, 10, 10)
GOOD = pd.DataFrame({"N": N, "D": 20 * N, "loss": 1.8 + 300 * N**-0.3})
COUNTS = pd.DataFrame({"problem": ["a", "b"], "n": [10, 10], "c": [3, 1]})
CHINCHILLA = {"E": 1.8, "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3}


def csv(df, **kw):
    return lambda d: (df.to_csv(d / "in.csv", index=False, **kw), d / "in.csv")[1]


def parquet(df):
    return lambda d: (df.to_parquet(d / "in.parquet"), d / "in.parquet")[1]


def raw(name, data: bytes):
    return lambda d: ((d / name).write_bytes(data), d / name)[1]


def folder(d):
    (d / "runs.csv").mkdir()
    return d / "runs.csv"


def with_row0(df, **values):
    df = df.copy().astype(object)
    for k, v in values.items():
        df.loc[0, k] = v
    return df


def fit_cli(*extra):
    return lambda p: ["fit", str(p), "--law", "power_law_N", "--bootstrap", "0", *extra]


def fit_api(**kw):
    return lambda p: wb.fit("power_law_N", p, bootstrap=kw.pop("bootstrap", 0), **kw)


# class: (make the input file, API call, CLI arguments, error type, words the message must hold)
CASES = {
    "NaN value": (csv(GOOD.assign(loss=[np.nan] + list(GOOD.loss[1:]))), wb.load_runs, fit_cli(),
                  RunsError, "column 'loss' is missing \\(NaN\\) in rows 0"),
    "infinite value": (csv(with_row0(GOOD, D="inf")), wb.load_runs, fit_cli(), RunsError, "column 'D' is infinite in rows 0"),
    "negative size": (csv(GOOD.assign(N=-GOOD.N)), wb.load_runs, fit_cli(), RunsError, "column 'N' must be > 0"),
    "zero loss": (csv(with_row0(GOOD, loss=0.0)), wb.load_runs, fit_cli(), RunsError, "column 'loss' must be > 0 but is 0"),
    "missing column": (csv(GOOD.drop(columns="loss")), wb.load_runs, fit_cli(), MissingColumnsError,
                       "needs column\\(s\\) \\['loss'\\]"),
    "misspelled column": (csv(GOOD.rename(columns={"loss": "lsos"})), wb.load_runs, fit_cli(), MissingColumnsError,
                          "Is 'lsos' meant to be 'loss'"),
    "text in a number column": (csv(with_row0(GOOD, N="big")), wb.load_runs, fit_cli(), RunsError,
                                "column 'N' has non-numeric values \\('big'\\) in rows 0"),
    "empty file": (raw("in.csv", b""), wb.load_runs, fit_cli(), RunsError, "is empty \\(0 bytes\\)"),
    "header only": (raw("in.csv", b"N,D,loss\n"), wb.load_runs, fit_cli(), RunsError, "has no rows"),
    "wrong delimiter": (csv(GOOD, sep=";"), wb.load_runs, fit_cli(), RunsError, "separated by semicolons"),
    "non-UTF-8 bytes": (raw("in.csv", "N,D,loss,note\n1e8,2e9,3.1,caf\xe9\n".encode("latin-1")), wb.load_runs, fit_cli(),
                        RunsError, "not UTF-8 text \\(byte 0xe9"),
    "folder instead of file": (folder, wb.load_runs, fit_cli(), RunsError, "is a folder, not a runs file"),
    "corrupt Parquet": (raw("in.parquet", b"PAR1 not really parquet"), wb.load_runs, fit_cli(), RunsError,
                        "Could not read .* as .parquet"),
    "malformed JSON": (raw("in.json", b'{"N": [1, 2'), wb.load_runs, fit_cli(), RunsError, "Could not read .* as .json"),
    "unknown file type": (raw("in.xlsx", b"PK\x03\x04"), wb.load_runs, fit_cli(), RunsError, "Don't know how to read"),
    "datetime column": (parquet(GOOD.assign(D=pd.date_range("2024-01-01", periods=10))), wb.load_runs, fit_cli(),
                        RunsError, "column 'D' holds dates or times"),
    "bool column": (parquet(GOOD.assign(D=[True, False] * 5)), wb.load_runs, fit_cli(), RunsError,
                    "column 'D' holds true/false values"),
    "N x D overflows": (csv(GOOD.assign(N=1e200, D=1e200)), wb.load_runs, fit_cli(), RunsError,
                        "(?s)column 'N' is 1e\\+200.*C = 6 N D overflows.*column 'D' is 1e\\+200"),
    "loss 1e308": (csv(GOOD.assign(loss=1e308)), wb.load_runs, fit_cli(), RunsError, "column 'loss' is 1e\\+308"),
    "rename of a missing column": (csv(GOOD), lambda p: wb.load_runs(p, columns={"params": "N"}),
                                   fit_cli("--column", "params=N"), MissingColumnsError, "renames \\['params'\\]"),
    "unknown law": (csv(GOOD), lambda p: wb.fit("chinchila", p),
                    lambda p: ["fit", str(p), "--law", "chinchila"], UnknownNameError, "No law named 'chinchila'"),
    "unknown dataset": (None, lambda p: wb.load_dataset("chinchila"), lambda p: ["fit", "chinchila", "--law", "chinchilla"],
                        WorkbenchError, "chinchila"),
    "negative bootstrap": (csv(GOOD), fit_api(bootstrap=-5), fit_cli("--bootstrap", "-5"), ArgumentError,
                           "bootstrap must be a whole number of resamples >= 0"),
    "level outside (0, 1)": (csv(GOOD), fit_api(level=1.5), fit_cli("--level", "1.5"), ArgumentError, "level must be between 0 and 1"),
    "holdout fraction out of range": (csv(GOOD), fit_api(holdout=1.5), fit_cli("--holdout", "1.5"), FitError,
                                      "fractional holdout must be between 0 and 1"),
    "filter that is not a condition": (csv(GOOD), fit_api(holdout="loss"), fit_cli("--where", "loss"), FilterError,
                                       "'loss' .* is not a condition"),
    "constant filter": (csv(GOOD), fit_api(holdout="1"), fit_cli("--where", "1"), FilterError, "'1' .* is not a condition"),
    "filter on an unknown column": (csv(GOOD), fit_api(holdout="params > 1"), fit_cli("--holdout", "params > 1"),
                                    FilterError, "unknown column 'params'"),
    "infinite compute budget": (None, lambda p: plan(float("inf"), "besiroglu2024"), lambda p: ["plan", "--compute", "inf"],
                                WorkbenchError, "compute must be|expected a finite number"),
    "negative compute budget": (None, lambda p: plan(-1.0, "besiroglu2024"), lambda p: ["plan", "--compute", "-1"],
                                WorkbenchError, "compute must be|expected a finite number"),
    "law parameter out of range": (None, lambda p: plan(1e23, ("chinchilla", {**CHINCHILLA, "A": -400.0})),
                                   lambda p: ["plan", "--compute", "1e23", "--law", "chinchilla",
                                              *[a for k, v in {**CHINCHILLA, "A": -400}.items() for a in ("--set", f"{k}={v}")]],
                                   LawError, "A=-400 \\(allowed 0 to inf\\)"),
    "utilisation above 1": (None, lambda p: plan(1e23, "besiroglu2024", utilisation=2.0),
                            lambda p: ["plan", "--compute", "1e23", "--utilisation", "2"], WorkbenchError, "utilisation"),
    "pass@k: c > n": (csv(COUNTS.assign(c=[3, 12])), load_counts, lambda p: ["passk", str(p)], SamplesError,
                      "c cannot exceed n"),
    "pass@k: k > n": (csv(COUNTS), lambda p: pass_at_k(load_counts(p)["n"], load_counts(p)["c"], 100),
                      lambda p: ["passk", str(p), "--k", "100"], SamplesError, "k = 100 exceeds n"),
    "pass@k: n = 1e19": (csv(COUNTS.assign(n=[1e19, 10])), load_counts, lambda p: ["passk", str(p)], SamplesError,
                         "column 'n' \\(samples drawn\\) is beyond 9.01e\\+15"),
    "pass@k: n not whole": (csv(COUNTS.assign(n=[10.5, 10])), load_counts, lambda p: ["passk", str(p)], SamplesError,
                            "must be whole numbers"),
    "pass@k: negative c": (csv(COUNTS.assign(c=[-1, 1])), load_counts, lambda p: ["passk", str(p)], SamplesError,
                           "c cannot be negative"),
    "pass@k: missing column": (csv(COUNTS.drop(columns="c")), load_counts, lambda p: ["passk", str(p)], SamplesError,
                               "needs columns \\['c'\\]"),
    "pass@k: fit-coverage 0": (csv(COUNTS), lambda p: fit_coverage_law(load_counts(p), 0),
                               lambda p: ["passk", str(p), "--k", "1", "--fit-coverage", "0"], SamplesError, "k_fit_max must be at least 3"),
    "pass@k: k = 0": (csv(COUNTS), lambda p: pass_at_k(10, 3, 0), lambda p: ["passk", str(p), "--k", "0"], SamplesError,
                      "k must be at least 1"),
    "pass@k: empty file": (raw("in.csv", b""), load_counts, lambda p: ["passk", str(p)], SamplesError,
                           "counts file .* is empty"),
}


def run_cli(args):
    """The command line in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli_main(args)
        except SystemExit as exc:   # argparse's own errors
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def test_at_least_25_classes():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_input_gives_its_clear_error_through_the_api(name, tmp_path):
    make, api, _, error, words = CASES[name]
    path = make(tmp_path) if make else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(error, match=words) as info:
            api(path)
    assert isinstance(info.value, WorkbenchError)
    assert not [w for w in caught if not issubclass(w.category, DeprecationWarning)], [str(w.message) for w in caught]


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_input_gives_one_line_and_status_2_on_the_command_line(name, tmp_path, monkeypatch):
    make, _, args, _, words = CASES[name]
    monkeypatch.chdir(tmp_path)
    path = make(tmp_path) if make else None
    status, out, err = run_cli(args(path))
    assert status == 2 and out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    import re

    assert re.search(words, err), err


def test_verbose_adds_the_detail(tmp_path):
    path = CASES["NaN value"][0](tmp_path)
    bad = GOOD.assign(N=-GOOD.N, loss=[np.nan] + list(GOOD.loss[1:]))
    bad.to_csv(path, index=False)
    status, out, err = run_cli(["fit", str(path), "--law", "power_law_N"])
    assert status == 2 and err.count("\n") == 1 and "column 'N'" in err and "column 'loss'" in err
    status, out, err = run_cli(["fit", str(path), "--law", "power_law_N", "--verbose"])
    assert status == 2 and "Traceback" in err and "\n  - column 'N'" in err
    status, out, err = run_cli(["--verbose", "plan", "--compute", "inf"])
    assert status == 2 and "usage:" in err


# ---------------------------------------------------------------------------------------------------
# fuzz: random bytes and random small frames give a result or a WorkbenchError, never another exception

NAMES = ["N", "D", "C", "loss", "U", "step", "lr", "batch", "params", "tokens", "val_loss", "n", "c", "problem", "x"]
# valid tables, as files: the fuzzer edits their bytes (most edits break them, some do not)
SEEDS = {}
for _table in (GOOD.iloc[:4], COUNTS):
    for _suffix, _write in {".csv": lambda t: t.to_csv(index=False).encode(),
                            ".tsv": lambda t: t.to_csv(index=False, sep="\t").encode(),
                            ".json": lambda t: t.to_json(orient="records").encode(),
                            ".jsonl": lambda t: t.to_json(orient="records", lines=True).encode(),
                            ".parquet": lambda t: t.to_parquet()}.items():
        SEEDS.setdefault(_suffix, []).append(_write(_table))


@st.composite
def edited_files(draw):
    suffix = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(draw(st.sampled_from(SEEDS[suffix])) if draw(st.integers(0, 4)) else draw(st.binary(max_size=400)))
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        byte = draw(st.integers(0, 255))
        if how == "replace":
            data[at] = byte
        elif how == "insert":
            data.insert(at, byte)
        elif how == "delete":
            del data[at]
        else:
            del data[at:]
    return suffix, bytes(data)


def _cli_outcome(args):
    status, out, err = run_cli(args)
    event(f"{args[0]}: exit status {status}")
    assert status in (0, 2), (status, err)
    if status == 2:
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return status


def _api_outcome(call):
    try:
        result = call()
    except WorkbenchError as exc:
        event(f"{type(exc).__name__}")
        return "error"
    event("a table")
    assert isinstance(result, pd.DataFrame)
    return "result"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(file=edited_files())
def test_fuzz_random_bytes(tmp_path, file):
    suffix, data = file
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _api_outcome(lambda: wb.load_runs(path))
        _api_outcome(lambda: load_counts(path))
        _cli_outcome(["fit", str(path), "--law", "power_law_N", "--bootstrap", "0"])
        _cli_outcome(["passk", str(path), "--k", "1"])


def _column(kind):
    return {
        "float": st.floats(allow_nan=True, allow_infinity=True),
        "int": st.integers(-(2**70), 2**70),
        "text": st.text(max_size=4),
        "bool": st.booleans(),
        "none": st.none(),
        "date": st.datetimes(),
        "mixed": st.one_of(st.floats(), st.integers(), st.text(max_size=3), st.booleans(), st.none()),
    }[kind]


@st.composite
def frames(draw):
    """A valid runs-and-counts table with up to four edits: columns dropped, renamed, repeated or added, cells spoilt."""
    rows = draw(st.integers(1, 6))
    df = pd.DataFrame({
        "N": draw(st.lists(st.floats(1e6, 1e12), min_size=rows, max_size=rows)),
        "D": draw(st.lists(st.floats(1e8, 1e13), min_size=rows, max_size=rows)),
        "loss": draw(st.lists(st.floats(1.5, 6.0), min_size=rows, max_size=rows)),
        "problem": [f"p{i}" for i in range(rows)],
        "n": [10] * rows,
        "c": draw(st.lists(st.integers(0, 10), min_size=rows, max_size=rows)),
    })
    for _ in range(draw(st.integers(0, 4))):
        how = draw(st.sampled_from(["drop", "rename", "repeat", "add", "spoil", "spoil", "empty"]))
        name = draw(st.sampled_from(list(df.columns))) if len(df.columns) else None
        if how == "drop" and name is not None:
            df = df.drop(columns=name)
        elif how == "rename" and name is not None:
            df = df.rename(columns={name: draw(st.sampled_from(NAMES))})
        elif how == "repeat" and name is not None:
            df = pd.concat([df, df[[name]]], axis=1)
        elif how == "add":
            kind = draw(st.sampled_from(["float", "int", "text", "bool", "none", "date", "mixed"]))
            df[draw(st.sampled_from(NAMES))] = draw(st.lists(_column(kind), min_size=len(df), max_size=len(df)))
        elif how == "spoil" and name is not None and list(df.columns).count(name) == 1 and len(df):
            df[name] = df[name].astype(object)
            df.loc[draw(st.integers(0, len(df) - 1)), name] = draw(_column("mixed" if draw(st.booleans()) else "float"))
        elif how == "empty":
            df = df.iloc[:0]
    return df


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(df=frames(), suffix=st.sampled_from([".csv", ".json", ".parquet"]))
def test_fuzz_random_frames(tmp_path, df, suffix):
    path = tmp_path / f"frame{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _api_outcome(lambda: wb.load_runs(df))
        _api_outcome(lambda: load_counts(df))
        try:
            if suffix == ".csv":
                df.to_csv(path, index=False)
            elif suffix == ".json":
                df.to_json(path, orient="records")
            else:
                df.to_parquet(path)
        except Exception:           # pandas/pyarrow cannot write this frame (mixed types, duplicate names): no file
            return
        _api_outcome(lambda: wb.load_runs(path))
        _cli_outcome(["fit", str(path), "--law", "power_law_N", "--bootstrap", "0"])
        _cli_outcome(["passk", str(path), "--k", "1"])
    assert os.path.exists(path)
