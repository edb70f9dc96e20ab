"""Device, seeding and CPU-thread choices shared by the toy models.

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
from collections.abc import Callable

__all__ = ["device", "generator", "num_threads", "fastest_num_threads", "describe_device"]


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
