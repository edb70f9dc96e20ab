"""``python -m workbench passk FILE --k 1 10 100``: pass@k of per-problem sample counts."""

from __future__ import annotations

from ._common import dump_json


def add_parser(sub) -> None:
    p = sub.add_parser(
        "passk",
        help="unbiased pass@k (with standard errors) from per-problem sample counts",
        description="Read a CSV/Parquet/JSON file with one row per problem (columns problem, n = samples drawn, "
        "c = correct; optionally model and size) and print the unbiased pass@k of each model with its standard "
        "error over problems. With --fit-coverage K, also fit the coverage law log c(k) = a k^b on k <= K and "
        "the beta-binomial model, and compare their predictions at the requested k.",
    )
    p.add_argument("file", metavar="FILE", help="per-problem counts (CSV, TSV, Parquet or JSON)")
    p.add_argument("--k", type=int, nargs="+", default=[1, 10, 100], help="values of k (default 1 10 100)")
    p.add_argument("--column", action="append", metavar="OLD=NEW", help="rename a column (repeatable), e.g. attempts=n")
    p.add_argument("--fit-coverage", type=int, metavar="K", help="fit the coverage law on k <= K and the beta-binomial model")
    p.add_argument("--level", type=float, default=0.95, help="interval coverage (default 0.95)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..errors import ArgumentError
    from ..testtime import aggregate_pass_at_k, fit_beta_binomial, fit_coverage_law, group_counts, load_counts

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
        fits = {}
        for model, g in group_counts(counts).items():
            law = fit_coverage_law(g, args.fit_coverage, bootstrap=200, level=args.level)
            bb = fit_beta_binomial(g, level=args.level)
            ks = list(args.k)
            fits["all" if model is None else str(model)] = {
                "coverage_law": law.to_dict(),
                "beta_binomial": bb.to_dict(),
                "predictions": [{"k": k, "coverage_law": float(law.predict(k)), "beta_binomial": float(bb.predict(k))}
                                for k in ks],
            }
        out["coverage_fits"] = fits
    if args.json:
        print(dump_json(out))
        return 0
    formatters = {"size": lambda v: f"{v:.3g}"} if "size" in table.columns else {}
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}", formatters=formatters))
    for model, f in out.get("coverage_fits", {}).items():
        law, bb = f["coverage_law"], f["beta_binomial"]
        print(f"\n[{model}] coverage law fitted on k <= {args.fit_coverage}: a = {law['params']['a']:.4g}, "
              f"b = {law['params']['b']:.4g};  beta-binomial: alpha = {bb['params']['alpha']:.4g}, "
              f"beta = {bb['params']['beta']:.4g}")
        for row in f["predictions"]:
            print(f"  k = {row['k']:>7}: law {row['coverage_law']:.4f}   beta-binomial {row['beta_binomial']:.4f}")
    return 0
