"""Small PyTorch models that explain scaling, trained many at once.

Every trainer produces a runs table (a pandas DataFrame: :func:`prune_and_train` and
``random_features.regimes`` return one; :func:`train_superposition`, :func:`train_toy_models`
and :func:`train_grid` return a result whose ``.runs`` is one), so their results go through
the same fitting and charts as published data. One convention for all of them: ``seed`` (an
int, or a list of ints where a toy trains seeds at once; all randomness is seeded), ``device``
(default :func:`device`), ``progress`` (``True`` for a bar, ``False`` for none, or a :class:`Progress`,
which also owns the stop flag) and ``threads`` (CPU threads; default the fastest measured).
Learning-rate schedules are :class:`workbench.dynamics.Schedule`. Shared helpers:
:mod:`workbench.toys.device` (device, seeding, CPU threads) and
:class:`~workbench.sweeps.progress.Progress` (progress bars, partial results, stopping).

The toys (loaded on first use, so importing this package does not import torch):

* :func:`train_superposition` — superposition scaling (Liu, Liu & Gore 2025)
* :func:`train_toy_models` — toy models of superposition (Elhage et al. 2022)
* :func:`prune_and_train` — data pruning in a teacher-student perceptron (Sorscher et al. 2022)
* :class:`RandomFeatureTask` — the four scaling regimes of a random-feature model (Bahri et al. 2021)
* :func:`train_tinylm`, :func:`train_grid` — tiny language models on a source of known entropy
"""

from __future__ import annotations

import importlib

from .device import describe_device, device, fastest_num_threads, generator, num_threads
from ..sweeps.progress import Progress

_TOYS = {
    "train_superposition": "superposition",
    "train_toy_models": "elhage",
    "prune_and_train": "pruning",
    "RandomFeatureTask": "random_features",
    "train_tinylm": "tinylm",
    "train_grid": "tinylm",
    "MarkovSource": "corpus",
}

__all__ = ["device", "describe_device", "generator", "num_threads", "fastest_num_threads", "Progress", *_TOYS]


def __getattr__(name: str):
    if name in _TOYS:
        return getattr(importlib.import_module(f".{_TOYS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
