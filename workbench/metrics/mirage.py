"""The mirage toy: one smoothly improving model family scored under any metric.

Following Schaeffer, Miranda & Koyejo (2023), a model family's per-token loss on
the answer falls smoothly with size N (any loss law of the catalogue, or
per-token probabilities you supply). :func:`mirage` scores that family under one
metric twice:

* with an infinitely large test set (the expected score: exact formulas where
  they exist, else Monte Carlo with many items), on a dense grid of sizes;
* with a finite test set of ``n`` items at the family's model sizes (Monte
  Carlo), with standard errors and the resolution floor ``1/n``;

and calls each curve emergent-looking or not (:func:`~workbench.metrics.sharpness`).
"""

from __future__ import annotations

from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..laws import get_law
from ..results import Result
from . import exact
from .catalogue import MetricInfo, get_metric
from .sampling import check_items, sample_answers, sample_choices
from .sharpness import Sharpness, sharpness
from .tokens import MIRAGE_LAW, MIRAGE_PARAMS, MIRAGE_SCALE, check_probability, scale_grid, token_loss, token_probability

__all__ = ["MirageResult", "mirage", "expected_score", "finite_test_set", "family_sizes"]

#: Items used for the expected score where no exact formula exists.
N_POPULATION = 400
#: Smallest rise of a proportion (exact match, accuracy) that counts as a visible change: one percentage point.
VISIBLE_CHANGE = 0.01


def family_sizes(lo: float = MIRAGE_SCALE[0], hi: float = MIRAGE_SCALE[1], per_decade: int = 2) -> np.ndarray:
    """Model sizes of a family: ``per_decade`` sizes per decade from ``lo`` to ``hi``."""
    n = int(round(np.log10(hi / lo) * per_decade)) + 1
    return scale_grid(lo, hi, max(n, 2))


def _default_plausible(k, n_plausible):
    return int(k) + 2 if n_plausible is None else n_plausible


def expected_score(metric, p, l: int = 5, k: int = 4, n_plausible: int | None = None, n_items: int = N_POPULATION, seed=0):
    """Expected score at each per-token probability (an infinitely large test set).

    Exact for exact match, token edit distance, log-likelihood and one-token
    multiple-choice accuracy; Monte Carlo over ``n_items`` items (common random
    numbers across ``p``) for the Brier score and multi-token accuracy.

    Returns
    -------
    values : ndarray
    method : str
        ``"exact"`` or ``"Monte Carlo (<n> items)"``.
    """
    info = get_metric(metric)
    p = np.atleast_1d(check_probability(p))
    n_plausible = _default_plausible(k, n_plausible)
    if info.name == "exact_match":
        return exact.exact_match(p, l), "exact"
    if info.name == "edit_distance":
        return exact.token_edit_distance(p, l), "exact"
    if info.name == "log_likelihood":
        return exact.log_likelihood(p, l), "exact"
    if info.name == "choice_accuracy" and exact.check_length(l) == 1:
        return exact.choice_accuracy(p, k, n_plausible), "exact"
    s = sample_choices(p, l=l, k=k, n=n_items, n_plausible=n_plausible, persistence=1.0, seed=seed)
    values = s.correct.mean(axis=1) if info.name == "choice_accuracy" else s.brier.mean(axis=1)
    return values, f"Monte Carlo ({n_items} items)"


