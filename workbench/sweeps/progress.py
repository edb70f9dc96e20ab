"""How long work reports progress and learns that it should stop.

Every trainer and sweep takes ``progress``: ``True`` (a progress bar of its own),
``False`` or ``None`` (silent), or a :class:`Progress` made by the caller (a live
panel's, which receives partial results and can stop the work). The work turns it
into one object with :func:`reporting`, calls ``progress.update(done, partial)``
every few steps and checks ``progress.stopped`` to end early, returning what it has
so far: the stop flag belongs to the progress object. A :class:`Progress` shows a
tqdm bar (``tqdm.auto``: a widget in notebooks, text in a terminal) when asked to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

__all__ = ["Progress", "reporting"]


class Progress:
    """Progress bar, partial-result stream and stop flag for one training job.

    Parameters
    ----------
    total : int
        Units of work (e.g. optimisation steps).
    description : str
        Label of the progress bar.
    on_partial : callable, optional
        ``on_partial(partial, fraction)``, called with the trainer's latest partial
        result at most every ``min_interval`` seconds (and always at the end).
    bar : bool
        Show a tqdm progress bar.
    """

    def __init__(self, total: int, description: str = "training", on_partial: Callable | None = None,
                 bar: bool = True, min_interval: float = 0.25, initial: int = 0):
        self.total = int(total)
        self.done = int(initial)
        self.on_partial = on_partial
        self.min_interval = min_interval
        self._last_emit = 0.0
        self._stop = threading.Event()
        self._bar = None
        if bar:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=self.total, initial=self.done, desc=description, leave=False)

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called: the trainer should return what it has."""
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()

    def update(self, done: int, partial=None, force: bool = False) -> None:
        """Record that ``done`` units are finished; forward ``partial`` if a listener wants it."""
        if self._bar is not None and done > self.done:
            self._bar.update(done - self.done)
        self.done = done
        now = time.monotonic()
        if self.on_partial is not None and partial is not None and (force or now - self._last_emit >= self.min_interval):
            self._last_emit = now
            self.on_partial(partial, self.done / max(self.total, 1))

    def close(self, partial=None) -> None:
        if partial is not None and self.on_partial is not None:
            self.on_partial(partial, self.done / max(self.total, 1))
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


@contextmanager
def reporting(progress, total: int, description: str = "training", initial: int = 0):
    """The :class:`Progress` that work reports to: the caller's own (anything with ``update`` and
    ``stopped``), a bar made here (``True``) or a silent one (``False``/``None``, still with a stop
    flag). One made here is closed at the end."""
    if progress is not None and not isinstance(progress, bool):
        yield progress
        return
    own = Progress(total, description=description, bar=bool(progress), initial=initial)
    try:
        yield own
    finally:
        own.close()
