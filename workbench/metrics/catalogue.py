"""The metrics the mirage lab knows: names in the user's words, direction, and how each is computed."""

from __future__ import annotations

from dataclasses import dataclass

from ..names import Catalogue

__all__ = ["MetricInfo", "METRICS", "get_metric"]


@dataclass(frozen=True)
class MetricInfo:
    """One metric.

    Attributes
    ----------
    name : str
        Key, e.g. ``"exact_match"``.
    label : str
        Axis title, with units.
    higher_is_better : bool
    proportion : bool
        A fraction of items (so a test set of ``n`` items resolves ``1/n``).
    kind : {"answer", "choice"}
        Scored on free-form answers of ``l`` tokens or on ``k``-way multiple choice.
    description : str
    """

    name: str
    label: str
    higher_is_better: bool
    proportion: bool
    kind: str
    description: str


METRICS: Catalogue = Catalogue(
    "metric", MetricInfo, sort=False,
    entries=(
        MetricInfo("exact_match", "exact match (fraction of answers)", True, True, "answer",
                   "all l tokens of the answer right (all-or-nothing)"),
        MetricInfo("edit_distance", "token edit distance (tokens; lower is better)", False, False, "answer",
                   "number of wrong tokens in the answer (partial credit)"),
        MetricInfo("log_likelihood", "log-likelihood of the answer (nats)", True, False, "answer",
                   "sum over the answer's tokens of log p (continuous)"),
        MetricInfo("choice_accuracy", "multiple-choice accuracy (fraction)", True, True, "choice",
                   "the right choice has the largest probability (argmax over k choices)"),
        MetricInfo("brier", "Brier score (lower is better)", False, False, "choice",
                   "squared error of the probabilities renormalised over the k choices"),
    ),
)


def get_metric(name) -> MetricInfo:
    """Look a metric up by name (a :class:`MetricInfo` is returned unchanged)."""
    return METRICS.lookup(name)
