"""The compute planner panel: budget, data and inference in; model, loss, days, energy and cost out."""

from __future__ import annotations

import math

import ipywidgets as w

from ..charts.compute import plan_chart
from ..compute import ACCELERATORS, DEFAULT_ASSUMPTIONS, plan
from ..laws import fitted_law, get_parameter_set
from .panel import Panel, View, log_slider

__all__ = ["planner_panel", "PLANNER_CHOICES"]

#: Parameter sets offered by default (key -> label); "fit" is added when a Fit is passed.
PLANNER_CHOICES = {n: get_parameter_set(n).label for n in ("hoffmann2022", "besiroglu2024", "muennighoff2023")}

def planner_panel(
    fit=None,
    compute: float = 1e23,
    unique_tokens: float = 5e11,
    inference_tokens: float = 1e12,
    parameter_set: str | None = None,
    limit_data: bool = False,
    accelerator: str = DEFAULT_ASSUMPTIONS["accelerator"],
    devices: int = DEFAULT_ASSUMPTIONS["devices"],
    utilisation: float = DEFAULT_ASSUMPTIONS["utilisation"],
    pue: float = DEFAULT_ASSUMPTIONS["pue"],
    carbon_intensity: float = DEFAULT_ASSUMPTIONS["carbon_intensity"],
    price_per_device_hour: float = DEFAULT_ASSUMPTIONS["price_per_device_hour"],
    choices: dict | None = None,
) -> Panel:
    """A live compute planner.

    Controls: the compute budget, the unique tokens available (and whether they
    limit the run), the tokens the model will serve, the law's parameters
    (Hoffmann et al. 2022, the Besiroglu et al. 2024 refit, Muennighoff et al. 2023,
    or your own fit), the accelerator, the utilisation, the number of devices, PUE,
    grid carbon intensity and price. The readout gives model size, tokens, tokens
    per parameter, predicted loss with its interval (for a fit with a bootstrap),
    days, energy, emissions and cost; the chart shows the isoFLOP profiles around
    the budget with the optima marked.

    Parameters
    ----------
    fit : Fit, optional
        Your own fit of the Chinchilla (or data-constrained) law; offered as "your
        fit" and chosen by default. Its bootstrap gives the intervals.
    compute, unique_tokens, inference_tokens : float
        Initial budget (FLOPs), unique data (tokens) and lifetime inference (tokens).
    parameter_set : str, optional
        Initial choice: a key of ``choices`` or ``"fit"``.
    limit_data : bool
        Whether the unique tokens limit the run initially.
    choices : dict, optional
        Parameter-set name -> label (default :data:`PLANNER_CHOICES`).
    """
    choices = dict(PLANNER_CHOICES if choices is None else choices)
    sources = {k: fitted_law(k, label=v) for k, v in choices.items()}
    options = [(v, k) for k, v in choices.items()]
    if fit is not None:
        sources["fit"] = fitted_law(fit)
        options.insert(0, (f"your fit: {fit.label}", "fit"))
    if parameter_set is None:
        parameter_set = "fit" if fit is not None else "besiroglu2024"
    if parameter_set not in sources:
        from ..errors import UnknownNameError

        raise UnknownNameError(f"parameter_set must be one of {sorted(sources)}, not {parameter_set!r}.")

    controls = {
        "compute": log_slider("compute budget C", compute, 1e18, 1e27),
        "limit_data": w.Checkbox(value=limit_data, description="limit unique data"),
        "unique_tokens": log_slider("unique tokens U", unique_tokens, 1e9, 1e14),
        "inference_tokens": log_slider("inference tokens", inference_tokens, 1e6, 1e16),
        "parameter_set": w.Dropdown(options=options, value=parameter_set, description="law parameters"),
        "accelerator": w.Dropdown(options=list(ACCELERATORS), value=accelerator, description="accelerator"),
        "devices": w.SelectionSlider(options=[2**k for k in range(0, 17)], value=_nearest_power_of_two(devices),
                                     description="devices"),
        "utilisation": w.FloatSlider(value=utilisation, min=0.1, max=0.7, step=0.01, description="utilisation (MFU)",
                                     readout_format=".0%"),
        "pue": w.BoundedFloatText(value=pue, min=1.0, max=2.5, step=0.05, description="PUE"),
        "carbon_intensity": w.BoundedFloatText(value=carbon_intensity, min=0.0, max=1.2, step=0.05,
                                               description="grid carbon"),
        "price_per_device_hour": w.BoundedFloatText(value=price_per_device_hour, min=0.0, max=50.0, step=0.1,
                                                    description="price"),
    }
    help_text = {
        "compute": "Training compute budget C in FLOPs (C = 6 N D). It sets the target loss: what the compute-optimal "
                   "model trained with C reaches. Type a value such as 1e23 in the box.",
        "limit_data": "Limit the unique training tokens: repeated epochs are worth less than fresh data "
                      "(Muennighoff et al. 2023).",
        "unique_tokens": "Unique training tokens available (used when 'limit unique data' is on).",
        "inference_tokens": "Tokens the model will serve over its life; each costs 2N FLOPs. With more demand the "
                            "cheapest model to train and serve is smaller and trained longer (Sardana & Frankle 2023).",
        "parameter_set": "Whose law: published parameters or your own fit (its bootstrap gives the intervals).",
        "accelerator": "Accelerator model (peak bf16 FLOP/s and power).",
        "devices": "Number of accelerators training in parallel.",
        "utilisation": "Model FLOPs utilisation: the share of peak FLOP/s the training run achieves.",
        "pue": "Power usage effectiveness of the data centre (1 = no overhead).",
        "carbon_intensity": "Grid carbon intensity, kg CO2e per kWh.",
        "price_per_device_hour": "Price in US dollars per device-hour.",
    }
    sections = {
        "budget, data and law": ["compute", "limit_data", "unique_tokens", "inference_tokens", "parameter_set"],
        "hardware and cost": ["accelerator", "devices", "utilisation", "pue", "carbon_intensity", "price_per_device_hour"],
    }
    applies = {"unique_tokens": lambda s: bool(s["limit_data"]) or "turn on 'limit unique data'"}

    cache: dict = {}

    def update(state: dict) -> View:
        # the hardware and cost controls are named as plan()'s assumptions
        result = plan(state["compute"], sources[state["parameter_set"]],
                      unique_tokens=state["unique_tokens"] if state["limit_data"] else None,
                      inference_tokens=state["inference_tokens"], **{k: state[k] for k in sections["hardware and cost"]})
        # the chart's structure never changes, only its rows: refill the chart built on the first update
        chart = plan_chart(result, template=cache.get("chart"))
        cache["chart"] = chart
        return View(chart=chart, text=result.html(), numbers=result.numbers, quantities=result.quantities(),
                    warnings=list(result.warnings))

    return Panel(controls, update, title="Compute planner: how big a model, how many tokens, what loss, what cost?",
                 sections=sections, help=help_text, applies=applies)


def _nearest_power_of_two(n: int) -> int:
    n = max(1, min(int(n), 2**16))
    return 2 ** round(math.log2(n))
