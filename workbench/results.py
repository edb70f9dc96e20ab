"""The one base of every result the workbench returns.

Every public result (a :class:`~workbench.fitting.Fit`, a compute
:class:`~workbench.compute.Plan`, an isoFLOP analysis, a toy-model sweep ...)
derives from :class:`Result` and so behaves the same way, after the result
objects of statsmodels, scikit-learn and lmfit:

* ``summary()`` returns a :class:`Summary`: one report, written once per class,
  that prints as text (``print(r.summary())``) and renders as HTML in Jupyter;
* ``repr(r)`` is one line; ``r._repr_html_()`` is the HTML summary;
* ``r.to_dict()`` is built from the result's fields and is JSON-safe
  (``json.dumps(r.to_dict(), allow_nan=False)`` works);
* uncertainty is ``r.intervals``, ``{name: (lo, hi)}`` at coverage ``r.level``;
* ``r.warnings`` is a list of :class:`ResultWarning` (a message with a machine-readable
  ``code``), serialised as ``{"code": ..., "message": ...}``;
* ``r.chart(**kw)`` draws the result with the builder registered for its type in
  :mod:`workbench.charts` (the xarray ``.plot`` accessor pattern): the science
  modules that define results never import charts; the charts layer registers
  its builders against result types and is loaded the first time one is drawn.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import importlib
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .format import Quantity, number

__all__ = ["Result", "WrappedResult", "Summary", "ResultWarning", "jsonable", "format_number", "percentile_interval"]


def format_number(v) -> str:
    """A number for a summary table: 4 significant digits, ``× 10ⁿ`` for very large or small values
    (the workbench's one formatter, :func:`workbench.format.number`)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    return number(v, 4)


def percentile_interval(samples, level: float):
    """Percentile interval ``(lo, hi)`` at coverage ``level`` over axis 0, ignoring ``nan``.

    Equal to ``np.nanquantile`` with its default linear interpolation, computed by
    one sort and two gathers (``np.nanquantile`` costs ~1 ms per call, too much for
    a live planner). Where draws overflowed to ``±inf`` (a widened log-scale draw), the
    interpolation between two neighbours would be ``inf - inf``; there the nearer
    neighbour is taken, so the interval end is honestly unbounded, with no NaN and no
    RuntimeWarning.
    """
    x = np.sort(np.asarray(samples, float), axis=0)  # nan sorts last
    n = np.sum(~np.isnan(x), axis=0)
    q = (1 - level) / 2
    out = []
    for p in (q, 1 - q):
        pos = p * np.maximum(n - 1, 0)
        i0 = np.floor(pos).astype(int)
        i1 = np.minimum(i0 + 1, np.maximum(n - 1, 0))
        a = np.take_along_axis(x, i0[None, ...], axis=0)[0]
        b = np.take_along_axis(x, i1[None, ...], axis=0)[0]
        frac = pos - i0
        with np.errstate(invalid="ignore"):
            value = a + (b - a) * frac
        value = np.where(np.isnan(value), np.where(frac < 0.5, a, b), value)
        out.append(np.where(n > 0, value, np.nan)[()])  # [()]: a scalar for one column, else the array
    return out[0], out[1]


# ----------------------------------------------------------------------------- warnings
class ResultWarning(str):
    """A warning a result carries: its message (it *is* the string) and a machine-readable ``code``.

    >>> w = ResultWarning("Parameter 'E' ended at its lower bound", code="at_bound")
    >>> w.code, "bound" in w
    ('at_bound', True)
    """

    code: str

    def __new__(cls, message: str, code: str = "warning"):
        obj = super().__new__(cls, str(message))
        obj.code = str(getattr(message, "code", code) if code == "warning" else code)
        return obj

    @property
    def message(self) -> str:
        return str(self)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": str(self)}


def as_warnings(items: Iterable, code: str = "warning") -> list[ResultWarning]:
    """A list of :class:`ResultWarning` from strings, ``ResultWarning`` or ``{code, message}`` mappings."""
    out = []
    for w in items or ():
        if isinstance(w, Mapping):
            out.append(ResultWarning(w["message"], w.get("code", code)))
        else:
            out.append(w if isinstance(w, ResultWarning) else ResultWarning(w, code))
    return out


# ----------------------------------------------------------------------------- JSON
def jsonable(value):
    """``value`` as plain JSON types: numbers (non-finite ones as ``None``), strings, lists and dicts.

    Arrays and tuples become lists, DataFrames ``{column: [values]}``, Series
    ``{index: value}``, results their ``to_dict()``, objects with a ``name``
    (a law, a parameter set, an accelerator) their name, other dataclasses their fields.
    """
    if isinstance(value, ResultWarning):
        return value.to_dict()
    if value is None or isinstance(value, (str, bool)):
        return str(value) if isinstance(value, str) else value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return {str(c): jsonable(value[c].tolist()) for c in value.columns}
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, complex):
        return [jsonable(value.real), jsonable(value.imag)]
    name = getattr(value, "name", None)
    if isinstance(name, str):  # a catalogue entry: a law, a parameter set, an accelerator
        return name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if not callable(getattr(value, f.name))}
    return str(value)


