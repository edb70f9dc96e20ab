"""The tiny-LM trainer: it learns, batching changes nothing, grids are cached, stopping keeps finished runs,
and the Chinchilla fit of a generated grid finds the source's entropy rate."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest

import workbench as wb
from workbench.errors import WorkbenchError
from workbench.toys import Progress
from workbench.toys.corpus import MarkovSource
from workbench.toys.tinylm import (
    _Layout,
    default_grid,
    default_source,
    final_runs,
    grid_work,
    model_size,
    train_grid,
    train_tinylm,
)


@pytest.fixture(scope="session")
def tinylm_cache(tmp_path_factory):
    """One sweep cache for the session (shared with the other tiny-LM test files)."""
    return tmp_path_factory.getbasetemp() / "tinylm-cache"


@pytest.fixture(scope="module")
def quick_grid(tinylm_cache):
    """The quick default grid (4 sizes x 3 token budgets), trained for real."""
    t = time.perf_counter()
    g = train_grid(cache_dir=tinylm_cache)
    g.wall = time.perf_counter() - t
    return g


def test_model_size_counts_every_weight():
    for d, L in [(8, 1), (16, 2), (24, 3)]:
        lay = _Layout(48, 16, d, L)
        emb = sum(math.prod(lay.shapes[n]) for n in lay.embedding)
        sizes = model_size(d, L, 48, 16)
        assert sizes["N"] == lay.P - emb and sizes["N_total"] == lay.P


def test_quick_grid_shape(quick_grid):
    g = default_grid()
    assert len(g["sizes"]) >= 4 and len(g["budgets"]) >= 3
    runs = quick_grid.runs
    assert quick_grid.complete and len(runs) == len(g["sizes"]) * len(g["budgets"])
    assert set(["N", "D", "C", "loss", "lr", "N_total"]) <= set(runs.columns)
    assert np.allclose(runs["C"], 6 * runs["N"] * runs["D"])
    # full curves: the learning rate on every step, held-out losses on ~20 steps per run
    curves = quick_grid.curves
    per_run = curves.groupby(["stack", "run"])
    assert (per_run["step"].max() == per_run["steps"].first()).all()
    assert (per_run["lr"].count() == per_run["steps"].first()).all()
    assert (per_run["loss"].count() >= 10).all()


def test_trainer_learns_but_not_below_the_entropy_rate(quick_grid):
    """Must show: the trainer reaches a loss below the unigram entropy and above the source's entropy rate."""
    src = quick_grid.source
    runs = quick_grid.runs
    best = runs.loc[runs["loss"].idxmin()]
    print(f"\nbest held-out loss {best['loss']:.4f} (sampled {best['loss_sampled']:.4f}); unigram entropy "
          f"{src.unigram_entropy:.4f}, entropy rate {src.entropy_rate:.4f} nats/token")
    for col in ("loss", "loss_sampled"):
        assert runs[col].min() < src.unigram_entropy - 1.0  # far better than ignoring context
        assert runs[col].min() > src.entropy_rate  # nothing beats the source
    # more data helps every size; the largest model at the largest budget is within 10% of E
    for _, g in runs.groupby("N"):
        assert np.all(np.diff(g.sort_values("D")["loss"].to_numpy()) < 0)
    assert best["loss"] < 1.1 * src.entropy_rate


