"""Pure power laws fitted in log-log space with statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.errors import FitError, RunsError
from workbench.fitting import fit_power_law


def test_recovers_slope_with_interval():
    rng = np.random.default_rng(0)
    m = np.logspace(1, 3, 12)
    loss = 3.0 * m**-1.0 * np.exp(rng.normal(0, 0.02, m.size))
    f = fit_power_law(pd.DataFrame({"N": m, "loss": loss}))
    assert f.slope == pytest.approx(-1.0, abs=0.03)
    lo, hi = f.slope_interval
    assert lo < -1.0 < hi and f.r_squared > 0.99
    assert "OLS" in f.summary() and "slope" in repr(f)
    np.testing.assert_allclose(f.predict([10.0]), f.a * 10.0**f.slope)


def test_agrees_with_engine_pure_power_law():
    m = np.logspace(1, 3, 10)
    loss = 2.0 * m**-0.7
    ols = fit_power_law(xs=m, ys=loss)
    eng = wb.fit("power_law_N", {"N": m, "D": m, "loss": loss}, fixed={"E": 0.0}, bootstrap=0, loss="squares")
    assert eng.params["alpha"] == pytest.approx(-ols.slope, rel=1e-6)
    assert eng.params["A"] == pytest.approx(ols.a, rel=1e-5)


def test_errors():
    with pytest.raises(RunsError, match="positive"):
        fit_power_law(xs=[1, 2, -3], ys=[1, 2, 3])
    with pytest.raises(FitError, match="at least 3"):
        fit_power_law(xs=[1, 2], ys=[1, 2])
    with pytest.raises(FitError, match="equal"):
        fit_power_law(xs=[2, 2, 2], ys=[1, 2, 3])
    with pytest.raises(RunsError, match="columns"):
        fit_power_law(pd.DataFrame({"m": [1, 2, 3]}), x="m", y="loss")
