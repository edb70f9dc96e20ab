"""Compute-optimal allocation when unique data are limited (Muennighoff et al. 2023).

With ``U`` unique tokens and ``R_D = D/U - 1`` repetitions, repeated tokens are
worth less; Muennighoff et al. (2023, Eq. 5-7) replace ``D`` and ``N`` in the
Chinchilla law by effective values

    D' = U + U R*_D (1 - exp(-R_D / R*_D)),
    U_N = min(N_opt(U), N),  R_N = N / U_N - 1,  N' = U_N + U_N R*_N (1 - exp(-R_N / R*_N)),
    L = E + A / N'^alpha + B / D'^beta,

where ``N_opt(U)`` is the compute-optimal size for ``U`` tokens. Each further epoch
is worth less than the last: after ``e`` epochs the data are worth
``D'/D = (1 + R*_D (1 - exp(-(e - 1)/R*_D))) / e`` of fresh data (about 0.93 at 4
epochs with the C4 fit's ``R*_D = 15.4``: "up to ~4 epochs cost almost nothing").

The law ``data_constrained`` of the catalogue is used as it is; a Chinchilla law (a
published set or your fit) is extended with the repetition constants ``R*_D``,
``R*_N`` of a data-constrained fit (by default the published C4 fit
``muennighoff2023``), which is how Muennighoff et al. built their law.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import LawError
from ..format import fmt, number
from ..laws import get_law
from ..laws.published import ParameterSet, fitted_law, get_parameter_set, parameter_set_of
from ..results import WrappedResult
from .optimal import Allocation, compute_optimal

__all__ = ["DataConstrainedPlan", "data_constrained_optimum", "data_constrained_source", "repeated_data_value", "repetition_cost"]


def _repetition_constants(repetition) -> dict:
    if repetition is None:
        repetition = "muennighoff2023"
    if isinstance(repetition, str):
        ps = get_parameter_set(repetition)
        if ps.law.name != "data_constrained":
            raise LawError(f"Parameter set {repetition!r} is not a data-constrained fit; it has no R*_D, R*_N.")
        return {"R_D": ps.values["R_D"], "R_N": ps.values["R_N"]}
    if isinstance(repetition, Mapping) and {"R_D", "R_N"} <= set(repetition):
        return {"R_D": float(repetition["R_D"]), "R_N": float(repetition["R_N"])}
    raise LawError("repetition= takes a data-constrained parameter set name or a dict with 'R_D' and 'R_N'.")


def data_constrained_source(source, repetition=None):
    """The fitted law as a ``data_constrained`` law: unchanged if it already is one, else a Chinchilla law
    extended with the repetition constants ``R*_D``, ``R*_N`` (default: the published C4 fit)."""
    src = fitted_law(source)
    dc = get_law("data_constrained")
    if src.law.name == "data_constrained":
        return src
    if src.law.name != "chinchilla":
        raise LawError(
            f"A data-constrained optimum needs the chinchilla or data_constrained law, not {src.law.name!r}."
        )
    rep = _repetition_constants(repetition)

    def extend(values):
        values = np.atleast_2d(values)
        p = {n: values[:, j] for j, n in enumerate(src.law.param_names)}
        cols = [p[n] if n in p else np.full(len(values), rep[n]) for n in dc.param_names]
        return np.column_stack(cols)

    samples = extend(src.samples) if src.samples is not None else None
    label = f"{src.label} + repetition decay R*_D={rep['R_D']:.4g}, R*_N={rep['R_N']:.4g}"
    values = dict(zip(dc.param_names, extend(src.law._values_array(src.params))[0]))
    return ParameterSet(label, dc, values, label=label, samples=samples, level=src.level)


def repeated_data_value(epochs, R_D: float = 15.39):
    """Worth of ``epochs`` passes over the same data, relative to as many fresh tokens: ``D'/D``.

    ``D'/D = (1 + R*_D (1 - exp(-(e - 1) / R*_D))) / e`` (Muennighoff et al. 2023, Eq. 5 with
    ``U_D = D/e``); 1 for one epoch, falling towards ``(1 + R*_D)/e``.
    """
    e = np.asarray(epochs, float)
    if np.any(e < 1):
        raise LawError("epochs must be >= 1 (one pass over the unique data).")
    return (1.0 + R_D * (-np.expm1(-(e - 1.0) / R_D))) / e


class DataConstrainedPlan(WrappedResult):
    """The data-constrained optimum next to the optimum with unlimited fresh data.

    Attributes
    ----------
    constrained : Allocation
        Optimum with ``unique_tokens`` of unique data (``epochs = D / U``).
    unconstrained : Allocation
        Optimum of the same law with unlimited unique data.
    """

    constrained: Allocation
    unconstrained: Allocation

    @property
    def unique_tokens(self) -> np.ndarray:
        return self.constrained.unique_tokens

    @property
    def epochs(self) -> np.ndarray:
        return self.constrained.D / self.constrained.unique_tokens

    @property
    def loss_penalty(self) -> np.ndarray:
        """Loss lost to the data limit: constrained minus unconstrained optimum (nats/token)."""
        return self.constrained.loss - self.unconstrained.loss

    @property
    def data_value(self) -> np.ndarray:
        """``D'/D`` at the constrained optimum: what the repeated tokens are worth relative to fresh ones."""
        R_D = self.constrained.source.params["R_D"]
        return repeated_data_value(np.maximum(self.epochs, 1.0), R_D)

    def to_frame(self) -> pd.DataFrame:
        a = self.constrained.to_frame()
        b = self.unconstrained.to_frame()
        for k in ("N", "D", "tokens_per_parameter", "loss"):
            a[f"{k}_unlimited_data"] = b[k].to_numpy()
        a["loss_penalty"] = self.loss_penalty
        a["data_value"] = self.data_value
        return a

    _inner = "constrained"

    def _summarize(self, s) -> None:
        super()._summarize(s)
        for i in range(len(np.atleast_1d(self.epochs))):
            u = self.unconstrained
            s.add_text(f"with unlimited fresh data: N = {fmt(u.value('N', i), 'parameters')}, D = {fmt(u.value('D', i), 'tokens')}, "
                       f"loss {fmt(u.value('loss', i), 'nats/token')}; the data limit costs {number(self.loss_penalty[i], 3)} "
                       f"nats/token ({self.epochs[i]:.3g} epochs, repeated data worth {100 * self.data_value[i]:.0f}% of fresh)")

    def _headline(self) -> str:
        return (f"N={self.constrained.value('N'):.3g}, D={self.constrained.value('D'):.3g}, "
                f"epochs={float(self.epochs[0]):.3g}, penalty={float(self.loss_penalty[0]):.3g} nats")

    _dict_properties = ("epochs", "loss_penalty", "data_value")


