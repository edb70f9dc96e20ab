"""One pattern for every interactive panel.

A :class:`Panel` is ipywidgets controls (named in the user's words, with
units), a live Altair chart, a text readout and an error line, wired to an
``update(state) -> View`` function that calls into the science layer and a
chart builder. Panels hold no science themselves.

* Live charts use :class:`altair.JupyterChart` in offline mode (no CDN). When
  only the data change, the named datasets are replaced in the running Vega
  view (no re-embed, no flicker); when the chart's structure changes it is
  re-embedded.
* Control traffic is debounced on the kernel's event loop: a drag schedules
  one update after the controls have been still for ``debounce`` seconds, so
  stale work never queues up. An update function that accepts ``quick=`` is
  refined progressively: live events get a quick view (e.g. no bootstrap
  band), and the full view follows once the controls have been still for
  ``refine_after`` seconds.
* An exception inside an update is shown in the panel as a readable message
  (and kept in :attr:`Panel.error`); the last good chart stays and the panel
  keeps working.
* Panels are drivable from Python: :meth:`Panel.set` changes controls and
  recomputes synchronously; :meth:`Panel.sweep` moves one control from its
  minimum to its maximum; :meth:`Panel.freeze` returns the current view as a
  plain static chart for reports.
"""

from __future__ import annotations

import asyncio
import copy
import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import altair as alt
import ipywidgets as w
import numpy as np

from ..charts.data import inline_datasets, rows_of, split_spec_data
from ..errors import ArgumentError, WorkbenchError

__all__ = ["Panel", "View", "log_slider", "control_values"]


@dataclass
class View:
    """What an update produces: a chart, a readout (HTML) and the numbers behind them."""

    chart: alt.TopLevelMixin
    text: str = ""
    numbers: dict = field(default_factory=dict)


def log_slider(description: str, value: float, min: float, max: float, step: float = 0.05, **kw) -> w.FloatLogSlider:
    """A base-10 log slider from ``min`` to ``max`` (values, not exponents)."""
    if not (0 < min < max):
        raise ArgumentError(f"log_slider needs 0 < min < max, got {min}, {max}.")
    style = kw.pop("style", {"description_width": "initial"})
    layout = kw.pop("layout", w.Layout(width="600px"))  # long labels still leave a track wide enough to aim at
    return w.FloatLogSlider(
        value=float(np.clip(value, min, max)),
        base=10,
        min=float(np.log10(min)),
        max=float(np.log10(max)),
        step=step,
        description=description,
        readout_format=".3g",
        continuous_update=True,
        style=style,
        layout=layout,
        **kw,
    )


def control_values(control: w.Widget, n: int = 5) -> list:
    """Values spanning a control from its minimum to its maximum (all options for choices)."""
    if isinstance(control, w.FloatLogSlider):
        return [float(control.base**e) for e in np.linspace(control.min, control.max, n)]
    if isinstance(control, (w.FloatSlider, w.FloatText, w.BoundedFloatText)):
        return [float(v) for v in np.linspace(control.min, control.max, n)]
    if isinstance(control, (w.IntSlider, w.BoundedIntText)):
        return sorted({int(round(v)) for v in np.linspace(control.min, control.max, n)})
    if isinstance(control, w.SelectionRangeSlider):
        opts = [o[1] if isinstance(o, tuple) else o for o in control.options]
        mid = len(opts) // 2
        return [(opts[0], opts[-1]), (opts[0], opts[mid]), (opts[mid], opts[-1])]
    if isinstance(control, (w.FloatRangeSlider, w.IntRangeSlider)):
        lo, hi = control.min, control.max
        return [(lo, hi), (lo, lo + (hi - lo) / 2), (lo + (hi - lo) / 2, hi)]
    if isinstance(control, (w.Dropdown, w.ToggleButtons, w.RadioButtons, w.SelectionSlider, w.Select)):
        opts = control.options
        vals = [o[1] if isinstance(o, tuple) else o for o in opts]
        return list(vals)
    if isinstance(control, (w.Checkbox, w.ToggleButton)):
        return [False, True]
    raise TypeError(f"Don't know how to sweep a {type(control).__name__}.")


