"""The law gallery, generated from the catalogue (:func:`workbench.list_laws`) at build time.

One page per law (formula as math, inputs and units, parameters with bounds and start
grid, published parameter sets, the paper, notes, a small chart) and an index page with
every law. A law added to the catalogue appears here at the next build with no edit to
the docs.

How a chart is drawn: the law's prediction against its first input (log axis), one line
per level of its second input, further inputs at a typical value. Parameter values come
from, in this order: the law's published parameter sets (:mod:`workbench.laws.published`);
the values in :data:`ILLUSTRATIVE` below, each with the reason it is chosen; else the
centre of the law's default start grid, which the caption then says plainly.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sphinx.util import logging

from . import prune, write_if_changed
from .equations import equation_tex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Axis:
    """How a chart spans a column: its range, the levels drawn as separate lines, log or linear.

    ``meaning`` and ``unit`` are only for columns the package's registry
    (:data:`workbench.data.runs.INPUT_COLUMNS`) does not describe: targets and derived inputs.
    """

    span: tuple[float, float] = (1.0, 1e3)
    levels: tuple[float, ...] = ()
    log: bool = True
    meaning: str = ""
    unit: str = ""


AXES: dict[str, Axis] = {
    "N": Axis((1e7, 1e12), (1e8, 1e9, 1e10)),
    "D": Axis((1e9, 1e13), (2e10, 2e11, 2e12)),
    "C": Axis((1e18, 1e25), (1e20, 1e22, 1e24)),
    "U": Axis((1e9, 1e12), (25e9,)),
    "loss": Axis((1.6, 4.0), (2.0, 2.5, 3.0)),
    "task_loss": Axis((0.3, 3.0), (1.0,), meaning="loss on the task's correct answers", unit="nats or bits per byte"),
    "lr": Axis((1e-5, 1e-1), (1e-4, 1e-3, 1e-2)),
    "batch": Axis((1e5, 1e8), (1e6,)),
    "V": Axis((4e3, 5e5), (32e3,)),
    "N_v": Axis((1e6, 1e9), (1e8,)),
    "experts": Axis((1.0, 256.0), (1.0, 8.0, 64.0)),
    "G": Axis((1.0, 64.0), (1.0, 8.0)),
    "bits": Axis((2.0, 16.0), (3.0, 4.0, 8.0)),
    "step": Axis((1.0, 1e5), (1e3,)),
    "k": Axis((1.0, 1e4), (1.0, 10.0, 100.0), meaning="samples per problem", unit="samples"),
    "S1": Axis((0.1, 30.0), (0.0, 1.0, 3.0), meaning="forward area: sum of the learning rate over the steps so far",
               unit="learning rate x steps"),
    "S2": Axis((0.0, 3.0), (0.0, 1.0, 3.0), log=False,
               meaning="annealing area: momentum-smoothed sum of learning-rate decreases", unit="learning rate x steps"),
    "error": Axis((0.0, 1.0), log=False, meaning="downstream error (average top-1 error)", unit="fraction"),
    "accuracy": Axis((0.0, 1.0), log=False, meaning="accuracy on the task", unit="fraction"),
    "pass_rate": Axis((1e-6, 1.0), meaning="pass rate of the task", unit="fraction"),
    "neg_log_coverage": Axis((1e-3, 3.0), meaning="minus the log of coverage, -ln c(k)", unit="nats"),
}


def describe_column(name: str) -> tuple[str, str]:
    """(meaning, unit) of a column: from the package's registry, else from :data:`AXES`, else blank."""
    from workbench.data.runs import column_info

    info = column_info(name)
    if info is not None:
        return info.meaning, info.unit
    axis = AXES.get(name)
    return (axis.meaning, axis.unit) if axis else ("", "")


def _axis(name: str) -> Axis:
    """The chart range of a column; fractions span 0..1 and indices stay at 0 when not listed."""
    from workbench.data.runs import column_info

    if name in AXES:
        return AXES[name]
    info = column_info(name)
    kind = info.kind if info is not None else ""
    if kind == "fraction":
        return Axis((0.0, 1.0), (0.2,), log=False)
    if kind == "index":
        return Axis((0.0, 0.0), (0.0,), log=False)
    return Axis()


