"""The workbench's house style for every chart: a registered Altair theme and log-axis labels.

* :func:`theme` is registered with Altair as ``"workbench"`` and enabled when the charts
  layer is imported: minimum font sizes (11 px), light major gridlines, a calm palette,
  legends and titles that do not clip, chart widths that fill a notebook cell.
* :func:`house_style` finishes a Vega-Lite spec where a theme cannot reach (a theme has
  no setting per scale type): every log axis gets ticks at powers of ten written as
  ``10ⁿ`` (FLOPs and other quantities) or with SI suffixes (``1k``, ``10M``, ``1B``,
  ``1T`` for counts of parameters, tokens, samples), gridlines at the powers of ten
  only, and a domain rounded out to whole decades so there are always labels. Loss
  axes (a log scale over less than a decade) keep plain numbers. It runs wherever the
  workbench shows a chart: live panels, notebook outputs, reports, SVG/PNG export.
* :data:`ENTITY_COLORS` gives each recurring thing one colour in every lab (fitted runs,
  held-out runs, the fitted law, the compute-optimal model, the truth ...);
  :func:`entity_scale` builds a colour scale from it.
* :func:`enable_notebook_charts` makes ordinary chart outputs in a notebook render with
  no network: they become offline :class:`altair.JupyterChart` widgets, the same
  vega bundle (from ``vl-convert``) the live panels use.
"""

from __future__ import annotations

import math
import re

import altair as alt

from .data import spec_datasets

__all__ = [
    "theme", "register", "house_style", "log_axis", "LOG_SCALE", "ENTITY_COLORS", "PALETTE", "entity_scale",
    "enable_notebook_charts", "wrap", "CHART_WIDTH", "HALF_WIDTH", "THIRD_WIDTH", "label_expr",
]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: Plot widths (pixels, the data rectangle) that fill a notebook cell with one, two or three views.
CHART_WIDTH = 620
HALF_WIDTH = 330
THIRD_WIDTH = 220

#: The categorical palette (colour-blind safe order, after Okabe & Ito and Tableau 10).
PALETTE = ["#1f6fb2", "#e0622a", "#2a9d6f", "#c8407f", "#8a63b8", "#b8860b", "#4fa3c7", "#7f7f7f", "#a6761d", "#d62728"]

#: One colour per recurring entity, the same in every lab.
ENTITY_COLORS = {
    # runs and fits
    "fitted": "#1f6fb2", "fitted runs": "#1f6fb2", "runs": "#1f6fb2", "measured": "#1f6fb2",
    "held out": "#d62728", "held-out runs": "#d62728",
    "fit": "#e0622a", "fitted law": "#e0622a", "law": "#e0622a", "coverage law": "#e0622a",
    "truth": "#222222", "reference": "#222222", "exact": "#222222", "entropy rate": "#222222",
    # planner
    "compute-optimal": "#1f6fb2", "recommended": "#d62728",
    # comparisons of two methods
    "beta-binomial": "#2a9d6f", "small model, k samples": "#2a9d6f", "large model, 1 sample": "#8a63b8",
    # pruning
    "keep hardest": "#c8407f", "hard": "#c8407f", "keep easiest": "#2a9d6f", "easy": "#2a9d6f",
    "keep random": "#7f7f7f", "random": "#7f7f7f", "random-pruning power law": "#d62728", "best-f frontier": "#222222",
    # schedules
    "constant": "#7f7f7f", "cosine": "#1f6fb2", "wsd": "#2a9d6f", "step": "#8a63b8", "yours (drawn)": "#d62728",
    "yours (as trained)": "#d62728",
}

#: Log scale for quantities spanning decades (the domain is rounded out to powers of ten).
LOG_SCALE = {"type": "log", "nice": True}

_SUP = [("-", "⁻"), ("0", "⁰"), ("1", "¹"), ("2", "²"), ("3", "³"), ("4", "⁴"), ("5", "⁵"), ("6", "⁶"), ("7", "⁷"),
        ("8", "⁸"), ("9", "⁹")]
_EXP = "round(log(datum.value) / LN10)"
_IS_POW = f"(datum.value > 0 && abs(log(datum.value) / LN10 - {_EXP}) < 1e-6)"


