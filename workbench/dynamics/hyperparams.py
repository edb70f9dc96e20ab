"""Hyperparameter laws: Step Law's optimal learning rate and batch size, Kaplan's critical batch size,
and the optimum of a learning-rate sweep.

Step Law (Li et al. 2025, "Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in
Large Language Model Pretraining", arXiv:2503.04715), fitted on about 3,700 dense LLMs trained
with AdamW:

.. math:: \\eta_{opt}(N, D) = 1.79 \\, N^{-0.713} D^{0.307}, \\qquad B_{opt}(D) = 0.58 \\, D^{0.571}

with ``N`` non-embedding parameters, ``D`` training tokens and ``B`` the batch size in
**tokens** (e.g. ``D = 1e11`` gives ``B ~ 1.1e6`` tokens, about 270 sequences of 4,096).

Critical batch size (Kaplan et al. 2020, "Scaling Laws for Neural Language Models", Eq. 1.4 and
Section 5.1): the batch size beyond which more data parallelism stops saving steps,

.. math:: B_{crit}(L) = B^* / L^{1/\\alpha_B}, \\qquad B^* \\approx 2 \\cdot 10^8 \\text{ tokens}, \\ \\alpha_B \\approx 0.21

with ``L`` the loss in nats/token; training at batch ``B`` needs ``S = S_min (1 + B_crit / B)``
steps and ``E = E_min (1 + B / B_crit)`` tokens (Eq. 5.4 there; McCandlish et al. 2018).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ArgumentError, MissingColumnsError
from ..laws import get_law, get_parameter_set

__all__ = [
    "step_law_lr",
    "step_law_batch",
    "critical_batch_size",
    "steps_at_batch",
    "tokens_at_batch",
    "optimal_lr",
    "STEP_LAW",
    "KAPLAN_CRITICAL_BATCH",
]

#: Step Law constants (Li et al. 2025): lr = c N^-a D^b, batch = d D^e (tokens); the published parameter sets.
STEP_LAW = {**get_parameter_set("li2025_lr").values, **get_parameter_set("li2025_batch").values}
#: Kaplan et al. (2020) critical batch size: B* (tokens) and alpha_B; the published parameter set.
KAPLAN_CRITICAL_BATCH = dict(get_parameter_set("kaplan2020_critical_batch").values)


def _published(law: str, parameter_set: str, given: dict, what: str, **inputs):
    """The catalogue law ``law`` at the published set's values (overridden by ``given``), shaped like the inputs."""
    arrays = {k: np.asarray(v, float) for k, v in inputs.items()}
    if any(np.any(~(v > 0)) for v in arrays.values()):
        raise ArgumentError(f"{what} needs {' and '.join(f'{k} > 0' for k in inputs)}.")
    params = {**get_parameter_set(parameter_set).values, **{k: float(v) for k, v in given.items() if v is not None}}
    shape = np.broadcast_shapes(*(v.shape for v in arrays.values()))
    L = get_law(law)
    out = L.predict_rows(L._values_array(params), **{k: np.broadcast_to(v, shape).reshape(1, -1) for k, v in arrays.items()})
    out = out.reshape(shape)
    return out if shape else float(out)


def step_law_lr(N, D, c: float | None = None, a: float | None = None, b: float | None = None):
    """Step Law's optimal peak learning rate ``c N^-a D^b`` (AdamW; N non-embedding parameters, D tokens).

    Evaluates the catalogue law ``step_law_lr`` at the published set ``li2025_lr`` (``c``, ``a``, ``b``
    override its values).

    Examples
    --------
    >>> round(float(step_law_lr(1e9, 1e11)), 5)
    0.00163
    """
    return _published("step_law_lr", "li2025_lr", dict(c=c, a=a, b=b), "step_law_lr() (parameters N, tokens D)", N=N, D=D)


