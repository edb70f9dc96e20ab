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


def test_trainers_check_their_number_lists_alike():
    from workbench.toys.device import numbers

    assert numbers(3, "widths") == [3.0] and numbers((1, 2.5), "lr") == [1.0, 2.5]
    assert numbers(iter([4, 8]), "widths") == [4.0, 8.0]
    for bad, message in (("8", "a number or a list"), ([], "is empty"), ([1, float("nan")], "finite numbers"),
                         (["a"], "a number or a list")):
        with pytest.raises(ArgumentError, match=message):
            numbers(bad, "widths")
    with pytest.raises(ArgumentError, match=r"fractions must be <= 1"):
        numbers([0.5, 2], "fractions", lo=0, hi=1)
    with pytest.raises(ArgumentError, match=r"seeds repeat"):  # each trainer adds its own checks on top
        superposition.train_superposition((4, 8), n_features=16, steps=2, seeds=(1, 1), progress=False)
    with pytest.raises(ArgumentError, match=r"sparsities must be a number or a list"):
        elhage.train_toy_models("0.5", steps=2, progress=False)
