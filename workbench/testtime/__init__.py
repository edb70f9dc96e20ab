"""Test-time compute: pass@k, coverage laws, imperfect verifiers and train-vs-inference trade-offs.

* :mod:`~workbench.testtime.passk` — the unbiased pass@k estimator (Chen et al. 2021) and its
  aggregation over problems with standard errors.
* :mod:`~workbench.testtime.counts` — per-problem sample counts: loading the user's own, and
  generating realistic ones from a difficulty distribution (Beta or logit-normal).
* :mod:`~workbench.testtime.coverage` — the coverage law ``log c(k) = a k^b`` (Brown et al. 2024)
  and the beta-binomial model of per-problem success rates (Schaeffer et al. 2025), and the
  comparison of their extrapolations.
* :mod:`~workbench.testtime.verifier` — resampling against an imperfect verifier: accuracy,
  ceiling, utility with a false-positive cost and the best number of attempts (Stroebl et al. 2024).
* :mod:`~workbench.testtime.flops` — a small model with k samples against a large one with one,
  at equal inference FLOPs (2N per token).
  (Sardana & Frankle 2023).
"""

from ..errors import SamplesError
from . import passk, counts, coverage, verifier, flops

#: The public API: what each module lists in its own ``__all__``.
__all__ = [
    "SamplesError", *passk.__all__, *counts.__all__, *coverage.__all__, *verifier.__all__, *flops.__all__,
]

from .passk import *  # noqa: E402, F403
from .counts import *  # noqa: E402, F403
from .coverage import *  # noqa: E402, F403
from .verifier import *  # noqa: E402, F403
from .flops import *  # noqa: E402, F403
