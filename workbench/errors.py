"""The one hierarchy of errors the workbench raises.

Every error a user can trigger with bad input is a :class:`WorkbenchError`
whose message says what is wrong and how to fix it. Errors about an argument's
value (a bad runs table, an unknown name, an unusable setting) are also
:class:`ValueError` (or :class:`KeyError` for names and columns), so
``except ValueError`` catches every bad argument the workbench reports::

    WorkbenchError
    ├── ArgumentError (ValueError)      an argument has a value the call cannot use
    │   ├── RunsError                   a runs table is malformed
    │   │   └── MissingColumnsError (KeyError)
    │   ├── UnknownNameError (KeyError) a name is not in its catalogue
    │   ├── LawError                    a law declared or called incorrectly
    │   ├── SamplesError                per-problem sample counts or test-time settings
    │   └── FilterError                 a filter (holdout=, where=) outside the filter language
    ├── FitError (RuntimeError)         a fit could not be carried out
    ├── CacheError                      a cached run is missing or damaged
    └── DatasetError                    a public dataset could not be obtained or read
        ├── DatasetOfflineError (ConnectionError)
        └── DatasetHashError
"""

from __future__ import annotations

__all__ = [
    "WorkbenchError",
    "ArgumentError",
    "RunsError",
    "MissingColumnsError",
    "UnknownNameError",
    "LawError",
    "SamplesError",
    "FitError",
    "DatasetError",
    "DatasetOfflineError",
    "DatasetHashError",
    "FilterError",
    "CacheError",
]


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class _KeyMessage:
    """``KeyError`` quotes its message; errors that are also key errors print it plainly."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ArgumentError(WorkbenchError, ValueError):
    """An argument has a value the call cannot use; the message names it and says what to pass."""


class RunsError(ArgumentError):
    """A runs table is malformed: bad values, wrong types, duplicates."""


class MissingColumnsError(_KeyMessage, RunsError, KeyError):
    """A runs table lacks columns that the requested operation needs."""


class UnknownNameError(_KeyMessage, ArgumentError, KeyError):
    """A name (law, dataset, parameter set, ...) is not in its catalogue."""


class LawError(ArgumentError):
    """A law was declared or called incorrectly."""


class SamplesError(ArgumentError):
    """Per-problem sample counts or a test-time setting are unusable.

    Raised, for example, when ``k`` exceeds the number of samples drawn for a
    problem (pass@k is then undefined), when a count of correct samples is
    negative or larger than the number of samples, or when a probability lies
    outside [0, 1]. The message names the problems or the setting at fault and
    says how to fix it.
    """


class FitError(WorkbenchError, RuntimeError):
    """A fit could not be carried out or did not converge."""


class DatasetError(WorkbenchError):
    """A public dataset could not be obtained or read."""


class DatasetOfflineError(DatasetError, ConnectionError):
    """A dataset must be downloaded, but there is no network and no mirror."""


class DatasetHashError(DatasetError):
    """A downloaded or mirrored file does not match its pinned sha256."""


class FilterError(ArgumentError):
    """A filter (``holdout=``, ``where=``, ``--holdout``, ``--where``) is not in the filter language.

    See :mod:`workbench.data.filters`; the message names the token at fault.
    """


class CacheError(WorkbenchError):
    """A cached run is missing or damaged (sweeps move such entries aside and compute them again)."""
