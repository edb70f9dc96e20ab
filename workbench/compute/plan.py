"""The planner: from a compute budget (and data, and inference demand) to a model, a loss, days and dollars.

:func:`plan` answers the question researchers bring most: *I have this much
compute, this much unique data and this much inference to serve: how big a model,
how many tokens, what loss, how long, at what cost?* It strings together

1. the compute-optimal allocation at the budget (:func:`compute_optimal`), or the
   data-constrained optimum when unique tokens are limited
   (:func:`data_constrained_optimum`, Muennighoff et al. 2023);
2. with expected inference, the model that reaches the same loss at the least
   training-plus-inference FLOPs (:func:`inference_optimum`, Sardana & Frankle 2023);
3. the isoFLOP profiles around the budget (:func:`isoflop_curves`);
4. time, energy, emissions and cost on the chosen hardware (:func:`hardware_estimate`).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..laws.published import fitted_law, parameter_set_of
from ..format import Quantity, fmt, number, percent
from ..results import Result, jsonable, percentile_interval
from .constrained import DataConstrainedPlan, data_constrained_optimum, repeated_data_value, unlimited_data_law
from .hardware import DEFAULT_ASSUMPTIONS, HardwareEstimate, hardware_estimate
from .inference import InferencePlan, inference_optimum
from .isoflop import isoflop_curves
from .optimal import Allocation, compute_optimal

__all__ = ["Plan", "plan"]


def _finite(value, name: str, what: str, allow_zero: bool = False) -> float:
    """``float(value)`` when it is finite and > 0 (>= 0 with ``allow_zero``), else an ArgumentError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be {what}, got {value!r}.") from None
    if not (np.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
        raise ArgumentError(f"{name} must be {what}, got {value!r}.")
    return v


class Plan(Result):
    """Everything the planner knows about one budget.

    Attributes
    ----------
    compute : float
        Training budget (FLOPs).
    allocation : Allocation
        The compute-optimal model at the budget (data-constrained when ``unique_tokens`` is set).
    data : DataConstrainedPlan or None
    inference : InferencePlan or None
        The inference-aware model (when ``inference_tokens > 0``).
    N, D : float
        The recommended model: the inference-aware one when there is inference
        demand, the compute-optimal one otherwise.
    loss : float
        Predicted loss of the recommended model.
    intervals : dict
        ``N``, ``D`` and ``loss`` of the recommended model: ``(lo, hi)`` at ``level``
        over the source's samples (``nan`` without samples).
    training, lifetime : HardwareEstimate
        Time, energy, emissions and cost of training the recommended model, and
        of training plus serving it.
    curves, optima : DataFrame
        IsoFLOP profiles around the budget and their minima.
    """

    compute: float
    source: object
    allocation: Allocation
    data: DataConstrainedPlan | None
    inference: InferencePlan | None
    unique_tokens: float | None
    inference_tokens: float
    N: float
    D: float
    loss: float
    intervals: dict
    training: HardwareEstimate
    lifetime: HardwareEstimate
    curves: pd.DataFrame
    optima: pd.DataFrame

    @property
    def tokens_per_parameter(self) -> float:
        return self.D / self.N

    @property
    def training_flops(self) -> float:
        return 6.0 * self.N * self.D

    @property
    def inference_flops(self) -> float:
        return 2.0 * self.N * self.inference_tokens

    @property
    def epochs(self) -> float | None:
        return None if self.unique_tokens is None else self.D / self.unique_tokens

    @property
    def level(self) -> float:
        return self.source.level

    @property
    def warnings(self) -> list:
        out = list(self.allocation.warnings)
        if self.inference is not None:
            out += [w for w in self.inference.warnings if w not in out]
        return out

    @property
    def numbers(self) -> dict:
        """The headline numbers as plain floats (what the panel and ``--json`` show)."""
        out = {
            "compute": self.compute,
            "N": self.N,
            "D": self.D,
            "tokens_per_parameter": self.tokens_per_parameter,
            "loss": self.loss,
            **{f"{k}_{side}": self.intervals[k][j] for k in ("loss", "N", "D") for j, side in enumerate(("lo", "hi"))},
            "training_flops": self.training_flops,
            "budget_used": self.budget_used,
            "data_saturated": bool(self.allocation.saturated is not None and np.atleast_1d(self.allocation.saturated)[0]),
            "inference_flops": self.inference_flops,
            "compute_optimal_N": self.allocation.value("N"),
            "compute_optimal_D": self.allocation.value("D"),
            "compute_optimal_loss": self.allocation.value("loss"),
            "unique_tokens": self.unique_tokens,
            "epochs": self.epochs,
            "inference_tokens": self.inference_tokens,
            "days": self.training.value("days"),
            "device_hours": self.training.value("device_hours"),
            "energy_mwh": self.training.value("energy_mwh"),
            "emissions_tonnes": self.training.value("emissions_tonnes"),
            "cost_usd": self.training.value("cost_usd"),
            "lifetime_energy_mwh": self.lifetime.value("energy_mwh"),
            "lifetime_emissions_tonnes": self.lifetime.value("emissions_tonnes"),
            "lifetime_cost_usd": self.lifetime.value("cost_usd"),
        }
        if self.data is not None:
            out["loss_penalty_of_data_limit"] = float(self.data.loss_penalty[0])
            out["unlimited_data_N"] = self.data.unconstrained.value("N")
            out["unlimited_data_loss"] = self.data.unconstrained.value("loss")
        if self.inference is not None:
            out["lifetime_flops_saving"] = self.inference.value("saving")
        return out

    # ----------------------------------------------------------------- text
    @property
    def budget_used(self) -> float:
        """Training compute of the compute-optimal model at the budget (FLOPs): the budget itself, or
        less when the unique data are exhausted (see :attr:`Allocation.saturated`)."""
        return float(self.allocation.value("training_flops"))

    def quantities(self) -> list[Quantity]:
        """The recommended model's numbers, each once, as :class:`~workbench.format.Quantity` (what the
        panel, the summary and the consistency checks read)."""
        lvl, iv = self.level, self.intervals
        rows = [
            Quantity("compute budget C", self.compute, "FLOPs"),
            Quantity("model size N", self.N, "parameters", *iv["N"], level=lvl),
            Quantity("training tokens D", self.D, "tokens", *iv["D"], level=lvl),
            Quantity("tokens per parameter D/N", self.tokens_per_parameter, None),
        ]
        if self.unique_tokens is not None:
            rows.append(Quantity("epochs over the unique data", self.epochs, None, note=f"(of {fmt(self.unique_tokens, 'tokens')})"))
        rows.append(Quantity("predicted loss", self.loss, "nats/token", *iv["loss"], level=lvl))
        ratio = self.training_flops / self.compute
        share = ("(the budget)" if abs(ratio - 1) <= 5e-3 else f"({number(ratio, 3)}× the budget)" if ratio > 1
                 else f"({percent(ratio)} of the budget)")
        rows.append(Quantity("training compute 6ND", self.training_flops, "FLOPs", note=share))
        if self.inference_tokens > 0:
            rows.append(Quantity("inference compute 2N·tokens", self.inference_flops, "FLOPs",
                                 note=f"(serving {fmt(self.inference_tokens, 'tokens')})"))
        t = self.training
        return rows + [
            Quantity("wall-clock time", t.value("days"), "days",
                     note=f"on {t.devices:,} × {t.accelerator.name} at {100 * t.utilisation:.0f}% utilisation"),
            Quantity("energy", t.value("energy_mwh"), "MWh", note=f"(PUE {number(t.pue)})"),
            Quantity("emissions", t.value("emissions_tonnes"), "t CO2e", note=f"({number(t.carbon_intensity)} kg CO2e/kWh)"),
            Quantity("cost", t.value("cost_usd"), "USD", note=f"(${number(t.price_per_device_hour)} per device-hour)"),
        ]

    def comparison(self) -> pd.DataFrame | None:
        """The recommended model beside the models it is chosen against (one column each), or ``None``
        when it is simply the compute-optimal model at the budget."""
        if self.inference is None and self.data is None:
            return None
        a, cols = self.allocation, {}
        if self.inference is not None:
            cols["compute-optimal for the budget"] = (a.value("N"), a.value("D"), a.value("loss"), a.value("training_flops"))
        if self.data is not None:
            u = self.data.unconstrained
            cols["unlimited unique data"] = (u.value("N"), u.value("D"), u.value("loss"), u.value("training_flops"))
        rows = {"model size N": [fmt(v[0], "parameters") for v in cols.values()],
                "training tokens D": [fmt(v[1], "tokens") for v in cols.values()]}
        if self.unique_tokens is not None:
            rows["epochs over the unique data"] = [number(v[1] / self.unique_tokens) if k != "unlimited unique data" else "1 or less"
                                                   for k, v in cols.items()]
        rows["predicted loss"] = [fmt(v[2], "nats/token") for v in cols.values()]
        rows["training compute 6ND"] = [fmt(v[3], "FLOPs") for v in cols.values()]
        if self.inference is not None:
            rows["training + inference"] = [fmt(v[3] + 2.0 * v[0] * self.inference_tokens, "FLOPs") for v in cols.values()]
        return pd.DataFrame(rows, index=list(cols)).T.rename_axis("")

    def _notes(self) -> list[str]:
        notes = []
        if self.inference is not None:
            notes.append(
                f"Inference-aware (Sardana & Frankle 2023): the target loss is what the compute-optimal model reaches with "
                f"the budget; a smaller model trained on more tokens reaches it and saves "
                f"{percent(self.inference.value('saving'))} of training + inference FLOPs, so its training compute differs "
                "from the budget.")
        if self.data is not None:
            R_D = self.allocation.source.params.get("R_D", 15.39)
            worth = float(repeated_data_value(max(self.epochs or 1.0, 1.0), R_D))
            notes.append(
                f"Limited unique data (Muennighoff et al. 2023): each repeated epoch is worth less than fresh data "
                f"(the recommended run's repeated tokens are worth {percent(worth)} of fresh ones); the data "
                f"limit costs {number(float(self.data.loss_penalty[0]), 3)} nats/token against unlimited unique data.")
        return notes

    def _title(self) -> str:
        return f"Plan for a compute budget of {fmt(self.compute, 'FLOPs')}"

    def _summarize(self, s) -> None:
        s.subtitle = f"{self.source.label} [{self.source.law.name}]"
        s.add_quantities(self.quantities())
        comp = self.comparison()
        if comp is not None:
            s.add_table(comp, title="for comparison", index=True)
        s.add_text(*self._notes())

    def _headline(self) -> str:
        return (f"budget {fmt(self.compute, 'FLOPs')}: N = {fmt(self.N, 'parameters')}, D = {fmt(self.D, 'tokens')}, "
                f"loss {number(self.loss, 4)}, {fmt(self.training.value('days'), 'days')}")

    def html(self) -> str:
        """The summary as HTML (what the planner panel shows)."""
        return f"<div class='workbench-plan'>{self._repr_html_()}</div>"

    _dict_exclude = ("source", "allocation", "data", "inference", "training", "lifetime", "curves", "optima")

    def to_dict(self) -> dict:
        out = super().to_dict()
        out.update(jsonable({
            "law": self.source.law.name, "source": self.source.label, "params": self.source.params, "plan": self.numbers,
            "compute_optimal": self.allocation, "data_constrained": self.data, "inference_aware": self.inference,
            "hardware": self.training, "lifetime_hardware": self.lifetime}))
        return out


def plan(
    compute: float,
    source="besiroglu2024",
    unique_tokens: float | None = None,
    inference_tokens: float = 0.0,
    repetition=None,
    accelerator=DEFAULT_ASSUMPTIONS["accelerator"],
    devices: int = DEFAULT_ASSUMPTIONS["devices"],
    utilisation: float = DEFAULT_ASSUMPTIONS["utilisation"],
    pue: float = DEFAULT_ASSUMPTIONS["pue"],
    carbon_intensity: float = DEFAULT_ASSUMPTIONS["carbon_intensity"],
    price_per_device_hour: float = DEFAULT_ASSUMPTIONS["price_per_device_hour"],
    table=None,
    budgets_around: tuple = (1e-2, 1e-1, 1.0, 1e1, 1e2),
    level: float | None = None,
    max_samples: int | None = 100,
) -> Plan:
    """Plan a training run: model size, tokens, loss (with interval), days, energy, emissions and cost.

    Parameters
    ----------
    compute : float
        Training budget ``C`` in FLOPs.
    source : Fit, str or ParameterSet
        The law: a parameter-set name (default ``"besiroglu2024"``, the Chinchilla
        refit), ``"hoffmann2022"``, ``"muennighoff2023"``, or your own
        :class:`~workbench.fitting.Fit` (its bootstrap gives the intervals).
    unique_tokens : float, optional
        Unique training tokens available; repeated epochs are worth less
        (Muennighoff et al. 2023).
    inference_tokens : float
        Tokens the model will serve over its life; with demand, the plan picks the
        smaller, longer-trained model of the same loss that minimises training plus
        inference FLOPs (Sardana & Frankle 2023).
    repetition : str or dict, optional
        ``R*_D``, ``R*_N`` for a Chinchilla source with ``unique_tokens``.
    accelerator, devices, utilisation, pue, carbon_intensity, price_per_device_hour, table
        Hardware and cost assumptions (see :func:`hardware_estimate`).
    budgets_around : tuple
        Multiples of ``compute`` at which isoFLOP profiles are drawn.
    level : float, optional
        Interval coverage (default: the source's).
    max_samples : int or None
        Intervals use at most this many of the source's parameter samples (evenly
        spaced through the bootstrap), so that a planner update stays live; ``None``
        uses them all (as :func:`compute_optimal` does).

    Returns
    -------
    Plan
    """
    C = _finite(compute, "compute", "a positive number of FLOPs, e.g. 1e23")
    T = _finite(inference_tokens or 0.0, "inference_tokens", "a finite number of tokens, not negative", allow_zero=True)
    if unique_tokens is not None:
        _finite(unique_tokens, "unique_tokens", "a positive number of tokens")
    src = fitted_law(source)
    samples = src.samples
    if samples is not None and max_samples is not None and len(samples) > max_samples:
        samples = samples[np.linspace(0, len(samples) - 1, int(max_samples)).round().astype(int)]
    src = parameter_set_of(src, samples=samples, level=src.level if level is None else level)
    U = None if unique_tokens is None else float(unique_tokens)
    data = None
    if U is not None:
        data = data_constrained_optimum(src, C, U, repetition=repetition)
        alloc = data.constrained
        law_src = alloc.source
    else:
        if src.law.name == "data_constrained":
            # unlimited unique data: every token is fresh and the law reduces to its Chinchilla terms
            src = unlimited_data_law(src, label=src.label + ", unlimited unique data")
        alloc = compute_optimal(src, C)
        law_src = src
    if alloc.method == "law of compute only":
        raise ArgumentError(f"Law {src.law.name!r} depends on compute only, so it cannot say how to split C into N and D.")
    inf = None
    if T > 0:
        inf = inference_optimum(law_src, T, compute=C, unique_tokens=U, reference=alloc)
        N, D = inf.value("N"), inf.value("D")
        ivs = inf.intervals
    else:
        N, D = alloc.value("N"), alloc.value("D")
        ivs = alloc.intervals
    nan = (float("nan"), float("nan"))
    intervals = {k: tuple(float(np.atleast_1d(v)[0]) for v in ivs[k]) if ivs else nan for k in ("N", "D")}
    # predicted loss of the recommended model, and its spread over the samples
    extra = {} if U is None else {"U": U}
    loss = float(law_src.predict(N=N, D=D, **extra)[0])
    if not all(np.isfinite(v) and v > 0 for v in (N, D, loss)):
        values = ", ".join(f"{n}={v:.6g}" for n, v in law_src.params.items())
        raise ArgumentError(
            f"The law {law_src.law.name!r} with {values} gives no finite plan at {C:.3g} FLOPs "
            f"(N={N:.3g}, D={D:.3g}, loss={loss:.3g}): check the parameter values and the budget."
        )
    intervals["loss"] = nan
    if law_src.samples is not None and len(law_src.samples) >= 2:
        x = law_src.law.inputs_from(N=N, D=D, **extra)
        lo, hi = percentile_interval(law_src.law.predict_batch(law_src.samples, x)[:, 0], law_src.level)
        intervals["loss"] = (float(lo), float(hi))
    hw = dict(accelerator=accelerator, devices=devices, utilisation=utilisation, pue=pue, carbon_intensity=carbon_intensity,
              price_per_device_hour=price_per_device_hour, table=table)
    training = hardware_estimate(6.0 * N * D, **hw)
    lifetime = hardware_estimate(6.0 * N * D + 2.0 * N * T, **hw)
    # the profiles sit around the compute the data-limited optimum uses (the budget, unless the unique
    # data are exhausted: beyond that every profile is the same flat line at the loss floor)
    centre = C if alloc.saturated is None or not bool(np.atleast_1d(alloc.saturated)[0]) else alloc.value("training_flops")
    budgets = centre * np.asarray(budgets_around, float)
    curves, optima = isoflop_curves(law_src, budgets, unique_tokens=U)
    return Plan(C, src, alloc, data, inf, U, T, N, D, loss, intervals, training, lifetime, curves, optima)
