"""``python -m workbench laws|datasets|params``: list what the workbench knows."""

from __future__ import annotations

from ._common import add_command, dump_json


def add_parser(sub) -> None:
    add_command(sub, "laws", run_laws, None, "list the scaling laws in the catalogue").add_argument(
        "name", nargs="?", help="describe one law")
    add_command(sub, "datasets", run_datasets, None, "list the registered public datasets").add_argument(
        "name", nargs="?", help="describe one dataset (source, licence, citation)")
    p = add_command(sub, "params", run_params, None, "list published parameter sets")
    p.add_argument("name", nargs="?", help="show one parameter set")
    p.add_argument("--json", action="store_true")


def run_laws(args) -> int:
    from ..laws import get_law, list_laws

    if args.name:
        print(get_law(args.name).describe())
        return 0
    for name in list_laws():
        law = get_law(name)
        print(f"{name:<22} {law.equation}")
    return 0


def run_datasets(args) -> int:
    from ..data import get_dataset, list_datasets

    if args.name:
        print(get_dataset(args.name).describe())
        return 0
    for name in list_datasets():
        print(f"{name:<18} {get_dataset(name).title}")
    return 0


def run_params(args) -> int:
    from ..laws import get_parameter_set, list_parameter_sets

    names = [args.name] if args.name else list_parameter_sets()
    sets = [get_parameter_set(n) for n in names]
    if args.json:
        print(dump_json({s.name: {"law": s.law.name, "values": s.values, "stderr": s.stderr, "citation": s.citation} for s in sets}))
        return 0
    for s in sets:
        vals = ", ".join(f"{k}={v:.6g}" for k, v in s.values.items())
        print(f"{s.name:<24} [{s.law.name}] {vals}\n{'':<24} {s.citation}")
    return 0
