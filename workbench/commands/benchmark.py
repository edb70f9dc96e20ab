"""``python -m workbench bench-extrapolation [--task T] [--json]``: every law against the held-out tasks.

For each task, fit every applicable law on the training split only, predict the held-out split
(larger models, more data, new mixtures) and report R-squared, NMSE and NMAE as SLDBench defines them, the
law selected from the training split alone, and the task's human-derived law. Tasks: data-constrained,
vocabulary, moe, lr-batch, sft, domain-mixture.
"""

from __future__ import annotations

import os
import sys

from ._common import add_command, dump_json


def add_parser(sub) -> None:
    p = add_command(sub, "bench-extrapolation", run, __doc__,
                    "score every law on the extrapolation tasks (SLDBench): fit on the training split, predict the held-out one")
    p.add_argument("--task", action="append", metavar="T", help="run only this task (repeatable); default: every task")
    p.add_argument("--law", action="append", metavar="L",
                   help="also try this catalogue law on every task whose table feeds it (repeatable)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                   help="tasks scored at once in separate processes (default: 2, or 1 on a one-core machine)")
    p.add_argument("--selection", choices=["leave-largest-out", "rollout"], default="leave-largest-out",
                   help="how a law is chosen from the training split: hold out its largest runs (default), or roll out "
                   "along the task's model sizes (fit on the sizes up to the k-th, predict the next)")
    p.add_argument("--quick", action="store_true", help="quick mode: two laws per task on a few hundred rows (not the benchmark's numbers)")
    p.add_argument("--json", action="store_true",
                   help='print a JSON list, one object per task: {"task", "n_train", "n_test", "selected": {"law", "r2", '
                   '"nmse", "nmae"}, "expert": {...}, "laws": [{...}, ...]} (the time goes to stderr)')


def run(args) -> int:
    import warnings

    from ..benchmark import benchmark_extrapolation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # every fit's warnings are kept in the results
        lb = benchmark_extrapolation(args.task, extra_laws=args.law or (), quick=args.quick, progress=not args.json,
                                     workers=args.workers, selection=args.selection)
    if args.json:
        print(dump_json(lb.to_records()))
    else:
        print(lb.summary())
    print(f"time: {lb.seconds:.1f} s wall, {lb.cpu_seconds:.1f} s processor", file=sys.stderr if args.json else sys.stdout)
    return 0
