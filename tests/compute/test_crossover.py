"""Crossover of two fitted laws: found where it exists, stated plainly where it does not."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.compute import crossover
from workbench.laws import ParameterSet
from workbench.errors import LawError
from workbench.laws import get_law

# two methods as laws of compute: "b" starts worse but scales better
A = ("power_law_C", {"E": 1.7, "A": 40.0, "alpha": 0.05})
B = ("power_law_C", {"E": 1.7, "A": 400.0, "alpha": 0.1})
C_CROSS = (400.0 / 40.0) ** (1 / (0.1 - 0.05))  # 40 C^-0.05 = 400 C^-0.1  ->  C = 10^20


def test_crossing_of_two_power_laws_is_exact():
    r = crossover(A, B, along="C", lo=1e15, hi=1e25, labels=("GPT-like", "LSTM-like"))
    assert r.crosses and len(r.points) == 1
    assert r.points[0] == pytest.approx(C_CROSS, rel=1e-6)
    assert r.lower_before == "GPT-like" and r.lower_after == "LSTM-like"
    assert "cross at C" in r.statement and "LSTM-like is lower from" in r.statement
    assert r.probability is None and r.interval is None
    spec = r.chart().to_dict()
    assert "layer" in spec


def test_no_crossing_in_range_is_stated():
    r = crossover(A, B, along="C", lo=1e21, hi=1e25)
    assert not r.crosses and r.points == []
    assert "do not cross" in r.statement and r.lower_before in r.statement
    assert r.to_dict()["points"] == []


def test_crossover_of_chinchilla_laws_along_compute_and_size():
    r = crossover("besiroglu2024", "hoffmann2022", along="C", lo=1e18, hi=1e26)
    for c in r.points:  # at every crossing the two compute-optimal losses agree
        a = wb.compute.compute_optimal("besiroglu2024", c).value("loss")
        b = wb.compute.compute_optimal("hoffmann2022", c).value("loss")
        assert a == pytest.approx(b, rel=1e-6)
    n = crossover("besiroglu2024", "hoffmann2022", along="N", fixed={"tokens_per_parameter": 20}, lo=1e7, hi=1e12)
    law = get_law("chinchilla")
    for x in n.points:
        la = law.predict(wb.get_parameter_set("besiroglu2024").values, N=x, D=20 * x)[0]
        lb = law.predict(wb.get_parameter_set("hoffmann2022").values, N=x, D=20 * x)[0]
        assert la == pytest.approx(lb, rel=1e-6)
    d = crossover("besiroglu2024", "hoffmann2022", along="D", fixed={"N": 1e9}, lo=1e8, hi=1e14)
    for x in d.points:
        la = law.predict(wb.get_parameter_set("besiroglu2024").values, N=1e9, D=x)[0]
        lb = law.predict(wb.get_parameter_set("hoffmann2022").values, N=1e9, D=x)[0]
        assert la == pytest.approx(lb, rel=1e-6)
    # the crossings found are all there are: count the sign changes of the two laws' difference on a fine grid
    D = np.logspace(8, 14, 2001)
    diff = (law.predict(wb.get_parameter_set("besiroglu2024").values, N=1e9, D=D)
            - law.predict(wb.get_parameter_set("hoffmann2022").values, N=1e9, D=D))
    assert len(d.points) == int(np.sum(np.sign(diff[:-1]) != np.sign(diff[1:]))) == 2
    assert d.crosses and "They cross at D = " in d.statement
    with pytest.raises(LawError, match="also depends on D"):
        crossover("besiroglu2024", "hoffmann2022", along="N")
    with pytest.raises(LawError, match="along"):
        crossover("besiroglu2024", "hoffmann2022", along="X", lo=1, hi=10)
    with pytest.raises(LawError, match="lo < hi"):
        crossover(A, B, lo=1e20, hi=1e19)


def test_bootstrap_samples_give_a_crossing_probability_and_interval():
    law = get_law("power_law_C")
    rng = np.random.default_rng(0)
    vb = law._values_array(B[1])
    samples = vb * np.exp(rng.normal(0, [0.0, 0.02, 0.01], (100, 3)))
    src = ParameterSet("LSTM-like (bootstrap)", law, dict(zip(law.param_names, vb)), samples=samples)
    r = crossover(A, src, along="C", lo=1e15, hi=1e27)
    assert 0.9 <= r.probability <= 1.0
    lo, hi = r.interval
    assert lo < C_CROSS < hi
    assert "bootstrap" in r.statement
    assert {"lo", "hi"} <= set(r.curves.columns)
