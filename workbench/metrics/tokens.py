"""From a per-token loss to the probability of the right token.

The mirage argument (Schaeffer, Miranda & Koyejo 2023, 'Are Emergent Abilities of
Large Language Models a Mirage?') starts from a per-token cross-entropy that
falls smoothly with scale, ``L_CE(N)``, so that the probability the model puts
on the right token is ``p(N) = exp(-L_CE(N))``. Every metric in
:mod:`workbench.metrics` is a function of ``p`` (and of the answer length and
number of choices). ``p`` can come from any loss law in the catalogue, or be
supplied directly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import ArgumentError
from ..laws import get_law

__all__ = ["MIRAGE_LAW", "MIRAGE_PARAMS", "MIRAGE_SCALE", "scale_grid", "token_loss", "token_probability"]

#: The per-token loss law of the mirage toy: Kaplan's pure power law L(N) = (N_c / N)^alpha_N.
MIRAGE_LAW = "kaplan_N"
#: Its default parameters: the loss on the answer tokens is 1 nat (p = 0.37) at N = 3e10 parameters and
#: halves every decade (alpha = 0.3): 5.5 nats (p = 0.004) at 1e8, 0.35 nat (p = 0.71) at 1e12.
MIRAGE_PARAMS = {"N_c": 3e10, "alpha_N": 0.3}
#: Model sizes shown by default (parameters).
MIRAGE_SCALE = (1e8, 1e12)


def scale_grid(lo: float = MIRAGE_SCALE[0], hi: float = MIRAGE_SCALE[1], n: int = 61) -> np.ndarray:
    """``n`` model sizes spaced evenly in log between ``lo`` and ``hi``."""
    if not (0 < lo < hi) or not np.isfinite(hi):
        raise ArgumentError(f"A scale grid needs 0 < lo < hi (finite), got lo={lo!r}, hi={hi!r}.")
    if int(n) < 2:
        raise ArgumentError(f"A scale grid needs at least 2 points, got n={n!r}.")
    return np.logspace(np.log10(lo), np.log10(hi), int(n))


def token_loss(law=MIRAGE_LAW, params: Mapping[str, float] | None = None, **inputs) -> np.ndarray:
    """Per-token loss (nats) on the answer tokens predicted by a loss law.

    Parameters
    ----------
    law : str or Law
        Any law of the catalogue whose target is a loss, e.g. ``"kaplan_N"``
        (default), ``"power_law_N"`` (set ``E=0`` for a loss that falls to
        zero) or ``"chinchilla"``.
    params : mapping
        Its parameter values; default :data:`MIRAGE_PARAMS` for the default law.
    **inputs : array_like
        The law's inputs, e.g. ``N=scale_grid()``.

    Returns
    -------
    ndarray
        ``L_CE`` in nats per token, one value per input point.

    Examples
    --------
    >>> float(token_loss(N=3e10)[0])
    1.0
    """
    law = get_law(law)
    if params is None:
        if law.name != MIRAGE_LAW:
            raise ArgumentError(f"Give params= for law {law.name!r} (its parameters: {list(law.param_names)}).")
        params = MIRAGE_PARAMS
    if not inputs:
        inputs = {law.inputs[0]: scale_grid()} if len(law.inputs) == 1 else {}
    loss = np.asarray(law.predict(params, **inputs), float)
    if np.any(~np.isfinite(loss)) or np.any(loss < 0):
        raise ArgumentError(
            f"Law {law.name!r} with {dict(params)} predicts a negative or non-finite per-token loss at some inputs; "
            "a per-token cross-entropy must be >= 0. Check the parameters (for power_law_N, E >= 0)."
        )
    return loss


def token_probability(loss) -> np.ndarray:
    """Probability of the right token, ``p = exp(-L_CE)`` (``L_CE`` in nats per token)."""
    loss = np.asarray(loss, float)
    if np.any(~np.isfinite(loss)) or np.any(loss < 0):
        raise ArgumentError("Per-token losses must be finite and >= 0 (nats per token).")
    return np.exp(-loss)


def check_probability(p, name: str = "per-token probability") -> np.ndarray:
    """``p`` as a float array, checked to lie in [0, 1]."""
    p = np.asarray(p, float)
    if p.size == 0:
        raise ArgumentError(f"The {name} array is empty.")
    if np.any(~np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ArgumentError(f"Each {name} must be a number between 0 and 1; got values outside [0, 1] or NaN.")
    return p
