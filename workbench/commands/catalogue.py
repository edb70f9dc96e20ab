"""``python -m workbench laws|datasets|params``: list what the workbench knows."""

from __future__ import annotations

from ._common import dump_json


def add_parser(sub) -> None:
    p = sub.add_parser("laws", help="list the scaling laws in the catalogue")
    p.add_argument("name", nargs="?", help="describe one law")
    p.set_defaults(run=run_laws)
    p = sub.add_parser("datasets", help="list the registered public datasets")
    p.add_argument("name", nargs="?", help="describe one dataset (source, licence, citation)")
    p.set_defaults(run=run_datasets)
    p = sub.add_parser("params", help="list published parameter sets")
    p.add_argument("name", nargs="?", help="show one parameter set")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=run_params)


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
