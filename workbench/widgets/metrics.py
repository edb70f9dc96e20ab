"""Panels of the metrics lab: the mirage (one model family under any metric) and real tasks under two metrics.

No science lives here: each update calls :func:`workbench.metrics.mirage` or
:func:`workbench.metrics.realdata.real_task_curves` and a chart builder from
:mod:`workbench.charts.metrics`.
"""

from __future__ import annotations

import html
import math

import ipywidgets as w
import numpy as np

from ..charts.metrics import family_curves_chart, mirage_chart
from ..laws import get_law
from ..metrics.catalogue import METRICS
from ..metrics.mirage import mirage
from ..metrics.realdata import LU_SETTINGS, REAL_TASKS, curve_verdicts, real_task_curves
from ..metrics.tokens import MIRAGE_LAW, MIRAGE_PARAMS
from ..format import number
from .panel import Panel, View, log_slider

__all__ = ["mirage_panel", "real_task_panel", "TEST_SET_SIZES"]

#: Test-set sizes offered by the mirage panel (items).
TEST_SET_SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "eta": "η"}


def _symbol(name: str) -> str:
    head, _, tail = name.partition("_")
    return _GREEK.get(head, head) + (f"_{tail}" if tail else "")


def _law_controls(law, params: dict) -> tuple[dict, dict]:
    """One slider per parameter of the per-token loss law, around the given values and inside its bounds
    (labels: the parameter's symbol; help: its description)."""
    out, helps = {}, {}
    for p in law.parameters:
        v = float(params[p.name])
        helps[p.name] = f"{p.name}: {p.description} (parameter of the per-token loss law {law.name})"
        if p.log and v > 0:
            lo = max(v / 1e3, p.lower if p.lower > 0 else v / 1e3)
            hi = min(v * 1e3, p.upper)
            out[p.name] = log_slider(f"law: {_symbol(p.name)}", v, lo, hi)
        else:
            span = max(abs(v), 0.1)
            lo = max(v - 0.8 * span, p.lower if math.isfinite(p.lower) else -np.inf)
            if p.lower == 0 and lo <= 0:
                lo = v / 5
            hi = min(v + 2.0 * span, p.upper if math.isfinite(p.upper) else np.inf)
            out[p.name] = w.FloatSlider(value=v, min=lo, max=hi, step=(hi - lo) / 200, description=f"law: {_symbol(p.name)}",
                                        readout_format=".3g", continuous_update=True)
    return out, helps


def mirage_panel(law=MIRAGE_LAW, params: dict | None = None, metric: str = "exact_match", l: int = 5, k: int = 4,
                 n: int = 100, scale=None, seed: int = 0) -> Panel:
    """The mirage: one smoothly improving model family under the metric you choose.

    Controls: the metric, the answer length ``l`` (tokens), the number of
    answer choices ``k`` (multiple-choice metrics), the test-set size ``n``
    (items), a log scale for the score, and the parameters of the per-token
    loss law (default ``L(N) = (N_c / N)^alpha_N`` on the answer tokens). The
    chart shows the expected score (line), what a test set of ``n`` items
    measures at the family's sizes (points with one standard error; hollow:
    reads exactly 0), the resolution floor ``1/n`` (dashed) and the sharpest
    decade (shaded red when the curve looks emergent); the readout gives the
    verdicts.
    """
    law = get_law(law)
    if params is None:
        if law.name != MIRAGE_LAW:
            from ..errors import ArgumentError

            raise ArgumentError(f"Give params= for law {law.name!r} (its parameters: {list(law.param_names)}).")
        params = dict(MIRAGE_PARAMS)
    controls = {
        "metric": w.Dropdown(options=[(m.label.split(" (")[0], m.name) for m in METRICS.values()], value=metric,
                             description="metric"),
        "l": w.IntSlider(value=l, min=1, max=20, description="answer length l"),
        "k": w.IntSlider(value=k, min=2, max=10, description="answer choices k"),
        "n": w.SelectionSlider(options=list(TEST_SET_SIZES), value=n if n in TEST_SET_SIZES else 100,
                               description="test-set size n"),
        "log_y": w.Checkbox(value=False, description="log score axis"),
    }
    law_controls, law_help = _law_controls(law, params)
    controls.update(law_controls)
    names = law.param_names
    help_text = {
        "metric": "How answers are scored: " + "; ".join(f"{m.label}: {m.description}" for m in METRICS.values()),
        "l": "Tokens in each answer (free-form metrics multiply per-token probabilities over them).",
        "k": "Number of choices in a multiple-choice question (choice metrics only).",
        "n": "Items in the test set: a finite test set measures proportions in steps of 1/n.",
        "log_y": "Show the score on a log axis (proportions only): exact match then looks smooth again.",
        **law_help,
    }
    applies = {
        "k": lambda st: METRICS[st["metric"]].kind == "choice" or "only multiple-choice metrics use k",
        "log_y": lambda st: METRICS[st["metric"]].proportion or "only proportions (exact match, accuracy) have a log axis",
    }
    sections = {"metric and test set": ["metric", "l", "k", "n", "log_y"],
                f"the model family (per-token loss, {law.name})": list(names)}

    def update(state: dict) -> View:
        values = {p: float(state[p]) for p in names}
        r = mirage(state["metric"], l=state["l"], k=state["k"], n=state["n"], law=law, params=values, scale=scale, seed=seed)
        v, mv = r.verdict, r.measured_verdict
        zeros = int((r.test_set["score"] == 0).sum())
        floor = (f"<br>Resolution floor 1/n = {number(r.floor)}: {zeros} of {len(r.test_set)} model sizes measure exactly 0."
                 if r.floor is not None else "")
        uses = "l and k" if r.metric.kind == "choice" else "l (k is not used by this metric)"
        text = (
            f"<div class='mirage-readout'><b class='verdict'>{'Emergent-looking' if v.emergent else 'Not emergent-looking'}</b> "
            f"(expected score, {html.escape(r.method)}): {html.escape(v.reason)}.<br>"
            f"Measured on a test set of {r.settings['n']} items: <b>{'emergent-looking' if mv.emergent else 'not emergent-looking'}</b> "
            f"&mdash; {html.escape(mv.reason)}.{floor}<br>"
            f"Per-token loss {number(r.curve['loss'].iloc[0])} &rarr; {number(r.curve['loss'].iloc[-1])} nats "
            f"(p = {number(r.curve['p'].iloc[0])} &rarr; {number(r.curve['p'].iloc[-1])}); this metric uses {uses}.</div>"
        )
        numbers = {
            "emergent": v.emergent,
            "share": v.share,
            "measured_emergent": mv.emergent,
            "measured_share": mv.share,
            "floor": r.floor,
            "zeros": zeros,
            "method": r.method,
            "expected_min": float(r.curve["expected"].min()),
            "expected_max": float(r.curve["expected"].max()),
        }
        return View(chart=mirage_chart(r, log_y=bool(state["log_y"])), text=text, numbers=numbers)

    return Panel(controls, update, title="The mirage: the same model family under different metrics",
                 sections=sections, help=help_text, applies=applies)