def _chin_term(set_name: str, coef: str, exp: str) -> dict:
    import workbench as wb

    v = wb.get_parameter_set(set_name).values
    return {"E": v["E"], "A": v[coef], "alpha": v[exp]}


def _overtraining_from_muennighoff() -> dict:
    # L = E + A/N^a + B/D^a with tied exponents, rewritten with C = 6ND and M = D/N:
    # A N^-a = A 6^(a/2) M^(a/2) C^(-a/2), so eta = a/2, a_ot = A 6^eta, b_ot = B 6^eta.
    import workbench as wb

    v = wb.get_parameter_set("muennighoff2023").values
    eta = v["alpha"] / 2
    return {"E": v["E"], "a": v["A"] * 6**eta, "b": v["B"] * 6**eta, "eta": eta}


def _frontier_from_chinchilla() -> dict:
    # At the compute-optimal allocation both of Chinchilla's terms scale as C^(-alpha beta / (alpha + beta)),
    # so L_opt(C) = E + K C^(-a) exactly, with a = alpha beta / (alpha + beta); K from one point of the frontier.
    import workbench as wb

    v = wb.get_parameter_set("hoffmann2022").values
    law = wb.get_law("chinchilla")
    a = v["alpha"] * v["beta"] / (v["alpha"] + v["beta"])
    C = 1e21
    N, D = law.compute_optimal(v, C)
    L = float(law.predict(v, N=float(np.atleast_1d(N)[0]), D=float(np.atleast_1d(D)[0]))[0])
    return {"E": v["E"], "A": (L - v["E"]) * C**a, "alpha": a}


def _coverage_from_brown() -> dict:
    # Brown et al. 2024 headline: SWE-bench Lite coverage 15.9% at 1 sample, 56% at 250 samples.
    a = math.log(0.159)
    return {"a": a, "b": math.log(math.log(0.56) / a) / math.log(250.0)}


#: Values for laws that have no published parameter set: (why these values, function giving them).
ILLUSTRATIVE = {
    "power_law_N": ("Chinchilla's parameter term with unlimited data (E, A, alpha of hoffmann2022)",
                    lambda: _chin_term("hoffmann2022", "A", "alpha")),
    "power_law_D": ("Chinchilla's data term with an unlimited model (E, B, beta of hoffmann2022)",
                    lambda: _chin_term("hoffmann2022", "B", "beta")),
    "power_law_C": ("Chinchilla's loss at the compute-optimal allocation (hoffmann2022), which is exactly "
                    "E + A C^-alpha with alpha = alpha_N alpha_D / (alpha_N + alpha_D)", _frontier_from_chinchilla),
    "overtraining": ("muennighoff2023's Chinchilla-form fit (tied exponents) rewritten in C and M = D/N: "
                     "eta = alpha/2, a = A 6^eta, b = B 6^eta", _overtraining_from_muennighoff),
    "coverage_power_law": ("the two points of Brown et al. 2024's headline (SWE-bench Lite: 15.9% at 1 sample, "
                           "56% at 250)", _coverage_from_brown),
    "downstream_error": ("illustrative values: error 0.5 at a loss of 2 nats/token and 0.8 at 4, chance 0.85",
                         lambda: {"eps": 0.85, "k": 0.35 * 7.0, "gamma": math.log(7.0) / 2}),
    "task_law_N": ("illustrative values: a pass rate of about 1e-4 at 1e8 parameters rising to 0.5 at 1e11",
                   lambda: {"c": 8.2e3, "alpha": 0.37}),
    "lr_annealing": ("illustrative values: a loss of about 3.3 nats/token after a forward area of 1, "
                     "each unit of annealing area lowering it by 0.1", lambda: {"L0": 2.5, "A": 0.8, "alpha": 0.5, "C": 0.1}),
    **{f"broken_power_law_{x}": (f"illustrative values: a slope of 0.05 steepening to 0.35 after a break at {x} = {v:g}",
                                 (lambda x=x, v=v: {"a": 1.7, "b": 2.0 * AXES[x].span[0] ** 0.05, "c0": 0.05,
                                                    "c1": 0.3, "d1": v, "f1": 0.3}))
       for x, v in (("N", 1e9), ("D", 1e11), ("C", 1e21))},
}


