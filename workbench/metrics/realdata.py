"""Real model families scored by more than one metric.

* Lu et al. (2023): the same outputs of 24 models on 23 BIG-bench tasks scored
  by exact match, edit distance and BERTScore (dataset ``emergence-metrics``).
  Families with several sizes: GPT-2/GPT-J (124M, 1.56B, 6.05B) and its
  instruction-tuned counterpart, LLaMA (6.7B, 13B, 32.5B), and pairs of sizes
  for T5, Flan-T5, Falcon, Falcon-instruct and Alpaca.
* Pythia (Biderman et al. 2023): LAMBADA scored by accuracy (the last word
  exactly right) and by log perplexity (the loss on the last word, nats), for eight sizes, at the end of training and
  along it (26 checkpoints; dataset ``pythia-evals``).
* Ruan et al. (2024): BIG-bench IPA transliteration scored by exact match and
  by BLEU, for public models of many families (dataset ``observational``).

:func:`compare_sharpness` counts, for the Lu et al. data, the task/model-family
curves that are sharper under one metric than another.
"""

from __future__ import annotations

import functools
import os

import numpy as np
import pandas as pd

from ..data import load_dataset
from ..errors import ArgumentError, UnknownNameError
from ..results import Result
from .sharpness import sharpness

__all__ = [
    "EMERGENCE_METRICS",
    "emergence_curves",
    "compare_sharpness",
    "SharpnessComparison",
    "REAL_TASKS",
    "real_task_curves",
    "curve_verdicts",
]

#: Metrics of the Lu et al. table: column -> (label, higher is better).
EMERGENCE_METRICS = {
    "exact_match": ("exact match (fraction)", True),
    "edit_distance": ("edit distance to the target (lower is better)", False),
    "bertscore": ("BERTScore accuracy (fraction)", True),
}


def emergence_curves(data: pd.DataFrame | None = None, metrics=tuple(EMERGENCE_METRICS), by_setting: bool = True) -> pd.DataFrame:
    """Score-vs-size curves of the Lu et al. families, averaged over seeds (and settings).

    Parameters
    ----------
    data : DataFrame, optional
        ``load_dataset("emergence-metrics")`` (loaded when omitted).
    metrics : sequence of str
        Score columns to keep.
    by_setting : bool
        One curve per prompt type and number of shots (default); ``False``
        averages over them too.

    Returns
    -------
    DataFrame
        Long: ``task``, ``family``, (``prompt``, ``shots``,) ``N``, ``model``,
        ``metric``, ``value``, ``runs`` (evaluations averaged). Only models of
        known size in families with at least two sizes.
    """
    df = load_dataset("emergence-metrics") if data is None else data
    df = df[df["N"].notna()]
    sizes = df.groupby("family")["N"].nunique()
    df = df[df["family"].isin(sizes[sizes >= 2].index)]
    keys = ["task", "family", "prompt", "shots"] if by_setting else ["task", "family"]
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in df.columns]
    if unknown:
        raise UnknownNameError(f"No score columns {unknown}; the table has {list(df.columns)}.")
    g = df.groupby([*keys, "N", "model"])[metrics]
    mean = g.mean().reset_index()
    count = g.size().rename("runs").reset_index()
    mean = mean.merge(count, on=[*keys, "N", "model"])
    long = mean.melt(id_vars=[*keys, "N", "model", "runs"], value_vars=metrics, var_name="metric", value_name="value")
    return long.dropna(subset=["value"]).sort_values([*keys, "metric", "N"]).reset_index(drop=True)


def _improves(y: np.ndarray) -> bool:
    """Net improvement that is at least half of the curve's total movement (mostly monotone)."""
    net = y[-1] - y[0]
    return bool(net > 0 and net >= 0.5 * np.abs(np.diff(y)).sum())