def _superscript(expr: str) -> str:
    out = f"toString({expr})"
    for a, b in _SUP:
        out = f"replace({out}, regexp('{a}', 'g'), '{b}')"
    return out


_POWER_LABEL = f"'10' + {_superscript(_EXP)}"
_MANTISSA = "(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)))"
_NARROW_GRID = (f"datum.value > 0 && (abs({_MANTISSA} - 1) < 1e-6 || abs({_MANTISSA} - 2) < 1e-6 || "
                f"abs({_MANTISSA} - 5) < 1e-6 || abs({_MANTISSA} - round({_MANTISSA})) > 1e-6)")
_COUNT_LABEL = (
    f"{_EXP} < 0 ? {_POWER_LABEL} : {_EXP} < 3 ? toString(pow(10, {_EXP})) : "
    f"{_EXP} < 6 ? toString(pow(10, {_EXP} - 3)) + 'k' : {_EXP} < 9 ? toString(pow(10, {_EXP} - 6)) + 'M' : "
    f"{_EXP} < 12 ? toString(pow(10, {_EXP} - 9)) + 'B' : {_EXP} < 15 ? toString(pow(10, {_EXP} - 12)) + 'T' : "
    f"{_POWER_LABEL}"
)


_IS_125 = (f"datum.value > 0 && (abs({_MANTISSA} - 1) < 1e-6 || abs({_MANTISSA} - 2) < 1e-6 || "
           f"abs({_MANTISSA} - 5) < 1e-6)")
_FLOOR_EXP = "floor(log(datum.value) / LN10 + 1e-9)"
_MANTISSA_TEXT = f"toString(round({_MANTISSA}))"
_COUNT_125 = f"{_EXP} >= 15 || {_EXP} < 0 ? {_MANTISSA_TEXT} + ' × 10' + {_superscript(_FLOOR_EXP)} : " \
             "replace(format(datum.value, '~s'), 'G', 'B')"
_POWER_125 = f"abs({_MANTISSA} - 1) < 1e-6 ? '10' + {_superscript(_FLOOR_EXP)} : " \
             f"{_MANTISSA_TEXT} + ' × 10' + {_superscript(_FLOOR_EXP)}"


def label_expr(kind: str, every: str = "decade") -> str:
    """The Vega ``labelExpr`` of a log axis.

    ``kind``: ``"count"`` (1, 10, 100, 1k .. 1T, then 10ⁿ) or ``"power"`` (10ⁿ). ``every``: ``"decade"``
    labels the powers of ten only; ``"125"`` also 2 and 5 times them (for a domain with fewer than two
    powers of ten in it: ``20, 50, 100`` or ``5 × 10²², 10²³, 2 × 10²³``).
    """
    if every == "125":
        return f"{_IS_125} ? ({_COUNT_125 if kind == 'count' else _POWER_125}) : ''"
    body = _COUNT_LABEL if kind == "count" else _POWER_LABEL
    return f"{_IS_POW} ? ({body}) : ''"


def log_axis(kind: str = "power", every: str = "decade", **kw) -> dict:
    """Axis properties for a log scale: labels, gridlines and long ticks at the powers of ten (``every="decade"``)
    or at 1, 2 and 5 times them (``every="125"``, for domains narrower than two decades); ``kind``: ``"count"``
    for SI suffixes, ``"power"`` for ``10ⁿ``."""
    test = _IS_POW if every == "decade" else _IS_125
    out = {
        "labelExpr": label_expr(kind, every),
        "gridOpacity": {"condition": {"test": test, "value": 1}, "value": 0},
        "tickSize": {"condition": {"test": test, "value": 6}, "value": 3},
        "labelOverlap": every != "decade",  # powers of ten never collide; 1-2-5 labels may, on a short axis
        "labelFlush": False,
    }
    out.update(kw)
    return out


def wrap(text: str, width: int = 70) -> str | list[str]:
    """A title as lines of at most ``width`` characters (Vega draws a list as lines), so it never clips."""
    words, lines, line = str(text).split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines[0] if len(lines) == 1 else lines