# ----------------------------------------------------------------------------- summary
class Summary:
    """A result's report: a title, then blocks of fields, tables and text, then warnings.

    Written once per result class (in its ``_summarize``), rendered by
    :meth:`as_text` (``str(summary)``, ``print(summary)``) and :meth:`as_html`
    (Jupyter's display). Modelled on :class:`statsmodels.iolib.summary.Summary`.

    Examples
    --------
    >>> s = Summary("My analysis", "y = a x^b")
    >>> s = s.add_fields([("slope", 0.5), ("runs", 12)])  # the builders return the summary
    >>> print(s)  # doctest: +NORMALIZE_WHITESPACE
    My analysis
      y = a x^b
      slope  0.5000
      runs   12
    """

    def __init__(self, title: str, subtitle: str = ""):
        self.title = str(title)
        self.subtitle = str(subtitle or "")
        self.blocks: list[tuple] = []
        self.warnings: list[ResultWarning] = []

    # -------------------------------------------------------------- building
    def add_fields(self, pairs, title: str | None = None) -> "Summary":
        """Name-value lines, e.g. ``[("runs fitted", 40), ("loss", "huber")]`` (numbers are formatted)."""
        pairs = list(pairs.items() if isinstance(pairs, Mapping) else pairs)
        if pairs:
            self.blocks.append(("fields", title, pairs))
        return self

    def add_quantities(self, quantities, title: str | None = None) -> "Summary":
        """Fields from :class:`~workbench.format.Quantity` objects (value, unit, interval), one line each."""
        return self.add_fields([(q.label, q) for q in quantities], title=title)

    def add_table(self, table, title: str | None = None, index: bool = False) -> "Summary":
        """A table: a DataFrame, or ``(header, rows)`` with rows of cells (numbers are formatted)."""
        if isinstance(table, pd.DataFrame):
            df = table.reset_index() if index else table
            header = [str(c) for c in df.columns]
            rows = [list(r) for r in df.itertuples(index=False, name=None)]
        else:
            header, rows = table
            header, rows = [str(h) for h in header], [list(r) for r in rows]
        self.blocks.append(("table", title, (header, rows)))
        return self

    def add_text(self, *lines: str) -> "Summary":
        """Sentences shown as they are."""
        lines = [str(x) for x in lines if x]
        if lines:
            self.blocks.append(("text", None, lines))
        return self

    def add_warnings(self, warnings) -> "Summary":
        self.warnings.extend(as_warnings(warnings))
        return self

    # ------------------------------------------------------------- rendering
    @staticmethod
    def _cell(v) -> str:
        if isinstance(v, str):
            return v
        if isinstance(v, Quantity):
            return v.text()
        if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(x, (int, float, np.number)) or x is None for x in v):
            return f"[{format_number(v[0])}, {format_number(v[1])}]"
        if isinstance(v, (int, float, np.number, bool, np.bool_)) or v is None:
            return format_number(v)
        return str(v)

    def _blocks(self):
        """Each block as ``(title, kind, header or None, rows of cell strings)``; ``kind`` is "fields",
        "table" or "text". Both renderings read these, so text and HTML always say the same."""
        for kind, title, body in self.blocks:
            if kind == "fields":
                yield title, kind, None, [[str(k), self._cell(v)] for k, v in body]
            elif kind == "table":
                yield title, kind, body[0], [[self._cell(c) for c in r] for r in body[1]]
            else:
                yield title, kind, None, [[t] for t in body]

    def as_text(self) -> str:
        lines = [self.title] + ([f"  {self.subtitle}"] if self.subtitle else [])
        for title, kind, header, rows in self._blocks():
            lines += [f"  {title}"] if title else []
            widths = [max(len(r[j]) for r in rows + ([header] if header else [])) for j in range(len(rows[0]))] if rows else []
            if kind == "fields":
                lines += [f"  {k:<{widths[0]}}  {v}" for k, v in rows]
            elif kind == "table":
                lines += ["  " + "  ".join(h.rjust(w) for h, w in zip(header, widths)), "  " + "  ".join("-" * w for w in widths)]
                lines += ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
            else:
                lines += [f"  {t}" for (t,) in rows]
        return "\n".join(lines + [f"  warning: {w}" for w in self.warnings])

    def as_html(self) -> str:
        e = html.escape
        parts = [f"<div class='workbench-result'><b>{e(self.title)}</b>"] + ([f"<br><code>{e(self.subtitle)}</code>"] if self.subtitle else [])
        for title, kind, header, rows in self._blocks():
            parts += [f"<p style='margin:6px 0 2px'><i>{e(title)}</i></p>"] if title else []
            if kind == "text":
                parts += [f"<p style='margin:2px 0'>{e(t)}</p>" for (t,) in rows]
                continue
            cell = "<td style='text-align:left'>" if kind == "fields" else "<td>"
            head = f"<thead><tr>{''.join(f'<th>{e(h)}</th>' for h in header)}</tr></thead>" if header else ""
            body = "".join("<tr>" + "".join(f"{cell}{e(c)}</td>" for c in r) + "</tr>" for r in rows)
            parts.append(f"<table>{head}<tbody>{body}</tbody></table>")
        parts += [f"<p style='color:#a33'>&#9888; {e(str(w))}</p>" for w in self.warnings]
        return "".join(parts) + "</div>"

    __str__ = as_text

    def _repr_html_(self) -> str:
        return self.as_html()

    def __repr__(self) -> str:
        return self.as_text()

    def __contains__(self, text: str) -> bool:
        return text in self.as_text()


