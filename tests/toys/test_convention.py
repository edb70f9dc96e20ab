"""One toy convention: every trainer takes a seed (or seeds), device, progress and threads; a Progress owns
the stop flag; learning-rate schedules are one type; grids are named explicitly."""

from __future__ import annotations

import inspect

import pytest

from workbench.dynamics import Schedule
from workbench.errors import ArgumentError
from workbench.toys import Progress
from workbench.toys import elhage, pruning, random_features, superposition, tinylm

TRAINERS = [elhage.train_toy_models, superposition.train_superposition, pruning.prune_and_train,
            random_features.regimes, tinylm.train_tinylm, tinylm.train_grid, tinylm.lr_sweep, tinylm.schedule_runs]


@pytest.mark.parametrize("trainer", TRAINERS, ids=lambda f: f.__name__)
def test_every_trainer_takes_seed_device_progress_threads(trainer):
    params = inspect.signature(trainer).parameters
    assert {"device", "progress", "threads"} <= set(params), trainer.__name__
    # batched trainers take several seeds at once; train_tinylm seeds each run in its run dicts, plus the data
    assert {"seed", "seeds", "data_seed"} & set(params), trainer.__name__
    assert params["device"].default is None and params["threads"].default is None
    assert "dev" not in params  # the old spelling is gone


def test_progress_owns_the_stop_flag():
    p = Progress(10, bar=False)
    assert not p.stopped
    p.stop()
    assert p.stopped


def test_one_schedule_type():
    s = superposition.lr_schedule(100, warmup=10, final_lr_fraction=0.05, lr=2.0)
    assert isinstance(s, Schedule)
    lrs = s.lrs(100)
    assert lrs.max() == pytest.approx(2.0, rel=1e-6) and lrs[-1] == pytest.approx(0.1, rel=0.05)


def test_grids_are_named():
    quick, full = tinylm.default_grid("quick"), tinylm.default_grid("full")
    assert len(quick["sizes"]) * len(quick["budgets"]) < len(full["sizes"]) * len(full["budgets"])
    with pytest.raises(ArgumentError, match="grid must be one of"):
        tinylm.default_grid("medium")
    assert "grid" in inspect.signature(tinylm.train_grid).parameters
