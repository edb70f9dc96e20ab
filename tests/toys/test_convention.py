"""One toy convention: every trainer takes seed, device, progress and threads; a Progress owns
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
# exact (closed-form, torch) curves of the regimes panel: no training to report on or stop, so no progress
CURVES = [random_features.curves_at_width, random_features.curves_at_data, random_features.infinite_width_curve,
          random_features.infinite_data_curve]


@pytest.mark.parametrize("trainer", TRAINERS + CURVES, ids=lambda f: f.__name__)
def test_every_trainer_takes_seed_device_progress_threads(trainer):
    params = inspect.signature(trainer).parameters
    wanted = {"seed", "device", "threads"} | ({"progress"} if trainer in TRAINERS else set())
    assert wanted <= set(params), f"{trainer.__name__} lacks {sorted(wanted - set(params))}"
    assert params["device"].default is None and params["threads"].default is None
    assert not {"seeds", "dev"} & set(params)  # the old spellings are gone


@pytest.mark.parametrize("trainer", [elhage.train_toy_models, superposition.train_superposition,
                                     pruning.prune_and_train, random_features.regimes])
def test_batched_trainers_take_one_seed_or_several(trainer):
    for bad, message in (((1, 1), "seed repeats a value"), (0.5, "seed must be whole"), ([0, 2.5], "seed must be whole")):
        with pytest.raises(ArgumentError, match=message):
            trainer(seed=bad, progress=False)


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
    assert numbers(3, "seed", integer=True) == [3] and numbers(range(2), "seed", distinct=True, integer=True) == [0, 1]
    with pytest.raises(ArgumentError, match=r"sparsities must be a number or a list"):
        elhage.train_toy_models("0.5", steps=2, progress=False)


def test_train_tinylm_seeds_the_runs_without_their_own():
    runs = tinylm.train_tinylm([{"steps": 2}, {"steps": 2, "seed": 1}], seed=5, width=8, layers=1, n_evals=1,
                               heldout_sequences=4, device="cpu", threads="current")
    assert runs.groupby("run")["seed"].first().tolist() == [5, 1]
