"""The command line: ``python -m workbench COMMAND ...``.

Each command lives in its own module under :mod:`workbench.commands` and
provides ``add_parser(subparsers)`` and ``run(args) -> int``. Errors the user
can fix (a :class:`~workbench.errors.WorkbenchError`, or a bad option) are
printed as exactly one line, ``error: ...``, with exit status 2, never a
traceback; ``--verbose`` adds the full message, the usage and the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path

from . import __version__
from .errors import WorkbenchError

#: Modules providing the subcommands, in the order ``--help`` lists them.
COMMANDS = [
    "workbench.commands.fit",
    "workbench.commands.rollout",
    "workbench.commands.plan",
    "workbench.commands.passk",
    "workbench.commands.benchmark",
    "workbench.commands.report",
    "workbench.commands.catalogue",
    "workbench.commands.notebooks",
]


def one_line(message: str) -> str:
    """A message on one line: a list under a heading (``"...:\\n  - a\\n  - b"``) becomes ``"...: a; b"``."""
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return ""
    head, items = lines[0], [line.removeprefix("- ").strip() for line in lines[1:]]
    if not items:
        return head
    if not head.endswith(":"):
        head, items = "", [head] + items
    joined = "; ".join([item.rstrip(".") for item in items[:-1]] + items[-1:])
    return f"{head} {joined}" if head else joined


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit status 2); ``--verbose`` adds the usage."""

    verbose = False

    def error(self, message):
        if Parser.verbose:
            self.print_usage(sys.stderr)
        self.exit(2, f"error: {self.prog}: {one_line(message)} (see '{self.prog} --help')\n")


def _add_verbose(parser: argparse.ArgumentParser, dest: str) -> None:
    parser.add_argument("--verbose", dest=dest, action="store_true",
                        help="on an error, print the full message and the traceback instead of one line")


def build_parser(prog: str = "python -m workbench") -> argparse.ArgumentParser:
    """The argument parser of every command; ``prog`` is the name shown in usage lines."""
    parser = Parser(
        prog=prog,
        description="Scaling Workbench: fit, plan and explore neural scaling laws.",
        epilog=f"Run '{prog} COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"scaling-workbench {__version__}")
    _add_verbose(parser, "verbose_first")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).add_parser(sub)
    for command in sub.choices.values():
        _add_verbose(command, "verbose")
    return parser


def main(argv=None) -> int:
    """Run one command; return its exit status (2 for input the user can fix)."""
    # installed as the console script 'scaling-workbench', usage lines say so
    called_as = Path(sys.argv[0]).name if argv is None and sys.argv and sys.argv[0] else ""
    argv = sys.argv[1:] if argv is None else list(argv)
    Parser.verbose = "--verbose" in argv
    parser = build_parser("scaling-workbench" if called_as.startswith("scaling-workbench") else "python -m workbench")
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    verbose = bool(getattr(args, "verbose", False) or getattr(args, "verbose_first", False))
    try:
        return int(args.run(args) or 0)
    except WorkbenchError as exc:
        if verbose:
            traceback.print_exc(file=sys.stderr)
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
