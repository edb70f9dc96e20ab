"""``python -m workbench rollout DATA --law NAME``: fit on the smaller model sizes, predict the next, for every size.

Rollout validation of a law over model size (as OLMo-core evaluates its ladder):
for every k, fit on the k smallest model sizes and predict the next; report each step's
relative error and whether the observed loss fell inside its prediction interval.
"""

from __future__ import annotations

import warnings

from ._common import add_command, print_result, read_runs_arg
from .fit import add_fit_options, fit_options


def add_parser(sub) -> None:
    p = add_command(sub, "rollout", run, __doc__, "rollout validation: fit on the sizes up to each one, predict the next",
                    filters=True)
    add_fit_options(p, holdout=False)
    p.add_argument("--min-sizes", type=int, default=3, metavar="K", help="model sizes in the first fit (default 3)")
    p.add_argument("--size", default="N", help="column ordering the ladder (default N)")
    p.add_argument("--predict", choices=["final", "all"], default="final",
                   help="predict each held-out run's last row (default) or every row")
    p.add_argument("--chart", metavar="FILE", help="also write the rollout chart (.html, .svg or .png)")
    p.add_argument("--json", action="store_true", help="print one JSON object: statistics, steps and every prediction")


def run(args) -> int:
    from ..fitting import rollout

    runs = read_runs_arg(args.data, args.column, args.where)
    opts = fit_options(args)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = rollout(runs, args.law, size=args.size, min_sizes=args.min_sizes, predict=args.predict, **opts)
    if args.chart:
        result.chart().save(args.chart)
    return print_result(result, args)
