"""Published parameter sets, as data with citations.

Each :class:`ParameterSet` names the law it belongs to (see
:mod:`workbench.laws`), its values, published standard errors where the paper
gives them, and where the numbers come from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import UnknownNameError
from .catalogue import get_law

__all__ = ["ParameterSet", "PARAMETER_SETS", "get_parameter_set", "list_parameter_sets"]


@dataclass(frozen=True)
class ParameterSet:
    name: str
    law: str
    values: dict
    citation: str
    stderr: dict = field(default_factory=dict)
    notes: str = ""

    def predict(self, runs=None, **inputs):
        """Evaluate the law with these parameters, e.g. ``ps.predict(N=70e9, D=1.4e12)``."""
        return get_law(self.law).predict(self.values, runs, **inputs)


_HOFFMANN = (
    "Hoffmann et al. 2022, 'Training Compute-Optimal Large Language Models', arXiv:2203.15556, "
    "Approach 3 (Section 3.3, Eq. 10)"
)
_KAPLAN = "Kaplan et al. 2020, 'Scaling Laws for Neural Language Models', arXiv:2001.08361"

PARAMETER_SETS: dict[str, ParameterSet] = {
    ps.name: ps
    for ps in [
        ParameterSet(
            "hoffmann2022",
            "chinchilla",
            {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28},
            _HOFFMANN,
            notes="Rounded constants as printed in the paper.",
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
        ),
        ParameterSet(
            "besiroglu2024",
            "chinchilla",
            {"E": 1.817, "A": 482.0, "B": 2085.4, "alpha": 0.348, "beta": 0.366},
            "Besiroglu, Erdil, Barnett & You 2024, 'Chinchilla Scaling: A replication attempt', arXiv:2404.10102 (Eq. 3)",
            stderr={"E": 0.026, "A": 124.5, "B": 1293.3, "alpha": 0.015, "beta": 0.021},
            notes="Refit of the digitised Chinchilla data; standard errors from their bootstrap.",
        ),
        ParameterSet(
            "muennighoff2023",
            "data_constrained",
            {"E": 1.869, "A": 520.8, "B": 1487.7, "alpha": 0.3527, "beta": 0.3527, "R_D": 15.39, "R_N": 5.31},
            "Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models', arXiv:2305.16264 (C4 fit, Appendix)",
            notes="Exponents tied (alpha = beta).",
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
    ]
}


# Training dynamics and hyperparameters (LAWS.md section 2).
_STEP_LAW = ("Li et al. 2025, 'Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large Language "
             "Model Pretraining' (Step Law), arXiv:2503.04715")
PARAMETER_SETS.update({
    ps.name: ps
    for ps in [
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
})

def list_parameter_sets(law: str | None = None) -> list[str]:
    """Names of the published parameter sets (optionally only those of one law)."""
    return sorted(n for n, ps in PARAMETER_SETS.items() if law is None or ps.law == law)


def get_parameter_set(name: str) -> ParameterSet:
    """The published parameter set called ``name`` (see :func:`list_parameter_sets`).

    Raises :class:`~workbench.errors.UnknownNameError` listing the known names when there is none.
    """
    try:
        return PARAMETER_SETS[name]
    except KeyError:
        raise UnknownNameError(f"No parameter set named {name!r}. Known: {', '.join(sorted(PARAMETER_SETS))}.") from None
