"""Training plus inference: the compute-optimal model when it will serve many tokens.

Sardana & Frankle (2023, "Beyond Chinchilla-Optimal: Accounting for
Inference in Language Model Scaling Laws") minimise the lifetime compute

    6 N D  (training)  +  2 N D_inf  (inference)

subject to reaching a target loss ``L(N, D) = E + A/N^alpha + B/D^beta``
(the Chinchilla law). At fixed loss the tokens needed are
``D(N) = (B / (L - E - A/N^alpha))^(1/beta)``, defined for
``N > N_min = (A / (L - E))^(1/alpha)``, and the total is minimised over
``N`` (one dimension, bounded). With no inference demand the answer is
Chinchilla's compute-optimal point for that loss; heavy demand favours a
smaller model trained on more tokens.

This lives here for the test-time lab; the compute planner
(``workbench.compute``, issue 4) is the natural long-term owner of
inference-aware allocation and should take it over.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ._errors import SamplesError

__all__ = ["InferenceAwareAllocation", "inference_aware_allocation", "allocation_table", "chinchilla_values"]

_SPAN = 30.0  # search ln N over (ln N_min, ln N_min + 30)


def chinchilla_values(params="hoffmann2022") -> dict:
    """Chinchilla parameters ``E, A, B, alpha, beta`` from a published set's name, a ParameterSet, a Fit or a dict."""
    from ..data import get_parameter_set

    if isinstance(params, str):
        ps = get_parameter_set(params)
        if ps.law != "chinchilla":
            raise SamplesError(f"Parameter set {params!r} belongs to law {ps.law!r}, not 'chinchilla'.")
        params = ps.values
    elif hasattr(params, "values") and hasattr(params, "law") and not isinstance(params, dict):
        params = params.values if isinstance(params.values, dict) else params.params
    elif hasattr(params, "params"):
        params = params.params
    try:
        vals = {k: float(params[k]) for k in ("E", "A", "B", "alpha", "beta")}
    except (KeyError, TypeError):
        raise SamplesError("Chinchilla parameters need E, A, B, alpha and beta (e.g. params='hoffmann2022').") from None
    if not all(math.isfinite(v) and v > 0 for v in vals.values()):
        raise SamplesError(f"Chinchilla parameters must be finite and > 0, got {vals}.")
    return vals


def _tokens_for_loss(v: dict, loss: float, N: np.ndarray) -> np.ndarray:
    gap = loss - v["E"] - v["A"] * N ** (-v["alpha"])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, (v["B"] / gap) ** (1.0 / v["beta"]), np.inf)


@dataclass(repr=False)
class InferenceAwareAllocation:
    """The model size and training tokens that reach a loss at least lifetime compute.

    Attributes (FLOPs and tokens): ``N``, ``D``, ``training_flops`` (6ND),
    ``inference_flops`` (2N D_inf), ``total_flops``; ``chinchilla`` holds
    the same for the Chinchilla-optimal model of that loss (the optimum with
    no inference), serving the same demand.
    """

    loss: float
    inference_tokens: float
    N: float
    D: float
    params: dict
    chinchilla_N: float
    chinchilla_D: float

    @property
    def training_flops(self) -> float:
        return 6.0 * self.N * self.D

    @property
    def inference_flops(self) -> float:
        return 2.0 * self.N * self.inference_tokens

    @property
    def total_flops(self) -> float:
        return self.training_flops + self.inference_flops

    @property
    def tokens_per_parameter(self) -> float:
        return self.D / self.N

    @property
    def chinchilla_total_flops(self) -> float:
        return 6.0 * self.chinchilla_N * self.chinchilla_D + 2.0 * self.chinchilla_N * self.inference_tokens

    @property
    def saving(self) -> float:
        """Fraction of lifetime compute saved against the Chinchilla-optimal model."""
        return 1.0 - self.total_flops / self.chinchilla_total_flops

    def to_dict(self) -> dict:
        return {"loss": self.loss, "inference_tokens": self.inference_tokens, "N": self.N, "D": self.D,
                "tokens_per_parameter": self.tokens_per_parameter, "training_flops": self.training_flops,
                "inference_flops": self.inference_flops, "total_flops": self.total_flops,
                "chinchilla": {"N": self.chinchilla_N, "D": self.chinchilla_D, "total_flops": self.chinchilla_total_flops},
                "saving": self.saving}

    def summary(self) -> str:
        return "\n".join([
            f"Inference-aware allocation (Sardana & Frankle 2023) for loss {self.loss:.4g} and {self.inference_tokens:.3g} inference tokens",
            f"  N = {self.N:.4g} parameters, D = {self.D:.4g} tokens ({self.tokens_per_parameter:.1f} tokens/parameter)",
            f"  training {self.training_flops:.3g} + inference {self.inference_flops:.3g} = {self.total_flops:.3g} FLOPs",
            f"  Chinchilla-optimal for this loss: N = {self.chinchilla_N:.4g}, D = {self.chinchilla_D:.4g} "
            f"({self.chinchilla_D / self.chinchilla_N:.1f} tokens/parameter), lifetime {self.chinchilla_total_flops:.3g} FLOPs",
            f"  saving: {100 * self.saving:.1f}% of lifetime compute",
        ])

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


