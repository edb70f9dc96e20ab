"""Data pruning in the teacher–student perceptron (Sorscher et al. 2022), quick settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from workbench.errors import WorkbenchError
from workbench.toys import pruning as pr
from workbench.sweeps.progress import Progress

ALPHAS = [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 4, 8, 16, 32]
FRACTIONS = [1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01]


@pytest.fixture(scope="module")
def runs():
    return pr.prune_and_train(alpha_prune=ALPHAS, fractions=FRACTIONS, thetas=[0.0, 10.0], seed=range(4), dim=32)


def _mean(runs, strategy, f, alpha, theta=None):
    sel = runs[(runs.strategy == strategy) & np.isclose(runs.f, f) & np.isclose(runs.alpha_prune, alpha)]
    if theta is not None:
        sel = sel[np.isclose(sel.theta, theta)]
    assert len(sel) > 0
    return float(sel.error.mean())


def _slsqp_max_margin(Z, w0):
    """Reference: scipy's SLSQP on min ½|w|² s.t. Z w ≥ 1 (convex: any feasible start reaches the optimum)."""
    from scipy.optimize import minimize

    c = np.linalg.norm(w0)  # solve for v = w / c, which is of order 1
    Zc = c * Z
    r = minimize(lambda v: (0.5 * v @ v, v), w0 / c, jac=True, method="SLSQP",
                 constraints=[dict(type="ineq", fun=lambda v: Zc @ v - 1, jac=lambda v: Zc)],
                 options=dict(maxiter=2000, ftol=1e-12))
    # SLSQP may stop with "positive directional derivative" at its precision limit: check feasibility
    assert np.min(Zc @ r.x) > 1 - 1e-6, r.message
    return c * r.x


@pytest.mark.parametrize("alpha_prune,f", [(2.0, 1.0), (3.0, 0.05), (1.5, 0.25)])
def test_max_margin_solves_the_hard_margin_problem(alpha_prune, f):
    g = torch.Generator().manual_seed(1)
    d, B = 12, 4
    n = int(alpha_prune * d)
    Zs = []
    for _ in range(B):
        t = torch.randn(int(n / f), generator=g, dtype=torch.float64)
        keep = t.abs().argsort()[:n]  # the hardest examples for a perfect metric
        X = torch.cat([t[keep, None], torch.randn(n, d - 1, generator=g, dtype=torch.float64)], 1)
        Zs.append(torch.sign(X[:, :1]) * X)
    Z = torch.stack(Zs)
    J, ok = pr.max_margin(Z)
    assert bool(ok.all())
    for b in range(B):
        ours = J[b].numpy()
        ref = _slsqp_max_margin(Z[b].numpy(), 2.0 * ours + 0.1 * np.linalg.norm(ours) / np.sqrt(d))
        margin = lambda w: np.min(Z[b].numpy() @ w) / np.linalg.norm(w)  # noqa: E731
        assert margin(ours) >= margin(ref) * (1 - 1e-6)  # nothing SLSQP finds beats it
        assert margin(ours) == pytest.approx(margin(ref), rel=1e-5)
        assert np.dot(ours, ref) / np.linalg.norm(ours) / np.linalg.norm(ref) > 1 - 1e-7


def test_student_error_is_arccos_of_the_cosine_over_pi():
    J = torch.randn(50, 7, dtype=torch.float64)
    R = J[:, 0] / J.norm(dim=1)
    assert torch.allclose(pr.student_error(J), torch.arccos(R) / math.pi, atol=1e-12)
    tiny = torch.tensor([[1.0, 1e-9, 0.0]], dtype=torch.float64)  # arccos loses this angle; atan2 keeps it
    assert pr.student_error(tiny).item() == pytest.approx(1e-9 / math.pi, rel=1e-6)


def test_random_pruning_error_falls_as_one_over_alpha(runs):
    law = pr.random_pruning_law(runs, min_alpha=4)
    assert law.slope == pytest.approx(-1.0, abs=0.15)
    assert law.n == 4 and law.r_squared > 0.99


def test_perfect_metric_frontier_beats_the_power_law_and_is_exponential(runs):
    law = pr.random_pruning_law(runs, min_alpha=4)
    front = pr.frontier(runs, strategy="hard", theta=0.0)
    # the tested range: from the smallest alpha_prune to the first one whose best fraction is the
    # smallest fraction tried (beyond it the frontier is that fraction's 1/alpha curve)
    limited = front.best_f <= min(FRACTIONS) + 1e-12
    end = float(front.loc[limited, "alpha_prune"].iloc[0])
    rng = front[front.alpha_prune <= end]
    assert len(rng) >= 6
    gain = law.predict(rng.alpha_prune.to_numpy()) / rng.error.to_numpy()
    # beats the random-pruning power law by a growing factor as data grow
    assert gain[-1] > 30 * gain[0]
    assert np.all(np.diff(gain[-4:]) > 0)
    assert np.all(gain[-4:] > 1)
    # and falls faster than a power law: an exponential describes it better
    cmp = pr.compare_frontier_fits(front, (float(rng.alpha_prune.min()), end))
    assert cmp["better"] == "exponential"
    assert cmp["aic_exponential"] < cmp["aic_power"] - 2
    # far beyond, at fixed fraction the error is ~0.45 f / alpha: a 1/alpha law with a smaller prefactor
    f_min = min(FRACTIONS)
    tail = np.array([_mean(runs, "hard", f_min, a, 0.0) * a / f_min for a in (8, 16, 32)])
    assert np.all((tail > 0.2) & (tail < 0.8))


