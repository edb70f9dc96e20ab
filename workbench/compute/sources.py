"""Where a planner's law and parameter values come from.

Every planner function accepts the same kinds of *source*: a fitted
:class:`~workbench.fitting.Fit` (its bootstrap resamples give the intervals), the name
of a published parameter set (``"hoffmann2022"``, ``"besiroglu2024"``,
``"muennighoff2023"`` ...), a :class:`~workbench.laws.ParameterSet`, a
``(law, values)`` pair, or a :class:`LawSource` built by hand (which may carry
your own parameter samples).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..laws.published import PARAMETER_SETS, ParameterSet, get_parameter_set
from ..errors import LawError, UnknownNameError
from ..laws import get_law
from ..laws.core import Law

__all__ = ["LawSource", "as_source", "PLANNER_PARAMETER_SETS"]

#: Parameter sets the planner offers by default, with a label in the user's words.
PLANNER_PARAMETER_SETS = {
    "hoffmann2022": "Hoffmann et al. 2022 (Chinchilla, rounded constants)",
    "hoffmann2022_unrounded": "Hoffmann et al. 2022 (Chinchilla, unrounded)",
    "besiroglu2024": "Besiroglu et al. 2024 (Chinchilla refit)",
    "muennighoff2023": "Muennighoff et al. 2023 (data-constrained, C4)",
}


@dataclass(frozen=True)
class LawSource:
    """A law with a point estimate of its parameters and, optionally, samples of them.

    Attributes
    ----------
    law : Law
    values : ndarray, shape ``(P,)``
        Parameter values in the law's declaration order.
    samples : ndarray, shape ``(B, P)``, optional
        Parameter samples (e.g. bootstrap refits); intervals of derived
        quantities are their percentiles.
    label : str
        Shown in summaries and charts.
    level : float
        Coverage of the intervals (0.95 by default).
    """

    law: Law
    values: np.ndarray
    samples: np.ndarray | None = None
    label: str = ""
    level: float = 0.95

    @property
    def params(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.law.param_names, self.values)}

    @property
    def has_samples(self) -> bool:
        return self.samples is not None and len(self.samples) >= 2

    def batch(self, with_samples: bool = True) -> np.ndarray:
        """Point values as row 0, then the samples (when asked for and present): ``(1 + B, P)``."""
        if with_samples and self.has_samples:
            return np.vstack([self.values[None, :], self.samples])
        return self.values[None, :]

    def with_values(self, law: Law, values, samples=None, label: str | None = None) -> "LawSource":
        return LawSource(law, np.asarray(values, float), samples, self.label if label is None else label, self.level)


def _checked_values(law: Law, values) -> np.ndarray:
    """The values as an array, after checking that each is finite and inside its parameter's bounds."""
    arr = law._values_array(values)
    bad = [f"{p.name}={v:g} (allowed {p.lower:g} to {p.upper:g})" for p, v in zip(law.parameters, np.atleast_2d(arr)[0])
           if not (np.isfinite(v) and p.lower <= v <= p.upper)]
    if bad:
        raise LawError(f"Law {law.name!r}: parameter value(s) out of range: {', '.join(bad)}.")
    return arr


def as_source(source, values: Mapping | None = None, label: str | None = None) -> LawSource:
    """Turn anything a user may hand the planner into a :class:`LawSource`.

    Parameters
    ----------
    source : Fit, LawSource, ParameterSet, str, Law or (law, values)
        A fit (bootstrap samples give the intervals), a parameter-set name such
        as ``"besiroglu2024"``, a law name together with ``values``, ...
    values : mapping, optional
        Parameter values when ``source`` names a law.
    label : str, optional
        Overrides the default label.
    """
    from ..fitting.result import Fit

    if isinstance(source, LawSource):
        return source if label is None else LawSource(source.law, source.values, source.samples, label, source.level)
    if isinstance(source, Fit):
        samples = source.interval_draws()  # the refits, widened for a scatter estimated from few runs
        return LawSource(
            source.law,
            np.asarray(source.values, float),
            None if samples is None else np.asarray(samples, float),
            label or f"your fit ({source.law.name}, {source.n_runs} runs)",
            source.level,
        )
    if isinstance(source, ParameterSet):
        law = get_law(source.law)
        return LawSource(law, law._values_array(source.values), None, label or PLANNER_PARAMETER_SETS.get(source.name, source.name))
    if isinstance(source, tuple) and len(source) == 2:
        source, values = source
    if isinstance(source, str) and values is None:
        if source in PARAMETER_SETS:
            return as_source(get_parameter_set(source), label=label)
        from ..laws import LAWS

        if source in LAWS:
            law = LAWS[source]
            sets = [n for n, ps in PARAMETER_SETS.items() if ps.law == source]
            raise LawError(
                f"Law {source!r} needs parameter values: pass values={{...}} for {list(law.param_names)}"
                + (f", or a published set such as {sets[0]!r}." if sets else ".")
            )
        raise UnknownNameError(
            f"{source!r} is not a parameter set. Pass a fit, one of {sorted(PARAMETER_SETS)}, "
            "or a law name with values=..."
        )
    if isinstance(source, (str, Law)):
        law = get_law(source)
        if values is None:
            raise LawError(f"Law {law.name!r} needs parameter values: pass values={{...}} for {list(law.param_names)}.")
        return LawSource(law, _checked_values(law, values), None, label or f"{law.name} (your values)")
    raise LawError(
        f"Cannot plan with a {type(source).__name__}: pass a Fit, a parameter-set name "
        f"({', '.join(sorted(PARAMETER_SETS))}), a ParameterSet, or (law, values)."
    )