def test_chinchilla_fit_recovers_the_entropy_rate(quick_grid):
    """Must show: Chinchilla fitted to a generated grid recovers E within 10% of the true entropy rate."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = wb.fit("chinchilla", quick_grid.runs, bootstrap=0)
    H = quick_grid.entropy_rate
    E = f.params["E"]
    print(f"\nfitted E = {E:.4f} vs entropy rate {H:.4f} nats/token ({100 * (E / H - 1):+.2f}%); "
          f"alpha = {f.params['alpha']:.3f}, beta = {f.params['beta']:.3f}; grid trained in {quick_grid.wall:.1f} s")
    assert abs(E / H - 1) < 0.10


def test_rerunning_a_grid_is_instant_and_identical(quick_grid, tinylm_cache):
    t = time.perf_counter()
    again = train_grid(cache_dir=tinylm_cache)
    assert time.perf_counter() - t < 5.0
    assert again.n_computed == 0 and again.n_cached == len(default_grid()["sizes"])
    assert np.array_equal(again.runs["loss"].to_numpy(), quick_grid.runs["loss"].to_numpy())


def test_stacked_training_equals_one_at_a_time():
    """Instances of a stack are independent: training them together gives each one's own curve."""
    runs = [{"steps": 30, "seed": 1, "schedule": {"kind": "cosine", "peak": 0.02}},
            {"steps": 20, "seed": 2, "schedule": {"kind": "wsd", "peak": 0.01, "decay_start": 0.5}}]
    both = train_tinylm(runs, width=16, layers=1, batch_size=8, n_evals=5, device="cpu")
    for i, r in enumerate(runs):
        alone = train_tinylm([r], width=16, layers=1, batch_size=8, n_evals=5, device="cpu")
        mine = both[both["run"] == i]
        assert len(mine) == r["steps"]
        np.testing.assert_allclose(mine["train_loss"].to_numpy(), alone["train_loss"].to_numpy(), rtol=2e-5)
        np.testing.assert_allclose(mine["lr"].to_numpy(), alone["lr"].to_numpy())
        np.testing.assert_allclose(mine["loss"].dropna().to_numpy(), alone["loss"].dropna().to_numpy(), rtol=2e-5)


class StopAt(Progress):
    """Presses Stop once a given share of the work is done (deterministic, unlike a timer)."""

    def __init__(self, total, share):
        super().__init__(total, bar=False, on_partial=lambda partial, fraction: self.partials.append(partial))
        self.share, self.partials = share, []

    def update(self, done, partial=None, force=False):
        super().update(done, partial, force)
        if done >= self.share * self.total:
            self.stop()


def test_stop_keeps_finished_stacks_and_resumes(tmp_path):
    sizes, budgets = [(8, 1), (16, 1)], [2**13, 2**14]  # 16 and 32 steps per size
    prog = StopAt(grid_work(sizes, budgets), 0.6)
    first = train_grid(sizes, budgets, cache_dir=tmp_path, progress=prog)
    assert not first.complete and len(first.runs) == 2  # the first size finished, the second did not
    assert first.curves["stack"].str.contains("stopped").any()
    assert prog.partials and all(p.runs["N"].nunique() <= 1 for p in prog.partials)
    second = train_grid(sizes, budgets, cache_dir=tmp_path)
    assert second.complete and len(second.runs) == 4 and second.n_cached == 1 and second.n_computed == 1


def test_stop_keeps_finished_stacks_without_a_cache():
    sizes, budgets = [(8, 1), (16, 1)], [2**13, 2**14]
    stopped = train_grid(sizes, budgets, cache_dir=False, progress=StopAt(grid_work(sizes, budgets), 0.6))
    assert not stopped.complete and stopped.n_cached == 0 and stopped.n_computed == 1
    assert list(stopped.runs["width"]) == [8, 8]  # the finished size's two runs, the stopped size's none
    assert set(stopped.curves["stack"]) == {"d8L1", "d16L1 (stopped)"}
    whole = train_grid(sizes[:1], budgets, cache_dir=False, progress=False)
    np.testing.assert_array_equal(stopped.runs["loss"].to_numpy(), whole.runs["loss"].to_numpy())


def test_text_source_and_order_two_train():
    src = MarkovSource(vocab_size=8, order=2, concentration=0.5, backoff=3.0)
    out = train_tinylm([{"steps": 40}], width=16, layers=2, source=src, batch_size=8, n_evals=4, device="cpu")
    fin = final_runs(out.assign(stack="s"))
    assert len(fin) == 1 and src.entropy_rate < fin["loss"].iloc[0] < 1.05 * src.unigram_entropy
    from workbench.toys.corpus import TextSource

    txt = train_tinylm([{"steps": 10}], width=8, layers=1, source=TextSource(), batch_size=4, n_evals=2, device="cpu")
    assert txt["loss"].notna().sum() == 2 and np.isnan(txt["entropy_rate"].iloc[0])


def test_bad_arguments_are_explained():
    with pytest.raises(WorkbenchError, match="multiple of 8"):
        train_tinylm([{"steps": 5}], width=12)
    with pytest.raises(WorkbenchError, match="'steps' or 'tokens'"):
        train_tinylm([{"lr": 1e-3}])
    with pytest.raises(WorkbenchError, match="at least one run"):
        train_tinylm([])
    with pytest.raises(WorkbenchError, match="schedule"):
        train_tinylm([{"steps": 5, "schedule": 3}], width=8)
    assert default_source().entropy_rate > 0
