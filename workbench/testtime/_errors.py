"""The error raised for bad per-problem sample counts and bad test-time settings."""

from __future__ import annotations

from ..errors import WorkbenchError

__all__ = ["SamplesError"]


class SamplesError(WorkbenchError, ValueError):
    """Per-problem sample counts or a test-time setting are unusable.

    Raised, for example, when ``k`` exceeds the number of samples drawn for a
    problem (pass@k is then undefined), when a count of correct samples is
    negative or larger than the number of samples, or when a probability lies
    outside [0, 1]. The message names the problems or the setting at fault and
    says how to fix it.
    """
