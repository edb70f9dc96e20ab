"""Errors raised by the workbench.

Every error a user can trigger with bad input is a :class:`WorkbenchError`
subclass whose message says what is wrong and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "WorkbenchError",
    "RunsError",
    "MissingColumnsError",
    "DatasetError",
    "DatasetOfflineError",
    "DatasetHashError",
    "UnknownNameError",
    "FitError",
    "LawError",
    "FilterError",
    "CacheError",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class RunsError(WorkbenchError, ValueError):
    """A runs table is malformed: bad values, wrong types, duplicates."""


class MissingColumnsError(RunsError, KeyError):
    """A runs table lacks columns that the requested operation needs."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class UnknownNameError(WorkbenchError, KeyError):
    """A name (law, dataset, parameter set, ...) is not in its catalogue."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DatasetError(WorkbenchError):
    """A public dataset could not be obtained or read."""


class DatasetOfflineError(DatasetError, ConnectionError):
    """A dataset must be downloaded, but there is no network and no mirror."""


class DatasetHashError(DatasetError):
    """A downloaded or mirrored file does not match its pinned sha256."""


class LawError(WorkbenchError, ValueError):
    """A law was declared or called incorrectly."""


class FitError(WorkbenchError, RuntimeError):
    """A fit could not be carried out or did not converge."""


class FilterError(WorkbenchError, ValueError):
    """A filter (``holdout=``, ``where=``, ``--holdout``, ``--where``) is not in the filter language.

    See :mod:`workbench.data.filters`; the message names the token at fault.
    """


class CacheError(WorkbenchError):
    """A cached run is missing or damaged (sweeps move such entries aside and compute them again)."""
