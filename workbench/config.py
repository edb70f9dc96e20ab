"""Run-time settings read from the environment."""

from __future__ import annotations

import os

__all__ = ["quick"]


def quick() -> bool:
    """True when ``WORKBENCH_QUICK`` is set (``1``, ``true``, ``yes``): cut toy-model training to what CI
    can afford while keeping every result meaningful. Reports use it with ``--quick``."""
    return os.environ.get("WORKBENCH_QUICK", "").strip().lower() in ("1", "true", "yes", "on")
