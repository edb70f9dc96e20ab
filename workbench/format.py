"""One number formatter for every readout, table and summary of the workbench.

Numbers are written for people: ``5.9 B parameters``, ``1.2 T tokens``,
``3.4 × 10²³ FLOPs``, ``135 years``, ``0.9 TWh``, ``$2.4 B``, ``2.032 nats/token``,
with a few significant digits, no ``-0.0`` and no float noise.

* :func:`fmt` formats one value in a unit (``fmt(5.9e9, "parameters")``);
* :func:`fmt_interval` and :func:`fmt_estimate` add an interval
  (``"20 B parameters (95%: 11–34 B)"``);
* :func:`number` is the bare number (significant digits, ``× 10ⁿ`` beyond
  ``10⁶`` or below ``10⁻³``);
* :func:`compact` is the short form a text box accepts back (``"1e23"``, ``"3e9"``);
* :func:`parse_number` reads what people type (``"1e23"``, ``"3e9"``, ``"2.5 B"``,
  ``"3 × 10^9"``, ``"1,000"``) and never evaluates it;
* :func:`frame` shows a table with readable headers and formatted numbers.

Counts (parameters, tokens, samples) use SI suffixes k, M, B, T (B for billion,
as people say it of model sizes, not G); FLOPs are powers of ten. Durations are
given in days and shown in the largest unit that reads well; energy is given in
MWh; money in US dollars; emissions in tonnes of CO2e.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "fmt",
    "number",
    "fmt_interval",
    "fmt_estimate",
    "compact",
    "parse_number",
    "power_of_ten",
    "si",
    "percent",
    "frame",
    "Quantity",
    "NOT_COVERING",
    "COUNT_UNITS",
    "SUPERSCRIPT",
]

#: Digits and minus sign as superscripts (for ``× 10ⁿ``).
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")

#: Units counted in SI steps (k, M, B, T).
COUNT_UNITS = {
    "parameters", "params", "tokens", "samples", "problems", "items", "runs", "examples", "features", "steps",
    "sequences", "devices", "device-hours", "models", "count",
}
_SI = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _round_sig(v: float, digits: int) -> float:
    if v == 0 or not math.isfinite(v):
        return v
    return float(f"{v:.{digits}g}")


def _plain(v: float, digits: int) -> str:
    """``v`` with ``digits`` significant digits in positional notation, trailing zeros trimmed, no ``-0``."""
    r = _round_sig(v, digits)
    if r == 0:
        return "0"
    a = abs(r)
    if a >= 10 ** (digits - 1):
        s = f"{r:,.0f}" if a >= 1e4 else f"{r:.0f}"
    else:
        decimals = digits - 1 - int(math.floor(math.log10(a)))
        s = f"{r:.{max(decimals, 0)}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "0") else s


def power_of_ten(v: float, digits: int = 3) -> str:
    """``3.4 × 10²³``; an exact power of ten is ``10²³``."""
    v = float(v)
    if v == 0:
        return "0"
    sign = "−" if v < 0 else ""
    mant, exp = f"{abs(v):.{max(digits, 1) - 1}e}".split("e")  # decimal digits, denormals included
    m, e = float(mant), int(exp)
    exp_text = f"10{str(e).translate(SUPERSCRIPT)}"
    if abs(m - 1) < 1e-12:
        return sign + exp_text
    return f"{sign}{_plain(m, digits)} × {exp_text}"


def number(v, digits: int = 3) -> str:
    """A bare number: ``digits`` significant digits; ``× 10ⁿ`` at or beyond a million or below 0.001.

    Integers below a million are written in full (``12,345``); ``-0.0`` is ``0``;
    ``nan`` and ``None`` are ``n/a``.
    """
    if v is None:
        return "n/a"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)) and abs(int(v)) < 10**6:
        return f"{int(v):,}" if abs(int(v)) >= 1e4 else str(int(v))
    v = float(v)
    if math.isnan(v):
        return "n/a"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    r = _round_sig(v, digits)
    a = abs(r)
    if r == 0:
        return "0"
    if a >= 1e6 or a < 1e-3:
        return power_of_ten(r, digits)
    s = _plain(r, digits)
    return s.replace("-", "−") if s.startswith("-") else s


def si(v: float, digits: int = 3) -> str:
    """A count with an SI suffix: ``5.9 B``, ``1.2 T``, ``350 M``, ``12 k``; beyond ``10¹⁵``, ``× 10ⁿ``."""
    v = float(v)
    a = abs(v)
    if not math.isfinite(v):
        return number(v)
    if a >= 1e15:
        return power_of_ten(v, digits)
    for scale, suffix in _SI:
        if _round_sig(a, digits) >= scale:
            m = _round_sig(v / scale, digits)
            if abs(m) >= 1000 and suffix != "T":  # 999.6 k rounds to 1 M
                continue
            return f"{_plain(m, digits)} {suffix}"
    return number(v, digits)


def percent(v: float, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.1234`` → ``12%``, ``0.0012`` → ``0.12%``; no ``-0%``."""
    if v is None or not math.isfinite(float(v)):
        return "n/a"
    p = 100.0 * float(v)
    r = _round_sig(p, digits)
    if abs(r) < 1e-9:
        return "0%"
    if abs(r) >= 10 ** digits:
        return f"{r:,.0f}%"
    return _plain(r, digits).replace("-", "−") + "%"


