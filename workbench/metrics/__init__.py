"""Metric choice and "emergent abilities": from per-token loss to benchmark scores, and back to scale.

Modules (one job each):

* :mod:`~workbench.metrics.tokens`: per-token loss (any loss law) to the probability of the right token;
* :mod:`~workbench.metrics.exact`: exact match ``p^l``, token edit distance, log-likelihood, multiple-choice accuracy;
* :mod:`~workbench.metrics.sampling`: Monte-Carlo test sets of ``n`` items and the resolution floor ``1/n``;
* :mod:`~workbench.metrics.sharpness`: sharpness of a score-vs-scale curve and the "emergent-looking" verdict;
* :mod:`~workbench.metrics.mirage`: one model family under any metric (Schaeffer et al. 2023);
* :mod:`~workbench.metrics.passuntil`: sample-until-success estimates and the task law (Hu et al. 2023);
* :mod:`~workbench.metrics.chain`: the downstream chain and its correlation with scale (Schaeffer et al. 2024);
* :mod:`~workbench.metrics.downstream`: loss-to-error prediction on the over-training runs (Gadre et al. 2024);
* :mod:`~workbench.metrics.ladder`: task loss then accuracy of a model not yet trained, the model ladder (Bhagia et al. 2024);
* :mod:`~workbench.metrics.observational`: principal components of benchmark tables (Ruan et al. 2024);
* :mod:`~workbench.metrics.inverse`: inverse and U-shaped scaling with the broken power law;
* :mod:`~workbench.metrics.realdata`: real families scored by several metrics.
"""

from .catalogue import METRICS, MetricInfo, get_metric
from .chain import CHAIN_STEPS, chain_correlations, downstream_chain
from .downstream import CORE17_TASKS, DownstreamFit, average_error, fit_loss_to_error, random_baselines
from .exact import choice_accuracy, exact_match, log_likelihood, token_edit_distance
from .ladder import TaskLadder, fit_task_ladder
from .inverse import InverseFit, fit_inverse_scaling, scaling_shape
from .mirage import MirageResult, expected_score, family_sizes, mirage, finite_test_set
from .observational import ObservationalFit, PCAResult, benchmark_pca, fit_observational
from .passuntil import TaskLawFit, fit_task_law, fixed_budget, pass_until
from .realdata import REAL_TASKS, SharpnessComparison, compare_sharpness, curve_verdicts, emergence_curves, real_task_curves
from .sampling import ChoiceSample, resolution_floor, sample_answers, sample_choices
from .sharpness import Sharpness, sharpness
from .tokens import MIRAGE_LAW, MIRAGE_PARAMS, MIRAGE_SCALE, scale_grid, token_loss, token_probability

__all__ = [
    "METRICS", "MetricInfo", "get_metric",
    "MIRAGE_LAW", "MIRAGE_PARAMS", "MIRAGE_SCALE", "scale_grid", "token_loss", "token_probability",
    "exact_match", "token_edit_distance", "log_likelihood", "choice_accuracy",
    "resolution_floor", "sample_answers", "sample_choices", "ChoiceSample",
    "sharpness", "Sharpness",
    "mirage", "MirageResult", "expected_score", "finite_test_set", "family_sizes",
    "pass_until", "fixed_budget", "fit_task_law", "TaskLawFit",
    "downstream_chain", "chain_correlations", "CHAIN_STEPS",
    "fit_task_ladder", "TaskLadder",
    "CORE17_TASKS", "random_baselines", "average_error", "fit_loss_to_error", "DownstreamFit",
    "benchmark_pca", "PCAResult", "fit_observational", "ObservationalFit",
    "fit_inverse_scaling", "InverseFit", "scaling_shape",
    "emergence_curves", "compare_sharpness", "SharpnessComparison", "REAL_TASKS", "real_task_curves", "curve_verdicts",
]
