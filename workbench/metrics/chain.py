"""The downstream chain: from log p(correct) over the vocabulary to accuracy, and what each step costs.

Schaeffer et al. (2024, 'Why has predicting downstream capabilities of frontier
AI models with scale remained elusive?') follow a multiple-choice score through
a chain of transformations:

1. ``log p_vocab(correct)``: log probability of the right choice over the whole vocabulary;
2. ``p_choice(correct)``: that probability renormalised over the ``k`` choices,
   which brings in the probability the model puts on the *wrong* choices;
3. accuracy (is the right choice the argmax?) or the Brier score.

The correlation between an item's score and scale weakens at each step, because
the mass on specific wrong choices fluctuates from model to model. This module
builds the per-item table of the chain (from the mirage toy, or from your own
per-item measurements) and measures the correlation with scale at each step.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ArgumentError, MissingColumnsError
from ..laws import get_law
from .sampling import sample_choices
from .tokens import MIRAGE_LAW, MIRAGE_PARAMS, MIRAGE_SCALE, scale_grid, token_loss, token_probability

__all__ = ["CHAIN_STEPS", "downstream_chain", "chain_correlations"]

#: The chain's steps, in order: column name -> description.
CHAIN_STEPS = {
    "log_p_vocab": "log p(correct) over the vocabulary",
    "p_choice": "p(correct) renormalised over the choices",
    "brier": "Brier score (negated: higher is better)",
    "accuracy": "accuracy (argmax)",
}


def downstream_chain(
    sizes=None,
    law=MIRAGE_LAW,
    params=None,
    k: int = 4,
    l: int = 1,
    n: int = 200,
    n_plausible: int | None = None,
    persistence: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """Per-item table of the downstream chain for a model family of the mirage toy.

    Parameters
    ----------
    sizes : array_like, optional
        Model sizes (default: 21 sizes from 1e8 to 1e12).
    law, params :
        The per-token loss law (default: the mirage toy's).
    k, l, n, n_plausible :
        Choices, tokens per choice, items, plausible tokens (default ``k + 2``).
    persistence : float
        Chance that an item keeps its wrong-choice shares from one model to the
        next (0: they fluctuate freely; 1: every model sees the same distractor pull).
    seed : int

    Returns
    -------
    DataFrame
        One row per (model size, item): ``N``, ``item``, ``log_p_vocab``,
        ``p_choice``, ``accuracy`` (0/1), ``brier``.
    """
    sizes = scale_grid(*MIRAGE_SCALE, 21) if sizes is None else np.asarray(sizes, float)
    law = get_law(law)
    params = MIRAGE_PARAMS if params is None and law.name == MIRAGE_LAW else params
    p = token_probability(token_loss(law, params, **{law.inputs[0]: sizes}))
    s = sample_choices(p, l=l, k=k, n=n, n_plausible=k + 2 if n_plausible is None else n_plausible,
                       persistence=persistence, seed=seed)
    G = sizes.size
    return pd.DataFrame(
        {
            "N": np.repeat(sizes, n),
            "item": np.tile(np.arange(n), G),
            "log_p_vocab": s.log_p_vocab.ravel(),
            "p_choice": s.p_choice.ravel(),
            "accuracy": s.correct.ravel().astype(float),
            "brier": s.brier.ravel(),
        }
    )


def chain_correlations(table: pd.DataFrame, scale: str = "N", item: str = "item", steps=None, method: str = "spearman") -> pd.DataFrame:
    """Correlation of each step of the chain with log scale, per item and for the benchmark average.

    Parameters
    ----------
    table : DataFrame
        One row per (model, item) with a scale column and one column per step
        (as made by :func:`downstream_chain`, or your own measurements).
    scale, item : str
        Names of the scale and item columns.
    steps : sequence of str, optional
        Step columns in chain order (default: those of :data:`CHAIN_STEPS`
        present). ``brier`` is negated so that every step is "higher is better".
    method : {"spearman", "pearson", "kendall"}

    Returns
    -------
    DataFrame, one row per step
        ``per_item`` (mean over items of the correlation across models between
        the item's score and log scale; items whose score never changes are
        left out), ``items_used``, ``average`` (correlation of the mean over
        items with log scale).
    """
    if method not in ("spearman", "pearson", "kendall"):
        raise ArgumentError(f"method must be 'spearman', 'pearson' or 'kendall', not {method!r}.")
    steps = [s for s in CHAIN_STEPS if s in table.columns] if steps is None else list(steps)
    missing = [c for c in [scale, item, *steps] if c not in table.columns]
    if missing:
        raise MissingColumnsError(f"chain_correlations needs columns {missing}; the table has {list(table.columns)}.")
    if not steps:
        raise ArgumentError(f"No step columns found; name them as in {list(CHAIN_STEPS)} or pass steps=[...].")
    df = table[[scale, item, *steps]].copy()
    if "brier" in steps:
        df["brier"] = -df["brier"]
    df["_logscale"] = np.log10(df[scale].astype(float))
    wide = {s: df.pivot_table(index="_logscale", columns=item, values=s, aggfunc="mean") for s in steps}
    rows = []
    for s in steps:
        w = wide[s]
        x = w.index.to_numpy(float)
        per = _columnwise_corr(w.to_numpy(float), x, method)
        avg = _columnwise_corr(w.mean(axis=1).to_numpy(float)[:, None], x, method)[0]
        rows.append({"step": s, "description": CHAIN_STEPS.get(s, s), "per_item": float(np.nanmean(per)) if np.isfinite(per).any() else np.nan,
                     "items_used": int(np.isfinite(per).sum()), "items": int(w.shape[1]), "average": float(avg)})
    return pd.DataFrame(rows)


def _columnwise_corr(Y: np.ndarray, x: np.ndarray, method: str) -> np.ndarray:
    """Correlation of every column of ``Y`` (models x items) with ``x``; NaN for constant columns."""
    from scipy import stats

    if method == "kendall":
        return np.array([stats.kendalltau(x, Y[:, j], nan_policy="omit")[0] if np.nanstd(Y[:, j]) > 0 else np.nan
                         for j in range(Y.shape[1])])
    if method == "spearman":
        Y = stats.rankdata(Y, axis=0, nan_policy="omit")
        x = stats.rankdata(x)
    Yc = Y - np.nanmean(Y, axis=0)
    xc = (x - x.mean())[:, None]
    num = np.nansum(Yc * xc, axis=0)
    den = np.sqrt(np.nansum(Yc**2, axis=0) * np.sum(xc**2))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = num / den
    return np.where(den > 1e-12, r, np.nan)