def entity_scale(names, **kw) -> alt.Scale:
    """A colour scale giving each name its colour from :data:`ENTITY_COLORS` (others from :data:`PALETTE`)."""
    names = list(dict.fromkeys(names))
    spare = iter([c for c in PALETTE if c not in {ENTITY_COLORS.get(n) for n in names}] + PALETTE)
    colours = [ENTITY_COLORS.get(n) or next(spare) for n in names]
    return alt.Scale(domain=names, range=colours, **kw)


def theme() -> dict:
    """The house theme (a Vega-Lite config)."""
    label, title = 12, 13
    return {
        "config": {
            "font": FONT,
            "padding": 8,
            "view": {"continuousWidth": CHART_WIDTH, "continuousHeight": 300, "stroke": "#d9d9d9"},
            "background": "white",
            "title": {"fontSize": 15, "fontWeight": 600, "anchor": "start", "color": "#1a1a1a", "offset": 10,
                      "subtitleFontSize": 12, "subtitleColor": "#555555", "subtitlePadding": 4, "limit": 0},
            "axis": {
                "labelFontSize": label, "titleFontSize": title, "titleFontWeight": 500, "titleColor": "#333333",
                "labelColor": "#444444", "gridColor": "#e8e8e8", "domainColor": "#9a9a9a", "tickColor": "#9a9a9a",
                "labelOverlap": "greedy", "labelSeparation": 6, "titlePadding": 8, "labelLimit": 160,
                "titleLimit": 0,
            },
            "header": {"labelFontSize": label, "titleFontSize": title},
            "legend": {
                "labelFontSize": label, "titleFontSize": title, "titleFontWeight": 500, "labelLimit": 260,
                "titleLimit": 260, "symbolSize": 90, "rowPadding": 3, "titlePadding": 6, "orient": "right",
            },
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 2},
            "point": {"size": 45},
            "text": {"fontSize": label},
            "concat": {"spacing": 28},
            "axisQuantitative": {"tickCount": 6},
        }
    }


def register() -> None:
    """Register the theme with Altair as ``"workbench"`` and enable it."""
    reg = getattr(alt, "theme", None)
    if reg is not None and hasattr(reg, "register") and callable(getattr(reg, "register")):
        try:
            alt.theme.register("workbench", enable=True)(theme)
            return
        except TypeError:  # pragma: no cover - other Altair API
            pass
    alt.themes.register("workbench", theme)  # pragma: no cover - Altair < 5.5
    alt.themes.enable("workbench")  # pragma: no cover


# --------------------------------------------------------------------------- log axes
_FLOPS = re.compile(r"FLOP", re.I)
_COUNT = re.compile(r"parameters|tokens|samples|problems|items|features?|examples|attempts|rank|\bk\b|\bK\b|width|size|"
                    r"pool|count|runs|sequences", re.I)
_COUNT_FIELDS = {"N", "D", "U", "P", "k", "K", "n", "tokens", "inference_tokens", "samples", "m"}
_FLOPS_FIELDS = {"C", "budget", "compute", "training_flops", "flops"}


def _title_text(axis, enc) -> str:
    t = axis.get("title") if isinstance(axis, dict) else None
    if t is None:
        t = enc.get("title")
    if isinstance(t, list):
        t = " ".join(map(str, t))
    return str(t or "")


def _kind(field: str, title: str) -> str:
    low = title.lower()
    if "loss" in low or "error" in low or field in ("loss", "error"):
        return "narrow"
    if _FLOPS.search(title) or field in _FLOPS_FIELDS:
        return "power"
    if field in _COUNT_FIELDS or _COUNT.search(title):
        return "count"
    return "power"


def _is_log(enc) -> bool:
    return isinstance(enc, dict) and isinstance(enc.get("scale"), dict) and enc["scale"].get("type") == "log"


