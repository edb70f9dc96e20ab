"""Readers that turn each registered dataset's files into a table.

Each reader takes the dataset's verified folder as a :class:`~workbench.data.registry.PinnedFolder`
(it shows only the files the manifest pins) and dataset-specific options;
call them through :func:`workbench.data.load_dataset`.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ..errors import DatasetError
from .registry import PinnedFolder, register_loader
from .runs import validate_runs

__all__ = [
    "read_chinchilla",
    "read_overtraining",
    "read_datablations",
    "read_observational",
    "read_emergence_metrics",
    "read_pythia_evals",
    "OVERTRAINING_VAL_SETS",
    "OBSERVATIONAL_TABLES",
    "OBSERVATIONAL_BENCHMARKS",
    "EMERGENCE_MODELS",
    "PYTHIA_PARAMS",
]


@register_loader("chinchilla")
def read_chinchilla(folder: PinnedFolder) -> pd.DataFrame:
    """Chinchilla runs as a runs table: ``N`` (Model Size), ``C`` (Training FLOP), ``D = C/(6N)``, ``loss``.

    The digitised plotting columns (x, y, colours) are dropped.
    """
    raw = pd.read_csv(folder / "chinchilla_extracted.csv")
    df = pd.DataFrame({"N": raw["Model Size"], "C": raw["Training FLOP"], "loss": raw["loss"]})
    df["D"] = df["C"] / (6.0 * df["N"])
    return validate_runs(df, on_duplicates="keep")


#: Short names of the validation sets in the over-training runs, by the file they were read from.
OVERTRAINING_VAL_SETS = {
    "openlm": "val_tok_mult/openlm/",
    "c4_val": "c4_val/",
    "paloma_c4_en": "paloma_c4_en/",
    "paloma_code": "paloma_dolma_100_programing_languages/",
    "paloma_falcon_refinedweb": "paloma_falcon-refinedweb/",
    "paloma_ptb": "paloma_ptb/",
    "paloma_redpajama": "paloma_redpajama/",
    "de_en": "de-en/",
}


def _val_name(paths) -> str:
    path = " ".join(paths)
    for short, fragment in OVERTRAINING_VAL_SETS.items():
        if fragment in path:
            return short
    return path


@register_loader("overtraining")
def read_overtraining(folder: PinnedFolder, val_set: str = "c4_val", training_set: str | None = None, evals: bool = False) -> pd.DataFrame:
    """Over-training runs (Gadre et al. 2024) as a runs table.

    Parameters
    ----------
    val_set : str
        Which validation loss becomes ``loss``: ``"c4_val"`` (the paper's C4
        evaluation, default) or one of :data:`OVERTRAINING_VAL_SETS`. Every
        validation loss is also kept as a ``loss_<name>`` column.
    training_set : {"c4_original", "rpj", "rw_original"}, optional
        Keep only runs trained on this dataset.
    evals : bool
        Add the 46 downstream accuracies as ``acc_<task>`` columns.

    Columns: ``name``, ``training_set``, ``model``, ``N`` (all parameters),
    ``N_no_embed``, ``D`` (tokens), ``C = 6ND``, ``M = D/N`` (tokens per
    parameter), ``multiplier`` (M / 20), ``loss``.
    """
    if val_set not in OVERTRAINING_VAL_SETS:
        raise DatasetError(f"val_set must be one of {sorted(OVERTRAINING_VAL_SETS)}, not {val_set!r}.")
    rows = []
    for path in sorted((folder / "exp_data" / "models").glob("*.json")):
        j = json.loads(path.read_text())
        h = j["hyperparameters"]
        row = {
            "name": j["name"],
            "training_set": j["dataset_name"],
            "model": h["model"].rsplit("/", 1)[-1].removesuffix(".json"),
            "N": float(h["params"]),
            "N_no_embed": float(h["params_no_embed"]),
            "D": float(h["tokens"]),
            "multiplier": float(h["chinchilla_multiplier"]),
        }
        for res in j["results"]:
            row[f"loss_{_val_name(res['val_data'])}"] = float(res["loss"])
        rows.append(row)
    df = pd.DataFrame(rows)
    df["C"] = 6.0 * df["N"] * df["D"]
    df["M"] = df["D"] / df["N"]
    df["loss"] = df[f"loss_{val_set}"]
    if training_set is not None:
        known = sorted(df["training_set"].unique())
        if training_set not in known:
            raise DatasetError(f"training_set must be one of {known}, not {training_set!r}.")
        df = df[df["training_set"] == training_set]
    if evals:
        df = df.merge(read_overtraining_evals(folder), on="name", how="left")
    df = df.sort_values(["training_set", "N", "D"]).reset_index(drop=True)
    return validate_runs(df, on_duplicates="keep")


def read_overtraining_evals(folder: PinnedFolder) -> pd.DataFrame:
    """Downstream accuracies of the over-training runs: one row per run, ``acc_<task>`` columns."""
    rows = []
    for path in sorted((folder / "exp_data" / "evals").glob("*.json")):
        j = json.loads(path.read_text())
        name = path.stem.removeprefix("evaluation_").removesuffix("_heavy")
        row = {"name": name}
        for task, value in j["eval_metrics"]["icl"].items():
            row[f"acc_{task}"] = float(value)
        rows.append(row)
    return pd.DataFrame(rows)


@register_loader("datablations")
def read_datablations(folder: PinnedFolder) -> pd.DataFrame:
    """Data-constrained runs (Muennighoff et al. 2023): ``N``, ``D`` (tokens seen), ``U`` (unique tokens), ``loss``,
    plus ``name`` and ``epochs = D / U``. Seeds of the same configuration appear as separate rows."""
    raw = pd.read_csv(folder / "parametric_fit_points.csv")
    df = pd.DataFrame(
        {"name": raw["name"], "N": raw["params"], "D": raw["tokens"], "U": raw["unique_tokens"], "loss": raw["val_loss"]}
    )
    df["epochs"] = df["D"] / df["U"]
    return validate_runs(df, on_duplicates="keep")


# --------------------------------------------------------------------------
# Observational scaling (Ruan et al. 2024)

#: Tables of the observational-scaling dataset, by short name, and the file each comes from.
OBSERVATIONAL_TABLES = {
    "benchmark": "base_llm_benchmark_eval.csv",
    "sub_10b": "base_llm_benchmark_eval_sub_10b.csv",
    "emergent": "base_llm_emergent_capability_eval.csv",
    "leaderboard_v2": "base_llm_leaderboard_v2_eval.csv",
    "post_training": "base_llm_post_training_eval.csv",
    "instruct": "instruct_llm_benchmark_eval.csv",
    "agent": "instruct_llm_agent_eval.csv",
}
#: The eight benchmark scores of the main table (fractions in [0, 1]).
OBSERVATIONAL_BENCHMARKS = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval")
_OBS_META = {"Model": "model", "Model Family": "family"}


def _observational_meta(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.rename(columns=_OBS_META)
    if "Model Size (B)" in out:
        out.insert(2, "N", pd.to_numeric(out.pop("Model Size (B)"), errors="coerce") * 1e9)
    if "Pretraining Data Size (T)" in out:
        out.insert(3, "D", pd.to_numeric(out.pop("Pretraining Data Size (T)"), errors="coerce") * 1e12)
    if "FLOPs (1E21)" in out:
        out.insert(4, "C", pd.to_numeric(out.pop("FLOPs (1E21)"), errors="coerce") * 1e21)
    return out


@register_loader("observational")
def read_observational(folder: PinnedFolder, table: str = "benchmark", complete: bool = False) -> pd.DataFrame:
    """Benchmark scores of public models (Ruan et al. 2024, 'Observational Scaling Laws').

    Parameters
    ----------
    table : str
        Which table (see :data:`OBSERVATIONAL_TABLES`): ``"benchmark"`` (the main
        table: 148 base models, eight benchmarks, default), ``"emergent"`` (BIG-bench
        tasks claimed to be emergent, with ``ipa_transliterate_2`` scored by both
        exact match and BLEU), ``"sub_10b"``, ``"leaderboard_v2"``,
        ``"post_training"``, ``"instruct"`` or ``"agent"``.
    complete : bool
        Keep only the rows with every score present (for the main table: the 124
        models with all eight benchmarks).

    Columns: ``model``, ``family``, ``N`` (parameters), ``D`` (pretraining tokens),
    ``C`` (training FLOPs, 6ND as the authors computed it; missing where the data
    size is undisclosed), then one column per score, named as upstream. Scores are
    fractions in [0, 1], except BLEU (0-100) and the agent scores. Tables without
    model metadata (``emergent``, ``leaderboard_v2``, ``post_training``) get it
    from the main table by model name.
    """
    if table not in OBSERVATIONAL_TABLES:
        raise DatasetError(f"table must be one of {sorted(OBSERVATIONAL_TABLES)}, not {table!r}.")
    raw = pd.read_csv(folder / "eval_results" / OBSERVATIONAL_TABLES[table])
    df = _observational_meta(raw)
    if "family" not in df.columns:
        meta = _observational_meta(pd.read_csv(folder / "eval_results" / OBSERVATIONAL_TABLES["benchmark"]))
        meta = meta[["model", "family", "N", "D", "C"]]
        df = meta.merge(df, on="model", how="right")
    scores = [c for c in df.columns if c not in ("model", "family", "N", "D", "C")]
    if complete:
        df = df.dropna(subset=scores)
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------
# Same outputs, different metrics (Lu et al. 2023)

#: Model name -> (family, parameters, instruction-tuned). Sizes are the nominal ones from each
#: model's paper or card (GPT-2 124M/1.56B, GPT-J 6.05B, T5 60M/770M, Flan-T5 80M/780M,
#: Falcon 7B/40B, LLaMA 6.7B/13.0B/32.5B, GPT-3 davinci 175B); NaN where undisclosed.
EMERGENCE_MODELS = {
    "gpt2": ("GPT-2/GPT-J", 1.24e8, False),
    "gpt2-xl": ("GPT-2/GPT-J", 1.56e9, False),
    "EleutherAI/gpt-j-6b": ("GPT-2/GPT-J", 6.05e9, False),
    "Rachneet/gpt2-alpaca": ("GPT-2/GPT-J instruct", 1.24e8, True),
    "Rachneet/gpt2-xl-alpaca": ("GPT-2/GPT-J instruct", 1.56e9, True),
    "togethercomputer/GPT-JT-6B-v1": ("GPT-2/GPT-J instruct", 6.05e9, True),
    "t5-small": ("T5", 6.0e7, False),
    "t5-large": ("T5", 7.7e8, False),
    "google/flan-t5-small": ("Flan-T5", 8.0e7, True),
    "google/flan-t5-large": ("Flan-T5", 7.8e8, True),
    "tiiuae/falcon-7b": ("Falcon", 7.0e9, False),
    "tiiuae/falcon-40b": ("Falcon", 4.0e10, False),
    "tiiuae/falcon-7b-instruct": ("Falcon instruct", 7.0e9, True),
    "tiiuae/falcon-40b-instruct": ("Falcon instruct", 4.0e10, True),
    "models--llama/7B": ("LLaMA", 6.7e9, False),
    "models--llama/13B": ("LLaMA", 1.3e10, False),
    "models--llama/30B": ("LLaMA", 3.25e10, False),
    "chavinlo/alpaca-native": ("Alpaca", 6.7e9, True),
    "chavinlo/alpaca-13b": ("Alpaca", 1.3e10, True),
    "davinci": ("OpenAI API", 1.75e11, False),
    "text-davinci-001": ("OpenAI API", np.nan, True),
    "text-davinci-003": ("OpenAI API", np.nan, True),
    "code": ("OpenAI API", np.nan, False),
    "gpt-4": ("OpenAI API", np.nan, True),
}
_EMERGENCE_COLUMNS = {
    "exact_match_accuracy": "exact_match",
    "exact_match_f1": "exact_match_f1",
    "bert_score_accuracy": "bertscore",
    "bert_score_f1": "bertscore_f1",
    "single_bert_score": "bertscore_mean",
    "edit_distance": "edit_distance",
}


@register_loader("emergence-metrics")
def read_emergence_metrics(folder: PinnedFolder) -> pd.DataFrame:
    """The same model outputs scored by several metrics (Lu et al. 2023), one row per evaluation run.

    Columns: ``task`` (BIG-bench task), ``n_items`` (test-set size), ``model``,
    ``family``, ``N`` (nominal parameters, NaN where undisclosed; see
    :data:`EMERGENCE_MODELS`), ``instruction_tuned``, ``prompt`` (``closed``,
    ``closed-adv`` or ``open``), ``shots``, ``seed``, ``temperature``, and the
    scores: ``exact_match`` (fraction of outputs equal to the target),
    ``exact_match_f1``, ``bertscore`` (fraction judged correct by BERTScore),
    ``bertscore_f1``, ``bertscore_mean`` and ``edit_distance`` (mean edit
    distance to the target; lower is better). Upstream writes missing scores as
    -100; they are NaN here.
    """
    raw = pd.read_csv(folder / "evaluation_scores.csv")
    unknown = sorted(set(raw["model"]) - set(EMERGENCE_MODELS))
    if unknown:
        raise DatasetError(f"emergence-metrics: models {unknown} have no family/size entry; add them to EMERGENCE_MODELS.")
    info = raw["model"].map(EMERGENCE_MODELS)
    df = pd.DataFrame(
        {
            "task": raw["filename"].str.replace("/task.json", "", regex=False),
            "n_items": raw["number_of_data"].astype(int),
            "model": raw["model"],
            "family": info.str[0],
            "N": info.str[1].astype(float),
            "instruction_tuned": info.str[2].astype(bool),
            "prompt": raw["prompt_type"],
            "shots": raw["number_of_shots"].astype(int),
            "seed": raw["seed"].astype("Int64"),  # missing for the greedy (temperature 0) API runs
            "temperature": raw["temperature"].astype(float),
        }
    )
    for src, dst in _EMERGENCE_COLUMNS.items():
        v = pd.to_numeric(raw[src], errors="coerce").astype(float)
        df[dst] = v.where(v != -100)
    df["run_id"] = raw["run_id"].astype(str)
    return df


# --------------------------------------------------------------------------
# Pythia evaluations across sizes and checkpoints (Biderman et al. 2023)

#: Total parameters of the Pythia models (Biderman et al. 2023, model card table).
PYTHIA_PARAMS = {
    "70m": 70_426_624,
    "160m": 162_322_944,
    "410m": 405_334_016,
    "1b": 1_011_781_632,
    "1.4b": 1_414_647_808,
    "2.8b": 2_775_208_960,
    "6.9b": 6_857_302_016,
    "12b": 11_846_072_320,
}
#: Tokens per Pythia optimiser step: 1,024 sequences of 2,048 tokens (143,000 steps = 299.9B tokens).
PYTHIA_TOKENS_PER_STEP = 2_097_152


def _nominal_size(name: str) -> float:
    """Parameters from a model name: ``opt-1.3b`` -> 1.3e9, ``bloom-1b1`` -> 1.1e9, ``opt-125m`` -> 1.25e8."""
    import re

    m = re.fullmatch(r"(\d+(?:\.\d+)?)([mb])(\d*)", name.rsplit("-", 1)[-1].lower())
    if m is None:
        raise DatasetError(f"pythia-evals: cannot read a model size from the name {name!r}.")
    whole, unit, frac = m.groups()
    return float(f"{whole}.{frac}" if frac else whole) * (1e6 if unit == "m" else 1e9)


@register_loader("pythia-evals")
def read_pythia_evals(folder: PinnedFolder, suite: str | None = None, shots: int | None = None, final_only: bool = False) -> pd.DataFrame:
    """Benchmark results of Pythia (every size, 27 training checkpoints), BLOOM and OPT, as a long table.

    Parameters
    ----------
    suite : {"pythia", "pythia-deduped", "bloom", "opt"}, optional
        Keep one suite.
    shots : {0, 5}, optional
        Keep zero-shot or five-shot results.
    final_only : bool
        Keep only the final checkpoint (step 143,000) of the Pythia models.

    Columns: ``suite``, ``model``, ``N`` (total parameters: exact for Pythia,
    nominal from the name for BLOOM/OPT), ``shots``, ``step`` (Pythia
    checkpoint; NaN for BLOOM/OPT, which are final models), ``D`` (tokens seen:
    step x 2,097,152), ``C = 6ND``, ``task`` (lm-evaluation-harness name;
    MMLU subjects are ``hendrycksTest-<subject>``), ``metric`` (``acc``,
    ``acc_norm``, ``ppl``, ...), ``value`` and ``stderr``.
    """
    known = ("pythia", "pythia-deduped", "bloom", "opt")
    if suite is not None and suite not in known:
        raise DatasetError(f"suite must be one of {list(known)}, not {suite!r}.")
    if shots is not None and shots not in (0, 5):
        raise DatasetError(f"shots must be 0 or 5, not {shots!r}.")
    rows = []
    evals = folder / "evals"
    for path in evals.rglob("*.json"):
        rel = path.relative_to(evals).parts
        j = json.loads(path.read_text())
        n_shots = int(j.get("config", {}).get("num_fewshot", 0))
        if rel[0] == "pythia-v1":
            model = rel[1]
            size = model.removeprefix("pythia-").removesuffix("-deduped")
            which = "pythia-deduped" if model.endswith("-deduped") else "pythia"
            N = float(PYTHIA_PARAMS[size])
            step = float(path.stem.rsplit("_step", 1)[1])
        else:
            which, model = rel[0], path.stem
            N, step = _nominal_size(model), np.nan
        if (suite is not None and which != suite) or (shots is not None and n_shots != shots):
            continue
        if final_only and which.startswith("pythia") and step != 143000:
            continue
        for task, res in j["results"].items():
            for metric, value in res.items():
                if metric.endswith("_stderr"):
                    continue
                rows.append((which, model, N, n_shots, step, task, metric, float(value), res.get(f"{metric}_stderr", np.nan)))
    df = pd.DataFrame(rows, columns=["suite", "model", "N", "shots", "step", "task", "metric", "value", "stderr"])
    df["stderr"] = df["stderr"].astype(float)
    df.insert(5, "D", df["step"] * PYTHIA_TOKENS_PER_STEP)
    df.insert(6, "C", 6.0 * df["N"] * df["D"])
    return df.sort_values(["suite", "N", "shots", "step", "task", "metric"], na_position="last").reset_index(drop=True)
