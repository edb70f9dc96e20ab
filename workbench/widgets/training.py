"""Panels for toy models that train: a Train button, a Stop button, a progress bar, and
partial results streamed to the chart while training runs in the background.

A :class:`TrainingPanel` takes

* ``train(state, progress) -> result``: the science call. It must report with
  ``progress.update(done, partial)`` and return early (with what it has) once
  ``progress.stopped`` is true (see :class:`workbench.toys.Progress`);
* ``render(state, result, finished) -> View``: the chart builder, called with
  partial results while training and with the final result at the end.

Controls listed in ``view_controls`` only change how results are shown; moving
them re-renders the last result at once. Moving any other control marks the
results as stale until the next training run. From Python,
:meth:`TrainingPanel.set` and :meth:`TrainingPanel.run` train synchronously
(as tests and reports need); the Train button trains in a background thread so
the notebook stays responsive.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable, Mapping

import ipywidgets as w

from ..sweeps.progress import Progress
from .panel import Panel, View, _explain

__all__ = ["TrainingPanel"]


class TrainingPanel(Panel):
    """Controls + Train/Stop + progress + a live chart of (partial) training results."""

    def __init__(
        self,
        controls: Mapping[str, w.Widget],
        train: Callable[[dict, Progress], object],
        render: Callable[[dict, object, bool], View],
        total_steps: Callable[[dict], int],
        title: str = "",
        view_controls: Iterable[str] = (),
        train_on_start: bool = True,
        **layout,
    ):
        self._train_fn = train
        self._render_fn = render
        self._total_fn = total_steps
        self.view_controls = set(view_controls)
        self.training_seconds: float | None = None
        self.result = None
        self.finished = False
        self.stale = True
        self._thread: threading.Thread | None = None
        self._progress: Progress | None = None
        self._lock = threading.Lock()
        self._bar = w.FloatProgress(value=0.0, min=0.0, max=1.0, description="", layout=w.Layout(width="240px"))
        self._status = w.HTML()
        self._train_button = w.Button(description="Train", button_style="primary", icon="play")
        self._stop_button = w.Button(description="Stop", icon="stop", disabled=True)
        self._train_button.on_click(lambda _: self.start())
        self._stop_button.on_click(lambda _: self.stop())
        super().__init__(controls, self._render_current, title=title, debounce=0.05, **layout)
        if train_on_start:
            self.run()

    # --------------------------------------------------------------- rendering
    def _render_current(self, state: dict) -> View:
        if self.result is None:
            raise RuntimeError("Nothing trained yet: press Train.")
        return self._render_fn(state, self.result, self.finished)

    def _on_change(self, change):
        if self._muted:
            return
        name = next((k for k, c in self.controls.items() if c is change["owner"]), None)
        if name in self.view_controls:
            super()._on_change(change)
        else:
            self.mark_stale()

    def mark_stale(self) -> None:
        """The shown result no longer matches the settings: grey it out, reset the progress bar, ask for Train."""
        self.stale = True
        # the bar and the note first, then the grey: the browser applies the messages in this order, so the greyed
        # chart never appears beside a full progress bar
        if not (self._thread is not None and self._thread.is_alive()):
            self._bar.value = 0.0
        self._status.value = ("<span class='wb-stale-note'>Settings changed: the chart shows the previous run. "
                              "Press <b>Train</b> to train with the new settings.</span>")
        self._chart_box.add_class("wb-stale")
        self._readout.add_class("wb-stale")

    def _fresh(self) -> None:
        self._chart_box.remove_class("wb-stale")
        self._readout.remove_class("wb-stale")

    # ---------------------------------------------------------------- training
    def _on_partial(self, partial, fraction):
        with self._lock:
            self.result = partial
            self.finished = False
        self._bar.value = float(fraction)
        self._fresh()
        self.refresh()

    def _train(self, state: dict) -> None:
        t0 = time.perf_counter()
        self.finished = False
        self._progress = Progress(self._total_fn(state), description="training", on_partial=self._on_partial,
                                  bar=False)
        self._bar.value = 0.0
        self._status.value = "training&hellip;"
        self._fresh()
        try:
            result = self._train_fn(state, self._progress)
        except Exception as exc:  # shown in the panel, never swallowed
            self.error = _explain(exc)
            self._error.value = (
                "<div style='color:#b00;border-left:3px solid #b00;padding:2px 8px'>"
                f"{html.escape(self.error)}</div>"
            )
            self._status.value = "training failed"
            return
        finally:
            stopped = self._progress.stopped
            self._progress.close()
        with self._lock:
            self.result = result
            self.finished = True
            self.stale = False
        self._bar.value = 1.0
        self._fresh()
        self.training_seconds = time.perf_counter() - t0
        self._status.value = ("stopped early after " if stopped else "trained in ") + f"{self.training_seconds:.1f} s"
        self.refresh()

    def run(self, **values) -> View | None:
        """Set controls (optional), train now in this thread, and return the final view."""
        self._assign(values)
        self._train(self.state)
        return self.view

    def set(self, **values) -> View | None:
        """Set controls and update: view-only controls re-render, others retrain (synchronously)."""
        if values and set(values) <= self.view_controls:
            return super().set(**values)
        return self.run(**values)

    def start(self) -> None:
        """Train in a background thread (what the Train button does)."""
        if self._thread is not None and self._thread.is_alive():
            return
        state = self.state
        self._train_button.disabled = True
        self._stop_button.disabled = False

        def work():
            try:
                self._train(state)
            finally:
                self._train_button.disabled = False
                self._stop_button.disabled = True

        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the running training to stop; it returns what it has so far."""
        if self._progress is not None:
            self._progress.stop()

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background training run finishes."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _extra_rows(self) -> list:
        buttons = w.HBox([self._train_button, self._stop_button, self._bar, self._status],
                         layout=w.Layout(align_items="center", margin="6px 0"))
        buttons.add_class("wb-train")
        return [buttons]