class SharpnessComparison(Result):
    """Per-curve sharpness under two metrics, and the counts.

    Attributes
    ----------
    table : DataFrame
        One row per curve: keys, ``sizes``, ``decades``, ``share_<a>``,
        ``share_<b>``, ``improves_<a>``, ``improves_<b>``, ``sharper``
        (``a``, ``b``, ``tie`` or ``not comparable``).
    a, b : str
        The metrics compared.
    """

    table: pd.DataFrame
    a: str
    b: str

    @property
    def counts(self) -> dict:
        """Curves in all, comparable (improving under both), sharper under a, under b, ties."""
        t = self.table
        comp = t[t["sharper"] != "not comparable"]
        return {
            "curves": int(len(t)),
            "comparable": int(len(comp)),
            f"sharper_{self.a}": int((comp["sharper"] == self.a).sum()),
            f"sharper_{self.b}": int((comp["sharper"] == self.b).sum()),
            "ties": int((comp["sharper"] == "tie").sum()),
        }

    @property
    def share_sharper_a(self) -> float:
        """Fraction of the comparable curves that are sharper under ``a``."""
        c = self.counts
        return c[f"sharper_{self.a}"] / c["comparable"] if c["comparable"] else float("nan")

    def by(self, key: str) -> pd.DataFrame:
        """The counts broken down by a key column (e.g. ``"family"``)."""
        t = self.table[self.table["sharper"] != "not comparable"]
        return pd.crosstab(t[key], t["sharper"])

    def _title(self) -> str:
        return f"Sharpness under {self.a} against {self.b}"

    def _summarize(self, s) -> None:
        c = self.counts
        s.add_fields([("curves with at least 3 model sizes", c["curves"]),
                      ("improving with scale under both", c["comparable"]),
                      (f"sharper under {self.a}", c[f"sharper_{self.a}"]), (f"sharper under {self.b}", c[f"sharper_{self.b}"]),
                      ("ties", c["ties"]), (f"share sharper under {self.a}", f"{100 * self.share_sharper_a:.0f}%")])

    def _headline(self) -> str:
        return f"{100 * self.share_sharper_a:.0f}% of {self.counts['comparable']} curves sharper under {self.a}"

    _dict_properties = ("counts", "share_sharper_a")


def compare_sharpness(
    curves: pd.DataFrame | None = None,
    a: str = "exact_match",
    b: str = "edit_distance",
    min_sizes: int = 3,
    window: float | None = None,
    tol: float = 1e-9,
) -> SharpnessComparison:
    """Which curves are sharper under metric ``a`` than under metric ``b``?

    For every task/family(/setting) curve with at least ``min_sizes`` model
    sizes, compute the sharpness (largest share of the net improvement within
    a window of scale, :func:`~workbench.metrics.sharpness`) under both
    metrics. A curve is comparable when it improves under both (a net gain at
    least half of its total movement: noise-dominated curves are left out).

    Parameters
    ----------
    curves : DataFrame, optional
        :func:`emergence_curves` output (computed when omitted).
    a, b : str
        Metric names (see :data:`EMERGENCE_METRICS`).
    min_sizes : int
        Fewest model sizes for a curve to count (with two, every monotone
        metric has the same shape, so nothing can be compared).
    window : float, optional
        Window in decades; default half of each family's span (the families
        span 0.7 to 1.7 decades, less than the one-decade window of the toy).
    tol : float
        Differences of share below this are ties.

    Returns
    -------
    SharpnessComparison
    """
    if curves is None:
        curves = emergence_curves()
    info = {**EMERGENCE_METRICS}
    for m in (a, b):
        if m not in info:
            raise UnknownNameError(f"Unknown metric {m!r}; choose from {list(info)}.")
    keys = [k for k in ("task", "family", "prompt", "shots") if k in curves.columns]
    wide = curves.pivot_table(index=[*keys, "N"], columns="metric", values="value").reset_index()
    rows = []
    for key, c in wide.groupby(keys, sort=True):
        c = c.dropna(subset=[a, b]).sort_values("N")
        if c["N"].nunique() < min_sizes:
            continue
        N = c["N"].to_numpy(float)
        decades = float(np.log10(N[-1] / N[0]))
        w = decades / 2 if window is None else float(window)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(sizes=int(len(c)), decades=decades)
        for m in (a, b):
            y = c[m].to_numpy(float)
            hib = info[m][1]
            row[f"improves_{m}"] = _improves(y if hib else -y)
            row[f"share_{m}"] = sharpness(N, y, higher_is_better=hib, window=w).share
        if row[f"improves_{a}"] and row[f"improves_{b}"]:
            d = row[f"share_{a}"] - row[f"share_{b}"]
            row["sharper"] = a if d > tol else (b if d < -tol else "tie")
        else:
            row["sharper"] = "not comparable"
        rows.append(row)
    if not rows:
        raise ArgumentError(f"No curve has {min_sizes} or more model sizes with both {a!r} and {b!r}.")
    return SharpnessComparison(pd.DataFrame(rows), a, b)