# ----------------------------------------------------------------------------- base
class Result:
    """Base of every public result: summary, one-line repr, HTML, JSON-safe ``to_dict()``, intervals, chart.

    Subclasses are dataclasses (made so by this base: no decorator needed). They write :meth:`_summarize` (fill a
    :class:`Summary`) and :meth:`_headline` (the words inside the one-line
    repr); ``to_dict()`` is built from their fields, leaving out the names in
    ``_dict_exclude`` and adding the properties named in ``_dict_properties``.

    Attributes
    ----------
    intervals : dict or None
        ``{name: (lo, hi)}`` at coverage ``level`` (``None`` when the result
        has no uncertainty).
    level : float
        Coverage of the intervals.
    warnings : list of ResultWarning
    """

    def __init_subclass__(cls, frozen: bool = False, **kwargs):
        # every result is a dataclass: its fields are what ``to_dict()`` reports (repr stays one line)
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, repr=False, frozen=frozen)

    #: Fields left out of ``to_dict()`` (large tables, raw samples, objects kept for methods).
    _dict_exclude: tuple[str, ...] = ()
    #: Properties added to ``to_dict()``.
    _dict_properties: tuple[str, ...] = ()

    # ``intervals``, ``level`` and ``warnings`` are fields or properties of the subclasses
    # (class attributes here would become dataclass defaults); results without them
    # read as no intervals, 95% and no warnings.

    def __post_init__(self):
        if "warnings" in {f.name for f in dataclasses.fields(self)}:
            self.warnings = as_warnings(self.warnings)

    # ------------------------------------------------------------ summary
    def _title(self) -> str:
        return type(self).__name__

    def _summarize(self, s: Summary) -> None:
        """Fill the summary (subclasses override); by default, the scalar fields."""
        s.add_fields([(k, v) for k, v in self._field_items() if isinstance(v, (int, float, str, np.number))])

    def summary(self) -> Summary:
        """The result's report: ``print(r.summary())`` for text; Jupyter shows it as HTML."""
        s = Summary(self._title())
        self._summarize(s)
        s.add_warnings(getattr(self, "warnings", None) or ())
        return s

    def _headline(self) -> str:
        return ""

    def __repr__(self) -> str:
        h = self._headline()
        return f"<{type(self).__name__}{' ' + h if h else ''}>"

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    # ------------------------------------------------------------ dict
    def _field_items(self):
        for f in dataclasses.fields(self):
            if f.name.startswith("_") or f.name in self._dict_exclude:
                continue
            yield f.name, getattr(self, f.name)

    def _dict_extra(self) -> dict:
        """More entries for ``to_dict()`` (subclasses add what their fields do not say)."""
        return {}

    def _with_intervals(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with ``<name>_lo`` and ``<name>_hi`` columns for each interval (one row per budget, demand ...)."""
        for k, (lo, hi) in (getattr(self, "intervals", None) or {}).items():
            df[f"{k}_lo"], df[f"{k}_hi"] = lo, hi
        return df

    def to_dict(self) -> dict:
        """The result as JSON-safe data: its fields (and some properties), numbers non-finite as ``None``."""
        out = dict(self._field_items())
        for name in self._dict_properties:
            out[name] = getattr(self, name)
        out.update(self._dict_extra())
        out["type"] = type(self).__name__
        out["level"] = getattr(self, "level", 0.95)
        out["intervals"] = getattr(self, "intervals", None)
        out["warnings"] = list(getattr(self, "warnings", None) or ())
        return jsonable(out)

    def value(self, name: str, i: int = 0) -> float:
        """The value of ``name`` (element ``i`` when it is an array, e.g. one per budget) as a float."""
        return float(np.atleast_1d(getattr(self, name))[i])

    # ------------------------------------------------------------ chart
    def chart(self, **kwargs):
        """Draw the result with the chart builder registered for its type (see :mod:`workbench.charts`)."""
        # The charts layer sits above every science module: it is looked up by name when a
        # result is first drawn, never imported by the modules that define results.
        return importlib.import_module("workbench.charts").draw(self, **kwargs)


class WrappedResult(Result):
    """Base of a result built on another one, held in the field named by ``_inner``: its intervals,
    level and warnings are the inner result's, and so are its title and the start of its summary."""

    _inner = "fit"

    @property
    def _wrapped(self):
        return getattr(self, self._inner)

    @property
    def intervals(self):
        return self._wrapped.intervals

    @property
    def level(self) -> float:
        return self._wrapped.level

    @property
    def warnings(self) -> list:
        return self._wrapped.warnings

    def _title(self) -> str:
        return self._wrapped._title()

    def _summarize(self, s) -> None:
        self._wrapped._summarize(s)