def real_task_panel(task: str = "lu:modified_arithmetic", kind: str = "all-or-nothing", setting: str = "mean") -> Panel:
    """A real task scored two ways: pick the task, toggle between an all-or-nothing and a partial-credit metric.

    Tasks: the 23 BIG-bench tasks of Lu et al. (2023; exact match vs edit
    distance, one curve per model family), LAMBADA for Pythia/OPT/BLOOM
    (accuracy vs perplexity) and IPA transliteration across public models
    (exact match vs BLEU). For the Lu et al. tasks the setting chooses the
    prompt and number of shots (or their mean). The readout gives each
    family's sharpness verdict.
    """
    controls = {
        "task": w.Dropdown(options=[(v[0], k) for k, v in REAL_TASKS.items()], value=task, description="task"),
        "kind": w.ToggleButtons(options=["all-or-nothing", "graded"], value=kind, description="metric"),
        "setting": w.Dropdown(options=[("mean over prompts and shots", "mean")] + [(s.replace("/", ", ") + "-shot", s) for s in LU_SETTINGS[1:]],
                              value=setting, description="prompt, shots"),
    }
    help_text = {
        "task": "The task and the model families evaluated on it.",
        "kind": "All-or-nothing (exact match, accuracy) or graded (edit distance, perplexity, BLEU) scoring.",
        "setting": "Prompt and number of shots (the Lu et al. BIG-bench tasks only), or their mean.",
    }
    applies = {"setting": lambda st: st["task"].startswith("lu:") or "only the Lu et al. tasks have prompt settings"}

    def update(state: dict) -> View:
        setting = state["setting"] if state["task"].startswith("lu:") else "mean"
        curves, info = real_task_curves(state["task"], state["kind"], setting)
        verdicts = curve_verdicts(curves, info["higher_is_better"])
        rows = "".join(
            f"<tr><td>{html.escape(str(r.series))}</td><td>{r.sizes}</td><td>{html.escape(r.verdict)}</td></tr>" for r in verdicts.itertuples()
        )
        note = "" if state["task"].startswith("lu:") or state["setting"] == "mean" else " (this task has one setting; the choice is ignored)"
        text = (
            f"<div class='real-readout'><b>{html.escape(info['label'])}</b> scored by <b>{html.escape(info['metric_label'])}</b>{note}."
            f"<table><tr><th>family</th><th>sizes</th><th>verdict</th></tr>{rows}</table></div>"
        )
        numbers = {
            "metric": info["metric"],
            "series": int(verdicts.shape[0]),
            "emergent_series": int(verdicts["emergent"].sum()),
            "points": int(len(curves)),
        }
        return View(chart=family_curves_chart(curves, info, verdicts), text=text, numbers=numbers)

    return Panel(controls, update, title="Real tasks: toggle the metric", help=help_text, applies=applies)