# --------------------------------------------------------------------------- real tasks for the panel


def _lu_task(task):
    def load(setting="mean"):
        df = load_dataset("emergence-metrics")
        df = df[df["task"] == task]
        if setting != "mean":
            prompt, shots = setting.split("/")
            df = df[(df["prompt"] == prompt) & (df["shots"] == int(shots))]
        long = emergence_curves(df, by_setting=False)
        return long.rename(columns={"family": "series"})[["series", "N", "metric", "value"]]

    return load


def _lambada(setting="mean"):
    d = load_dataset("pythia-evals", shots=0)
    d = d[(d["task"] == "lambada_openai") & d["metric"].isin(["acc", "ppl"]) & (d["step"].isna() | (d["step"] == 143000))]
    d = d.assign(metric=d["metric"].map({"acc": "exact_match", "ppl": "log_perplexity"}), series=d["suite"])
    ppl = d["metric"] == "log_perplexity"
    d.loc[ppl, "value"] = np.log(d.loc[ppl, "value"])
    return d[["series", "N", "metric", "value"]].reset_index(drop=True)


def _lambada_training(setting="mean"):
    d = load_dataset("pythia-evals", suite="pythia", shots=0)
    d = d[(d["task"] == "lambada_openai") & d["metric"].isin(["acc", "ppl"]) & (d["step"] > 0)]
    series = d["model"].str.removeprefix("pythia-")
    d = d.assign(metric=d["metric"].map({"acc": "exact_match", "ppl": "log_perplexity"}), series=series, N=d["C"])
    ppl = d["metric"] == "log_perplexity"
    d.loc[ppl, "value"] = np.log(d.loc[ppl, "value"])
    return d[["series", "N", "metric", "value"]].reset_index(drop=True)


def _ipa(setting="mean"):
    d = load_dataset("observational", table="emergent")
    d = d.dropna(subset=["C", "ipa_transliterate_2_exact_match", "ipa_transliterate_2_bleu"])
    # one pooled curve: the median model in each half decade of training compute
    u = np.floor(np.log10(d["C"]) * 2) / 2
    g = d.groupby(u)
    out = []
    for metric, col in (("exact_match", "ipa_transliterate_2_exact_match"), ("bleu", "ipa_transliterate_2_bleu")):
        med = g[col].median()
        out.append(pd.DataFrame({"series": "all families (median per half decade)", "N": 10 ** (med.index + 0.25),
                                 "metric": metric, "value": med.to_numpy()}))
    return pd.concat(out, ignore_index=True)


#: Real tasks for the panel: key -> (label, loader, scale label, {"all-or-nothing": metric, "graded": metric}).
REAL_TASKS: dict = {}
_LU_TASKS = (
    "analytic_entailment", "causal_judgment", "codenames", "common_morpheme", "commonsense_qa", "english_proverbs",
    "fact_checker", "figure_of_speech_detection", "gsm8k", "hindu_knowledge", "implicatures",
    "international_phonetic_alphabet_transliterate", "logical_deduction", "misconceptions", "modified_arithmetic",
    "nonsense_words_grammar", "phrase_relatedness", "physical_intuition", "rhyming", "social_iqa", "strange_stories",
    "strategyqa", "tracking_shuffled_objects",
)
for _t in _LU_TASKS:
    REAL_TASKS[f"lu:{_t}"] = (f"{_t.replace('_', ' ')} (BIG-bench; Lu et al. 2023)", _lu_task(_t), "model size N (parameters)",
                              {"all-or-nothing": "exact_match", "graded": "edit_distance", "semantic": "bertscore"})
REAL_TASKS["pythia:lambada"] = ("LAMBADA last word (Pythia, OPT, BLOOM; zero-shot)", _lambada, "model size N (parameters)",
                                {"all-or-nothing": "exact_match", "graded": "log_perplexity"})
REAL_TASKS["pythia:lambada_training"] = ("LAMBADA last word during Pythia training (one curve per size)", _lambada_training,
                                         "training compute C = 6 N D (FLOPs) at each checkpoint",
                                         {"all-or-nothing": "exact_match", "graded": "log_perplexity"})
