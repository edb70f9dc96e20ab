"""Charts of compute planning: isoFLOP profiles, compute-optimal frontiers, isoFLOP analyses of runs,
training-curve envelopes, inference-aware allocation, data repetition and crossovers.

Every builder returns a plain Altair chart whose data sit in named inline datasets
(:func:`~workbench.charts.data.named_data`), with data-driven scales and constant
titles, so a live panel can swap the rows in place when a slider moves.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..compute.constrained import DataConstrainedPlan
from ..compute.crossover import Crossover
from ..compute.inference import InferencePlan
from ..compute.isoflop import EnvelopeAnalysis, IsoFLOPAnalysis
from ..compute.optimal import Allocation
from ..compute.plan import Plan
from .data import named_data, refill
from .registry import draws
from .theme import CHART_WIDTH, THIRD_WIDTH, entity_scale

__all__ = [
    "plan_chart",
    "plan_chart_data",
    "isoflop_chart",
    "frontier_chart",
    "allocation_chart",
    "isoflop_runs_chart",
    "envelope_chart",
    "inference_chart",
    "repetition_chart",
    "crossover_chart",
    "BUDGET_LABELS",
]

LOG = dict(type="log", nice=False)
_AXIS = alt.Axis(format="~e", labelOverlap="greedy", tickCount=6)
LOSS_SCALE = alt.Scale(type="log", zero=False, nice=False, padding=8)
N_TITLE = "model size N (parameters)"
LOSS_TITLE = "loss (nats/token)"
C_TITLE = "training compute C (FLOPs)"


def _budget_label(m: float, centre: str = "C (the budget)") -> str:
    if np.isclose(m, 1.0):
        return centre
    e = int(round(np.log10(m)))
    if np.isclose(m, 10.0**e):
        return f"{10 ** e:,} × C" if e > 0 else f"C ÷ {10 ** -e:,}"
    return f"{m:.3g} × C"


#: Legend labels of the isoFLOP profiles around a plan's budget.
BUDGET_LABELS = [_budget_label(m) for m in (1e-2, 1e-1, 1.0, 1e1, 1e2)]


def isoflop_chart(curves: pd.DataFrame, optima: pd.DataFrame, marked: pd.DataFrame | None = None, labels=None,
                  width: int = CHART_WIDTH, height: int = 300, title: str = "IsoFLOP profiles: loss against model size at fixed compute"):
    """Loss against model size, one line per compute budget, with each profile's minimum marked.

    Parameters
    ----------
    curves : DataFrame
        ``budget``, ``N``, ``D``, ``loss`` (see :func:`workbench.compute.isoflop_curves`).
    optima : DataFrame
        ``budget``, ``N``, ``D``, ``loss`` of each minimum.
    marked : DataFrame, optional
        Extra points to mark (``N``, ``loss``, ``what``), e.g. the recommended model.
    labels : dict, optional
        Budget value -> legend label (default: the budget in FLOPs).
    """
    curves = curves.copy()
    optima = optima.copy()
    lab = labels or {b: f"{b:.3g} FLOPs" for b in sorted(curves["budget"].unique())}
    curves["budget_label"] = curves["budget"].map(lab)
    optima["budget_label"] = optima["budget"].map(lab)
    order = [lab[b] for b in sorted(lab)]
    color = alt.Color("budget_label:N", title="compute budget", sort=order, scale=alt.Scale(scheme="viridis"))
    x = alt.X("N:Q", title=N_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    y = alt.Y("loss:Q", title=LOSS_TITLE, scale=LOSS_SCALE)
    tip = [alt.Tooltip("budget:Q", title="C (FLOPs)", format=".3~g"), alt.Tooltip("N:Q", format=".3~g"),
           alt.Tooltip("D:Q", format=".3~g"), alt.Tooltip("loss:Q", format=".4f")]
    lines = alt.Chart(named_data(curves, "isoflop_curves")).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, detail="budget:Q", tooltip=tip)
    frontier = alt.Chart(named_data(optima, "isoflop_optima")).mark_line(color="#444", strokeDash=[5, 4], strokeWidth=1.5).encode(
        x=x, y=y, order="budget:Q"
    )
    dots = alt.Chart(named_data(optima, "isoflop_optima")).mark_point(filled=True, size=80, color="#222", shape="diamond").encode(
        x=x, y=y, tooltip=tip
    )
    layers = [lines, frontier, dots]
    if marked is not None and len(marked):
        mk = marked.copy()
        what = ["compute-optimal", "recommended"]
        layers.append(
            alt.Chart(named_data(mk, "marked")).mark_point(size=220, strokeWidth=3, filled=False).encode(
                x=x, y=y,
                # one legend: colour and shape by the same field and title, so its symbols are the marks
                shape=alt.Shape("what:N", title="model", scale=alt.Scale(domain=what, range=["circle", "triangle-up"])),
                color=alt.Color("what:N", title="model", scale=entity_scale(what)),
                tooltip=[alt.Tooltip("what:N"), alt.Tooltip("N:Q", format=".3~s"), alt.Tooltip("D:Q", format=".3~s"), alt.Tooltip("loss:Q", format=".4f")],
            )
        )
    return (alt.layer(*layers).properties(width=width, height=height, title=title).resolve_scale(color="independent", shape="independent"))


def plan_chart_data(plan) -> dict:
    """The named datasets of :func:`plan_chart` for ``plan`` (name -> DataFrame)."""
    budgets = sorted(plan.curves["budget"].unique())
    labels = _plan_budget_labels(plan, budgets)
    curves = plan.curves.assign(budget_label=plan.curves["budget"].map(labels))
    optima = plan.optima.assign(budget_label=plan.optima["budget"].map(labels))
    a = plan.allocation
    marked = pd.DataFrame(
        [{"what": "compute-optimal", "N": a.value("N"), "D": a.value("D"), "loss": a.value("loss")},
         {"what": "recommended", "N": plan.N, "D": plan.D, "loss": plan.loss}]
    )
    return {"isoflop_curves": curves, "isoflop_optima": optima, "marked": marked}


@draws(Plan)
def plan_chart(plan, width: int = CHART_WIDTH, height: int = 300, template=None):
    """The isoFLOP profiles around a :class:`~workbench.compute.Plan`'s budget, the compute-optimal model of
    each budget (diamonds, joined by the dashed frontier) and the plan's models (circle: compute-optimal at
    the budget; triangle: the recommended model, e.g. inference-aware).

    ``template``: a chart this function built before (for another plan); its datasets are refilled in
    place instead of building a new chart (the structure depends only on the size), which a live panel
    uses to keep slider moves fast.
    """
    data = plan_chart_data(plan)
    if template is not None:
        return refill(template, **data)
    budgets = sorted(plan.curves["budget"].unique())
    labels = _plan_budget_labels(plan, budgets)
    return isoflop_chart(plan.curves, plan.optima, data["marked"], labels=labels, width=width, height=height)


def _plan_budget_labels(plan, budgets) -> dict:
    """Legend labels of a plan's profiles, relative to the budget (or to the compute the data allow, when the
    unique data are exhausted and the profiles sit around that instead). The labels stay the same from plan
    to plan, so a live panel only swaps rows."""
    centre = budgets[len(budgets) // 2]
    capped = plan.allocation.saturated is not None and bool(np.atleast_1d(plan.allocation.saturated)[0])
    name = "C used (data-limited)" if capped else "C (the budget)"
    return {b: _budget_label(b / centre, name).replace("C", "C used", 1) if capped and b != centre else
            _budget_label(b / centre, name) for b in budgets}


def _allocation_rows(allocation, label=None, what=("N", "D")) -> pd.DataFrame:
    """Long rows ``C, value, quantity, law`` (and ``lo``, ``hi`` with intervals) of an allocation's N and D."""
    df = allocation.to_frame()
    names = {"N": "parameters N", "D": "tokens D"}
    parts = [pd.DataFrame({"C": df["C"], "value": df[q], "quantity": names[q], "law": label or allocation.label,
                           **({"lo": df[f"{q}_lo"], "hi": df[f"{q}_hi"]} if f"{q}_lo" in df else {})}) for q in what]
    return pd.concat(parts, ignore_index=True)


