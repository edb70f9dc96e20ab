"""``python -m workbench report``: execute notebooks and write self-contained HTML reports.

Execute notebooks in fresh kernels and export them as HTML that opens offline: charts are
inline SVG, fitted numbers are text. Prints each notebook's run time and peak memory.
"""

from __future__ import annotations

import glob
from pathlib import Path

from ..errors import ArgumentError
from ._common import add_command


def add_parser(sub) -> None:
    p = add_command(sub, "report", run, __doc__, "execute notebooks in fresh kernels and write self-contained HTML reports")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="notebooks to run (default: notebooks/*.ipynb)")
    p.add_argument("--out", required=True, help="folder for the HTML files (an index.html lists them)")
    p.add_argument("--quick", action="store_true", help="cut toy-model training to CI size (same as WORKBENCH_QUICK=1)")
    p.add_argument("--hide-code", action="store_true", help="leave the code cells out of the reports")
    p.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell (default 1200)")


def run(args) -> int:
    import os

    from ..report import build_reports

    notebooks = args.notebooks or sorted(glob.glob("notebooks/*.ipynb"))
    if not notebooks:
        raise ArgumentError("No notebooks given and none found in notebooks/: pass paths to .ipynb files.")
    missing = [n for n in notebooks if not Path(n).is_file()]
    if missing:
        raise ArgumentError(f"No such notebook(s): {', '.join(missing)}.")
    quick = args.quick or os.environ.get("WORKBENCH_QUICK", "") not in ("", "0")
    results = build_reports(notebooks, args.out, quick=quick, hide_code=args.hide_code, timeout=args.timeout)
    print(f"reports written to {Path(args.out).resolve()}/index.html")
    return 0 if all(r.ok for r in results) else 1
