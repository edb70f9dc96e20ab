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
  recomputes synchronously (a displayed panel says that it was set from code);
  :meth:`Panel.sweep` moves one control from its minimum to its maximum;
  :meth:`Panel.freeze` returns the current view as a plain static chart for reports.
* One control layout for every panel: a fixed label column (short labels; the long
  explanation is the label's tooltip), equal control widths (no slider track under
  :data:`TRACK_WIDTH` pixels), optional sections, a text box beside every log slider
  that accepts ``1e23`` or ``3e9``, and controls that do not apply to the current
  settings disabled (``applies=``).
* Busy and stale cues: while an update runs the chart is dimmed and a spinner shown
  (only after 150 ms, by a CSS transition delay, so fast updates do not flicker).
"""

from __future__ import annotations

import asyncio
import copy
import html
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import altair as alt
import ipywidgets as w
import numpy as np
import traitlets

from ..charts.data import inline_datasets, rows_of, spec_nodes, split_spec_data
from ..charts.theme import house_style
from ..errors import ArgumentError, WorkbenchError
from ..format import compact, parse_number
from ..format import number as _number

__all__ = ["Panel", "View", "log_slider", "control_values", "readout_html", "LABEL_WIDTH", "TRACK_WIDTH", "PANEL_CSS"]

#: Width of the label column of every panel (pixels).
LABEL_WIDTH = 190
#: Width of every slider track, dropdown and toggle group (pixels).
TRACK_WIDTH = 300
#: Width of a slider's readout or a log slider's text box (pixels).
READOUT_WIDTH = 88


@dataclass
class View:
    """What an update produces: a chart, a readout (HTML) and the numbers behind them.

    ``quantities`` (:class:`~workbench.format.Quantity`) are the numbers the readout
    shows, each once; when ``text`` is empty the readout is built from them (and
    ``notes``, sentences shown after them). The panels' consistency checks read them.
    """

    chart: alt.TopLevelMixin
    text: str = ""
    numbers: dict = field(default_factory=dict)
    quantities: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def __post_init__(self):
        if not self.text and (self.quantities or self.notes or self.warnings):
            self.text = readout_html(self.quantities, self.notes, self.warnings)


def readout_html(quantities, notes=(), warnings=(), css_class: str = "") -> str:
    """A panel readout: one row per :class:`~workbench.format.Quantity` (label, value with its interval),
    then sentences, then warnings (with their codes, so tests and people can tell them apart)."""
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(q.label)}</th><td class='wb-q{'' if q.covers else ' wb-not-covering'}'>{e(q.text())}</td></tr>"
        for q in quantities
    )
    body = f"<table class='wb-quantities'>{rows}</table>" if rows else ""
    body += "".join(f"<p class='wb-note'>{n}</p>" for n in notes if n)
    for wng in warnings:
        code = getattr(wng, "code", "warning")
        body += f"<p class='wb-warning' data-code='{e(str(code))}'>&#9888; {e(str(wng))}</p>"
    return f"<div class='wb-readout {e(css_class)}'>{body}</div>"


#: The stylesheet every panel carries (in its title element): layout, busy and stale cues.
PANEL_CSS = f"""<style>
.wb-panel {{ max-width: 100%; font-size: 13px; }}
.wb-panel .wb-title h4 {{ margin: 4px 0 6px; font-size: 15px; font-weight: 600; }}
.wb-panel .wb-controls {{ display: flex; flex-wrap: wrap; gap: 2px 36px; align-items: flex-start; }}
.wb-panel .wb-section {{ display: flex; flex-direction: column; }}
.wb-panel .wb-section-title {{ font-size: 11px; font-weight: 600; letter-spacing: .05em; text-transform: uppercase;
  color: #666; margin: 6px 0 2px; }}
.wb-panel .wb-control {{ align-items: center; min-height: 30px; }}
.wb-panel .wb-label {{ width: {LABEL_WIDTH}px; min-width: {LABEL_WIDTH}px; max-width: {LABEL_WIDTH}px; overflow: hidden; }}
.wb-panel .wb-label .wb-label-text {{ display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  color: #222; line-height: 28px; }}
.wb-panel .wb-label .wb-help {{ display: inline-block; width: 11px; height: 11px; margin-left: 4px; border: 1px solid #8a8a8a;
  border-radius: 50%; color: #8a8a8a; cursor: help; font: italic 600 9px/11px Georgia, serif; text-align: center;
  vertical-align: 1px; }}
.wb-panel .wb-control.wb-off {{ opacity: .42; }}
.wb-panel .wb-number input {{ text-align: right; font-variant-numeric: tabular-nums; }}
.wb-panel .wb-number.wb-invalid input {{ border-color: #c62828; background: #fff3f3; }}
.wb-panel .wb-chart {{ position: relative; width: 100%; }}
.wb-panel .wb-chart > :not(.wb-spinner) {{ transition: opacity .12s linear 0s, filter .12s linear 0s; }}
.wb-panel .wb-chart.wb-busy > :not(.wb-spinner) {{ opacity: .38; transition: opacity .12s linear .15s; }}
.wb-panel .wb-chart.wb-stale > :not(.wb-spinner) {{ opacity: .35; filter: grayscale(1); }}
.wb-panel .wb-chart > .wb-spinner {{ position: absolute; top: 10px; left: 10px; z-index: 2; visibility: hidden;
  transition: visibility 0s linear 0s; pointer-events: none; }}
.wb-panel .wb-chart.wb-busy > .wb-spinner {{ visibility: visible; transition: visibility 0s linear .15s; }}
.wb-panel .wb-spinner-inner {{ display: flex; align-items: center; gap: 8px; padding: 4px 10px; border-radius: 12px;
  background: rgba(255,255,255,.92); box-shadow: 0 1px 4px rgba(0,0,0,.18); color: #333; font-size: 12px; }}
.wb-panel .wb-spinner-inner::before {{ content: ""; width: 12px; height: 12px; border-radius: 50%;
  border: 2px solid #c9d6e8; border-top-color: #1f5fa8; animation: wb-spin .8s linear infinite; }}
@keyframes wb-spin {{ to {{ transform: rotate(360deg); }} }}
.wb-panel .wb-stale-note {{ color: #8a5a00; }}
.wb-panel .wb-readout table.wb-quantities {{ border-collapse: collapse; margin: 4px 0; }}
.wb-panel .wb-readout table.wb-quantities th {{ text-align: left; font-weight: normal; color: #555; padding: 1px 16px 1px 0;
  white-space: nowrap; vertical-align: top; }}
.wb-panel .wb-readout table.wb-quantities td {{ text-align: left; padding: 1px 0; font-variant-numeric: tabular-nums; }}
.wb-panel .wb-readout .wb-note {{ margin: 3px 0; color: #333; max-width: 860px; }}
.wb-panel .wb-readout .wb-warning, .wb-panel .wb-not-covering {{ color: #a04000; }}
.wb-panel .wb-readout table {{ border-collapse: collapse; }}
.wb-panel .wb-readout table td, .wb-panel .wb-readout table th {{ padding: 1px 10px 1px 0; text-align: left; }}
.wb-panel .panel-timing {{ color: #999; font-size: 11px; }}
</style>"""


def log_slider(description: str, value: float, min: float, max: float, step: float = 0.01, **kw) -> w.FloatLogSlider:
    """A base-10 log slider from ``min`` to ``max`` (values, not exponents), in steps of ``step`` decades.

    In a :class:`Panel` it gets a text box beside it that accepts typed values (``1e23``, ``3e9``).
    """
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
        names to the widgets' values. A control's ``description`` becomes its label
        in the panel's label column and its ``tooltip`` the explanation shown on
        hover (``help=`` overrides both).
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
    sections : mapping of str to list of str, optional
        Section title -> control names, laid out as columns side by side (they wrap
        on narrow screens); controls not named go into a last, untitled section.
    help : mapping of str to str, optional
        Control name -> the long explanation (the label's tooltip).
    applies : mapping of str to callable, optional
        Control name -> ``f(state) -> bool`` or a string (the reason it does not
        apply): controls that do not apply to the current settings are disabled.
    """

    def __init__(
        self,
        controls: Mapping[str, w.Widget],
        update: Callable[[dict], View],
        title: str = "",
        debounce: float = 0.04,
        refine_after: float = 0.3,
        renderer: str = "svg",
        sections: Mapping[str, list] | None = None,
        help: Mapping[str, str] | None = None,
        applies: Mapping[str, Callable] | None = None,
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
        self.title = title
        self.sections = {k: list(v) for k, v in (sections or {}).items()}
        unknown = {n for names in self.sections.values() for n in names} - set(self.controls)
        if unknown:
            raise ArgumentError(f"sections name unknown controls {sorted(unknown)}; the panel has {sorted(self.controls)}.")
        self.applies = dict(applies or {})
        self.labels: dict[str, str] = {}
        self.help: dict[str, str] = {}
        for k, c in self.controls.items():
            self.labels[k] = str(getattr(c, "description", "") or k)
            tip = (help or {}).get(k) or getattr(c, "tooltip", None)
            self.help[k] = str(tip or "")
        self.view: View | None = None
        self.error: str | None = None
        self.last_update_seconds: float | None = None
        self.n_updates = 0
        #: recent updates: (finished at, seconds taken, quick?, error or None), newest last
        self.history: list[tuple[float, float, bool, str | None]] = []
        self._pending = None
        self._jchart = None
        self._skeleton = None
        self._style = None
        self._drawn = None
        self._seq = 0
        self._set_from_code = ""
        self._box: w.VBox | None = None
        self._title = w.HTML(PANEL_CSS + (f"<h4>{html.escape(title)}</h4>" if title else ""))
        self._title.add_class("wb-title")
        self._readout = w.HTML()
        self._timing = w.HTML()
        self._error = w.HTML()
        self._spinner = w.HTML("<div class='wb-spinner-inner'>computing&hellip;</div>")
        self._spinner.add_class("wb-spinner")
        self._chart_box = w.Box(layout=w.Layout(width="100%"))
        self._chart_box.add_class("wb-chart")
        self._rows: dict[str, w.Widget] = {}
        self._texts: dict[str, w.Text] = {}
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
                try:
                    self.controls[k].value = v
                except traitlets.TraitError as exc:
                    options = getattr(self.controls[k], "options", None)
                    choices = (f"; the choices now are {[o[1] if isinstance(o, tuple) else o for o in options]}"
                               if options is not None else "")
                    raise ArgumentError(f"Control {k!r} ({self.labels.get(k, k)}) cannot take {v!r}{choices}. "
                                        f"({exc})") from None
        finally:
            self._muted = False

    def set(self, **values) -> View | None:
        """Set controls by name and recompute now (no debounce); returns the new view.

        A panel on screen says so below its chart ("set from code: ..."), so that a
        later cell driving it does not change what the reader sees silently.
        """
        self._assign(values)
        self._cancel_pending()
        if self._box is not None and values:
            self._set_from_code = ", ".join(f"{self.labels.get(k, k)} = {self._value_text(k)}" for k in values)
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

    def _value_text(self, name: str) -> str:
        c = self.controls[name]
        v = c.value
        if isinstance(c, (w.Dropdown, w.ToggleButtons, w.RadioButtons, w.SelectionSlider, w.Select)):
            for o in c.options:
                if isinstance(o, tuple) and o[1] == v:
                    return str(o[0])
            return str(v)
        if isinstance(v, bool):
            return "on" if v else "off"
        if isinstance(v, (tuple, list)):
            return " to ".join(_number(x) if isinstance(x, (int, float)) else str(x) for x in v)
        if isinstance(v, (int, float)):
            return compact(v) if isinstance(c, w.FloatLogSlider) else _number(v)
        return str(v)

    def settings_text(self) -> str:
        """The current settings in words (``label = value`` for every control), e.g. for a caption."""
        return " · ".join(f"{self.labels.get(k, k)} = {self._value_text(k)}" for k in self.controls)

    # ----------------------------------------------------------- events
    def _on_change(self, change):
        if self._muted:
            return
        self._set_from_code = ""
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

    def _busy(self, on: bool) -> None:
        """Dim the chart and show the spinner (CSS delays both by 150 ms, so quick updates never flicker)."""
        if self._box is None:
            return
        if on:
            self._chart_box.add_class("wb-busy")
        else:
            self._chart_box.remove_class("wb-busy")

    def _compute(self, quick: bool) -> View:
        view = self._update_fn(self.state, quick=quick) if self._progressive else self._update_fn(self.state)
        if not isinstance(view, View):
            raise TypeError(f"update() must return a View, got {type(view).__name__}")
        return view

    def refresh(self, quick: bool = False) -> None:
        """Recompute the view from the current control values and redraw (``quick``: the fast preview)."""
        t0 = time.perf_counter()
        self._busy(True)
        try:
            self._apply_rules()
            # warnings raised while computing are shown in the readout (with a code), not on stderr
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                view = self._compute(quick)
            _adopt_warnings(view, caught)
        except Exception as exc:  # shown in the panel, never swallowed
            self.error = _explain(exc)
            self._error.value = (
                "<div class='wb-error' style='color:#b00;border-left:3px solid #b00;padding:2px 8px'>"
                f"{html.escape(self.error)}</div>"
            )
            self.last_update_seconds = time.perf_counter() - t0
            self._log(t0, quick)
            self._busy(False)
            return
        self.error = None
        self._error.value = ""
        self.view = view
        self._readout.value = view.text
        self._draw(view.chart)
        self.n_updates += 1
        self.last_update_seconds = time.perf_counter() - t0
        self._busy(False)
        note = f" &middot; set from code: {html.escape(self._set_from_code)}" if self._set_from_code else ""
        self._timing.value = (
            f"<span class='panel-timing'>updated in "
            f"{1e3 * self.last_update_seconds:.0f} ms{' (quick view; refining&hellip;)' if quick else ''}{note}</span>"
        )
        self._log(t0, quick)

    def _log(self, t0: float, quick: bool) -> None:
        self.history.append((time.perf_counter(), time.perf_counter() - t0, quick, self.error))
        del self.history[:-50]

    # -------------------------------------------------------- applicability
    def not_applying(self) -> dict[str, str]:
        """Controls that do not apply to the current settings, with the reason (``applies=``)."""
        state = self.state
        out = {}
        for name, rule in self.applies.items():
            verdict = rule(state)
            if verdict is not True and verdict is not None:
                out[name] = verdict if isinstance(verdict, str) else "does not apply to the current settings"
        return out

    def _apply_rules(self) -> None:
        if not self.applies:
            return
        off = self.not_applying()
        for name in self.applies:
            c = self.controls[name]
            disabled = name in off
            if getattr(c, "disabled", None) is not None and c.disabled != disabled:
                c.disabled = disabled
            text = self._texts.get(name)
            if text is not None:
                text.disabled = disabled
            row = self._rows.get(name)
            if row is not None:
                (row.add_class if disabled else row.remove_class)("wb-off")
                label = row.children[0]
                tip = self.help.get(name, "") + (f" — not used now: {off[name]}" if disabled else "")
                label.value = _label_html(self.labels[name], tip.strip(" —"))

    # ----------------------------------------------------------- layout
    def _row(self, name: str, c: w.Widget) -> w.HBox:
        """One control row: the label (fixed width, tooltip) and the control at the panel's one width."""
        if getattr(c, "description", None):
            c.description = ""
        if hasattr(c, "style") and hasattr(c.style, "description_width"):
            c.style.description_width = "0px"
        full = f"{TRACK_WIDTH + READOUT_WIDTH}px"
        parts = [w.HTML(_label_html(self.labels[name], self.help[name]))]
        parts[0].add_class("wb-label")
        if isinstance(c, w.FloatLogSlider):
            c.readout = False
            c.layout.width = f"{TRACK_WIDTH}px"
            box = self._number_box(name, c)
            parts += [c, box]
        elif isinstance(c, (w.FloatSlider, w.IntSlider, w.SelectionSlider, w.FloatRangeSlider, w.IntRangeSlider,
                            w.SelectionRangeSlider)):
            c.layout.width = full
            if hasattr(c.style, "handle_color"):
                pass
            parts.append(c)
        elif isinstance(c, (w.Dropdown, w.Select)):
            c.layout.width = full
            parts.append(c)
        elif isinstance(c, w.ToggleButtons):
            c.layout.width = full
            n = max(1, len(c.options))
            c.style.button_width = f"{max(60, int((TRACK_WIDTH + READOUT_WIDTH - 4 * n) / n))}px"
            parts.append(c)
        elif isinstance(c, w.Checkbox):
            c.indent = False
            c.layout.width = "auto"
            parts.append(c)
        elif isinstance(c, (w.FloatText, w.BoundedFloatText, w.IntText, w.BoundedIntText, w.Text)):
            c.layout.width = f"{READOUT_WIDTH + 40}px"
            c.add_class("wb-number")
            parts.append(c)
        else:
            parts.append(c)
        row = w.HBox(parts)
        row.add_class("wb-control")
        row.add_class(f"wb-control-{name}")
        self._rows[name] = row
        return row

    def _number_box(self, name: str, slider: w.FloatLogSlider) -> w.Text:
        """A text box beside a log slider: shows its value and takes typed ones (``1e23``, ``3e9``, ``2.5 B``)."""
        box = w.Text(value=compact(slider.value), continuous_update=False, layout=w.Layout(width=f"{READOUT_WIDTH}px"),
                     tooltip=f"type a value, e.g. {compact(slider.base ** slider.min)} to {compact(slider.base ** slider.max)}")
        box.add_class("wb-number")
        box.add_class("widget-readout")
        lo, hi = slider.base ** slider.min, slider.base ** slider.max

        def typed(change):
            try:
                v = parse_number(change["new"])
                if not (v > 0):
                    raise ValueError("must be positive")
            except ValueError:
                box.add_class("wb-invalid")
                return
            box.remove_class("wb-invalid")
            v = float(np.clip(v, lo, hi))
            if abs(v / slider.value - 1) > 1e-12:
                slider.value = v
            text = compact(v)
            if box.value != text:
                box.value = text

        def moved(change):
            box.remove_class("wb-invalid")
            text = compact(change["new"])
            if box.value != text:
                box.value = text

        box.observe(typed, names="value")
        slider.observe(moved, names="value")
        self._texts[name] = box
        return box

    def _controls_box(self) -> w.Box:
        if not self._rows:
            for k, c in self.controls.items():
                self._row(k, c)
        placed = {n for names in self.sections.values() for n in names}
        columns = []
        for title, names in self.sections.items():
            head = w.HTML(f"<div class='wb-section-title'>{html.escape(title)}</div>") if title else None
            col = w.VBox(([head] if head else []) + [self._rows[n] for n in names])
            col.add_class("wb-section")
            columns.append(col)
        rest = [self._rows[k] for k in self.controls if k not in placed]
        if rest:
            col = w.VBox(rest)
            col.add_class("wb-section")
            columns.append(col)
        box = w.HBox(columns)
        box.add_class("wb-controls")
        return box

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
        style = _style_signature(skeleton, datasets)
        if skeleton == self._skeleton and style == self._style:
            self._seq += 1
            self._jchart._py_to_js_updates = [
                {"namespace": "data", "name": name, "scope": [], "value": values, "seq": self._seq}
                for name, values in datasets.items()
            ]
        else:  # a new structure, or data whose range calls for other axis labels (decades or 1-2-5): re-embed
            self._skeleton = skeleton
            self._style = style
            self._show(chart)
            self._hold_height(skeleton)

    def _show(self, chart) -> None:
        """Embed ``chart`` in the live view, in the house style (log axes labelled at powers of ten)."""
        with self._jchart.hold_sync():
            self._jchart.chart = chart
            self._jchart.spec = house_style(self._jchart.spec)

    def _hold_height(self, skeleton: dict) -> None:
        """Keep the chart area at least as tall as the tallest chart drawn so far (no jumps while training)."""
        h = _spec_height(skeleton)
        if h:
            current = self._chart_box.layout.min_height
            old = int(current[:-2]) if isinstance(current, str) and current.endswith("px") else 0
            if h > old:
                self._chart_box.layout.min_height = f"{h}px"

    def _ensure_live_chart(self):
        if self._jchart is None:
            alt.JupyterChart.enable_offline()
            chart = self.view.chart if self.view is not None else alt.Chart().mark_point()
            self._jchart = alt.JupyterChart(chart, embed_options={"renderer": self.renderer, "actions": False})
            self._jchart.spec = house_style(self._jchart.spec)
            self._skeleton, datasets = _split(chart)
            self._style = _style_signature(self._skeleton, datasets)
            self._hold_height(self._skeleton)
            self._drawn = chart
            self._chart_box.children = (self._jchart, self._spinner)

    def _extra_rows(self) -> list:
        """Widgets between the controls and the chart (a training panel's buttons and progress)."""
        return []

    @property
    def widget(self) -> w.VBox:
        """The panel as one ipywidgets box (controls, chart, readout, errors)."""
        if self._box is None:
            self._ensure_live_chart()
            self._apply_rules()
            self._box = w.VBox([self._title, self._controls_box(), *self._extra_rows(), self._error, self._chart_box,
                                self._readout, self._timing], layout=w.Layout(width="100%"))
            self._box.add_class("wb-panel")
        return self._box

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
        # when the widget state is not saved; JupyterLab shows the live widget instead),
        # captioned with the panel's title and settings, since a report has no controls
        if self.view is not None:
            try:
                from ..charts.export import chart_svg

                picture = chart_svg(self.view.chart)
            except Exception:  # a report without the picture still has the numbers
                picture = ""
            caption = (f"<figcaption class='workbench-panel-caption'><b>{html.escape(self.title or 'Panel')}</b>"
                       f" &mdash; settings: {html.escape(self.settings_text())}</figcaption>")
            bundle["text/html"] = (f"<figure class='workbench-panel-static'>{caption}{picture}{self.view.text}</figure>")
        return bundle


def _adopt_warnings(view: View, caught) -> None:
    """Add the Python warnings an update raised to its view (once each, with a code) and to its readout."""
    from ..results import ResultWarning

    known = {str(w) for w in view.warnings}
    new = []
    for record in caught:
        message = str(record.message)
        if message in known or any(message in k or k in message for k in known):
            continue
        known.add(message)
        new.append(ResultWarning(message, code=getattr(record.message, "code", None) or record.category.__name__))
    if new:
        view.warnings = list(view.warnings) + new
        view.text = view.text + readout_html([], [], new)


def _label_html(label: str, tip: str = "") -> str:
    title = html.escape(tip or label, quote=True)
    mark = "<span class='wb-help'>i</span>" if tip and tip != label else ""  # a drawn circle: no font lacks it
    return f"<span class='wb-label-text' title=\"{title}\">{html.escape(label)}{mark}</span>"


def _style_signature(skeleton: dict, datasets: dict) -> list:
    """The label expressions the house style gives a chart's log axes for these data (they depend on the
    data's range: decades, or 1-2-5 labels for a range narrower than two decades)."""
    return [n["axis"]["labelExpr"] for n in spec_nodes(house_style(skeleton, datasets))
            if isinstance(n.get("axis"), dict) and "labelExpr" in n["axis"]]


def _spec_height(spec: dict) -> int:
    """Rough pixel height of a Vega-Lite spec: heights of stacked views plus room for titles and axes."""
    if not isinstance(spec, dict):
        return 0
    if "vconcat" in spec:
        return sum(_spec_height(s) for s in spec["vconcat"]) + 10 * len(spec["vconcat"])
    if "hconcat" in spec:
        return max((_spec_height(s) for s in spec["hconcat"]), default=0)
    if "concat" in spec:
        return sum(_spec_height(s) for s in spec["concat"])
    h = spec.get("height")
    if not isinstance(h, (int, float)):
        layers = spec.get("layer") or []
        h = max((x.get("height", 0) for x in layers if isinstance(x.get("height", 0), (int, float))), default=0)
    if not h:
        return 0
    title = spec.get("title")
    extra = 70 + (22 if title else 0) + (16 if isinstance(title, dict) and title.get("subtitle") else 0)
    return int(h + extra)


def _explain(exc: BaseException) -> str:
    if isinstance(exc, WorkbenchError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