def _style_encoding(enc: dict, kind: str, span: tuple | None) -> None:
    axis = enc.get("axis", {})
    if axis is None:
        return
    axis = dict(axis) if isinstance(axis, dict) else {}
    if "labelExpr" in axis or "values" in axis:
        return
    if kind == "narrow":
        axis.setdefault("format", "~g")
        # gridlines at 1, 2 and 5 times a power of ten (and at the in-between ticks of a domain narrower than a
        # decade), not at every minor multiple
        axis.setdefault("gridOpacity", {"condition": {"test": _NARROW_GRID, "value": 1}, "value": 0})
        enc["axis"] = axis
        return
    axis.pop("format", None)
    axis.pop("tickCount", None)
    scale = dict(enc["scale"])
    scale.pop("padding", None)
    lo, hi = span if span else (None, None)
    if "domain" in scale and isinstance(scale["domain"], list) and len(scale["domain"]) == 2:
        lo, hi = scale["domain"]
    powers = _powers_inside(lo, hi)
    try:  # SI suffixes stop at T: an axis reaching 10¹⁵ (or below 1) is written in powers of ten throughout
        if kind == "count" and (float(hi) >= 0.95e15 or float(lo) < 1):
            kind = "power"
    except (TypeError, ValueError):
        pass
    # two or more powers of ten in the data's range: label the decades; fewer: 1, 2 and 5 times them
    every = "decade" if powers >= 2 else "125"
    enc["axis"] = {**axis, **log_axis(kind, every)}  # the house labels, grid and ticks win over a builder's defaults
    enc["scale"] = scale


def _powers_inside(lo, hi) -> int:
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        return 2  # unknown range: assume it spans decades
    if not (lo > 0 and hi >= lo):
        return 2
    return int(math.floor(math.log10(hi) + 1e-9) - math.ceil(math.log10(lo) - 1e-9) + 1)


def _layers(node: dict, data=None):
    """(view, its data) for a view and each of its layers (a layer without data inherits its parent's)."""
    data = node.get("data", data)
    yield node, data
    for sub in node.get("layer", []) or []:
        if isinstance(sub, dict):
            yield from _layers(sub, data)


def _rows(data, datasets: dict) -> list:
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("values"), list):
        return data["values"]
    name = data.get("name")
    return datasets.get(name, []) if isinstance(name, str) else []


def _style_view(node: dict, datasets: dict, data=None) -> None:
    """Style the log axes of one view or layered view: one kind per shared axis (by its title and fields), and
    decade or 1-2-5 labels by the range of the data it shows."""
    views = list(_layers(node, data))
    for ch in ("x", "y"):
        encs, lo, hi = [], math.inf, -math.inf
        for view, vdata in views:
            enc = view.get("encoding")
            if not isinstance(enc, dict) or not _is_log(enc.get(ch)):
                continue
            encs.append(enc[ch])
            fields = [e.get("field") for e in (enc.get(ch), enc.get(f"{ch}2")) if isinstance(e, dict)]
            for row in _rows(vdata, datasets):
                for f in fields:
                    v = row.get(f) if isinstance(row, dict) else None
                    if isinstance(v, (int, float)) and v > 0 and math.isfinite(v):
                        lo, hi = min(lo, v), max(hi, v)
        if not encs:
            continue
        titled = [e for e in encs if _title_text(e.get("axis") or {}, e)]
        ref = titled[0] if titled else encs[0]
        kind = _kind(str(ref.get("field", "")), _title_text(ref.get("axis") or {}, ref))
        if not titled:  # no title anywhere: any field that names the quantity decides
            kinds = {_kind(str(e.get("field", "")), "") for e in encs} - {"power"}
            kind = kinds.pop() if len(kinds) == 1 else kind
        span = (lo, hi) if lo <= hi else None
        for e in encs:
            _style_encoding(e, kind, span)


def _walk(node, datasets: dict, data=None) -> None:
    if isinstance(node, dict):
        data = node.get("data", data)
        if "encoding" in node or "layer" in node:
            _style_view(node, datasets, data)
        for key in ("hconcat", "vconcat", "concat"):
            for sub in node.get(key, []) or []:
                _walk(sub, datasets, data)
        for sub in node.get("layer", []) or []:  # nested concatenations inside layers (rare)
            if isinstance(sub, dict) and any(k in sub for k in ("hconcat", "vconcat", "concat")):
                _walk(sub, datasets, data)
        if isinstance(node.get("spec"), dict):
            _walk(node["spec"], datasets, data)


