"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import ArgumentError
from ..results import jsonable


def add_command(sub, name: str, run, doc: str | None, help: str, *, filters: bool = False) -> argparse.ArgumentParser:
    """Add the subcommand ``name``, run by ``run(args)``.

    Its ``--help`` description is ``doc`` (the command module's docstring) after the first paragraph;
    ``filters=True`` keeps the description's line breaks and explains the filter language below the options.
    """
    description = doc.split("\n\n", 1)[1].strip() if doc and "\n\n" in doc else None
    options = {}
    if filters:
        from ..data.filters import FILTER_HELP

        options = {"epilog": FILTER_HELP, "formatter_class": argparse.RawDescriptionHelpFormatter}
    p = sub.add_parser(name, help=help, description=description, **options)
    p.set_defaults(run=run)
    return p


def read_runs_arg(data: str, columns: list[str] | None = None, where: str | None = None):
    """Runs from a registered dataset name or a CSV/Parquet/JSON file, optionally filtered."""
    from ..data import list_datasets, load_dataset, load_runs

    rename = {}
    for item in columns or []:
        if "=" not in item:
            raise ArgumentError(f"--column expects OLD=NEW (e.g. params=N), got {item!r}.")
        old, new = item.split("=", 1)
        rename[old] = new
    if Path(data).exists():
        runs = load_runs(data, columns=rename or None, require=(), on_duplicates="keep")
    elif data in list_datasets():
        runs = load_runs(load_dataset(data), columns=rename or None, require=(), on_duplicates="keep")
    else:
        raise ArgumentError(
            f"{data!r} is neither a file nor a registered dataset. Datasets: {', '.join(list_datasets())}."
        )
    if where is not None:
        from ..data.filters import filter_mask

        runs = runs.loc[filter_mask(runs, where, label="--where")]
        if len(runs) == 0:
            raise ArgumentError(f"--where {where!r} keeps no runs: loosen the condition.")
    return runs


def dump_json(obj) -> str:
    return json.dumps(jsonable(obj), indent=2)


def print_result(result, args) -> int:
    """Print a result: its JSON (with the ``data`` argument) under ``--json``, else its summary."""
    if getattr(args, "json", False):
        out = result.to_dict()
        out["data"] = args.data
        print(dump_json(out))
    else:
        print(result.summary())
    return 0
