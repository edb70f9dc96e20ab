"""The command line reference, from the parser's own ``--help`` text at build time."""

from __future__ import annotations

import argparse
import os
import textwrap
from pathlib import Path

from . import write_if_changed

PROG = "scaling-workbench"


def _help(parser: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal: fix the width so the page is reproducible
    try:
        return parser.format_help()
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def _block(text: str) -> list[str]:
    return [".. code-block:: text", "", *textwrap.indent(text.rstrip(), "   ").splitlines(), ""]


def write(path: Path) -> None:
    from workbench.cli import build_parser

    parser = build_parser(prog=PROG)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    lines = [
        ".. _cli:", "",
        "Command line", "============", "",
        "Generated at build time from the commands' own ``--help``. The command is installed as",
        f"``{PROG}``; ``python -m workbench`` is the same program. Bad input exits with status 2 and one",
        "line saying what to fix; ``--json`` (where offered) prints one JSON object for scripts.", "",
        f"``{PROG}``", "-" * (len(PROG) + 4), "", *_block(_help(parser)),
    ]
    for name, command in sub.choices.items():
        title = f"``{PROG} {name}``"
        lines += [f".. _cli-{name}:", "", title, "-" * len(title), "", *_block(_help(command))]
    write_if_changed(path, "\n".join(lines) + "\n")