def finite_test_set(metric, p, l: int = 5, k: int = 4, n: int = 100, n_plausible: int | None = None, persistence: float = 1.0, seed=0) -> pd.DataFrame:
    """Scores a finite test set of ``n`` items would show, one row per per-token probability.

    The same simulated outputs are scored by every metric of the same kind
    (free-form answers or multiple choice): seed them alike to compare metrics.

    Returns
    -------
    DataFrame
        ``score`` (mean over items), ``stderr`` (standard error of that mean),
        ``n``.
    """
    info = get_metric(metric)
    p = np.atleast_1d(check_probability(p))
    n = check_items(n)
    if info.kind == "answer":
        wrong = sample_answers(p, l, n, seed=seed)
        if info.name == "exact_match":
            per_item = (wrong == 0).astype(float)
        elif info.name == "edit_distance":
            per_item = wrong.astype(float)
        else:
            per_item = np.broadcast_to(exact.log_likelihood(p, l)[:, None], wrong.shape)
    else:
        s = sample_choices(p, l=l, k=k, n=n, n_plausible=_default_plausible(k, n_plausible), persistence=persistence, seed=seed)
        per_item = s.correct.astype(float) if info.name == "choice_accuracy" else s.brier
    score = per_item.mean(axis=1)
    se = per_item.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else np.full(p.size, np.nan)
    return pd.DataFrame({"score": score, "stderr": se, "n": n})


class MirageResult(Result):
    """One model family scored under one metric: the expected curve, a finite test set, and verdicts.

    Attributes
    ----------
    metric : MetricInfo
    curve : DataFrame
        Dense grid: ``N``, ``loss`` (per-token, nats), ``p``, ``expected``.
    test_set : DataFrame
        The family's sizes: ``N``, ``loss``, ``p``, ``expected``, ``score``
        (measured on ``n`` items), ``stderr``, ``n``.
    method : str
        How the expected score was computed.
    verdict : Sharpness
        Of the expected curve.
    measured_verdict : Sharpness
        Of the curve the finite test set shows.
    floor : float or None
        Resolution floor ``1/n`` (proportions only).
    settings : dict
        ``l``, ``k``, ``n``, ``n_plausible``, ``law``, ``params``.
    """

    metric: MetricInfo
    curve: pd.DataFrame
    test_set: pd.DataFrame
    method: str
    verdict: Sharpness
    measured_verdict: Sharpness
    floor: float | None
    settings: dict = field(default_factory=dict)

    @property
    def emergent(self) -> bool:
        """Whether the expected curve looks emergent."""
        return self.verdict.emergent

    def _title(self) -> str:
        s = self.settings
        return f"{self.metric.label}: l = {s['l']} tokens, k = {s['k']} choices, test set n = {s['n']} items"

    def _summarize(self, s) -> None:
        n = self.settings["n"]
        s.add_fields([(f"expected curve ({self.method})", str(self.verdict)), (f"measured on {n} items", str(self.measured_verdict))])
        if self.floor is not None:
            s.add_text(f"resolution floor 1/n = {self.floor:.3g}: {int((self.test_set['score'] == 0).sum())} of "
                       f"{len(self.test_set)} model sizes measure exactly 0")

    def _headline(self) -> str:
        return f"{self.metric.name}: {'emergent-looking' if self.emergent else 'smooth'}; n = {self.settings['n']}"


