"""The one number formatter: units, significant digits, intervals, typed values, tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.format import (
    NOT_COVERING, Quantity, compact, fmt, fmt_estimate, fmt_interval, frame, number, parse_number, percent,
)


@pytest.mark.parametrize("value, unit, text", [
    (5.9e9, "parameters", "5.9 B parameters"),
    (1.2e12, "tokens", "1.2 T tokens"),
    (3.4e23, "FLOPs", "3.4 × 10²³ FLOPs"),
    (1e23, "FLOPs", "10²³ FLOPs"),
    (4.94e4, "days", "135 years"),
    (0.2, "days", "4.8 hours"),
    (9e5, "MWh", "0.9 TWh"),
    (2427622896, "USD", "$2.4 B"),
    (149970, "USD", "$150,000"),
    (1024, "devices", "1024 devices"),
    (2.03146, "nats/token", "2.031 nats/token"),
    (-0.0, "%", "0%"),
    (0.1234, "%", "12%"),
    (0.0078125, None, "0.00781"),
    (5.73342e7, None, "5.73 × 10⁷"),
    (-4.441e-16, None, "−4.44 × 10⁻¹⁶"),
    (float("nan"), "tokens", "n/a"),
])
def test_units(value, unit, text):
    assert fmt(value, unit) == text


def test_no_negative_zero_and_no_float_noise():
    assert number(-0.0) == "0" and number(-1e-300 * 0) == "0"
    assert number(0.1 + 0.2) == "0.3" and number(2.0000000000000004) == "2"
    assert percent(-1e-12) == "0%"


def test_intervals_share_their_unit():
    assert fmt_interval(1.14e10, 3.37e10, "parameters") == "11.4–33.7 B parameters"
    assert fmt_estimate(2.05e10, 1.14e10, 3.37e10, "parameters") == "20.5 B parameters (95%: 11.4–33.7 B)"
    assert fmt_estimate(1e23, 5e22, 2e23, "FLOPs") == "10²³ FLOPs (95%: 5 × 10²² – 2 × 10²³)"
    assert fmt_interval(float("nan"), 1.0) == "n/a"


def test_quantity_marks_an_interval_that_misses_its_estimate():
    q = Quantity("model size N", 1.7e12, "parameters", 5.5e10, 3.96e11, reason="the optimum is on a plateau")
    assert not q.covers and f"{NOT_COVERING}: the optimum is on a plateau" in q.text()
    assert Quantity("loss", 2.0, "nats/token", 1.9, 2.1).covers and NOT_COVERING not in Quantity("x", 1, None, 0, 2).text()


@pytest.mark.parametrize("typed, value", [
    ("1e23", 1e23), ("3e9", 3e9), ("3 × 10^9", 3e9), ("3x10²³", 3e23), ("2.5 B", 2.5e9), ("1,000", 1000.0),
    ("−2", -2.0), ("10^9", 1e9), (" 7 k ", 7e3), ("1.5e-3", 1.5e-3),
])
def test_parse_number(typed, value):
    assert parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["", "abc", "1e23; import os", "__import__('os')", "2 +", "1e400"])
def test_parse_number_refuses_anything_else(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


@given(st.floats(1e-300, 1e300))
def test_compact_reads_back(v):
    back = parse_number(compact(v))
    assert math.isclose(back, v, rel_tol=5e-3)


@given(st.floats(-1e30, 1e30, allow_nan=False))
def test_number_is_short_and_has_no_negative_zero(v):
    s = number(v)
    assert s not in ("-0", "−0") and len(s) <= 16


def test_frame_headers_units_and_noise():
    df = pd.DataFrame({"N": [7e10, 2.8e11], "C": [5.88e23, 5e23], "excess": [-4.4e-16, 0.123]}, index=["a", "b"])
    html = frame(df, columns={"N": "model size"}, units={"N": "parameters", "C": "FLOPs"}, zero_below=1e-12).to_html()
    assert "model size" in html and "70 B parameters" in html and "5.88 × 10²³ FLOPs" in html
    assert "e-16" not in html and "10⁻¹⁶" not in html and ">0<" in html
    assert np.isfinite(df["N"]).all()
