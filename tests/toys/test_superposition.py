"""Superposition yields robust scaling (Liu, Liu & Gore 2025): the model, the optimiser's weight
decay / norm pull, batched training, and the published results at CPU scale (LAWS.md section 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from workbench.data import validate_runs
from workbench.errors import WorkbenchError
from workbench.fitting import fit, fit_power_law
from workbench.sweeps import grid, run_sweep
from workbench.toys import Progress
from workbench.toys.superposition import (
    NOTHING_LEARNED_LOSS,
    _Block,
    _buckets,
    _forward_backward,
    _sample,
    feature_frequencies,
    lr_schedule,
    superposition_metrics,
    superposition_run,
    train_superposition,
)

WIDTHS = (8, 10, 14, 18, 24)


@pytest.fixture(scope="module")
def strong():
    """Strong superposition (norm pull, gamma = -1) at alpha = 1, n = 256: quick CPU settings."""
    return train_superposition(WIDTHS, n_features=256, alpha=1.0, weight_decay=-1.0, steps=800, seed=0)


@pytest.fixture(scope="module")
def both_regimes():
    """Strong (gamma = -1) and weak (gamma = +1) superposition trained together in one batched model."""
    return train_superposition((8, 16), n_features=256, alpha=1.0, weight_decay=[-1.0, 1.0], steps=600, seed=0)


# ----------------------------------------------------------------------------- published results
def test_strong_regime_loss_scales_as_inverse_width(strong):
    """LAWS.md: strong regime loss ∝ m^-1 (slope -1 ± 0.25 in quick CPU runs)."""
    f = strong.slope()
    assert -1.25 <= f.slope <= -0.75, f  # the tolerance for quick CPU runs
    assert -1.15 <= f.slope <= -0.85, f  # LAWS.md: -1 ± 0.15 for alpha near 1
    assert f.r_squared > 0.95
    # the same slope through the vectorised fitting engine (a pure power law: E fixed at 0)
    g = fit("power_law_N", strong.runs, fixed={"E": 0.0}, bootstrap=0)
    assert g.params["alpha"] == pytest.approx(-f.slope, abs=0.05)


def test_strong_regime_overlap_is_inverse_width(strong):
    """LAWS.md: mean squared overlap of the normalised rows ≈ 1/m (within 30%)."""
    ratio = strong.runs["mean_squared_overlap"] * strong.runs["m"]
    assert ratio.between(0.7, 1.3).all(), strong.runs[["m", "mean_squared_overlap"]]
    # every feature keeps a row of norm ≈ 1: all represented, nothing carried by unrepresented features
    assert (strong.runs["represented_fraction"] >= 0.99).all()
    assert (strong.runs["unrepresented_loss"] == 0).all()
    assert strong.runs["loss"].max() < NOTHING_LEARNED_LOSS


def test_weak_regime_represents_fewer_features(both_regimes):
    runs = both_regimes.runs.set_index(["weight_decay", "m"])
    for m in (8, 16):
        weak, strong = runs.loc[(1.0, m)], runs.loc[(-1.0, m)]
        assert weak["represented_fraction"] < 0.2 < 0.99 <= strong["represented_fraction"]
        # weak superposition: the loss is carried by the features that got no row
        assert weak["unrepresented_loss"] / weak["loss"] > 0.8
        # and the few represented rows barely overlap
        assert weak["mean_squared_overlap"] < 0.5 / m
    # only the most frequent features are represented in the weak regime
    W = both_regimes.weights[(16, 0, 1.0)]
    norms = np.linalg.norm(W, axis=1)
    rep = np.flatnonzero(norms > 0.5)
    assert len(rep) > 0 and rep.max() < 40


def test_weak_regime_loss_follows_the_feature_frequencies():
    """LAWS.md: weak regime loss ∝ m^-(alpha-1) and ≈ the loss the unrepresented features carry."""
    res = {a: train_superposition((4, 6, 8, 11, 16), n_features=256, alpha=a, weight_decay=1.0, steps=600,
                                  eval_samples=8192) for a in (1.0, 2.0)}
    s1, s2 = res[1.0].slope().slope, res[2.0].slope().slope
    assert -1.3 <= s2 <= -0.7, s2  # alpha = 2: m^-1
    # alpha = 1: m^0 for infinitely many features; with n = 256 the tail sum ln(n/k) still falls slowly
    assert s2 < s1 - 0.4 and s1 > -0.6, (s1, s2)
    for r in res.values():
        # most of the loss is carried by the features without a row (norm <= 1/2) ...
        assert (r.runs["unrepresented_loss"] > 0.6 * r.runs["loss"]).all()
        # ... and they are the rare ones: the represented rows are the most frequent features
        for W in r.weights.values():
            rep = np.flatnonzero(np.linalg.norm(W, axis=1) > 0.5)
            assert len(rep) == 0 or rep.max() < 3 * W.shape[1]


def test_runs_table_is_a_runs_table(strong):
    runs = validate_runs(strong.runs, require=("N", "D", "loss"))
    assert list(runs["N"]) == list(WIDTHS)
    assert (runs["D"] == 800 * 256).all()
    for col in ("represented_fraction", "mean_squared_overlap", "unrepresented_loss", "inverse_width", "seed",
                "weight_decay", "alpha", "silent_fraction", "parameters"):
        assert col in runs
    assert np.allclose(runs["inverse_width"], 1.0 / runs["N"])
    # the loss is the sum of the per-feature losses
    for (m, s, g), pf in strong.per_feature_loss.items():
        assert runs.set_index("m").loc[m, "loss"] == pytest.approx(pf.sum())
    assert "loss ∝ m^" in strong.summary()
    assert set(strong.to_dict()) >= {"settings", "runs"}
    norms = strong.norms()
    assert len(norms) == 256 * len(WIDTHS) and norms["norm"].between(0.5, 1.6).all()


# ----------------------------------------------------------------------------- batched == alone
@pytest.mark.parametrize("dtype, steps, tol", [("float32", 30, 1e-4), ("float64", 60, 1e-9)])
def test_batched_training_equals_training_each_model_alone(dtype, steps, tol):
    """Every (seed, width, weight decay) in one batched model follows the same trajectory as the
    same model trained alone (float tolerance): padding, buckets and batching change nothing.

    (In float32, rounding differences from the padded matrix products can occasionally flip an
    output across the ReLU's kink early in training, which Adam then amplifies; float64 checks a
    longer run with a tight tolerance.)"""
    kw = dict(n_features=64, alpha=1.0, steps=steps, batch_size=64, eval_samples=512, dtype=dtype)
    batched = train_superposition((5, 7, 12), seed=(0, 1), weight_decay=(-1.0, 0.5), bucket_ratio=float("inf"), **kw)
    assert batched.settings["buckets"] == [[5, 7, 12]]  # everything padded to m = 12 in one block
    again = train_superposition((5, 7, 12), seed=(0, 1), weight_decay=(-1.0, 0.5), bucket_ratio=float("inf"), **kw)
    for key, W in batched.weights.items():  # the same seed gives the same numbers on the same device
        assert np.array_equal(W, again.weights[key])
    for (m, s, g), W in batched.weights.items():
        alone = train_superposition([m], seed=s, weight_decay=g, **kw)
        np.testing.assert_allclose(W, alone.weights[(m, s, g)], rtol=tol, atol=tol / 10)
        np.testing.assert_allclose(batched.biases[(m, s, g)], alone.biases[(m, s, g)], rtol=tol, atol=tol / 10)
        got = batched.runs.query("m == @m and seed == @s and weight_decay == @g")["loss"].item()
        assert got == pytest.approx(alone.runs["loss"].item(), rel=tol)


def test_dense_and_sparse_backward_agree():
    kw = dict(n_features=64, steps=30, batch_size=64, eval_samples=256, widths=(6, 10))
    a = train_superposition(sparse_backward=True, **kw)
    b = train_superposition(sparse_backward=False, **kw)
    for key in a.weights:
        np.testing.assert_allclose(a.weights[key], b.weights[key], rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- the pieces
def test_gradients_match_autograd():
    torch.manual_seed(0)
    K, n, M, B = 3, 40, 6, 96
    W = torch.randn(K, n, M) / 2
    W[0, :, 4:] = 0  # a padded instance of width 4
    p = torch.tensor(feature_frequencies(n, 1.0), dtype=torch.float32) * 4
    x, rows, cols, vals = _sample(torch.Generator().manual_seed(1), p, B)
    for shift, dense_above in ((0.0, 0.0), (-1.5, 1.0)):  # the dense path, and the sparse path
        b = torch.randn(K, n) * 0.3 + shift
        loss, (gW, gb) = _forward_backward(W.clone(), b.clone(), x, rows, cols, vals, dense_above=dense_above)
        Wa, ba = W.clone().requires_grad_(), b.clone().requires_grad_()
        y = torch.relu(x @ Wa @ Wa.transpose(1, 2) + ba[:, None])
        ref = ((y - x) ** 2).sum(-1).mean(-1)
        gWa, gba = torch.autograd.grad(ref.sum(), (Wa, ba))
        torch.testing.assert_close(loss, ref.detach(), rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(gW, gWa, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(gb, gba, rtol=1e-4, atol=1e-6)
        assert torch.count_nonzero(gW[0, :, 4:]) == 0  # padding receives no gradient


def test_inputs_follow_the_paper_distribution():
    p = feature_frequencies(50, 1.0)
    assert p.sum() == pytest.approx(1.0) and p[0] / p[9] == pytest.approx(10.0)
    x, rows, cols, vals = _sample(torch.Generator().manual_seed(0), torch.tensor(p, dtype=torch.float32), 200_000)
    x = x.double()
    freq = (x > 0).double().mean(0).numpy()
    assert np.allclose(freq, p, atol=4 * np.sqrt(p / 200_000) + 1e-4)
    assert float(vals.min()) >= 0 and float(vals.max()) <= 2  # v ~ U(0, 2)
    assert float(vals.mean()) == pytest.approx(1.0, abs=0.01)
    # a model that outputs zero has loss E[sum_i x_i^2] = (4/3) sum_i p_i = 4/3
    assert float((x**2).sum(1).mean()) == pytest.approx(NOTHING_LEARNED_LOSS, rel=0.02)
    assert torch.equal(x[rows, cols].float(), vals)


def test_weight_decay_and_norm_pull():
    """gamma > 0: W <- W (1 - eta gamma); gamma < 0: W_i <- W_i + eta gamma (1 - 1/|W_i|) W_i (LAWS.md)."""
    n = 3
    blk = _Block(0, [(2, -1.0), (2, 0.5)], n, {2: 0.1}, {2: 0.1}, torch.device("cpu"))
    W0 = torch.tensor([[2.0, 0.0], [0.3, 0.4], [0.6, 0.8]])  # row norms 2, 0.5, 1
    blk.W[:] = W0
    zeros_W, zeros_b = torch.zeros_like(blk.W), torch.zeros_like(blk.b)
    blk.step(zeros_W, zeros_b, schedule=1.0, t=1)  # no gradient: only the decay acts
    eta = 0.1
    norms = W0.norm(dim=1, keepdim=True)
    pulled = W0 + eta * -1.0 * (1 - 1 / norms) * W0
    torch.testing.assert_close(blk.W[0], pulled)
    assert blk.W[0, 0].norm() < 2 and blk.W[0, 1].norm() > 0.5  # towards norm 1 from both sides
    torch.testing.assert_close(blk.W[0, 2], W0[2])  # a unit row stays put
    torch.testing.assert_close(blk.W[1], W0 * (1 - eta * 0.5))


def test_lr_schedule_matches_the_paper():
    """Warm-up over 10 of 100 steps, then a cosine to 5%: one Schedule type (workbench.dynamics)."""
    from workbench.dynamics import Schedule

    sched = lr_schedule(100, 10, 0.05)
    assert isinstance(sched, Schedule)
    lrs = sched.lrs(100)  # lrs[t] is the rate of step t + 1
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(0.05, abs=2e-3)  # cosine to 5%
    assert lrs[10 + 45] == pytest.approx(0.05 + 0.95 * 0.5, abs=1e-9)  # half-way through the decay
    assert np.all(np.diff(lrs[10:]) < 0)


def test_metrics_of_known_geometries():
    # orthonormal rows: no overlap; random rows in m dimensions: mean squared overlap ≈ 1/m
    met = superposition_metrics(np.eye(4))
    assert met["mean_squared_overlap"] == 0 and met["represented_fraction"] == 1
    rng = np.random.default_rng(0)
    m = 16
    met = superposition_metrics(rng.standard_normal((2000, m)) / math.sqrt(m))
    assert met["mean_squared_overlap"] * m == pytest.approx(1.0, rel=0.03)
    met = superposition_metrics(np.array([[1.0, 0], [0.1, 0], [0, 0.2]]), per_feature_loss=[0.1, 0.2, 0.3],
                                b=np.array([0.0, -3.0, 0.0]))
    assert met["represented_fraction"] == pytest.approx(1 / 3)
    assert met["unrepresented_loss"] == pytest.approx(0.5) and met["represented_loss"] == pytest.approx(0.1)
    assert math.isnan(met["mean_squared_overlap"])
    assert met["silent_fraction"] == pytest.approx(1 / 3)


def test_buckets():
    assert _buckets([16, 23, 32, 45, 64], 1.5) == [[16, 23], [32, 45], [64]]
    assert _buckets([8, 16], float("inf")) == [[8, 16]]


# ----------------------------------------------------------------------------- progress, stop, errors
def test_progress_streams_partial_runs_and_stop_returns_early():
    seen = []

    def listen(partial, fraction):
        seen.append((len(partial), fraction))
        if fraction >= 0.3:
            prog.stop()

    prog = Progress(200, on_partial=listen, bar=False, min_interval=0.0)
    res = train_superposition((4, 8), n_features=32, steps=200, batch_size=32, eval_samples=256, report_every=20,
                              progress=prog)
    assert seen and all(n == 2 for n, _ in seen)
    assert not res.finished and res.runs["steps"].max() < 200
    assert np.isfinite(res.runs["loss"]).all()


def test_bad_inputs_raise_workbench_errors():
    with pytest.raises(WorkbenchError, match="fewer dimensions than features"):
        train_superposition([64], n_features=32, steps=1)
    with pytest.raises(WorkbenchError, match="one per width"):
        train_superposition([4, 8], n_features=32, steps=1, lr=[0.1])
    with pytest.raises(WorkbenchError, match="positive"):
        train_superposition([4], n_features=32, steps=1, lr=-1.0)
    with pytest.raises(WorkbenchError, match="alpha"):
        feature_frequencies(10, -1.0)
    with pytest.raises(WorkbenchError, match="several weight decays"):
        train_superposition([4, 6, 8], n_features=16, steps=2, batch_size=8, eval_samples=8,
                            weight_decay=[-1.0, 1.0]).slope()


def test_sweep_of_superposition_runs_is_cached(tmp_path):
    configs = grid(width=[4, 8], steps=[20])
    first = run_sweep(lambda c: superposition_run({**c, "n_features": 32, "batch_size": 32, "eval_samples": 128}),
                      configs, cache_dir=tmp_path, progress=False, namespace="superposition-test")
    again = run_sweep(lambda c: pd.DataFrame(), configs, cache_dir=tmp_path, progress=False,
                      namespace="superposition-test")
    assert first.attrs["n_computed"] == 2 and again.attrs["n_cached"] == 2
    assert list(again["N"]) == [4, 8] and np.allclose(again["loss"], first["loss"])
    assert fit_power_law(pd.DataFrame({"N": [4, 8, 16], "loss": [1.0, 0.5, 0.25]})).slope == pytest.approx(-1.0)