def chart_values(law) -> tuple[list[tuple[str, dict]], str]:
    """Parameter values to draw (one or more labelled sets) and a caption saying where they come from."""
    from workbench import get_parameter_set, list_parameter_sets

    published = list_parameter_sets(law.name)
    if published:
        # one line per set for a law of one input; one set, one line per level of the second input otherwise
        sets = [(n, dict(get_parameter_set(n).values)) for n in published[: 3 if len(law.inputs) == 1 else 1]]
        return sets, "with the published parameter set" + ("s " if len(sets) > 1 else " ") + ", ".join(
            f"``{n}``" for n, _ in sets)
    if law.name in ILLUSTRATIVE:
        why, make = ILLUSTRATIVE[law.name]
        return [("illustrative", make())], f"with {why} (no published parameter set yet)"
    # the middle start value of each parameter (in fit space), turned into a value
    centre = law.from_fit_space(np.array([p.grid[len(p.grid) // 2] for p in law.parameters], float))
    return [("start grid", dict(zip(law.param_names, centre)))], (
        "with the middle of each parameter's default start values: illustrative, not a fit "
        "(no published parameter set yet)")


def _typical(axis: Axis) -> float:
    if axis.levels:
        return axis.levels[0]
    lo, hi = axis.span
    return math.sqrt(lo * hi) if axis.log and lo > 0 else (lo + hi) / 2


def chart_inputs(law) -> tuple[str, str | None]:
    """The input on the x axis (the first that varies) and the one drawn as separate lines, if any."""
    varying = [x for x in law.inputs if _axis(x).span[0] < _axis(x).span[1]]
    x_name = varying[0] if varying else law.inputs[0]
    lines = [x for x in varying[1:] if len(_axis(x).levels) > 1]
    return x_name, (lines[0] if lines else None)


def curve_table(law, sets):
    """Rows (x, y, line label) of the chart: the law against one input, a line per level of another."""
    import pandas as pd

    x_name, line_name = chart_inputs(law)
    xa = _axis(x_name)
    lo, hi = xa.span
    xs = np.geomspace(lo, hi, 60) if xa.log and lo > 0 else np.linspace(lo, hi, 60)
    levels = [{line_name: v} for v in _axis(line_name).levels] if line_name else [{}]
    rows = []
    for set_name, values in sets:
        for level in levels:
            inputs = {x_name: xs}
            for name in law.inputs:
                if name != x_name:
                    inputs[name] = np.full_like(xs, level.get(name, _typical(_axis(name))))
            with np.errstate(all="ignore"):
                y = np.asarray(law.predict(values, **inputs), float).reshape(-1)
            if y.size != xs.size:  # a law with several outputs per row: chart the first
                y = y[: xs.size]
            label_parts = [set_name] if len(sets) > 1 else []
            label_parts += [f"{k} = {v:.3g}" for k, v in level.items()]
            label = ", ".join(label_parts) or law.target
            rows += [{"x": float(a), "y": float(b), "line": label} for a, b in zip(xs, y) if np.isfinite(b)]
    return pd.DataFrame(rows)


def _axis_title(name: str) -> str:
    """``name: meaning (unit)``, or ``name (unit)`` when the meaning is too long for an axis (the page lists it)."""
    meaning, unit = describe_column(name)
    text = f"{name}: {meaning}" if meaning and len(meaning) <= 32 else name
    return f"{text} ({unit})" if unit else text


def chart_svg(law, sets) -> str | None:
    """The small chart as SVG (vl-convert), or None when the law gives no finite values there."""
    import altair as alt

    from workbench.charts.export import chart_svg as to_svg

    table = curve_table(law, sets)
    if len(table) < 2:
        return None
    x_name, _ = chart_inputs(law)
    positive = bool((table["y"] > 0).all())
    span = table["y"].max() / table["y"].min() if positive and table["y"].min() > 0 else 0
    y_scale = alt.Scale(type="log") if positive and span > 3 else alt.Scale(zero=False)
    x_log = bool(_axis(x_name).log and table["x"].min() > 0)
    x_scale = alt.Scale(type="log") if x_log else alt.Scale(zero=False)
    decades = math.log10(table["x"].max() / table["x"].min()) if x_log else 0.0
    several = table["line"].nunique() > 1
    chart = (
        alt.Chart(table)
        .mark_line(strokeWidth=2)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=alt.Axis(format="~e" if x_log and decades > 2 else "~g", labelOverlap=True),
                    title=_axis_title(x_name)),
            y=alt.Y("y:Q", scale=y_scale, axis=alt.Axis(format="~g"), title=_axis_title(law.target)),
            color=alt.Color("line:N", title=None, legend=alt.Legend(orient="bottom", columns=1) if several else None),
        )
        .properties(width=320, height=200)
    )
    return to_svg(chart)


def _fmt(v: float) -> str:
    if v == math.inf:
        return "∞"
    if v == -math.inf:
        return "−∞"
    return f"{v:.6g}"


def _list_table(header: list[str], rows: list[list[str]], widths: str | None = None, cls: str | None = None) -> list[str]:
    out = [".. list-table::", "   :header-rows: 1"]
    if widths:
        out.append(f"   :widths: {widths}")
    if cls:
        out.append(f"   :class: {cls}")
    out.append("")
    for row in [header, *rows]:
        out.append(f"   * - {row[0] or ' '}")
        out += [f"     - {cell or ' '}" for cell in row[1:]]
    return out + [""]


def _rst_text(s: str) -> str:
    return s.replace("*", r"\*").replace("`", r"\`").replace("|", r"\|").replace("_ ", r"\_ ")


def law_page(law, svg: str | None, caption: str) -> str:
    from workbench import get_parameter_set, list_parameter_sets

    title = _rst_text(law.title)
    target_meaning, target_unit = describe_column(law.target)
    lines = [f".. _law-{law.name}:", "", title, "=" * len(title), "",
             f"``wb.get_law(\"{law.name}\")`` predicts ``{law.target}``"
             + (f" ({_rst_text(', '.join(t for t in (target_meaning, target_unit) if t))})" if target_meaning else "")
             + " from " + ", ".join(f"``{x}``" for x in law.inputs) + ".", ""]
    lines += ["Formula", "-------", "", ".. math::", ""]
    tex = equation_tex(law.equation)
    for i, t in enumerate(tex):
        lines += [f"   {t}"] + ([""] if i < len(tex) - 1 else [])
    lines += ["", f"As the catalogue writes it: ``{law.equation}``", ""]
    lines += ["Inputs", "------", ""]
    lines += _list_table(["column", "meaning", "unit"],
                         [[f"``{x}``", *(_rst_text(t) for t in describe_column(x))] for x in law.inputs],
                         "15 60 25")
    lines += ["Parameters", "----------", ""]
    rows = []
    for p in law.parameters:
        grid = law.from_fit_space(np.array([[g if i == law.param_names.index(p.name) else 0.0
                                              for i in range(law.n_params)] for g in p.grid]))[:, law.param_names.index(p.name)]
        rows.append([f"``{p.name}``", _rst_text(p.description), _fmt(p.lower), _fmt(p.upper),
                     "log" if p.log else "linear", ", ".join(f"{float(g):.3g}" for g in grid)])
    lines += _list_table(["name", "meaning", "lower bound", "upper bound", "fitted on", "start values"], rows,
                         "10 40 12 12 8 18")
    lines += ["Published parameter sets", "------------------------", ""]
    published = list_parameter_sets(law.name)
    if published:
        rows = []
        for n in published:
            ps = get_parameter_set(n)
            vals = ", ".join(f"{k} = {v:.6g}" + (f" ± {ps.stderr[k]:.3g}" if k in ps.stderr else "") for k, v in ps.values.items())
            rows.append([f"``{n}``", _rst_text(vals), _rst_text(ps.citation) + (f". {_rst_text(ps.notes)}" if ps.notes else "")])
        lines += _list_table(["set", "values (± standard error where published)", "source"], rows, "18 37 45")
        lines += [f"Use one: ``wb.get_parameter_set(\"{published[0]}\").predict(...)``.", ""]
    else:
        lines += ["None in the workbench yet. Fit the law to your runs with "
                  f"``wb.fit(\"{law.name}\", runs)``.", ""]
    lines += ["Paper", "-----", "", _rst_text(law.reference), ""]
    if law.notes:
        lines += ["Notes", "-----", "", _rst_text(law.notes), ""]
    lines += ["Chart", "-----", ""]
    if svg:
        lines += [".. raw:: html", "", f"   <figure class=\"wb-law-chart\" data-law=\"{html.escape(law.name)}\">"]
        lines += ["   " + line for line in svg.splitlines()]
        lines += [f"   <figcaption>{html.escape(caption.replace('``', ''))}</figcaption></figure>", ""]
    else:
        lines += ["(No chart: the law gives no finite values over the usual range of its inputs.)", ""]
    lines += ["Use it", "------", "", ".. code-block:: python", "",
              "   import workbench as wb", f"   law = wb.get_law(\"{law.name}\")",
              f"   print(law.describe())", f"   fit = wb.fit(\"{law.name}\", runs)   # runs: a table with columns "
              + ", ".join(law.inputs) + f" and {law.target}", ""]
    return "\n".join(lines)


def write(folder: Path, app) -> None:
    from workbench import get_law, list_laws

    names = list_laws()
    written = set()
    cards = []
    for name in names:
        law = get_law(name)
        sets, caption = chart_values(law)
        try:
            svg = chart_svg(law, sets)
        except Exception as exc:  # noqa: BLE001 - reported as a build warning naming the law
            logger.warning("law %s: its gallery chart failed: %s", name, exc, type="workbench", subtype="gallery")
            svg = None
        if svg is None:
            logger.warning("law %s gives no finite values for its gallery chart: add values for it to "
                           "docs/_ext/workbench_docs/gallery.py ILLUSTRATIVE, or a published parameter set",
                           name, type="workbench", subtype="gallery")
        else:
            path = folder / f"{name}.svg"
            write_if_changed(path, svg)
            written.add(path)
        path = folder / f"{name}.rst"
        write_if_changed(path, law_page(law, svg, caption))
        written.add(path)
        cards.append((law, svg is not None))
    lines = [".. _law-gallery:", "", "Law gallery", "===========", "",
             f"Every law in the workbench's catalogue ({len(names)} laws), generated from ``workbench.laws`` when",
             "this site was built. Each page gives the formula, its inputs and units, the parameters with their",
             "bounds, the published parameter sets, the paper, and a chart of the law.", "",
             ".. toctree::", "   :hidden:", "", *[f"   {law.name}" for law, _ in cards], "",
             ".. container:: wb-gallery", ""]
    for law, has_chart in cards:
        lines += [f"   .. container:: wb-card", "",
                  f"      :doc:`{_rst_text(law.title)} <{law.name}>`", "",
                  f"      ``{law.name}``", ""]
        if has_chart:
            lines += [f"      .. image:: {law.name}.svg", f"         :alt: chart of the {law.name} law",
                      f"         :target: {law.name}.html", f"         :class: wb-thumb", ""]
    lines += ["How the charts are drawn", "------------------------", "",
              "Each chart shows the law against its first input on a log axis, one line per level of its second",
              "input. The parameter values are a published set where the workbench has one; otherwise the values",
              "the caption names (illustrative where it says so).", ""]
    path = folder / "index.rst"
    write_if_changed(path, "\n".join(lines) + "\n")
    written.add(path)
    prune(folder, written)
