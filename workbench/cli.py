"""The command line: ``python -m workbench COMMAND ...``.

Each command lives in its own module under :mod:`workbench.commands` and
provides ``add_parser(subparsers)`` and ``run(args) -> int``. Errors the user
can fix are printed as one clear message (exit status 2), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import WorkbenchError

#: Modules providing the subcommands, in the order ``--help`` lists them.
COMMANDS = [
    "workbench.commands.fit",
    "workbench.commands.rollout",
    "workbench.commands.plan",
    "workbench.commands.passk",
    "workbench.commands.report",
    "workbench.commands.catalogue",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workbench",
        description="Scaling Workbench: fit, plan and explore neural scaling laws.",
        epilog="Run 'python -m workbench COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"scaling-workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
