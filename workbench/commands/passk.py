"""``python -m workbench passk FILE --k 1 10 100``: pass@k of per-problem sample counts.

Read a CSV/Parquet/JSON file with one row per problem (columns problem, n = samples drawn,
c = correct; optionally model and size) and print the unbiased pass@k of each model with its standard
error over problems. With --fit-coverage K, also fit the coverage law log c(k) = a k^b and the
beta-binomial model, both on the same budget of K samples per problem (a subsample of the counts), one fit
per model, and print their predictions at the requested k beside the coverage observed from all samples.
"""

from __future__ import annotations

from ._common import add_command, dump_json


def add_parser(sub) -> None:
    p = add_command(sub, "passk", run, __doc__, "unbiased pass@k (with standard errors) from per-problem sample counts")
    p.add_argument("file", metavar="FILE", help="per-problem counts (CSV, TSV, Parquet or JSON)")
    p.add_argument("--k", type=int, nargs="+", default=[1, 10, 100], help="values of k (default 1 10 100)")
    p.add_argument("--column", action="append", metavar="OLD=NEW", help="rename a column (repeatable), e.g. attempts=n")
    p.add_argument("--fit-coverage", type=int, metavar="K", help="fit the coverage law and the beta-binomial model on K "
                   "samples per problem and compare them with the observed coverage")
    p.add_argument("--level", type=float, default=0.95, help="interval coverage (default 0.95)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args) -> int:
    from ..errors import ArgumentError
    from ..testtime import aggregate_pass_at_k, load_counts

    rename = {}
    for item in args.column or []:
        if "=" not in item:
            raise ArgumentError(f"--column expects OLD=NEW (e.g. attempts=n), got {item!r}.")
        old, new = item.split("=", 1)
        rename[old] = new
    counts = load_counts(args.file, columns=rename or None)
    table = aggregate_pass_at_k(counts, args.k, level=args.level)
    out = {"file": args.file, "n_rows": len(counts), "pass_at_k": table.to_dict(orient="records")}
    if args.fit_coverage is not None:
        out["coverage_fits"] = _coverage_fits(counts, args)
    if args.json:
        print(dump_json(out))
        return 0
    formatters = {"size": lambda v: f"{v:.3g}"} if "size" in table.columns else {}
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}", formatters=formatters))
    for model, f in out.get("coverage_fits", {}).items():
        law, bb = f["coverage_law"], f["beta_binomial"]
        print(f"\n[{model}] both fitted on {args.fit_coverage} samples per problem: coverage law a = "
              f"{law['params']['a']:.4g}, b = {law['params']['b']:.4g};  beta-binomial alpha = "
              f"{bb['params']['alpha']:.4g}, beta = {bb['params']['beta']:.4g}")
        for row in f["predictions"]:
            print(f"  k = {row['k']:>7}: observed {row['observed']:.4f}   law {row['coverage_law']:.4f}   "
                  f"beta-binomial {row['beta_binomial']:.4f}")
    return 0


def _coverage_fits(counts, args) -> dict:
    """Per model: the coverage law and the beta-binomial fitted on the same sample budget, their
    predictions at the requested ``k`` and the coverage observed from all samples."""
    import numpy as np

    from ..errors import SamplesError
    from ..testtime import compare_extrapolations, group_counts
    from ..testtime import k_grid

    if args.fit_coverage < 3:
        raise SamplesError(f"--fit-coverage {args.fit_coverage}: k_fit_max must be at least 3 to fit two parameters.")
    fits = {}
    for model, g in group_counts(counts).items():
        n_min = int(g["n"].min())
        if args.fit_coverage > n_min:
            raise SamplesError(f"--fit-coverage {args.fit_coverage} exceeds the {n_min} samples drawn per problem"
                               + (f" for model {model!r}" if model is not None else "") + ": lower it.")
        wanted = np.unique(np.asarray(args.k, np.int64))
        grid = np.union1d(k_grid(n_min), wanted)
        cmp = compare_extrapolations(g.drop(columns="model", errors="ignore"), args.fit_coverage, k=grid,
                                     bootstrap=200, level=args.level, seed=0)
        t = cmp.table.set_index("k")
        # (the pass@k table above has already refused any k beyond the samples drawn)
        rows = [{"k": int(k), "observed": float(t.loc[k, "observed"]), "coverage_law": float(t.loc[k, "law"]),
                 "beta_binomial": float(t.loc[k, "beta_binomial"])} for k in wanted]
        fits["all" if model is None else str(model)] = {
            "fit_samples": int(args.fit_coverage),
            "coverage_law": cmp.law_fit.to_dict(),
            "beta_binomial": cmp.beta_fit.to_dict(),
            "predictions": rows,
        }
    return fits
