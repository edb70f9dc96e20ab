"""Pure power laws fitted in log-log space through the one linear path (statsmodels for the summary)."""

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
    lo, hi = f.intervals["slope"]
    assert lo < -1.0 < hi and f.r_squared > 0.99
    assert "OLS" in str(f.results.summary()) and "slope" in repr(f) and "R^2" in f.summary()
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


def test_line_fit_matches_statsmodels_and_batches():
    from workbench.fitting.linear import line_fit, ols

    rng = np.random.default_rng(1)
    x = np.linspace(0, 3, 15)
    Y = 1.0 + 0.5 * x + rng.normal(0, 0.1, (4, x.size))
    W = rng.integers(0, 3, (4, x.size)).astype(float)
    u, b = line_fit(x, Y, W)
    for r in range(4):
        res = ols(x, Y[r], weights=W[r]) if (W[r] > 0).all() else ols(x[W[r] > 0], Y[r, W[r] > 0], weights=W[r, W[r] > 0])
        assert u[r] == pytest.approx(res.params["const"], rel=1e-10)
        assert b[r] == pytest.approx(res.params["x"], rel=1e-10)


def test_line_fit_huber_agrees_with_engine_huber():
    """IRLS Huber lines minimise the same objective as the engine's Huber fit of a pure power law."""
    from workbench.fitting.linear import line_fit

    rng = np.random.default_rng(2)
    m = np.logspace(1, 3, 20)
    loss = 2.0 * m**-0.7 * np.exp(rng.normal(0, 0.01, m.size))
    loss[3] *= 1.5  # an outlier that least squares follows and Huber discounts
    u, b = line_fit(np.log(m), np.log(loss), loss="huber", delta=1e-3)
    eng = wb.fit("power_law_N", {"N": m, "D": m, "loss": loss}, fixed={"E": 0.0}, bootstrap=0, delta=1e-3)
    assert -b[0] == pytest.approx(eng.params["alpha"], abs=2e-4)
    u2, b2 = line_fit(np.log(m), np.log(loss))
    assert abs(b2[0] - b[0]) > 1e-3  # the two estimators differ on this data