_DURATIONS = ((365.25, "years", "year"), (30.44, "months", "month"), (7.0, "weeks", "week"), (1.0, "days", "day"),
              (1 / 24, "hours", "hour"), (1 / 1440, "minutes", "minute"), (1 / 86400, "seconds", "second"))


def _duration(days: float, digits: int) -> str:
    for scale, plural, single in _DURATIONS:
        if days >= scale * 1.5 or scale == _DURATIONS[-1][0]:
            m = _round_sig(days / scale, digits)
            return f"{number(m, digits) if m >= 1e6 else _plain(m, digits)} {single if m == 1 else plural}"
    return f"{_plain(days, digits)} days"


def _energy(mwh: float, digits: int) -> str:
    wh = mwh * 1e6
    # the largest unit of which there is at least half: 0.9 TWh, 58 MWh
    for scale, unit in ((1e12, "TWh"), (1e9, "GWh"), (1e6, "MWh"), (1e3, "kWh")):
        if _round_sig(abs(wh), digits) >= 0.5 * scale:
            return f"{number(_round_sig(wh / scale, digits), digits)} {unit}"
    return f"{number(wh, digits)} Wh"


def _money(usd: float, digits: int) -> str:
    sign = "−" if usd < 0 else ""
    a = abs(usd)
    if _round_sig(a, digits) >= 1e6:
        return sign + "$" + si(a, digits)
    if a >= 1:
        return f"{sign}${_round_sig(a, digits):,.0f}"
    if a < 0.005:  # less than half a cent
        return "$0"
    return f"{sign}${_plain(a, digits)}"


def _tonnes(t: float, digits: int) -> str:
    if _round_sig(abs(t), digits) >= 1e3:
        return f"{si(t * 1e3, digits)[:-1].strip()} kt CO2e" if abs(t) < 1e6 else f"{si(t, digits)} t CO2e"
    return f"{number(t, digits)} t CO2e"


#: unit -> (formatter, default digits). Units not listed are appended to :func:`number`.
_UNITS = {
    "FLOPs": (lambda v, d: f"{number(v, d)} FLOPs", 3),
    "FLOP/s": (lambda v, d: f"{number(v, d)} FLOP/s", 3),
    "days": (_duration, 3),
    "MWh": (_energy, 2),
    "USD": (_money, 2),
    "t CO2e": (_tonnes, 3),
    "nats/token": (lambda v, d: f"{number(v, d)} nats/token", 4),
    "loss": (lambda v, d: number(v, d), 4),
    "%": (lambda v, d: percent(v, d), 2),
    "×": (lambda v, d: f"{number(v, d)}×", 3),
}