def unlimited_data_law(src, label: str | None = None):
    """A data-constrained law with unlimited unique data (``U >= D``): every token is fresh, and the
    law reduces to Chinchilla's terms (the same fitted law with its ``R*`` parameters dropped)."""
    chin = get_law("chinchilla")
    idx = [src.law.param_names.index(n) for n in chin.param_names]
    return parameter_set_of(src, law=chin, values={n: src.params[n] for n in chin.param_names}, label=label or src.label,
                            samples=None if src.samples is None else src.samples[:, idx])


def data_constrained_optimum(source, compute, unique_tokens, repetition=None, level: float | None = None) -> DataConstrainedPlan:
    """Compute-optimal ``N`` and ``D`` when only ``unique_tokens`` of unique data exist.

    Parameters
    ----------
    source : Fit, str or ParameterSet
        A ``data_constrained`` law (e.g. ``"muennighoff2023"``) or a Chinchilla law,
        which is extended with the repetition constants of ``repetition``.
    compute : float or array
        Training compute (FLOPs, ``C = 6 N D`` with ``D`` counting repeated tokens).
    unique_tokens : float or array
        Unique tokens available ``U``.
    repetition : str or dict, optional
        ``R*_D`` and ``R*_N`` for a Chinchilla source (default: ``"muennighoff2023"``).

    Returns
    -------
    DataConstrainedPlan

    Examples
    --------
    >>> import workbench as wb
    >>> p = wb.compute.data_constrained_optimum("muennighoff2023", 1e22, 25e9)
    >>> round(p.constrained.value("N") / 1e9, 2), round(p.constrained.value("D") / 1e9)
    (7.03, 237)
    """
    src = data_constrained_source(source, repetition)
    if level is not None:
        src = parameter_set_of(src, level=level)
    constrained = compute_optimal(src, compute, unique_tokens=unique_tokens)
    C = np.atleast_1d(np.asarray(compute, float))
    unconstrained = compute_optimal(unlimited_data_law(src), C)
    return DataConstrainedPlan(constrained, unconstrained)


def repetition_cost(source, compute, epochs=(1, 2, 4, 8, 16, 32, 64), repetition=None) -> pd.DataFrame:
    """What repeating data costs at a compute budget, epoch by epoch.

    For each number of epochs ``e`` the unique data are ``U = D_opt / e`` (``D_opt``
    the unconstrained compute-optimal tokens). Columns: ``epochs``, ``U``,
    ``data_value`` (``D'/D``), ``loss_same_allocation`` (keep ``N_opt, D_opt`` but
    repeat the data), ``loss_reoptimised`` (the data-constrained optimum for that
    ``U``), its ``N``, ``D`` and ``epochs_reoptimised``, and the losses' excess over
    fresh data (nats/token).
    """
    src = data_constrained_source(source, repetition)
    e = np.asarray(epochs, float)
    C = float(compute)
    chin_opt = compute_optimal(unlimited_data_law(src), C)
    N0, D0, L0 = chin_opt.value("N"), chin_opt.value("D"), chin_opt.value("loss")
    U = D0 / e
    same = src.law.predict(src.params, N=np.full(e.shape, N0), D=np.full(e.shape, D0), U=U)
    re = compute_optimal(src, np.full(e.shape, C), unique_tokens=U)
    return pd.DataFrame(
        {
            "epochs": e,
            "U": U,
            "data_value": repeated_data_value(e, src.params["R_D"]),
            "loss_fresh_data": L0,
            "loss_same_allocation": same,
            "excess_same_allocation": same - L0,
            "N_reoptimised": re.N,
            "D_reoptimised": re.D,
            "epochs_reoptimised": re.D / U,
            "loss_reoptimised": re.loss,
            "excess_reoptimised": re.loss - L0,
        }
    )
