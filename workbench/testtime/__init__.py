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
from .counts import (
    BetaDifficulty,
    LogitNormalDifficulty,
    difficulty,
    generate_counts,
    group_counts,
    load_counts,
    subsample_counts,
)
from .coverage import (
    BROWN2024_SWE_BENCH_LITE,
    BetaBinomialFit,
    CoverageLawFit,
    ExtrapolationComparison,
    compare_extrapolations,
    coverage_from_law,
    coverage_law_through,
    coverage_table,
    fit_beta_binomial,
    fit_coverage_law,
)
from .flops import (
    FlopsMatchedComparison,
    LogitAbilityLaw,
    compare_models_from_counts,
    flops_matched_comparison,
    flops_matched_curve,
    inference_flops,
    samples_at_equal_flops,
)
from .passk import aggregate_pass_at_k, coverage_curve, k_grid, pass_at_k, pass_at_k_exact
from .verifier import (
    VerifierCurve,
    accuracy_after_k,
    accuracy_ceiling,
    expected_utility,
    false_positive_rate_after_k,
    rejection_probability,
    verifier_curve,
)

__all__ = [
    "SamplesError",
    "pass_at_k", "pass_at_k_exact", "aggregate_pass_at_k", "coverage_curve", "k_grid",
    "BetaDifficulty", "LogitNormalDifficulty", "difficulty", "generate_counts", "load_counts",
    "subsample_counts", "group_counts",
    "CoverageLawFit", "BetaBinomialFit", "ExtrapolationComparison", "fit_coverage_law", "fit_beta_binomial",
    "compare_extrapolations", "coverage_table", "coverage_law_through", "coverage_from_law",
    "BROWN2024_SWE_BENCH_LITE",
    "rejection_probability", "accuracy_after_k", "false_positive_rate_after_k", "accuracy_ceiling",
    "expected_utility", "verifier_curve", "VerifierCurve",
    "inference_flops", "samples_at_equal_flops", "LogitAbilityLaw", "FlopsMatchedComparison",
    "flops_matched_comparison", "compare_models_from_counts", "flops_matched_curve",

]
