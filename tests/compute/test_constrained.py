"""Data-constrained optimum (Muennighoff et al. 2023): the published optimum and README losses."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.compute import (
    data_constrained_optimum,
    data_constrained_source,
    repeated_data_value,
    repetition_cost,
)
from workbench.errors import LawError


def test_readme_losses_of_the_c4_fit():
    """datablations README: L(6.34e9, 242e9, 25e9) = 2.2256, L(8.67e9, 178e9, 25e9) = 2.2270 (±0.002)."""
    ps = wb.get_parameter_set("muennighoff2023")
    L = ps.predict(N=[6.34e9, 8.67e9], D=[242e9, 178e9], U=[25e9, 25e9])
    assert L[0] == pytest.approx(2.2256, abs=2e-3)
    assert L[1] == pytest.approx(2.2270, abs=2e-3)
    assert L[0] < L[1]  # the README's point: fewer parameters, more epochs is better


def test_datablations_optimum_at_1e22_flops_and_25b_unique_tokens():
    """LAWS.md: ≈ 7.02e9 parameters and 237.3e9 tokens (9.49 epochs), ±1%."""
    p = data_constrained_optimum("muennighoff2023", 1e22, 25e9)
    a = p.constrained
    assert a.method == "numeric"
    assert a.value("N") == pytest.approx(7.02e9, rel=0.01)
    assert a.value("D") == pytest.approx(237.3e9, rel=0.01)
    assert float(p.epochs[0]) == pytest.approx(9.49, rel=0.01)
    # it is a minimum along C = 6ND: both neighbours are worse
    law = a.source.law
    for f in (0.98, 1.02):
        worse = law.predict(a.source.values, N=a.value("N") * f, D=a.value("D") / f, U=25e9)[0]
        assert worse > a.value("loss")
    # and it beats both README configurations at their (smaller) budgets' loss
    assert a.value("loss") < 2.2256


def test_unconstrained_optimum_and_penalty():
    p = data_constrained_optimum("muennighoff2023", 1e22, 25e9)
    u = p.unconstrained
    assert u.source.law.name == "chinchilla" and u.method == "closed form"
    assert p.loss_penalty[0] > 0  # limited data can only hurt
    assert u.value("N") > p.constrained.value("N")  # and it shifts compute from data-hungry size to epochs
    # with plenty of unique data the constraint does not bind
    q = data_constrained_optimum("muennighoff2023", 1e22, 1e13)
    assert q.loss_penalty[0] == pytest.approx(0.0, abs=1e-9)
    assert q.constrained.value("N") == pytest.approx(u.value("N"), rel=1e-5)


def test_repeated_data_value():
    assert repeated_data_value(1.0) == pytest.approx(1.0)
    v4 = float(repeated_data_value(4.0, R_D=15.39))
    assert 0.9 < v4 < 0.95  # "up to ~4 epochs cost almost nothing"
    v = repeated_data_value(np.array([1, 2, 4, 8, 16, 64, 1e6]), R_D=15.39)
    assert np.all(np.diff(v) < 0)
    assert float(v[-1]) * 1e6 == pytest.approx(1 + 15.39, rel=1e-3)  # saturates at U (1 + R*)
    with pytest.raises(LawError):
        repeated_data_value(0.5)


def test_repetition_cost_table():
    t = repetition_cost("muennighoff2023", 1e22)
    assert list(t["epochs"]) == [1, 2, 4, 8, 16, 32, 64]
    assert t["excess_reoptimised"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert np.all(np.diff(t["excess_same_allocation"]) > 0)
    # re-optimising for the unique data never does worse than keeping the fresh-data allocation
    assert np.all(t["excess_reoptimised"] <= t["excess_same_allocation"] + 1e-9)
    assert t.loc[t["epochs"] == 4, "excess_same_allocation"].iloc[0] < 0.02


def test_chinchilla_law_is_extended_with_repetition_constants():
    s = data_constrained_source("besiroglu2024")
    assert s.law.name == "data_constrained"
    assert s.params["R_D"] == pytest.approx(15.39) and s.params["alpha"] == pytest.approx(0.348)
    s2 = data_constrained_source("besiroglu2024", repetition={"R_D": 5.0, "R_N": 2.0})
    assert s2.params["R_D"] == 5.0
    a = data_constrained_optimum("besiroglu2024", 1e23, 25e9).constrained
    b = data_constrained_optimum("besiroglu2024", 1e23, 25e9, repetition={"R_D": 5.0, "R_N": 2.0}).constrained
    assert b.value("loss") > a.value("loss")  # repeated data decays faster: worse
    with pytest.raises(LawError):
        data_constrained_source(("kaplan_ND", {"N_c": 6.4e13, "alpha_N": 0.076, "D_c": 1.8e13, "alpha_D": 0.103}))
    with pytest.raises(LawError):
        data_constrained_source("besiroglu2024", repetition="hoffmann2022")


def test_display():
    p = data_constrained_optimum("muennighoff2023", [1e21, 1e22], 25e9)
    assert "epochs" in p.summary() and "unlimited fresh data" in p.summary()
    d = p.to_dict()
    assert len(d["epochs"]) == 2 and d["constrained"]["law"] == "data_constrained"
    assert {"loss_penalty", "data_value", "epochs"} <= set(p.to_frame().columns)
    assert "<table>" in p._repr_html_()