def mirage(
    metric: str = "exact_match",
    l: int = 5,
    k: int = 4,
    n: int = 100,
    law=MIRAGE_LAW,
    params=None,
    scale=None,
    sizes=None,
    p=None,
    n_plausible: int | None = None,
    persistence: float = 1.0,
    seed: int = 0,
    grid: int = 61,
    n_population: int = N_POPULATION,
) -> MirageResult:
    """Score a smoothly improving model family under one metric.

    Parameters
    ----------
    metric : str
        ``"exact_match"``, ``"edit_distance"``, ``"log_likelihood"``,
        ``"choice_accuracy"`` or ``"brier"`` (see :data:`~workbench.metrics.catalogue.METRICS`).
    l : int
        Answer length in tokens (tokens per choice for multiple choice).
    k : int
        Number of answer choices (multiple-choice metrics).
    n : int
        Items in the finite test set.
    law, params :
        The per-token loss law and its parameters (default: ``kaplan_N`` with
        :data:`~workbench.metrics.tokens.MIRAGE_PARAMS`, so
        ``L_CE(N) = (3e10 / N)^0.3`` nats).
    scale : (float, float), optional
        Range of model sizes shown (default 1e8 to 1e12 parameters).
    sizes : array_like, optional
        The family's model sizes measured on the test set (default: two per decade).
    p : array_like, optional
        Per-token probabilities at ``sizes`` supplied directly (instead of a
        law); the expected curve is then drawn through these sizes only.
    n_plausible : int, optional
        Plausible tokens sharing the probability not on the answer (multiple
        choice; default ``k + 2``).
    persistence : float
        Multiple choice: chance an item keeps its wrong-choice shares across sizes.
    seed : int
        Seed of the finite test set (and of Monte-Carlo expected scores).
    grid : int
        Points of the dense curve.
    n_population : int
        Items used where the expected score needs Monte Carlo.

    Returns
    -------
    MirageResult

    Examples
    --------
    >>> r = mirage("exact_match", l=5)
    >>> r.emergent, mirage("edit_distance", l=5).emergent
    (True, False)
    """
    info = get_metric(metric)
    l = exact.check_length(l)
    n = check_items(n)
    if info.kind == "choice":
        exact.check_choices(k, _default_plausible(k, n_plausible))
    law_obj = get_law(law)
    if p is not None:
        if sizes is None:
            raise ArgumentError("With per-token probabilities p=..., give the model sizes they belong to: sizes=[...].")
        sizes = np.asarray(sizes, float)
        p_sizes = np.atleast_1d(check_probability(p))
        if p_sizes.shape != sizes.shape:
            raise ArgumentError(f"p and sizes must have the same length, got {p_sizes.size} and {sizes.size}.")
        order = np.argsort(sizes)
        sizes, p_sizes = sizes[order], p_sizes[order]
        N_grid, p_grid = sizes, p_sizes
        loss_grid = -np.log(np.clip(p_grid, 1e-300, None))
        loss_sizes = loss_grid
        law_name, params_used = None, None
    else:
        lo, hi = MIRAGE_SCALE if scale is None else (float(scale[0]), float(scale[1]))
        N_grid = scale_grid(lo, hi, grid)
        sizes = family_sizes(lo, hi) if sizes is None else np.sort(np.asarray(sizes, float))
        if len(law_obj.inputs) != 1:
            raise ArgumentError(f"The mirage needs a law of one input (model size); {law_obj.name!r} takes {law_obj.inputs}. "
                                 "Evaluate it yourself and pass p=... and sizes=....")
        params_used = dict(MIRAGE_PARAMS if params is None and law_obj.name == MIRAGE_LAW else params or {})
        x = law_obj.inputs[0]
        loss_grid = token_loss(law_obj, params_used, **{x: N_grid})
        loss_sizes = token_loss(law_obj, params_used, **{x: sizes})
        p_grid, p_sizes = token_probability(loss_grid), token_probability(loss_sizes)
        law_name = law_obj.name
    expected, method = expected_score(info, p_grid, l=l, k=k, n_plausible=n_plausible, n_items=n_population, seed=seed)
    curve = pd.DataFrame({"N": N_grid, "loss": loss_grid, "p": p_grid, "expected": expected})
    measured = finite_test_set(info, p_sizes, l=l, k=k, n=n, n_plausible=n_plausible, persistence=persistence, seed=seed)
    exp_sizes, _ = expected_score(info, p_sizes, l=l, k=k, n_plausible=n_plausible, n_items=n_population, seed=seed)
    test_set = pd.concat([pd.DataFrame({"N": sizes, "loss": loss_sizes, "p": p_sizes, "expected": exp_sizes}), measured], axis=1)
    # a proportion must rise by at least a percentage point to be a visible change
    visible = VISIBLE_CHANGE if info.proportion else 0.0
    verdict = sharpness(curve["N"], curve["expected"], higher_is_better=info.higher_is_better, min_change=visible)
    measured_verdict = sharpness(test_set["N"], test_set["score"], higher_is_better=info.higher_is_better, min_change=visible)
    settings = {"l": l, "k": int(k), "n": n, "n_plausible": _default_plausible(k, n_plausible), "law": law_name,
                "params": params_used, "persistence": persistence, "seed": seed}
    return MirageResult(info, curve, test_set, method, verdict, measured_verdict,
                        1.0 / n if info.proportion else None, settings)
