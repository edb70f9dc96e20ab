"""Parameter sets of laws: the published ones, as data with citations, and your own.

A :class:`ParameterSet` is a *fitted law*: like a :class:`~workbench.fitting.Fit`
it has ``law``, ``params``, parameter ``samples`` (``None`` for a published
point estimate), ``level``, ``label`` and ``predict``, so every planner function
takes either. :func:`fitted_law` turns what a user may hand in (a fit, a
parameter-set name, ``(law, values)``) into one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import LawError, UnknownNameError
from ..names import Catalogue
from .catalogue import LAWS, get_law
from .core import Law

__all__ = ["FittedLaw", "ParameterSet", "PARAMETER_SETS", "get_parameter_set", "list_parameter_sets", "fitted_law",
           "parameter_set_of", "parameter_rows"]


@runtime_checkable
class FittedLaw(Protocol):
    """What every fitted law offers: a :class:`~workbench.fitting.Fit`, a :class:`ParameterSet`, a coverage-law fit.

    Attributes
    ----------
    law : Law
    params : dict
        Parameter values by name.
    samples : ndarray ``(B, P)`` or None
        Parameter samples (bootstrap refits) in the law's order; intervals of
        derived quantities are their percentiles.
    level : float
        Coverage of those intervals.
    label : str
        Shown in summaries and charts.
    """

    law: Law
    params: dict
    samples: np.ndarray | None
    level: float
    label: str

    def predict(self, runs=None, **inputs) -> np.ndarray: ...


@dataclass(frozen=True)
class ParameterSet:
    """A law with parameter values: published (with a citation) or your own (optionally with samples).

    Attributes
    ----------
    name : str
    law : Law
        The law (a catalogue name is looked up when the set is made).
    values : dict
        Parameter values by name.
    citation : str
    stderr : dict
        Published standard errors, where the paper gives them.
    samples : ndarray ``(B, P)``, optional
        Parameter samples (e.g. your own bootstrap), for intervals.
    """

    name: str
    law: Law
    values: dict
    citation: str = ""
    stderr: dict = field(default_factory=dict)
    notes: str = ""
    label: str = ""
    samples: np.ndarray | None = None
    level: float = 0.95

    def __post_init__(self):
        law = get_law(self.law)
        values = law._values_array(self.values)  # says which parameters are missing
        object.__setattr__(self, "law", law)
        object.__setattr__(self, "values", dict(zip(law.param_names, values.tolist())))
        if self.samples is not None:
            object.__setattr__(self, "samples", np.atleast_2d(np.asarray(self.samples, float)))
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def params(self) -> dict:
        return dict(self.values)

    def predict(self, runs=None, **inputs):
        """Evaluate the law with these parameters, e.g. ``ps.predict(N=70e9, D=1.4e12)``."""
        return self.law.predict(self.values, runs, **inputs)

    def with_(self, **changes) -> "ParameterSet":
        """A copy with some fields changed (``label=``, ``level=``, ``samples=`` ...)."""
        return replace(self, **changes)


_HOFFMANN = (
    "Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models', arXiv:2203.15556, "
    "Approach 3 (Section 3.3, Eq. 10)"
)
_KAPLAN = "Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', arXiv:2001.08361"

PARAMETER_SETS: Catalogue = Catalogue(
    "parameter set", ParameterSet,
    entries=[
        ParameterSet(
            "hoffmann2022",
            "chinchilla",
            {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
            _HOFFMANN,
            notes="Rounded constants as printed in the paper.",
            label="Hoffmann et al. 2022 (Chinchilla, rounded constants)",
        ),
        ParameterSet(
            "hoffmann2022_unrounded",
            "chinchilla",
            {
                "E": math.exp(0.5267228),
                "A": math.exp(6.0073404),
                "B": math.exp(6.0179186),
                "alpha": 0.33917084,
                "beta": 0.2849083,
            },
            _HOFFMANN,
            notes="Unrounded values (ln A = 6.0073404, ln B = 6.0179186, ln E = 0.5267228) as reported by "
            "Besiroglu et al. 2024 from correspondence with the authors.",
            label="Hoffmann et al. 2022 (Chinchilla, unrounded)",
        ),
        ParameterSet(
            "besiroglu2024",
            "chinchilla",
            {"E": 1.817, "A": 482.0, "B": 2085.4, "alpha": 0.348, "beta": 0.366},
            "Besiroglu, Erdil, Barnett & You 2024, 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102 (Eq. 3)",
            stderr={"E": 0.026, "A": 124.5, "B": 1293.3, "alpha": 0.015, "beta": 0.021},
            notes="Refit of the digitised Chinchilla data; standard errors from their bootstrap.",
            label="Besiroglu et al. 2024 (Chinchilla refit)",
        ),
        ParameterSet(
            "muennighoff2023",
            "data_constrained",
            {"E": 1.869, "A": 520.8, "B": 1487.7, "alpha": 0.3527, "beta": 0.3527, "R_D": 15.39, "R_N": 5.31},
            "Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models', arXiv:2305.16264 (C4 fit, Appendix)",
            notes="Exponents tied (alpha = beta).",
            label="Muennighoff et al. 2023 (data-constrained, C4)",
        ),
        ParameterSet(
            "kaplan2020_N",
            "kaplan_N",
            {"N_c": 8.8e13, "alpha_N": 0.076},
            _KAPLAN + " (Eq. 1.1)",
            notes="N counts non-embedding parameters; loss in nats/token on WebText2.",
        ),
        ParameterSet(
            "kaplan2020_D",
            "kaplan_D",
            {"D_c": 5.4e13, "alpha_D": 0.095},
            _KAPLAN + " (Eq. 1.2)",
        ),
        ParameterSet(
            "kaplan2020_ND",
            "kaplan_ND",
            {"N_c": 6.4e13, "alpha_N": 0.076, "D_c": 1.8e13, "alpha_D": 0.103},
            _KAPLAN + " (Eq. 1.5 and Table 2)",
            notes="Fitted jointly, so alpha_D differs from the single-variable fit.",
        ),
    ],
)


# Training dynamics and hyperparameters: Step Law (Li et al. 2025) and the critical batch size (Kaplan et al. 2020).
_STEP_LAW = ("Li et al. 2025, 'Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large Language "
             "Model Pretraining' (Step Law), arXiv:2503.04715")
PARAMETER_SETS.extend(
    [
        ParameterSet(
            "li2025_lr",
            "step_law_lr",
            {"c": 1.79, "a": 0.713, "b": 0.307},
            _STEP_LAW,
            notes="Optimal peak learning rate (AdamW) = 1.79 N^-0.713 D^0.307, N non-embedding parameters, D tokens. "
            "Bootstrap medians of the public fit: 1.78, 0.712, 0.307.",
        ),
        ParameterSet(
            "li2025_batch",
            "step_law_batch",
            {"d": 0.58, "e": 0.571},
            _STEP_LAW,
            notes="Optimal batch size in tokens = 0.58 D^0.571. Bootstrap medians of the public fit: 0.573, 0.571.",
        ),
        ParameterSet(
            "kaplan2020_critical_batch",
            "critical_batch",
            {"B_star": 2e8, "alpha_B": 0.21},
            _KAPLAN + " (Eq. 1.4; B* ~ 2e8 tokens, alpha_B ~ 0.21)",
            notes="Critical batch size in tokens vs loss in nats/token; approximate published values.",
        ),
    ]
)


def list_parameter_sets(law: str | None = None) -> list[str]:
    """Names of the published parameter sets (optionally only those of one law)."""
    return sorted(n for n, ps in PARAMETER_SETS.items() if law is None or ps.law.name == getattr(law, "name", law))


def get_parameter_set(name: str) -> ParameterSet:
    """The published parameter set called ``name`` (see :func:`list_parameter_sets`).

    Raises :class:`~workbench.errors.UnknownNameError` listing the known names when there is none.
    """
    return PARAMETER_SETS.lookup(name)


def fitted_law(source, values: Mapping | None = None, label: str | None = None):
    """The fitted law a user means: a fit or parameter set as it is, a published set by name, or a law with values.

    Parameters
    ----------
    source : Fit, ParameterSet, str, Law or (law, values)
        A fitted law (anything with ``law``, ``params``, ``samples``, ``level``,
        ``label``, ``predict``) is returned unchanged; a parameter-set name such as
        ``"besiroglu2024"`` gives that published set; a law (or its name) with
        ``values`` gives your own :class:`ParameterSet`.
    values : mapping, optional
        Parameter values when ``source`` names a law.
    label : str, optional
        Overrides the label.
    """
    if isinstance(source, tuple) and len(source) == 2:
        source, values = source
    if isinstance(source, str) and values is None:
        if source in PARAMETER_SETS:
            out = PARAMETER_SETS[source]
        elif source in LAWS:
            sets = list_parameter_sets(source)
            raise LawError(f"Law {source!r} needs parameter values: pass values={{...}} for {list(LAWS[source].param_names)}"
                           + (f", or a published set such as {sets[0]!r}." if sets else "."))
        else:
            raise UnknownNameError(f"{source!r} is not a parameter set. Pass a fit, one of {sorted(PARAMETER_SETS)}, "
                                   "or a law name with values=...")
    elif isinstance(source, (str, Law)):
        law = get_law(source)
        if values is None:
            raise LawError(f"Law {law.name!r} needs parameter values: pass values={{...}} for {list(law.param_names)}.")
        arr = law._values_array(values)
        bad = [f"{p.name}={v:g} (allowed {p.lower:g} to {p.upper:g})" for p, v in zip(law.parameters, arr)
               if not (np.isfinite(v) and p.lower <= v <= p.upper)]
        if bad:
            raise LawError(f"Law {law.name!r}: parameter value(s) out of range: {', '.join(bad)}.")
        out = ParameterSet(f"{law.name} (your values)", law, dict(values))
    elif isinstance(source, FittedLaw):
        out = source
    else:
        raise LawError(f"Cannot plan with a {type(source).__name__}: pass a Fit, a parameter-set name "
                       f"({', '.join(sorted(PARAMETER_SETS))}), a ParameterSet, or (law, values).")
    return out if label is None else parameter_set_of(out, label=label)


def parameter_set_of(fitted, **changes) -> ParameterSet:
    """A :class:`ParameterSet` with the law, values, samples, level and label of any fitted law, and ``changes``."""
    base = dict(name=getattr(fitted, "name", fitted.label), law=fitted.law, values=dict(fitted.params),
                label=fitted.label, samples=fitted.samples, level=fitted.level)
    return ParameterSet(**{**base, **changes})


def parameter_rows(fitted, samples: bool = True) -> np.ndarray:
    """Parameter vectors ``(1 + B, P)``: the point estimate as row 0, then the samples (when asked for and present)."""
    point = fitted.law._values_array(fitted.params)[None, :]
    S = fitted.samples
    return np.vstack([point, S]) if samples and S is not None and len(S) >= 2 else point
