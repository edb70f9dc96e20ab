"""``python -m workbench fit DATA --law NAME``: fit a scaling law to runs."""

from __future__ import annotations

import argparse
import warnings

from ._common import dump_json, read_runs_arg


def add_parser(sub) -> None:
    from ..data.filters import FILTER_HELP

    p = sub.add_parser(
        "fit",
        help="fit a scaling law to a dataset or a file of runs",
        description="Fit a scaling law to runs from a registered dataset or a CSV/Parquet/JSON file,\n"
        "with bootstrap intervals and an optional held-out extrapolation check.",
        epilog=FILTER_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", metavar="DATA", help="registered dataset name (e.g. chinchilla) or a CSV/Parquet/JSON file")
    p.add_argument("--law", required=True, help="law name (see 'python -m workbench laws')")
    p.add_argument("--holdout", help="runs to hold out: a filter such as 'C > 1e21' (see below), or a fraction such as 0.2 "
                   "(the largest-compute runs)")
    p.add_argument("--where", help="keep only runs matching this filter (see below), e.g. 'loss < 3.5'")
    p.add_argument("--column", action="append", metavar="OLD=NEW", help="rename a column (repeatable), e.g. params=N")
    p.add_argument("--loss", choices=["huber", "squares"], default="huber", help="robust loss on log residuals (default huber)")
    p.add_argument("--delta", type=float, default=1e-3, help="Huber threshold (default 1e-3)")
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for intervals (0 to skip; default 200)")
    p.add_argument("--level", type=float, default=0.95, help="interval coverage (default 0.95)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object with parameters, intervals and statistics")
    p.set_defaults(run=run)


def _holdout(value):
    if value is None:
        return None
    try:
        f = float(value)
    except ValueError:
        return value
    return f


def run(args) -> int:
    from ..fit import fit

    runs = read_runs_arg(args.data, args.column, args.where)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = fit(
            args.law,
            runs,
            loss=args.loss,
            delta=args.delta,
            holdout=_holdout(args.holdout),
            bootstrap=args.bootstrap,
            level=args.level,
            seed=args.seed,
        )
    if args.json:
        out = result.to_dict()
        out["data"] = args.data
        print(dump_json(out))
    else:
        print(result.summary())
    return 0
