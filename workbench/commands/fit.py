"""``python -m workbench fit DATA --law NAME``: fit a scaling law to runs.

Fit a scaling law to runs from a registered dataset or a CSV/Parquet/JSON file,
with bootstrap intervals, diagnostics and an optional held-out extrapolation check.
"""

from __future__ import annotations

import warnings

from ._common import add_command, print_result, read_runs_arg


def add_fit_options(p, *, holdout: bool = True) -> None:
    """Options shared by ``fit`` and ``rollout``: data, law, rows, objective, bootstrap."""
    p.add_argument("data", metavar="DATA", help="registered dataset name (e.g. chinchilla) or a CSV/Parquet/JSON file")
    p.add_argument("--law", required=True, help="law name (see 'python -m workbench laws')")
    if holdout:
        p.add_argument("--holdout", help="runs to hold out: a filter such as 'C > 1e21' (see below), or a fraction such "
                       "as 0.2 (the largest-compute runs)")
        p.add_argument("--holdout-largest", type=int, metavar="K", help="hold out every row of the K largest model sizes N")
    p.add_argument("--where", help="keep only runs matching this filter (see below), e.g. 'loss < 3.5'")
    p.add_argument("--column", action="append", metavar="OLD=NEW", help="rename a column (repeatable), e.g. params=N")
    p.add_argument("--group", metavar="COLUMN", help="column naming each row's run (default: a 'group' or 'run' column, "
                   "else runs inferred from a 'step' column or repeated model sizes); 'none': every row is its own run")
    p.add_argument("--min-fraction", type=float, metavar="F", help="drop the first F (0-1) of each run's tokens "
                   "(early checkpoints of training curves)")
    p.add_argument("--on-duplicates", choices=["raise", "drop", "keep"], default="raise",
                   help="rows repeating another row's inputs and loss: error (default), drop or keep")
    p.add_argument("--fix", action="append", metavar="NAME=VALUE", help="hold a parameter fixed (repeatable), e.g. alpha=0.34")
    p.add_argument("--tie", action="append", metavar="A,B", help="constrain parameters to be equal (repeatable), e.g. alpha,beta")
    p.add_argument("--cap-e", action="store_true", help="cap the irreducible loss E at the lowest fitted loss")
    p.add_argument("--overestimate-penalty", type=float, default=1.0, metavar="W",
                   help="weight of residuals where the law predicts more than observed (default 1: symmetric)")
    p.add_argument("--force", action="store_true", help="fit even with no residual degrees of freedom")
    p.add_argument("--loss", choices=["huber", "squares"], default="huber", help="robust loss on log residuals (default huber)")
    p.add_argument("--delta", type=float, default=1e-3, help="Huber threshold (default 1e-3)")
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for intervals (0 to skip; default 200)")
    p.add_argument("--resample", choices=["auto", "runs", "residuals"], default="auto",
                   help="bootstrap: resample whole runs ('runs'), or keep every run and redraw its noise "
                   "('residuals'); default 'auto': runs with >= 6 runs per free parameter, else residuals")
    p.add_argument("--level", type=float, default=0.95, help="interval coverage (default 0.95)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")


def fit_options(args) -> dict:
    """Keyword arguments of :func:`workbench.fit` from parsed options."""
    from ..errors import WorkbenchError

    fixed = {}
    for item in args.fix or []:
        name, _, value = item.partition("=")
        try:
            fixed[name.strip()] = float(value)
        except ValueError:
            raise WorkbenchError(f"--fix expects NAME=VALUE (e.g. alpha=0.34), got {item!r}.") from None
    tie = [tuple(s.strip() for s in item.split(",")) for item in args.tie or []]
    group = args.group
    if group is not None and group.lower() == "none":
        group = False
    return dict(loss=args.loss, delta=args.delta, bootstrap=args.bootstrap, level=args.level, seed=args.seed,
                group=group, min_fraction=args.min_fraction, on_duplicates=args.on_duplicates, fixed=fixed or None,
                tie=tie or None, cap_E=args.cap_e, overestimate_penalty=args.overestimate_penalty, force=args.force,
                resample=args.resample)


def add_parser(sub) -> None:
    p = add_command(sub, "fit", run, __doc__, "fit a scaling law to a dataset or a file of runs", filters=True)
    add_fit_options(p)
    p.add_argument("--by", metavar="COLUMN", help="fit one law per value of this column (e.g. a model family)")
    p.add_argument("--json", action="store_true", help="print one JSON object with parameters, intervals, statistics, "
                   "warnings ({code, message}) and, with a holdout, holdout.predictions")


def _holdout(value):
    if value is None:
        return None
    try:
        f = float(value)
    except ValueError:
        return value
    return f


def run(args) -> int:
    from ..fitting import fit

    runs = read_runs_arg(args.data, args.column, args.where)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        result = fit(args.law, runs, holdout=_holdout(args.holdout), holdout_largest=args.holdout_largest, by=args.by,
                     **fit_options(args))
    return print_result(result, args)