def test_imperfect_metric_too_much_pruning_is_worse_than_random(runs):
    random = _mean(runs, "random", 1.0, 4)
    assert _mean(runs, "hard", 0.25, 4, theta=10.0) < random  # moderate pruning still helps
    for f in (0.02, 0.01):
        assert _mean(runs, "hard", f, 4, theta=10.0) > 2 * random  # keeping too little is worse than random
    # with the perfect metric the same fractions are far better than random
    assert _mean(runs, "hard", 0.01, 4, theta=0.0) < random / 10


def test_keep_easy_when_data_are_scarce_and_hard_when_abundant(runs):
    f = 0.25
    scarce, abundant = 1.0, 16.0  # alpha_total = 4 and 64
    assert _mean(runs, "easy", f, scarce, 0.0) < _mean(runs, "hard", f, scarce, 0.0)
    assert _mean(runs, "hard", f, abundant, 0.0) < _mean(runs, "easy", f, abundant, 0.0)


def test_runs_table_is_complete_and_consistent(runs):
    assert runs.converged.all()
    assert set(runs.strategy) == {"random", "hard", "easy"}
    assert runs.theta[runs.strategy == "random"].isna().all()
    assert np.allclose(runs.alpha_total, np.ceil(runs.D / runs.f - 1e-9) / runs.dim)
    assert np.allclose(runs.loss, runs.error)
    assert ((runs.error > 0) & (runs.error < 0.5)).all()
    # f = 1 keeps everything: the same student for every strategy
    full = runs[runs.f == 1.0]
    assert full.groupby(["alpha_prune", "seed"]).error.nunique().max() == 1


def test_same_seed_same_numbers_and_paired_pools():
    kw = dict(alpha_prune=[2], fractions=[0.5], thetas=[0.0], seed=[3], dim=16)
    a, b = pr.prune_and_train(**kw), pr.prune_and_train(**kw)
    assert a.error.tolist() == b.error.tolist()
    c = pr.prune_and_train(**{**kw, "seed": [4]})
    assert a.error.tolist() != c.error.tolist()


def test_progress_reports_and_stops():
    seen = []

    class Stopper(Progress):
        def update(self, done, partial=None, force=False):
            seen.append(len(partial))
            super().update(done, partial, force)
            self.stop()

    out = pr.prune_and_train(alpha_prune=[1, 2, 4], fractions=[1.0, 0.5], seed=[0], dim=8,
                             progress=Stopper(3, bar=False))
    assert seen == [len(out)] and set(out.alpha_prune) == {1.0}


@pytest.mark.parametrize("kw,match", [
    ({"strategies": ["median"]}, "strategies"),
    ({"fractions": [1.5]}, "fractions"),
    ({"thetas": [120]}, "thetas"),
    ({"dim": 2}, "dim"),
    ({"alpha_prune": [-1]}, "alpha_prune"),
])
def test_bad_inputs_raise_readable_errors(kw, match):
    with pytest.raises(WorkbenchError, match=match):
        pr.prune_and_train(**kw)


def test_frontier_and_fit_helpers_validate():
    with pytest.raises(WorkbenchError):
        pr.frontier(pr.prune_and_train(alpha_prune=[1], fractions=[1.0], seed=[0], dim=8), strategy="best")
    with pytest.raises(WorkbenchError):
        pr.random_pruning_law(pr.prune_and_train(alpha_prune=[1, 2], fractions=[1.0], seed=[0], dim=8))


def test_error_vs_examples_has_every_curve(runs):
    t = pr.error_vs_examples(runs, theta=0.0)
    curves = set(t.curve)
    assert {"random pruning", "frontier: keep hard", "frontier: keep easy", "keep hard, f = 0.01",
            "keep easy, f = 0.5"} <= curves
    assert np.allclose(t.D, t.alpha_prune * 32)
    hard_front = t[t.curve == "frontier: keep hard"].set_index("alpha_prune").error
    m = pr.mean_curves(runs)
    no_pruning = m[m.f == 1.0].groupby("alpha_prune").error.mean()
    assert (hard_front <= no_pruning + 1e-12).all()  # f = 1 (no pruning) is always a candidate