def _split(chart) -> tuple[dict, dict]:
    """The chart's spec without data rows (its "structure") and its datasets by name.

    Top-level ``datasets`` are read directly (no serialisation of every row); inline
    named datasets, if any, are found in the spec.
    """
    top = getattr(chart, "datasets", None)
    top = dict(top) if isinstance(top, dict) else {}
    if top:
        chart.datasets = alt.Undefined
        try:
            spec = chart.to_dict(validate=False)
        finally:
            chart.datasets = top
    else:
        spec = chart.to_dict(validate=False)
    skeleton, inline = split_spec_data(spec)

    return skeleton, {**{k: rows_of(v) for k, v in top.items()}, **inline}


class Panel:
    """Controls + live chart + readout, driven by ``update(state) -> View``.

    Parameters
    ----------
    controls : mapping of str to ipywidgets widget
        The panel's inputs by name; the state passed to ``update`` maps these
        names to the widgets' values.
    update : callable
        ``update(state: dict) -> View``: the science call and chart builder.
    title : str
        Shown above the controls.
    debounce : float
        Seconds of stillness before a change is computed (in a live kernel).
    refine_after : float
        For update functions taking ``quick=``: seconds of stillness before the
        full view replaces the quick one.
    renderer : {"svg", "canvas"}
        Vega renderer of the live chart.
    """

    def __init__(
        self,
        controls: Mapping[str, w.Widget],
        update: Callable[[dict], View],
        title: str = "",
        debounce: float = 0.04,
        refine_after: float = 0.3,
        renderer: str = "svg",
    ):
        import inspect

        self.controls = dict(controls)
        self._update_fn = update
        try:
            self._progressive = "quick" in inspect.signature(update).parameters
        except (TypeError, ValueError):
            self._progressive = False
        self.refine_after = refine_after
        self._refine_handle = None
        self.debounce = debounce
        self.renderer = renderer
        self.view: View | None = None
        self.error: str | None = None
        self.last_update_seconds: float | None = None
        self.n_updates = 0
        #: recent updates: (finished at, seconds taken, quick?, error or None), newest last
        self.history: list[tuple[float, float, bool, str | None]] = []
        self._pending = None
        self._jchart = None
        self._skeleton = None
        self._drawn = None
        self._seq = 0
        self._title = w.HTML(f"<h4 style='margin:4px 0'>{html.escape(title)}</h4>" if title else "")
        self._readout = w.HTML()
        self._timing = w.HTML()
        self._error = w.HTML()
        self._chart_box = w.Box()
        self._muted = False
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        self.refresh()

    # ------------------------------------------------------------ state
    @property
    def state(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    @property
    def numbers(self) -> dict:
        return {} if self.view is None else dict(self.view.numbers)

    def _assign(self, values: dict) -> None:
        """Set controls by name without triggering their change handlers."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ArgumentError(f"Unknown control(s) {sorted(unknown)}; this panel has {sorted(self.controls)}.")
        self._muted = True
        try:
            for k, v in values.items():
                self.controls[k].value = v
        finally:
            self._muted = False

    def set(self, **values) -> View | None:
        """Set controls by name and recompute now (no debounce); returns the new view."""
        self._assign(values)
        self._cancel_pending()
        self.refresh()
        return self.view

    def sweep(self, name: str, n: int = 5) -> list[tuple]:
        """Move control ``name`` from its minimum to its maximum; returns ``(value, error, numbers)`` for each."""
        start = self.controls[name].value
        out = []
        for v in control_values(self.controls[name], n):
            self.set(**{name: v})
            out.append((v, self.error, self.numbers))
        self.set(**{name: start})
        return out

    # ----------------------------------------------------------- events
    def _on_change(self, change):
        if self._muted:
            return
        try:
            loop = asyncio.get_event_loop()
            live = loop.is_running()
        except RuntimeError:
            live = False
        if not live or self.debounce <= 0:
            self.refresh()
            return
        self._cancel_pending()
        self._pending = loop.call_later(self.debounce, self._run_pending)

    def _cancel_pending(self):
        for name in ("_pending", "_refine_handle"):
            handle = getattr(self, name)
            if handle is not None:
                handle.cancel()
                setattr(self, name, None)

    def _run_pending(self):
        self._pending = None
        if not self._progressive:
            self.refresh()
            return
        self.refresh(quick=True)
        loop = asyncio.get_event_loop()
        self._refine_handle = loop.call_later(self.refine_after, self._run_refine)

    def _run_refine(self):
        self._refine_handle = None
        self.refresh()

    def refresh(self, quick: bool = False) -> None:
        """Recompute the view from the current control values and redraw (``quick``: the fast preview)."""
        t0 = time.perf_counter()
        try:
            view = self._update_fn(self.state, quick=quick) if self._progressive else self._update_fn(self.state)
            if not isinstance(view, View):
                raise TypeError(f"update() must return a View, got {type(view).__name__}")
        except Exception as exc:  # shown in the panel, never swallowed
            self.error = _explain(exc)
            self._error.value = (
                "<div style='color:#b00;border-left:3px solid #b00;padding:2px 8px'>"
                f"{html.escape(self.error)}</div>"
            )
            self.last_update_seconds = time.perf_counter() - t0
            self._log(t0, quick)
            return
        self.error = None
        self._error.value = ""
        self.view = view
        self._readout.value = view.text
        self._draw(view.chart)
        self.n_updates += 1
        self.last_update_seconds = time.perf_counter() - t0
        self._timing.value = (
            f"<span class='panel-timing' style='color:#999;font-size:80%'>updated in "
            f"{1e3 * self.last_update_seconds:.0f} ms{' (quick view; refining&hellip;)' if quick else ''}</span>"
        )
        self._log(t0, quick)

    def _log(self, t0: float, quick: bool) -> None:
        self.history.append((time.perf_counter(), time.perf_counter() - t0, quick, self.error))
        del self.history[:-50]

    # ----------------------------------------------------------- drawing
    def _draw(self, chart):
        if self._jchart is None:
            return  # drawn when first displayed
        if chart is self._drawn and self._skeleton is not None:
            # the same chart object, refilled with new rows (a template): only data can have changed
            top = chart.datasets if isinstance(getattr(chart, "datasets", None), dict) else {}
            skeleton, datasets = self._skeleton, {**{k: rows_of(v) for k, v in top.items()}, **inline_datasets(chart)}
        else:
            skeleton, datasets = _split(chart)
        self._drawn = chart
        if skeleton == self._skeleton:
            self._seq += 1
            self._jchart._py_to_js_updates = [
                {"namespace": "data", "name": name, "scope": [], "value": values, "seq": self._seq}
                for name, values in datasets.items()
            ]
        else:
            self._skeleton = skeleton
            self._jchart.chart = chart

    def _ensure_live_chart(self):
        if self._jchart is None:
            alt.JupyterChart.enable_offline()
            chart = self.view.chart if self.view is not None else alt.Chart().mark_point()
            self._jchart = alt.JupyterChart(chart, embed_options={"renderer": self.renderer, "actions": False})
            self._skeleton = _split(chart)[0]
            self._drawn = chart
            self._chart_box.children = (self._jchart,)

    @property
    def widget(self) -> w.VBox:
        """The panel as one ipywidgets box (controls, chart, readout, errors)."""
        self._ensure_live_chart()
        controls = w.VBox(list(self.controls.values()))
        return w.VBox([self._title, controls, self._error, self._chart_box, self._readout, self._timing])

    def freeze(self) -> alt.TopLevelMixin:
        """The current chart as a plain static Altair chart (for reports)."""
        if self.view is None:
            raise WorkbenchError(f"The panel has no view yet: {self.error or 'nothing computed'}")
        return copy.deepcopy(self.view.chart)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        # a static picture of the current view for exported reports (nbconvert shows it
        # when the widget state is not saved; JupyterLab shows the live widget instead)
        if self.view is not None:
            try:
                from ..charts.export import chart_svg

                picture = chart_svg(self.view.chart)
            except Exception:  # a report without the picture still has the numbers
                picture = ""
            bundle["text/html"] = f"<div class='workbench-panel-static'>{picture}{self.view.text}</div>"
        return bundle


def _explain(exc: BaseException) -> str:
    if isinstance(exc, WorkbenchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