def fmt(value, unit: str | None = None, digits: int | None = None) -> str:
    """``value`` in ``unit``, for people.

    Parameters
    ----------
    value : float
    unit : str, optional
        ``"parameters"``, ``"tokens"`` (and other counts: SI suffixes k, M, B, T),
        ``"FLOPs"`` (powers of ten), ``"days"`` (shown in the largest unit that reads
        well: hours, days, years), ``"MWh"`` (kWh .. TWh), ``"USD"`` (``$2.4 B``),
        ``"t CO2e"``, ``"nats/token"``, ``"loss"`` (4 significant digits, no unit),
        ``"%"`` (a fraction shown as a percentage), ``"×"`` (a ratio); any other unit
        is appended to the number.
    digits : int, optional
        Significant digits (default: 3; 2 for FLOPs, energy and money; 4 for losses).

    Examples
    --------
    >>> fmt(5.9e9, "parameters"), fmt(1.2e12, "tokens"), fmt(3.4e23, "FLOPs")
    ('5.9 B parameters', '1.2 T tokens', '3.4 × 10²³ FLOPs')
    >>> fmt(4.94e4, "days"), fmt(9e5, "MWh"), fmt(2427622896, "USD")
    ('135 years', '0.9 TWh', '$2.4 B')
    >>> fmt(-0.0, "%"), fmt(-4.441e-16), fmt(2.03146, "nats/token")
    ('0%', '−4.44 × 10⁻¹⁶', '2.031 nats/token')
    """
    if value is None:
        return "n/a"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if not math.isfinite(v):
        return number(v) + ("" if not unit or unit in _UNITS else f" {unit}")
    unit = unit or ""
    if unit in _UNITS:
        f, d = _UNITS[unit]
        return f(v, digits or d)
    d = digits or 3
    if unit in COUNT_UNITS:
        whole = float(v).is_integer() and abs(v) < 1e4  # 1,024 devices, not 1.02 k
        text = number(int(v)) if whole else si(v, d) if abs(v) >= 1e3 else number(v, d)
        return f"{text} {unit}".strip() if unit != "count" else text
    return f"{number(v, d)} {unit}".strip()


def fmt_interval(lo, hi, unit: str | None = None, digits: int | None = None) -> str:
    """An interval in ``unit``: ``11–34 B parameters``, ``5 × 10²² – 2 × 10²³ FLOPs``; ``n/a`` if an end is."""
    if lo is None or hi is None or not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return "n/a"
    a, b = fmt(lo, unit, digits), fmt(hi, unit, digits)
    tail = ""
    for word in (f" {unit}" if unit else "", " nats/token", " FLOPs", " t CO2e"):  # the unit is said once
        if word and a.endswith(word) and b.endswith(word):
            a, b, tail = a[: -len(word)], b[: -len(word)], word
            break
    ma, mb = re.fullmatch(r"(.*\d) ([kMBT]|kWh|MWh|GWh|TWh)", a), re.fullmatch(r"(.*\d) ([kMBT]|kWh|MWh|GWh|TWh)", b)
    if ma and mb and ma.group(2) == mb.group(2) and "$" not in a:  # and so is a shared SI suffix
        return f"{ma.group(1)}–{mb.group(1)} {ma.group(2)}{tail}"
    sep = " – " if (" " in a or " " in b or a.startswith("−") or b.startswith("−")) else "–"
    return f"{a}{sep}{b}{tail}"


def fmt_estimate(value, lo=None, hi=None, unit: str | None = None, level: float = 0.95, digits: int | None = None) -> str:
    """``20 B parameters (95%: 11–34 B parameters)``; without a finite interval, just the value."""
    text = fmt(value, unit, digits)
    if lo is None or hi is None:
        return text
    iv = fmt_interval(lo, hi, unit, digits)
    if iv == "n/a":
        return text
    for word in (f" {unit}" if unit else None, " nats/token", " FLOPs", " t CO2e"):  # the unit was just said
        if word and iv.endswith(word) and text.endswith(word):
            iv = iv[: -len(word)]
            break
    return f"{text} ({100 * level:g}%: {iv})"


#: Words that mark an interval which does not contain its estimate (followed by the reason).
NOT_COVERING = "the interval does not contain the estimate"


@dataclass
class Quantity:
    """One number a readout shows: its label, value, unit and (optional) interval.

    Readouts and summaries are built from quantities so that each is shown once, with
    one formatter, and checked: :attr:`covers` is false when the interval leaves out the
    estimate (a percentile interval of a skewed or biased estimate can), and :meth:`text`
    then says so, with :attr:`reason`.
    """

    label: str
    value: object
    unit: str | None = None
    lo: float | None = None
    hi: float | None = None
    level: float = 0.95
    note: str = ""
    reason: str = ""
    digits: int | None = None

    @property
    def has_interval(self) -> bool:
        try:
            return self.lo is not None and self.hi is not None and math.isfinite(float(self.lo)) and math.isfinite(float(self.hi))
        except (TypeError, ValueError):
            return False

    @property
    def covers(self) -> bool:
        """True without an interval, or when ``lo <= value <= hi`` (to rounding)."""
        if not self.has_interval or not isinstance(self.value, (int, float, np.number)):
            return True
        v, lo, hi = float(self.value), float(self.lo), float(self.hi)
        slack = 1e-9 * max(abs(v), abs(lo), abs(hi))
        return lo - slack <= v <= hi + slack

    def value_text(self) -> str:
        if isinstance(self.value, str):
            return self.value
        if self.has_interval:
            return fmt_estimate(self.value, self.lo, self.hi, self.unit, self.level, self.digits)
        return fmt(self.value, self.unit, self.digits)

    def text(self) -> str:
        """The value (with its interval, unit and note), and the warning when the interval misses it."""
        out = self.value_text()
        if self.note:
            out += f" {self.note}"
        if not self.covers:
            why = self.reason or "the resamples' estimates are skewed away from the fit's own"
            out += f" ⚠ {NOT_COVERING}: {why}"
        return out