def step_law_batch(D, d: float | None = None, e: float | None = None):
    """Step Law's optimal batch size in tokens, ``d D^e`` (D training tokens); the law ``step_law_batch``
    at the published set ``li2025_batch``.

    Examples
    --------
    >>> round(float(step_law_batch(1e11)) / 1e6, 3)  # about 1.1 million tokens per batch
    1.108
    """
    return _published("step_law_batch", "li2025_batch", dict(d=d, e=e), "step_law_batch() (training tokens D)", D=D)


def critical_batch_size(loss, B_star: float | None = None, alpha_B: float | None = None):
    """Kaplan's critical batch size in tokens, ``B* / L^(1/alpha_B)``, at loss ``L`` (nats/token); the law
    ``critical_batch`` at the published set ``kaplan2020_critical_batch``.

    Examples
    --------
    >>> round(float(critical_batch_size(3.0)) / 1e6, 2)  # about a million tokens at 3 nats/token
    1.07
    """
    return _published("critical_batch", "kaplan2020_critical_batch", dict(B_star=B_star, alpha_B=alpha_B),
                      "critical_batch_size() (a loss in nats/token)", loss=loss)


def steps_at_batch(min_steps, batch, B_crit):
    """Steps needed at batch ``B``: ``S = S_min (1 + B_crit / B)`` (Kaplan et al. 2020, Eq. 5.4)."""
    return np.asarray(min_steps, float) * (1.0 + np.asarray(B_crit, float) / np.asarray(batch, float))


def tokens_at_batch(min_tokens, batch, B_crit):
    """Tokens needed at batch ``B``: ``E = E_min (1 + B / B_crit)`` (Kaplan et al. 2020, Eq. 5.4)."""
    return np.asarray(min_tokens, float) * (1.0 + np.asarray(batch, float) / np.asarray(B_crit, float))


def optimal_lr(runs: pd.DataFrame, by: str | list = "N", lr: str = "lr", loss: str = "loss") -> pd.DataFrame:
    """Optimum of a learning-rate sweep for each model size.

    For each group (default: each ``N``) the best learning rate of the grid is
    refined by a parabola through it and its two neighbours in ``ln lr`` (the
    optimum of a loss-vs-log-lr valley). When the best value lies on the edge of
    the grid, the grid value is returned and ``on_edge`` is true: widen the sweep.

    Parameters
    ----------
    runs : DataFrame
        One row per (size, learning rate) with the final held-out loss.
    by : str or list of str
        Columns identifying a size (default ``"N"``; other columns such as ``D`` are kept).

    Returns
    -------
    DataFrame
        One row per group: ``lr_opt`` (refined), ``lr_best`` (best on the grid), ``loss_opt``,
        ``on_edge``, plus the ``by`` columns and ``D`` when present.
    """
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in keys + [lr, loss] if c not in runs.columns]
    if missing:
        raise MissingColumnsError(f"optimal_lr() needs columns {missing}; the table has {list(runs.columns)}.")
    rows = []
    for key, g0 in runs.groupby(keys, sort=True):
        g = g0.groupby(lr, as_index=False)[loss].mean().sort_values(lr)
        x = np.log(g[lr].to_numpy(float))
        y = g[loss].to_numpy(float)
        i = int(np.argmin(y))
        edge = i == 0 or i == len(x) - 1
        x_opt, y_opt = x[i], y[i]
        if not edge:
            X = x[i - 1 : i + 2]
            Y = y[i - 1 : i + 2]
            A = np.vstack([X**2, X, np.ones(3)]).T
            c2, c1, c0 = np.linalg.solve(A, Y)
            if c2 > 0:
                x_opt = float(np.clip(-c1 / (2 * c2), X[0], X[2]))
                y_opt = float(c2 * x_opt**2 + c1 * x_opt + c0)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(lr_opt=float(np.exp(x_opt)), lr_best=float(np.exp(x[i])), loss_opt=float(y_opt), on_edge=bool(edge),
                   n_lrs=len(x))
        if "D" in runs.columns and "D" not in keys:
            row["D"] = float(g0["D"].median())
        rows.append(row)
    return pd.DataFrame(rows)
