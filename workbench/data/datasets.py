"""Readers that turn each registered dataset's files into a table.

Each reader takes the dataset's verified folder and dataset-specific options;
call them through :func:`workbench.data.load_dataset`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from .registry import register_loader
from .runs import validate_runs

__all__ = ["read_chinchilla", "read_overtraining", "read_datablations", "OVERTRAINING_VAL_SETS"]


@register_loader("chinchilla")
def read_chinchilla(folder: Path) -> pd.DataFrame:
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
def read_overtraining(folder: Path, val_set: str = "c4_val", training_set: str | None = None, evals: bool = False) -> pd.DataFrame:
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


def read_overtraining_evals(folder: Path) -> pd.DataFrame:
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
def read_datablations(folder: Path) -> pd.DataFrame:
    """Data-constrained runs (Muennighoff et al. 2023): ``N``, ``D`` (tokens seen), ``U`` (unique tokens), ``loss``,
    plus ``name`` and ``epochs = D / U``. Seeds of the same configuration appear as separate rows."""
    raw = pd.read_csv(folder / "parametric_fit_points.csv")
    df = pd.DataFrame(
        {"name": raw["name"], "N": raw["params"], "D": raw["tokens"], "U": raw["unique_tokens"], "loss": raw["val_loss"]}
    )
    df["epochs"] = df["D"] / df["U"]
    return validate_runs(df, on_duplicates="keep")