def compact(v: float, digits: int = 3) -> str:
    """The short form a text box shows and reads back: ``1e23``, ``3e9``, ``2.5e11``, ``0.02``, ``350``."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if 1e-3 <= a < 1e4:
        return _plain(v, digits)
    m, e = f"{v:.{digits - 1}e}".split("e")
    m = m.rstrip("0").rstrip(".")
    return f"{m}e{int(e)}"


_TYPED = re.compile(
    r"^\s*([-+−]?\s*(?:\d[\d,_]*\.?\d*|\.\d+))\s*"  # mantissa
    r"(?:(?:e|E)\s*([-+−]?\d+)|(?:[x×*]\s*10\s*(?:\^|\*\*)?\s*([-+−]?\d+|[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)))?\s*"  # exponent
    r"([kKMBTG]|thousand|million|billion|trillion)?\s*$"
)
_MULT = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "B": 1e9, "G": 1e9, "billion": 1e9,
         "T": 1e12, "trillion": 1e12}


def parse_number(text: str) -> float:
    """A number typed by a person: ``1e23``, ``3e9``, ``3 × 10^9``, ``3x10²³``, ``2.5 B``, ``1,000``, ``−2``.

    Raises ``ValueError`` (saying what is accepted) for anything else; nothing is evaluated.
    """
    s = str(text).strip().replace("−", "-").replace("\u2009", " ")
    if s.startswith("10^") or s.startswith("10**"):
        s = "1x" + s
    m = _TYPED.match(s)
    if not m:
        raise ValueError(f"{text!r} is not a number: type e.g. 1e23, 3e9, 3 × 10^9 or 2.5 B.")
    mant = float(m.group(1).replace(",", "").replace("_", "").replace(" ", ""))
    exp = m.group(2) or m.group(3)
    if exp is not None:
        e = int(exp.translate(_FROM_SUPERSCRIPT).replace("−", "-"))
        if abs(e) > 400:
            raise ValueError(f"{text!r} is out of range.")
        mant = float(f"{mant!r}e{e}")  # exact decimal scaling (1e23 is 1e23, not 1e23 * (1 + 1e-16))
    if m.group(4):
        mant *= _MULT[m.group(4)]
    if not math.isfinite(mant):
        raise ValueError(f"{text!r} is too large.")
    return mant


def frame(df, columns: dict | None = None, units: dict | None = None, index: bool = True, digits: int = 3,
          caption: str | None = None, zero_below: float | None = None):
    """A table for people: readable headers and formatted numbers (a pandas ``Styler``).

    Parameters
    ----------
    df : DataFrame
    columns : dict, optional
        Column -> header (e.g. ``{"N": "model size"}``); columns not named keep theirs.
    units : dict, optional
        Column -> unit for :func:`fmt` (e.g. ``{"N": "parameters", "C": "FLOPs", "share": "%"}``);
        numeric columns without a unit get :func:`number`.
    index : bool
        Show the index.
    digits : int
        Significant digits of columns without a unit.
    zero_below : float, optional
        Show values smaller than this in size as 0 (rounding noise of a difference, e.g. ``-4.4e-16``).
    """
    import pandas as pd

    units = dict(units or {})
    columns = dict(columns or {})

    def clean(v):
        try:
            return 0.0 if zero_below is not None and abs(float(v)) < zero_below else v
        except (TypeError, ValueError):
            return v

    formatters = {}
    for c in df.columns:
        if c in units:
            u = units[c]
            formatters[c] = (lambda u: lambda v: fmt(clean(v), u))(u)
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            formatters[c] = lambda v, d=digits: number(clean(v), d)
    styler = df.style.format(formatters, na_rep="n/a")
    styler = styler.format_index(lambda v: number(v, digits) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v,
                                 axis=0)
    if columns:
        styler = styler.relabel_index([columns.get(c, c) for c in df.columns], axis=1)
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler
