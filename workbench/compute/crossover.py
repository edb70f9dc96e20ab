"""Where one fitted law overtakes another.

Two methods (architectures, optimisers, data pipelines) each with a fitted law can
swap places as they scale: the Languini Kitchen (Stanić et al. 2023) extrapolates a
GPT baseline and an LSTM to cross near 50,000 accelerator-hours. :func:`crossover`
compares two laws along compute (each at its compute-optimal allocation, or a law of
compute alone), model size or tokens, finds every crossing in a range, and, when the
laws carry bootstrap samples, how often the resampled laws cross and where.
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from ..errors import LawError
from ..laws.optimum import optimal_allocation
from ..laws.published import fitted_law, parameter_rows
from ..results import Result, percentile_interval

__all__ = ["Crossover", "crossover", "loss_along"]

DEFAULT_RANGES = {"C": (1e17, 1e27), "N": (1e6, 1e13), "D": (1e8, 1e15)}
MAX_SAMPLES = 200


def loss_along(src, along: str, x: np.ndarray, fixed: dict | None = None, with_samples: bool = True) -> np.ndarray:
    """Loss of every parameter row of ``src`` along ``x``: ``(K, len(x))``.

    ``along="C"``: the compute-optimal loss ``min_N L(N, C/6N)`` for laws of ``N``
    and ``D`` (``L(C)`` for a law of compute). ``along="N"`` or ``"D"``: the law at
    that input, with the other input held by ``fixed`` (``{"D": tokens}``,
    ``{"N": params}`` or ``{"tokens_per_parameter": r}``).
    """
    law = src.law
    values = parameter_rows(src, with_samples)
    if len(values) > MAX_SAMPLES + 1:
        keep = np.linspace(1, len(values) - 1, MAX_SAMPLES).astype(int)
        values = np.vstack([values[:1], values[keep]])
    x = np.asarray(x, float)
    fixed = dict(fixed or {})
    if along == "C":
        if set(law.inputs) == {"C"}:
            return np.asarray(law.predict_rows(values, C=x[None, :]), float)
        U = fixed.get("U")
        return optimal_allocation(law, values, x, U=U)[2]
    if along not in ("N", "D"):
        raise LawError(f"along must be 'C', 'N' or 'D', not {along!r}.")
    other = "D" if along == "N" else "N"
    inputs = {along: x[None, :]}
    if other in law.inputs:
        if other in fixed:
            inputs[other] = np.full((1, len(x)), float(fixed[other]))
        elif "tokens_per_parameter" in fixed:
            r = float(fixed["tokens_per_parameter"])
            inputs[other] = (x * r if along == "N" else x / r)[None, :]
        else:
            raise LawError(
                f"Law {law.name!r} also depends on {other}: hold it with fixed={{'{other}': ...}} "
                "or fixed={'tokens_per_parameter': 20}."
            )
    if "U" in law.inputs:
        if "U" not in fixed:
            raise LawError(f"Law {law.name!r} needs the unique tokens: fixed={{'U': ...}}.")
        inputs["U"] = np.full((1, len(x)), float(fixed["U"]))
    if along not in law.inputs:
        raise LawError(f"Law {law.name!r} does not depend on {along}; compare it along one of {list(law.inputs)} or C.")
    return np.asarray(law.predict_rows(values, **inputs), float)


def _crossings(x, d):
    """Points where ``d`` changes sign along ``x`` (log-linear interpolation between grid points)."""
    s = np.sign(d)
    out = []
    for i in range(len(x) - 1):
        if not (np.isfinite(d[i]) and np.isfinite(d[i + 1])):
            continue
        if s[i] == 0:
            out.append(x[i])
        elif s[i] * s[i + 1] < 0:
            lx0, lx1 = np.log(x[i]), np.log(x[i + 1])
            t = d[i] / (d[i] - d[i + 1])
            out.append(float(np.exp(lx0 + t * (lx1 - lx0))))
    return out


class Crossover(Result):
    """Result of :func:`crossover`.

    Attributes
    ----------
    along : str
        ``"C"`` (FLOPs), ``"N"`` (parameters) or ``"D"`` (tokens).
    points : list of float
        Crossings of the point estimates in the range, in increasing order.
    lower_before, lower_after : str
        Label of the law with the lower loss at the start and the end of the range.
    probability : float or None
        Fraction of paired bootstrap resamples that cross in the range.
    interval : (float, float) or None
        Interval of the first crossing over the resamples that cross.
    curves : DataFrame
        ``x``, ``law``, ``loss`` (and ``lo``, ``hi`` with samples) for charts.
    """

    along: str
    labels: tuple
    points: list
    lower_before: str
    lower_after: str
    range: tuple
    probability: float | None
    interval: tuple | None
    curves: pd.DataFrame
    level: float = 0.95
    notes: list = field(default_factory=list)

    UNITS = {"C": "FLOPs", "N": "parameters", "D": "tokens"}

    @property
    def crosses(self) -> bool:
        return len(self.points) > 0

    @property
    def statement(self) -> str:
        unit = self.UNITS[self.along]
        a, b = self.labels
        lo, hi = self.range
        if not self.points:
            s = (f"They do not cross between {lo:.3g} and {hi:.3g} {unit}: {self.lower_before} has the lower loss "
                 "throughout.")
        else:
            where = ", ".join(f"{p:.3g}" for p in self.points)
            s = f"They cross at {self.along} = {where} {unit}. " + self.segments() + "."
        if self.probability is not None:
            s += f" {100 * self.probability:.0f}% of the paired bootstrap resamples cross in this range"
            if self.interval is not None:
                s += f" (first crossing, {100 * self.level:g}% interval: {self.interval[0]:.3g} .. {self.interval[1]:.3g} {unit})"
            s += "."
        return s

    def segments(self) -> str:
        """Which law is lower on each stretch between crossings, in words."""
        a, b = self.labels
        edges = [self.range[0], *self.points, self.range[1]]
        lower = self.lower_before
        parts = []
        for lo, hi in zip(edges[:-1], edges[1:]):
            parts.append(f"{lower} is lower from {lo:.3g} to {hi:.3g}")
            lower = b if lower == a else a
        return "; ".join(parts)

    @property
    def intervals(self) -> dict | None:
        """The interval of the first crossing over the resamples that cross (``None`` without samples)."""
        return None if self.interval is None else {"first_crossing": self.interval}

    def _title(self) -> str:
        return f"Crossover of {self.labels[0]} and {self.labels[1]} along {self.along}"

    def _summarize(self, s) -> None:
        unit = self.UNITS[self.along]
        s.add_fields([("crossings", ", ".join(f"{p:.3g}" for p in self.points) + f" {unit}" if self.points else "none in range"),
                      ("searched", f"{self.range[0]:.3g} .. {self.range[1]:.3g} {unit}"),
                      ("lower at the start / end", f"{self.lower_before} / {self.lower_after}")]
                     + ([("resamples that cross", f"{100 * self.probability:.0f}%")] if self.probability is not None else []))
        s.add_text(self.statement)

    def _headline(self) -> str:
        return f"along {self.along}: {', '.join(f'{p:.3g}' for p in self.points) or 'none in range'}"

    _dict_exclude = ("curves", "notes")
    _dict_properties = ("statement", "crosses")


def crossover(a, b, along: str = "C", lo: float | None = None, hi: float | None = None, fixed: dict | None = None,
              fixed_b: dict | None = None, n_grid: int = 241, labels: tuple | None = None) -> Crossover:
    """Find where law ``a`` and law ``b`` predict the same loss.

    Parameters
    ----------
    a, b : Fit, str or ParameterSet
        The two laws (fits of two methods, or published sets).
    along : {"C", "N", "D"}
        Compare along training compute (each law at its compute-optimal
        allocation; a law of compute alone as it is), model size or tokens.
    lo, hi : float, optional
        Range to search (defaults: ``1e17 .. 1e27`` FLOPs, ``1e6 .. 1e13``
        parameters, ``1e8 .. 1e15`` tokens).
    fixed, fixed_b : dict, optional
        Inputs held fixed along ``N`` or ``D`` (``{"D": ...}``, ``{"N": ...}``,
        ``{"tokens_per_parameter": ...}``, ``{"U": ...}``); ``fixed_b`` for law
        ``b`` when it differs.
    n_grid : int
        Log-spaced grid points; crossings are refined by interpolation and Brent's method.

    Returns
    -------
    Crossover
        ``points`` (empty when they do not cross in range, with a statement saying
        which is lower throughout) and, with bootstrap samples, the fraction of
        resamples that cross and an interval for the crossing.
    """
    sa, sb = fitted_law(a), fitted_law(b)
    if labels is None:
        la, lb = sa.label, sb.label
        if la == lb:
            la, lb = f"{la} (a)", f"{lb} (b)"
        labels = (la, lb)
    dlo, dhi = DEFAULT_RANGES.get(along, (None, None))
    lo = dlo if lo is None else float(lo)
    hi = dhi if hi is None else float(hi)
    if lo is None or not (0 < lo < hi):
        raise LawError(f"Need 0 < lo < hi for the search range, got {lo}, {hi}.")
    x = np.logspace(np.log10(lo), np.log10(hi), n_grid)
    fb = fixed if fixed_b is None else fixed_b
    La = loss_along(sa, along, x, fixed)
    Lb = loss_along(sb, along, x, fb)
    d = La[0] - Lb[0]
    pts = _crossings(x, d)
    # refine each crossing with a bracketing root finder (Brent) on ln x, on the point estimates
    def diff(lx):
        v = np.atleast_1d(np.exp(lx))
        return float(loss_along(sa, along, v, fixed, with_samples=False)[0, 0] - loss_along(sb, along, v, fb, with_samples=False)[0, 0])

    refined = []
    for p in pts:
        i = np.searchsorted(x, p)
        a0, b0 = np.log(x[max(i - 1, 0)]), np.log(x[min(i, len(x) - 1)])
        fa, fb_ = (diff(a0), diff(b0)) if a0 < b0 else (0.0, 0.0)
        refined.append(float(np.exp(brentq(diff, a0, b0, xtol=1e-12))) if fa * fb_ < 0 else p)
    finite = np.isfinite(d)
    if not finite.any():
        raise LawError("Neither law gives a finite loss in this range.")
    first, last = np.argmax(finite), len(d) - 1 - np.argmax(finite[::-1])
    lower_before = labels[0] if d[first] < 0 else labels[1]
    lower_after = labels[0] if d[last] < 0 else labels[1]
    probability = interval = None
    level = min(sa.level, sb.level)
    Ka, Kb = La.shape[0] - 1, Lb.shape[0] - 1
    if Ka > 0 or Kb > 0:
        K = max(Ka, Kb)
        ia = np.arange(K) % Ka + 1 if Ka > 0 else np.zeros(K, int)
        ib = np.arange(K) % Kb + 1 if Kb > 0 else np.zeros(K, int)
        firsts = []
        for k in range(K):
            c = _crossings(x, La[ia[k]] - Lb[ib[k]])
            firsts.append(c[0] if c else np.nan)
        firsts = np.array(firsts)
        probability = float(np.mean(np.isfinite(firsts)))
        if np.isfinite(firsts).sum() >= 2:
            interval = tuple(float(v) for v in percentile_interval(firsts[np.isfinite(firsts)], level))
    parts = []
    for lab, L in zip(labels, (La, Lb)):
        df = pd.DataFrame({"x": x, "law": lab, "loss": L[0]})
        if L.shape[0] > 2:
            lo_, hi_ = percentile_interval(L[1:], level)
            df["lo"], df["hi"] = lo_, hi_
        parts.append(df)
    curves = pd.concat(parts, ignore_index=True)
    return Crossover(along, tuple(labels), refined, lower_before, lower_after, (lo, hi), probability, interval, curves, level)
