"""Every public result derives from one base and behaves the same way.

Each public result type is listed here with a small way to make one; the test
checks it derives from :class:`workbench.results.Result`, renders text and HTML
summaries, has a one-line repr, round-trips ``to_dict()`` through ``json.dumps``
(strict JSON: no NaN), carries its intervals as ``{name: (lo, hi)}`` with a level,
its warnings as ``{code, message}``, and is drawn by a builder registered in
``workbench.charts`` (or says plainly that it has no chart).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.results import Result, ResultWarning, Summary, jsonable


def _runs(n=12, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(7, 10, n)
    return pd.DataFrame({"N": N, "D": 20 * N, "loss": (1.7 + 400 / N**0.34) * np.exp(rng.normal(0, 0.003, n))})


def make_fit():
    return wb.fit("power_law_N", _runs(), bootstrap=20, holdout=0.2)


#: result type name -> factory. Every public result type is listed.
FACTORIES = {
    "Fit": make_fit,
}


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def result(request):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return FACTORIES[request.param]()


def test_every_result_derives_from_the_base(result):
    assert isinstance(result, Result)


def test_summary_renders_as_text_and_html(result):
    s = result.summary()
    assert isinstance(s, Summary)
    text, page = str(s), result._repr_html_()
    assert text.splitlines()[0] == s.title and len(text.splitlines()) >= 2
    assert page.startswith("<div") and "<table>" in page and s.title.split()[0] in page


def test_repr_is_one_line(result):
    r = repr(result)
    assert "\n" not in r and r.startswith(f"<{type(result).__name__}")


def test_to_dict_round_trips_through_strict_json(result):
    d = result.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["type"] == type(result).__name__ and 0 < d["level"] < 1
    if d["intervals"] is not None:
        for name, iv in d["intervals"].items():
            assert isinstance(name, str) and len(iv) == 2
    for w in d["warnings"]:
        assert set(w) == {"code", "message"}


def test_chart_comes_from_the_registry(result):
    from workbench.charts.registry import builder_for

    assert builder_for(type(result)) is not None
    chart = result.chart()
    assert chart.to_dict()  # a valid Vega-Lite spec


def test_summary_text_and_html_come_from_the_same_blocks():
    s = Summary("Title", "y = x")
    s.add_fields([("runs", 3), ("slope", 0.123456)])
    s.add_table((["name", "value", "interval"], [["a", 1.5, (1.0, 2.0)]]))
    s.add_text("A sentence.")
    s.add_warnings([ResultWarning("careful <here>", code="care")])
    text, page = s.as_text(), s.as_html()
    for piece in ("Title", "y = x", "runs", "0.1235", "[1, 2]", "A sentence.", "warning: careful <here>"):
        assert piece in text
    for piece in ("Title", "0.1235", "[1, 2]", "A sentence.", "careful &lt;here&gt;"):
        assert piece in page


def test_jsonable_makes_numpy_pandas_and_nan_strict_json():
    d = jsonable({"a": np.float32(1.5), "b": np.array([1, np.nan]), "c": pd.DataFrame({"x": [1, 2]}), "d": (1, np.inf),
                  "e": ResultWarning("m", "c"), "f": wb.get_law("chinchilla")})
    assert d == {"a": 1.5, "b": [1.0, None], "c": {"x": [1, 2]}, "d": [1, None], "e": {"code": "c", "message": "m"},
                 "f": "chinchilla"}
    json.dumps(d, allow_nan=False)


def test_fit_warnings_carry_codes():
    runs = _runs()
    with pytest.warns(wb.fitting.FitWarning, match="bound"):
        f = wb.fit("power_law_N", runs, bounds={"alpha": (0.0, 0.2)}, bootstrap=0)
    codes = {w.code for w in f.warnings}
    assert "at_bound" in codes
    assert {"code": "at_bound", "message": str(f.warnings[0])} in f.to_dict()["warnings"]