REAL_TASKS["obs:ipa"] = ("IPA transliteration (BIG-bench; Ruan et al. 2024)", _ipa, "training compute C (FLOPs)",
                         {"all-or-nothing": "exact_match", "graded": "bleu"})

#: Direction and label of each metric that appears in :data:`REAL_TASKS`.
REAL_METRICS = {
    "exact_match": ("exact match / accuracy (fraction)", True),
    "edit_distance": ("edit distance to the target (lower is better)", False),
    "bertscore": ("BERTScore accuracy (fraction)", True),
    "log_perplexity": ("log perplexity of the last word (nats; lower is better)", False),
    "bleu": ("BLEU (0-100)", True),
}
#: Settings of the Lu et al. tasks: "mean" or "<prompt>/<shots>".
LU_SETTINGS = ("mean", "closed/0", "closed/5", "closed-adv/0", "closed-adv/5", "open/0", "open/5")


@functools.lru_cache(maxsize=64)
def _load_real_cached(task: str, setting: str, mirror: str | None) -> pd.DataFrame:
    return REAL_TASKS[task][1](setting)


def _load_real(task: str, setting: str) -> pd.DataFrame:
    """A real task's long table, cached per task, setting and data mirror (the files are pinned by hash)."""
    return _load_real_cached(task, setting, os.environ.get("WORKBENCH_DATA_MIRROR")).copy()


def real_task_curves(task: str, kind: str = "all-or-nothing", setting: str = "mean") -> tuple[pd.DataFrame, dict]:
    """The curves of one real task under one kind of metric.

    Parameters
    ----------
    task : str
        A key of :data:`REAL_TASKS` (``"lu:<task>"``, ``"pythia:lambada"``,
        ``"pythia:lambada_training"``, ``"obs:ipa"``).
    kind : str
        ``"all-or-nothing"`` (exact match, accuracy), ``"graded"`` (partial credit
        or continuous: edit distance, BLEU, log perplexity) or (Lu et al. tasks) ``"semantic"`` (BERTScore).
    setting : str
        Lu et al. tasks: ``"mean"`` over prompt settings or ``"<prompt>/<shots>"``.

    Returns
    -------
    curves : DataFrame
        ``series``, ``N`` (the scale on the x axis: parameters, or training
        compute where ``info["scale_label"]`` says so), ``value``.
    info : dict
        ``label``, ``metric``, ``metric_label``, ``higher_is_better``, ``scale_label``.
    """
    if task not in REAL_TASKS:
        raise UnknownNameError(f"No real task {task!r}; choose from {list(REAL_TASKS)}.")
    label, loader, scale_label, kinds = REAL_TASKS[task]
    if kind not in kinds:
        raise UnknownNameError(f"Task {task!r} has no {kind!r} metric; it has {list(kinds)}.")
    if setting not in LU_SETTINGS:
        raise UnknownNameError(f"setting must be one of {list(LU_SETTINGS)}, not {setting!r}.")
    metric = kinds[kind]
    df = _load_real(task, setting)
    df = df[df["metric"] == metric].drop(columns="metric").sort_values(["series", "N"]).reset_index(drop=True)
    if df.empty:
        raise ArgumentError(f"No {metric} scores for {label} in setting {setting!r}; choose another setting.")
    mlabel, hib = REAL_METRICS[metric]
    return df, {"label": label, "metric": metric, "metric_label": mlabel, "higher_is_better": hib, "scale_label": scale_label}


def curve_verdicts(curves: pd.DataFrame, higher_is_better: bool, window: float = 1.0) -> pd.DataFrame:
    """Sharpness and emergence verdict of every series (with at least 3 scales) of a real task."""
    rows = []
    for s, c in curves.groupby("series", sort=True):
        c = c.dropna(subset=["value"])
        if c["N"].nunique() < 3:
            rows.append({"series": s, "sizes": int(c["N"].nunique()), "share": np.nan, "emergent": False,
                         "verdict": "fewer than 3 sizes: no verdict"})
            continue
        v = sharpness(c["N"], c["value"], higher_is_better=higher_is_better, window=window)
        rows.append({"series": s, "sizes": int(c["N"].nunique()), "share": v.share, "emergent": v.emergent,
                     "verdict": ("emergent-looking: " if v.emergent else "not emergent-looking: ") + v.reason})
    return pd.DataFrame(rows)
