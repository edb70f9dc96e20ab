"""Device, seeding and CPU-thread choices shared by the toy models (and their argument check, :func:`numbers`).

The device is chosen once per process (``cuda``, then ``mps``, then ``cpu``;
``WORKBENCH_DEVICE`` overrides), everything runs in float32, and every random
draw comes from a seeded :class:`torch.Generator`, so the same seed gives the
same numbers on the same device.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import ArgumentError

__all__ = ["device", "generator", "num_threads", "fastest_num_threads", "describe_device", "numbers"]


def numbers(values, name: str, lo: float | None = None, hi: float | None = None, distinct: bool = False,
            integer: bool = False) -> list:
    """One number or a sequence of them (a trainer's widths, seeds, sparsities ...) as a list of floats
    (of ints with ``integer``, as for a trainer's ``seed``).

    Raises :class:`~workbench.errors.ArgumentError` naming the argument ``name`` when ``values`` is
    text, empty, not finite numbers, outside ``lo < v <= hi`` (each bound when given), repeated
    (with ``distinct``) or not whole (with ``integer``).
    """
    if isinstance(values, (str, bytes)):
        raise ArgumentError(f"{name} must be a number or a list of numbers, got {values!r}.")
    try:
        vals = np.atleast_1d(np.asarray(list(values) if isinstance(values, Iterable) else values, float)).ravel()
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be a number or a list of numbers, got {values!r}.") from None
    if vals.size == 0:
        raise ArgumentError(f"{name} is empty: give at least one value.")
    if not np.isfinite(vals).all():
        raise ArgumentError(f"{name} must be finite numbers, got {values!r}.")
    if lo is not None and vals.min() <= lo:
        raise ArgumentError(f"{name} must be > {lo}, got {vals.tolist()}.")
    if hi is not None and vals.max() > hi:
        raise ArgumentError(f"{name} must be <= {hi}, got {vals.tolist()}.")
    if distinct and np.unique(vals).size < vals.size:
        raise ArgumentError(f"{name} repeats a value: {vals.tolist()}.")
    if integer and (vals != np.round(vals)).any():
        raise ArgumentError(f"{name} must be whole numbers, got {vals.tolist()}.")
    return [int(v) for v in vals] if integer else vals.tolist()


@functools.lru_cache(maxsize=1)
def device():
    """The torch device toy models train on: ``cuda`` if available, else ``mps``, else ``cpu``.

    Set ``WORKBENCH_DEVICE`` (e.g. ``cpu``) to force one.
    """
    import torch

    forced = os.environ.get("WORKBENCH_DEVICE")
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_device() -> str:
    """The device toys train on, in words: ``"cuda (GPU name)"``, ``"cpu (N threads)"`` or ``"mps"``."""
    import torch

    d = device()
    if d.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(d)})"
    if d.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return d.type


def generator(seed: int, dev=None):
    """A :class:`torch.Generator` on ``dev`` (default: :func:`device`) seeded with ``seed``."""
    import torch

    dev = device() if dev is None else torch.device(dev)
    g = torch.Generator(device=dev)
    g.manual_seed(int(seed))
    return g


@contextlib.contextmanager
def num_threads(n: int | None):
    """Temporarily set torch's intra-op CPU thread count (``None`` leaves it unchanged)."""
    import torch

    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def fastest_num_threads(work: Callable[[], object], candidates=None, repeats: int = 3) -> tuple[int, dict]:
    """Measure ``work()`` at several CPU thread counts and return the fastest and all timings (seconds).

    On a 2-core CPU, elementwise-heavy toys often run faster with one thread (less
    synchronisation); matrix-heavy ones with two. Measure instead of assuming.
    """
    import torch

    if candidates is None:
        top = max(1, os.cpu_count() or 1)
        candidates = sorted({1, 2, top} & set(range(1, top + 1)))
    timings = {}
    for n in candidates:
        with num_threads(n):
            work()  # warm up
            best = float("inf")
            for _ in range(repeats):
                t = time.perf_counter()
                work()
                if device().type == "cuda":
                    torch.cuda.synchronize()
                best = min(best, time.perf_counter() - t)
        timings[n] = best
    return min(timings, key=timings.get), timings


_MEASURED: dict[str, int] = {}


def toy_threads(threads, key: str, probe: Callable[[], object]) -> int | None:
    """The CPU thread count a toy trains with.

    ``threads`` may be an int (used as given), ``"current"`` (leave torch's setting:
    returns ``None``), or ``None`` / ``"auto"``: the fastest count *measured on this
    machine*, once per process and toy (``probe`` runs a few training steps at each
    candidate count; see :func:`fastest_num_threads`). On a quiet 2-core CPU two
    threads were 1.2-1.5x faster for most toys; on a busy one, one thread was 2-7x
    faster, so no fixed choice is right everywhere. ``WORKBENCH_THREADS`` forces a count.
    Off the CPU, returns ``None``.
    """
    if threads == "current":
        return None
    if threads not in (None, "auto"):
        return int(threads)
    if device().type != "cpu":
        return None
    forced = os.environ.get("WORKBENCH_THREADS")
    if forced:
        return int(forced)
    if (os.cpu_count() or 1) <= 1:
        return 1
    if key not in _MEASURED:
        _MEASURED[key], _ = fastest_num_threads(probe, repeats=2)
    return _MEASURED[key]


def measured_threads() -> dict[str, int]:
    """The thread counts :func:`toy_threads` has measured in this process, by toy."""
    return dict(_MEASURED)
