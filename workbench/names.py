"""Catalogues of named entries (laws, parameter sets, metrics, extrapolation tasks): one lookup, one error.

A :class:`Catalogue` is a ``dict`` from each entry's ``name`` to the entry; looking up a
name it does not hold raises :class:`~workbench.errors.UnknownNameError` listing the
names it does hold, so that every catalogue answers a typo the same way.
"""

from __future__ import annotations

from .errors import ArgumentError, UnknownNameError

__all__ = ["Catalogue"]


class Catalogue(dict):
    """Named entries by name, with :meth:`add`, :meth:`extend`, :meth:`lookup` and :meth:`names`.

    Parameters
    ----------
    kind : str
        What an entry is called in messages, e.g. ``"law"`` ("No law named 'x'. Known laws: ...").
    entry_type : type, optional
        The type of the entries: :meth:`add` takes only these, and :meth:`lookup` returns
        one unchanged.
    entries : iterable, optional
        Entries to hold from the start.
    sort : bool
        :meth:`names` in alphabetical order (default) or in the order the entries were added.
    where : str, optional
        Where the entries belong, for messages, e.g. ``" in this leaderboard"``.
    """

    def __init__(self, kind: str, entry_type: type | None = None, entries=(), sort: bool = True, where: str = ""):
        super().__init__()
        self.kind, self.entry_type, self.sort, self.where = kind, entry_type, sort, where
        self.extend(entries)

    def add(self, entry):
        """Hold ``entry`` under ``entry.name`` (replacing one of the same name); return it."""
        if self.entry_type is not None and not isinstance(entry, self.entry_type):
            raise ArgumentError(f"A {self.kind} must be a {self.entry_type.__name__}, not {type(entry).__name__}.")
        self[entry.name] = entry
        return entry

    def extend(self, entries) -> None:
        """:meth:`add` each of ``entries``."""
        for entry in entries:
            self.add(entry)

    def lookup(self, name):
        """The entry called ``name`` (an entry passed in is returned unchanged)."""
        if self.entry_type is not None and isinstance(name, self.entry_type):
            return name
        try:
            return self[str(name)]
        except KeyError:
            raise UnknownNameError(f"No {self.kind} named {name!r}{self.where}. Known {self.kind}s: {', '.join(self.names())}."
                                   ) from None

    def names(self) -> list[str]:
        """The names held, sorted (or in the order added, when made with ``sort=False``)."""
        return sorted(self) if self.sort else list(self)