def house_style(spec: dict, datasets: dict | None = None) -> dict:
    """``spec`` (a Vega-Lite dict) with the house log axes (see the module docstring); a new dict.

    Axes that set their own ``labelExpr`` or ``values`` are left as they are. Layers sharing an
    axis are styled alike, so Vega-Lite still merges them into one axis. ``datasets`` adds rows of
    named datasets the spec refers to but does not hold (a live panel's). Views side by side get
    their legends below them (unless an encoding places its legend), so they fit a notebook cell.
    """
    out = _copy_structure(spec)
    _walk(out, {**spec_datasets(out), **(datasets or {})})
    if _side_by_side(out):  # legends below the views, so views and legends fit a notebook cell's width
        legend = out.setdefault("config", {}).setdefault("legend", {})
        legend.update(orient="bottom", direction="vertical")  # a legend an encoding places stays where it is
        for view in out.get("hconcat") or out.get("concat") or []:
            _wrap_title(view)
    return out


def _wrap_title(view: dict) -> None:
    """Wrap a side-by-side view's title to its width (15 px titles: about 8.5 px a character)."""
    width, title = view.get("width"), view.get("title")
    if not isinstance(width, (int, float)):
        return
    limit = max(20, int(width / 8.5))
    if isinstance(title, str):
        view["title"] = wrap(title, limit)
    elif isinstance(title, dict) and isinstance(title.get("text"), str):
        title["text"] = wrap(title["text"], limit)


def _side_by_side(spec: dict) -> bool:
    """Whether a spec sets several views side by side (hconcat, a wrapped concat or facet, a repeat)."""
    if spec.get("hconcat"):
        return True
    return bool(spec.get("concat") or "facet" in spec or "repeat" in spec) and spec.get("columns", 2) != 1


def _copy_structure(node):
    """Copy dicts and lists of a spec except the rows of its datasets (shared, never modified)."""
    if isinstance(node, dict):
        return {k: (v if k in ("values", "datasets") else _copy_structure(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy_structure(v) for v in node]
    return node


# --------------------------------------------------------------------------- notebooks
def _offline_jupyter_renderer(spec: dict, **metadata):
    """Altair renderer: the chart as an offline :class:`altair.JupyterChart` with the house style."""
    from altair import JupyterChart

    JupyterChart.enable_offline(offline=True)
    chart = JupyterChart(chart=_chart_from_spec(house_style(spec)),
                         embed_options=metadata.get("embed_options") or {"actions": False})
    return chart._repr_mimebundle_()


#: Top-level keys of a Vega-Lite spec and the Altair class that reads it back (a plain ``Chart``
#: cannot hold a faceted or wrapped-concat spec: ``columns`` is not one of its parameters).
_TOP_LEVEL_CLASSES = (("facet", "FacetChart"), ("repeat", "RepeatChart"), ("concat", "ConcatChart"),
                      ("hconcat", "HConcatChart"), ("vconcat", "VConcatChart"), ("layer", "LayerChart"))


def _chart_from_spec(spec: dict):
    """The Altair chart object of a Vega-Lite dict, of the class its top-level keys call for."""
    cls = next((getattr(alt, name) for key, name in _TOP_LEVEL_CLASSES if key in spec), alt.Chart)
    return cls.from_dict(spec, validate=False)


def enable_notebook_charts(force: bool = False) -> None:
    """Show every chart a notebook displays with no network (offline bundle, as the live panels do).

    Altair's default renderer loads vega from a CDN. This switches it to an offline
    :class:`~altair.JupyterChart` (in a Jupyter kernel only, and only while Altair's default
    renderer is active: a report's static renderer, or a renderer you chose, is kept).
    """
    alt.renderers.register("workbench-offline", _offline_jupyter_renderer)
    if not force:
        try:
            from IPython import get_ipython

            shell = get_ipython()
        except ImportError:  # pragma: no cover
            return
        if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
            return
        if alt.renderers.active not in ("default", "html"):
            return
    alt.renderers.enable("workbench-offline")
