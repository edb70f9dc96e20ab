"""``python -m workbench plan --compute C``: model size, tokens, loss, time, energy and cost for a budget.

Compute-optimal model size and training tokens for a budget under a published or given law,
optionally limited by unique data (Muennighoff et al. 2023) and adjusted for inference demand
(Sardana & Frankle 2023), with wall-clock time, energy, emissions and cost on the chosen hardware.
"""

from __future__ import annotations

import argparse
import math

from ..errors import ArgumentError
from ._common import add_command, dump_json


def _flops(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1e23, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0 such as 1e23, got {text!r}")
    return value


def add_parser(sub) -> None:
    from ..compute.hardware import ACCELERATORS, DEFAULT_ASSUMPTIONS
    from ..laws.published import list_parameter_sets

    d = DEFAULT_ASSUMPTIONS
    p = add_command(sub, "plan", run, __doc__,
                    "plan a training run: model size, tokens, loss, days, energy, emissions and cost for a compute budget")
    p.add_argument("--compute", "-C", type=_flops, required=True, metavar="FLOPS", help="training budget in FLOPs, e.g. 1e23")
    p.add_argument("--params", metavar="NAME", help=f"published parameter set ({', '.join(list_parameter_sets())}; "
                   "default besiroglu2024, the Chinchilla refit)")
    p.add_argument("--law", metavar="NAME", help="law name (chinchilla, data_constrained, kaplan_ND, overtraining); with --set "
                   "gives your own values, alone picks the law's first published parameter set")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="parameter value (repeatable), e.g. --set E=1.8 --set A=480")
    p.add_argument("--unique-tokens", "-U", type=_flops, metavar="TOKENS", help="unique training tokens available")
    p.add_argument("--inference-tokens", "-T", type=_flops, default=0.0, metavar="TOKENS",
                   help="tokens the model will serve over its life (default 0)")
    p.add_argument("--accelerator", default=d["accelerator"], help=f"one of: {', '.join(ACCELERATORS)} (quote names with spaces, or write H100-SXM; default {d['accelerator']})")
    p.add_argument("--devices", type=int, default=d["devices"], help=f"number of accelerators (default {d['devices']})")
    p.add_argument("--utilisation", type=float, default=d["utilisation"], help=f"model FLOPs utilisation, 0-1 (default {d['utilisation']})")
    p.add_argument("--pue", type=float, default=d["pue"], help=f"data-centre power usage effectiveness (default {d['pue']})")
    p.add_argument("--carbon", type=float, default=d["carbon_intensity"], metavar="KG_PER_KWH",
                   help=f"grid carbon intensity in kg CO2e/kWh (default {d['carbon_intensity']})")
    p.add_argument("--price", type=float, default=d["price_per_device_hour"], metavar="USD",
                   help=f"price per device-hour in USD (default {d['price_per_device_hour']})")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def _source(args):
    from ..laws.published import get_parameter_set, list_parameter_sets
    from ..laws import get_law

    values = {}
    for item in args.set or []:
        if "=" not in item:
            raise ArgumentError(f"--set expects NAME=VALUE (e.g. E=1.8), got {item!r}.")
        k, v = item.split("=", 1)
        try:
            values[k.strip()] = float(v)
        except ValueError:
            raise ArgumentError(f"--set {item!r}: {v!r} is not a number.") from None
    if args.params:
        ps = get_parameter_set(args.params)
        if args.law and args.law != ps.law.name:
            raise ArgumentError(f"Parameter set {args.params!r} belongs to law {ps.law.name!r}, not {args.law!r}.")
        if values:
            law = ps.law
            unknown = set(values) - set(law.param_names)
            if unknown:
                raise ArgumentError(f"Law {law.name!r} has no parameter(s) {sorted(unknown)}; it has {list(law.param_names)}.")
            return (law.name, {**ps.values, **values})
        return args.params
    if args.law:
        law = get_law(args.law)
        if values:
            missing = [n for n in law.param_names if n not in values]
            if missing:
                raise ArgumentError(f"Law {law.name!r} needs values for {missing} (--set NAME=VALUE), or use --params.")
            return (law.name, values)
        sets = list_parameter_sets(law.name)
        if not sets:
            raise ArgumentError(f"Law {law.name!r} has no published parameter set: give its values with --set NAME=VALUE.")
        return sets[0]
    if values:
        raise ArgumentError("--set needs --law (or --params to start from a published set).")
    return "besiroglu2024"


def run(args) -> int:
    from ..compute import plan

    result = plan(
        args.compute,
        _source(args),
        unique_tokens=args.unique_tokens,
        inference_tokens=args.inference_tokens,
        accelerator=args.accelerator,
        devices=args.devices,
        utilisation=args.utilisation,
        pue=args.pue,
        carbon_intensity=args.carbon,
        price_per_device_hour=args.price,
    )
    if args.json:
        print(dump_json(result.to_dict()))
    else:
        print(result.summary())
    return 0
