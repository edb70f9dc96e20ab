"""A fit that cannot be done, or that ends badly, says so in words with what to try."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import ArgumentError, FilterError, FitError, LawError, MissingColumnsError, RunsError
from workbench.fitting import FitWarning


def runs(n=12, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(7, 10, n)
    D = 20 * N
    loss = (1.7 + 400 / N**0.34 + 400 / D**0.28) * np.exp(rng.normal(0, 0.003, n))
    return pd.DataFrame({"N": N, "D": D, "loss": loss})


def test_fewer_runs_than_parameters():
    with pytest.raises(FitError, match=r"Only 3 runs to fit 5 free parameters.*fix some parameters"):
        wb.fit("chinchilla", runs(3))


def test_holdout_leaving_too_few_runs():
    with pytest.raises(FitError, match="hold fewer out"):
        wb.fit("chinchilla", runs(), holdout="N > 2e7")


def test_missing_input_column():
    with pytest.raises(MissingColumnsError, match="'U'"):
        wb.fit("data_constrained", runs())


def test_nan_in_runs():
    df = runs()
    df.loc[4, "loss"] = np.nan
    with pytest.raises(RunsError, match="rows 4"):
        wb.fit("chinchilla", df)


def test_unknown_law_and_parameter_names():
    with pytest.raises(wb.WorkbenchError, match="Known laws"):
        wb.fit("chinchila", runs())
    with pytest.raises(LawError, match="unknown parameter"):
        wb.fit("chinchilla", runs(), fixed={"gamma": 1.0})
    with pytest.raises(LawError, match="unknown parameter"):
        wb.fit("chinchilla", runs(), starts={"gamma": [1.0]})


@pytest.mark.parametrize("kw,words", [({"loss": "l1"}, "huber"), ({"delta": -1}, "delta"), ({"level": 1.5}, "level")])
def test_bad_options(kw, words):
    with pytest.raises(ArgumentError, match=words) as err:
        wb.fit("power_law_N", runs(), **kw)
    assert isinstance(err.value, ValueError) and isinstance(err.value, wb.WorkbenchError)


def test_bad_holdout_expression():
    with pytest.raises(FilterError, match="holdout='params > 3': unknown column 'params'"):
        wb.fit("power_law_N", runs(), holdout="params > 3")
    with pytest.raises(FitError, match="boolean mask"):
        wb.fit("power_law_N", runs(), holdout=[True, False])


def test_no_start_converges():
    """A law that cannot produce a positive loss anywhere: every start fails, and the error says what to try."""
    from workbench.laws import Law, Parameter

    impossible = Law(
        name="always_negative",
        title="a law that predicts negative losses",
        inputs=("N",),
        parameters=(Parameter("a", "slope", 0.0, 10.0, (0.5, 1.0)),),
        formula=lambda p, x: -p.a * x.N,
        equation="L = -a N",
        reference="(test)",
    )
    with pytest.raises(FitError, match=r"No start of the 2 tried.*starts=\{\.\.\.\}"):
        wb.fit(impossible, runs(), bootstrap=0)


def test_parameter_at_bound_warns_with_advice():
    df = runs()
    with pytest.warns(FitWarning) as record:
        f = wb.fit("chinchilla", df, bounds={"alpha": (0.0, 0.1)}, bootstrap=0)
    messages = [str(w.message) for w in record]
    assert any(re.search(r"'alpha' ended at its upper bound.*bounds=", m) for m in messages)
    # held at 0.1, the parameter term cannot follow the data: its coefficient collapses, and the fit says so too
    assert any(re.search(r"Parameter 'A' = .* has collapsed to its lower bound", m) for m in messages), messages
    assert any("alpha" in w for w in f.warnings)


def test_fixed_parameters_are_respected():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("chinchilla", runs(30), fixed={"E": 1.7}, bootstrap=20)
    assert f.params["E"] == 1.7
    assert f.stderr["E"] == 0.0
    assert f.n_free == 4


def test_weights_validation():
    with pytest.raises(RunsError, match="one value per run"):
        wb.fit("power_law_N", runs(), weights=[1.0, 2.0])
    with pytest.raises(RunsError, match="not a column"):
        wb.fit("power_law_N", runs(), weights="w")


def test_target_must_be_positive_for_log_fit():
    df = pd.DataFrame({"loss": [2.0, 2.5, 3.0, 3.5], "error": [0.5, 0.0, 0.6, 0.7]})
    with pytest.raises(RunsError, match="'error'.*rows \\[1\\]"):
        wb.fit("downstream_error", df)


def test_fraction_holdout_takes_largest_compute():
    f = wb.fit("power_law_N", runs(20), holdout=0.25, bootstrap=0)
    assert f.holdout_error["n"] == 5
    assert f.holdout_runs["C"].min() > f.fit_runs["C"].max()
