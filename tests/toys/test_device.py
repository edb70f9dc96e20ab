"""Device, seeding and thread choice shared by the toys."""

from __future__ import annotations

import importlib

import torch

dev = importlib.import_module("workbench.toys.device")  # the module (``workbench.toys.device`` is also a function)


def test_generator_is_seeded():
    a = torch.rand(3, generator=dev.generator(5, "cpu"))
    b = torch.rand(3, generator=dev.generator(5, "cpu"))
    assert torch.equal(a, b)


def test_toy_threads_measures_once_and_respects_overrides(monkeypatch):
    monkeypatch.setattr(dev, "_MEASURED", {})
    monkeypatch.delenv("WORKBENCH_THREADS", raising=False)
    calls = []

    def probe():
        calls.append(torch.get_num_threads())
        torch.ones(64, 64) @ torch.ones(64, 64)

    assert dev.toy_threads(3, "x", probe) == 3 and not calls  # an explicit count is used as given
    assert dev.toy_threads("current", "x", probe) is None
    chosen = dev.toy_threads(None, "x", probe)
    n_calls = len(calls)
    assert n_calls > 0 and chosen in calls  # measured among the counts it tried
    assert dev.toy_threads("auto", "x", probe) == chosen and len(calls) == n_calls  # cached per process
    assert dev.measured_threads() == {"x": chosen}
    monkeypatch.setenv("WORKBENCH_THREADS", "1")
    assert dev.toy_threads(None, "y", probe) == 1


def test_num_threads_restores_the_setting():
    before = torch.get_num_threads()
    with dev.num_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