def frontier_chart(allocations, width: int = CHART_WIDTH, height: int = 280, what=("N", "D"), title: str = "Compute-optimal allocation",
                   name: str = "frontier"):
    """Compute-optimal model size and tokens against compute for one or more laws.

    ``allocations`` is a dict label -> :class:`~workbench.compute.Allocation` (from
    :func:`~workbench.compute.compute_optimal` over a range of budgets) or a list of
    them; bands show the intervals of allocations with samples.
    """
    if not isinstance(allocations, dict):
        allocations = {None: a for a in (allocations if isinstance(allocations, (list, tuple)) else [allocations])}
    data = pd.concat([_allocation_rows(a, label, what) for label, a in allocations.items()], ignore_index=True)
    single = data["C"].nunique() < 2
    x = alt.X("C:Q", title=C_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    y = alt.Y("value:Q", title="compute-optimal N (parameters) and D (tokens)", scale=alt.Scale(**LOG), axis=_AXIS)
    color = alt.Color("law:N", title="law")
    dash = alt.StrokeDash("quantity:N", title="", scale=alt.Scale(domain=["parameters N", "tokens D"], range=[[1, 0], [6, 3]]))
    layers = []
    if "lo" in data:
        layers.append(alt.Chart(named_data(data, name)).transform_filter("isValid(datum.lo)").mark_area(opacity=0.2).encode(
            x=x, y=alt.Y("lo:Q", scale=alt.Scale(**LOG)), y2="hi:Q", color=color, detail="quantity:N"))
    mark = alt.Chart(named_data(data, name))
    mark = mark.mark_point(filled=True, size=80) if single else mark.mark_line(strokeWidth=2.5, point=data["C"].nunique() < 3)
    layers.append(mark.encode(x=x, y=y, color=color, **({"shape": "quantity:N"} if single else {"strokeDash": dash}),
                              tooltip=["law:N", "quantity:N", alt.Tooltip("C:Q", format=".3~g"), alt.Tooltip("value:Q", format=".3~g")]))
    return alt.layer(*layers).properties(width=width, height=height, title=title)


@draws(Allocation)
def allocation_chart(allocation, width: int = CHART_WIDTH, height: int = 280):
    """An :class:`~workbench.compute.Allocation` over its budgets: N and D against compute (with bands)."""
    return frontier_chart([allocation], width=width, height=height, title=f"Compute-optimal allocation — {allocation.label}",
                          name="allocation")


@draws(DataConstrainedPlan)
def data_constrained_chart(result, **kwargs):
    """The data-constrained optimum over its budgets (:func:`allocation_chart` of ``result.constrained``)."""
    return allocation_chart(result.constrained, **kwargs)


def _budget_color(title="compute budget (FLOPs)", legend=True):
    return alt.Color("budget:Q", title=title, scale=alt.Scale(type="log", scheme="viridis"),
                     legend=alt.Legend(format="~e") if legend else None)


@draws(IsoFLOPAnalysis)
def isoflop_runs_chart(analysis, width: int = 380, height: int = 280, published=(0.46, 0.50)):
    """An :class:`~workbench.compute.IsoFLOPAnalysis`: the runs and fitted parabolas per budget (left) and
    ``N_opt`` against compute with the fitted power law (right), next to the published exponent range."""
    runs = analysis.runs[["budget", "N", "loss"]].copy()
    prof = analysis.profiles
    curves = analysis.parabolas()
    x = alt.X("N:Q", title=N_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    y = alt.Y("loss:Q", title=LOSS_TITLE, scale=LOSS_SCALE)
    color = _budget_color()
    pts = alt.Chart(named_data(runs, "isoflop_runs")).mark_circle(size=30, opacity=0.7).encode(
        x=x, y=y, color=_budget_color(legend=False), tooltip=[alt.Tooltip("budget:Q", format=".3~g"), alt.Tooltip("N:Q", format=".3~g"), alt.Tooltip("loss:Q", format=".4f")])
    par = alt.Chart(named_data(curves, "parabolas")).mark_line(strokeWidth=1.5).encode(x=x, y=y, color=color, detail="budget:Q")
    mins = prof.rename(columns={"N_opt": "N", "loss_opt": "loss"})[["budget", "N", "loss", "used"]]
    mn = alt.Chart(named_data(mins, "parabola_minima")).mark_point(shape="diamond", size=110, filled=True, color="#e45756").encode(
        x=x, y=y, tooltip=[alt.Tooltip("budget:Q", format=".3~g"), alt.Tooltip("N:Q", format=".3~g"), "used:N"])
    b = prof["budget"]
    left = alt.layer(pts, par, mn).properties(
        width=width, height=height,
        title=alt.TitleParams("IsoFLOP profiles of the runs (Approach 2)",
                              subtitle=f"colour: compute budget, {b.min():.3g} (dark) to {b.max():.3g} FLOPs (light)"))

    lc = np.log10(prof["budget"].to_numpy(float))
    grid = np.linspace(lc.min(), lc.max(), 30)
    fit = analysis.predict(10**grid)
    fitdf = pd.DataFrame({"C": fit["C"], "N": fit["N_opt"], "line": f"fit: a = {analysis.exponents['N']:.3f}"})
    # published range, anchored at the fit's middle
    mid = float(np.mean(grid))
    anchor = float(analysis.predict(10**mid)["N_opt"].iloc[0])
    pub = []
    for a in published:
        pub.append(pd.DataFrame({"C": 10**grid, "N": anchor * 10 ** (a * (grid - mid)), "line": f"published a = {a:.2f}"}))
    lines = pd.concat([fitdf] + pub, ignore_index=True)
    xo = alt.X("C:Q", title=C_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    yo = alt.Y("N:Q", title="N_opt (parameters)", scale=alt.Scale(**LOG), axis=_AXIS)
    optdf = prof.rename(columns={"budget": "C", "N_opt": "N"})
    keep = ["C", "N", "used"] + [c for c in ("N_opt_lo", "N_opt_hi") if c in optdf]
    optdf = optdf[keep]
    layers = []
    if "N_opt_lo" in optdf:
        layers.append(alt.Chart(named_data(optdf, "n_opt")).mark_rule(color="#e45756", strokeWidth=2, opacity=0.6).encode(
            x=xo, y=alt.Y("N_opt_lo:Q", scale=alt.Scale(**LOG)), y2="N_opt_hi:Q"))
    layers.append(alt.Chart(named_data(optdf, "n_opt")).mark_point(shape="diamond", size=110, filled=True, color="#e45756").encode(
        x=xo, y=yo, tooltip=[alt.Tooltip("C:Q", format=".3~g"), alt.Tooltip("N:Q", format=".3~g"), "used:N"]))
    layers.append(alt.Chart(named_data(lines, "exponent_lines")).mark_line().encode(
        x=xo, y=yo, strokeDash=alt.StrokeDash("line:N", title=""), color=alt.Color("line:N", title="", scale=alt.Scale(range=["#222", "#999", "#bbb"]))))
    right = alt.layer(*layers).properties(width=width, height=height, title="N_opt against compute")
    return (alt.hconcat(left, right).resolve_scale(color="independent", strokeDash="independent"))


@draws(EnvelopeAnalysis)
def envelope_chart(analysis, width: int = 380, height: int = 280, max_curves: int = 60):
    """An :class:`~workbench.compute.EnvelopeAnalysis`: training curves against compute with their lower
    envelope (left) and the envelope's ``N_opt`` against compute (right)."""
    c = analysis.curves
    runs = c["_run"].unique()
    if len(runs) > max_curves:
        runs = runs[np.linspace(0, len(runs) - 1, max_curves).astype(int)]
    c = c[c["_run"].isin(runs)]
    # thin each curve to at most 60 points (the view stays under ~5,000 marks)
    rank = c.groupby("_run").cumcount().to_numpy()
    size = c.groupby("_run")["loss"].transform("size").to_numpy()
    step = np.ceil(size / 60).astype(int)
    c = c[(rank % step == 0) | (rank == size - 1)]
    curves = pd.DataFrame({"C": 10 ** c["_logC"].to_numpy(), "loss": c["loss"].to_numpy(float), "N": c["N"].to_numpy(float), "run": c["_run"].astype(str).to_numpy()})
    env = analysis.envelope
    x = alt.X("C:Q", title=C_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    y = alt.Y("loss:Q", title=LOSS_TITLE, scale=LOSS_SCALE)
    lines = alt.Chart(named_data(curves, "training_curves")).mark_line(strokeWidth=1, opacity=0.6).encode(
        x=x, y=y, detail="run:N", color=alt.Color("N:Q", title="model size N", scale=alt.Scale(type="log", scheme="viridis"), legend=alt.Legend(format="~e", type="gradient")))
    e = alt.Chart(named_data(env[np.isfinite(env["loss"])], "envelope")).mark_line(color="#e45756", strokeWidth=3).encode(x=x, y=y)
    left = alt.layer(lines, e).properties(width=width, height=height, title="Training curves and their lower envelope (Approach 1)")
    u = env[env["used"]]
    right_data = pd.DataFrame({"C": u["C"], "N": u["N_opt"], "fit": analysis.predict(u["C"])["N_opt"].to_numpy()})
    xo = alt.X("C:Q", title=C_TITLE, scale=alt.Scale(**LOG), axis=_AXIS)
    pts = alt.Chart(named_data(right_data, "envelope_n_opt")).mark_point(filled=True, size=25, color="#e45756").encode(
        x=xo, y=alt.Y("N:Q", title="N_opt (parameters)", scale=alt.Scale(**LOG), axis=_AXIS))
    ln = alt.Chart(named_data(right_data, "envelope_n_opt")).mark_line(color="#222").encode(x=xo, y=alt.Y("fit:Q", scale=alt.Scale(**LOG)))
    right = alt.layer(pts, ln).properties(width=width, height=height, title=f"N_opt ∝ C^{analysis.exponents['N']:.3f}")
    return (alt.hconcat(left, right).resolve_scale(color="independent"))


@draws(InferencePlan)
def inference_chart(inference_plan, width: int = THIRD_WIDTH, height: int = 260):
    """Inference-aware model size and tokens per parameter against expected inference tokens."""
    df = inference_plan.to_frame()
    df = df[df["inference_tokens"] > 0]
    x = alt.X("inference_tokens:Q", title="expected inference tokens", scale=alt.Scale(**LOG), axis=_AXIS)
    n = alt.Chart(named_data(df, "inference")).mark_line(point=True, color="#4c78a8").encode(
        x=x, y=alt.Y("N:Q", title=N_TITLE, scale=alt.Scale(**LOG), axis=_AXIS),
        tooltip=[alt.Tooltip("inference_tokens:Q", format=".3~g"), alt.Tooltip("N:Q", format=".3~g"), alt.Tooltip("D:Q", format=".3~g"), alt.Tooltip("saving:Q", format=".1%")])
    r = alt.Chart(named_data(df, "inference")).mark_line(point=True, color="#f58518").encode(
        x=x, y=alt.Y("tokens_per_parameter:Q", title="tokens per parameter", scale=alt.Scale(**LOG)))
    s = alt.Chart(named_data(df, "inference")).mark_line(point=True, color="#54a24b").encode(
        x=x, y=alt.Y("saving:Q", title="lifetime FLOPs saved vs compute-optimal", axis=alt.Axis(format="%")))
    t = f"Same loss ({inference_plan.target_loss:.3f}), cheapest to train and serve"
    return (alt.hconcat(n.properties(width=width, height=height, title=t), r.properties(width=width, height=height),
                                 s.properties(width=width, height=height)))


def repetition_chart(table: pd.DataFrame, width: int = 420, height: int = 260):
    """Extra loss from repeating data, against epochs (from :func:`workbench.compute.repetition_cost`)."""
    long = pd.concat(
        [
            pd.DataFrame({"epochs": table["epochs"], "excess": table["excess_same_allocation"], "plan": "same N, D, repeated data"}),
            pd.DataFrame({"epochs": table["epochs"], "excess": table["excess_reoptimised"], "plan": "re-optimised for the unique data"}),
        ],
        ignore_index=True,
    )
    return (alt.Chart(named_data(long, "repetition")).mark_line(point=True).encode(
        x=alt.X("epochs:Q", title="epochs over the unique data", scale=alt.Scale(type="log", base=2)),
        y=alt.Y("excess:Q", title="loss above fresh data (nats/token)"),
        color=alt.Color("plan:N", title=""),
        tooltip=["plan:N", "epochs:Q", alt.Tooltip("excess:Q", format=".4f")],
    ).properties(width=width, height=height, title="What repeating data costs (Muennighoff et al. 2023)"))


@draws(Crossover)
def crossover_chart(result, width: int = CHART_WIDTH - 60, height: int = 280):
    """Two laws' losses along compute (or N, or D) with bands and the crossing(s) marked."""
    titles = {"C": C_TITLE, "N": N_TITLE, "D": "training tokens D"}
    data = result.curves
    x = alt.X("x:Q", title=titles[result.along], scale=alt.Scale(**LOG), axis=_AXIS)
    y = alt.Y("loss:Q", title=LOSS_TITLE + (" at the compute-optimal allocation" if result.along == "C" else ""), scale=LOSS_SCALE)
    color = alt.Color("law:N", title="law")
    layers = []
    if "lo" in data:
        layers.append(alt.Chart(named_data(data, "crossover_curves")).transform_filter("isValid(datum.lo)").mark_area(opacity=0.2).encode(
            x=x, y=alt.Y("lo:Q", scale=LOSS_SCALE), y2="hi:Q", color=color))
    layers.append(alt.Chart(named_data(data, "crossover_curves")).mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=color, tooltip=["law:N", alt.Tooltip("x:Q", format=".3~g"), alt.Tooltip("loss:Q", format=".4f")]))
    pts = pd.DataFrame({"x": list(result.points)})
    layers.append(alt.Chart(named_data(pts, "crossings")).mark_rule(color="#e45756", strokeDash=[4, 3], strokeWidth=2).encode(
        x="x:Q", tooltip=[alt.Tooltip("x:Q", format=".3~g", title="crossing")]))
    if result.interval is not None:
        iv = pd.DataFrame({"x0": [result.interval[0]], "x1": [result.interval[1]]})
        layers.insert(0, alt.Chart(named_data(iv, "crossing_interval")).mark_rect(color="#e45756", opacity=0.08).encode(
            x=alt.X("x0:Q", scale=alt.Scale(**LOG)), x2="x1:Q"))
    return (alt.layer(*layers).properties(width=width, height=height, title="Where one law overtakes the other"))