def _optimum(v: dict, loss: float, inference_tokens: float) -> tuple[float, float]:
    ln_min = math.log((v["A"] / (loss - v["E"])) ** (1.0 / v["alpha"]))
    x = np.linspace(ln_min + 1e-6, ln_min + _SPAN, 600)
    N = np.exp(x)
    total = 6.0 * N * _tokens_for_loss(v, loss, N) + 2.0 * N * inference_tokens
    i = int(np.argmin(total))
    lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]

    def f(t):
        n = math.exp(t)
        return math.log(6.0 * n * float(_tokens_for_loss(v, loss, np.array(n))) + 2.0 * n * inference_tokens)

    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
    Nopt = math.exp(float(res.x))
    return Nopt, float(_tokens_for_loss(v, loss, np.array(Nopt)))


def inference_aware_allocation(loss: float, inference_tokens: float, params="hoffmann2022") -> InferenceAwareAllocation:
    """Minimise ``6 N D + 2 N D_inf`` subject to ``L(N, D) = loss`` (Sardana & Frankle 2023).

    Parameters
    ----------
    loss : float
        Target loss (nats/token), above the law's irreducible ``E``.
    inference_tokens : float
        Tokens the model will generate or read over its lifetime (``D_inf``).
    params : str, dict, ParameterSet or Fit
        Chinchilla law parameters (default: Hoffmann et al. 2022's published set).

    Returns
    -------
    InferenceAwareAllocation
    """
    v = chinchilla_values(params)
    loss = float(loss)
    if not loss > v["E"]:
        raise SamplesError(f"The target loss {loss:g} must be above the irreducible loss E = {v['E']:g}: no model reaches it.")
    if not (math.isfinite(inference_tokens) and inference_tokens >= 0):
        raise SamplesError(f"inference_tokens must be a number >= 0, got {inference_tokens!r}.")
    N, D = _optimum(v, loss, float(inference_tokens))
    Nc, Dc = _optimum(v, loss, 0.0) if inference_tokens > 0 else (N, D)
    return InferenceAwareAllocation(loss, float(inference_tokens), N, D, v, Nc, Dc)


def allocation_table(loss: float, inference_tokens, params="hoffmann2022") -> pd.DataFrame:
    """:func:`inference_aware_allocation` over several inference demands, one row each."""
    rows = []
    for d in np.atleast_1d(np.asarray(inference_tokens, float)):
        r = inference_aware_allocation(loss, float(d), params)
        rows.append({"inference_tokens": r.inference_tokens, "N": r.N, "D": r.D,
                     "tokens_per_parameter": r.tokens_per_parameter, "training_flops": r.training_flops,
                     "inference_flops": r.inference_flops, "total_flops": r.total_flops,
                     "chinchilla_total_flops": r.chinchilla_total_flops, "saving": r.saving})
    return pd.DataFrame(rows)
