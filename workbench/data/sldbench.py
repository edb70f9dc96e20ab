"""Readers of the SLDBench extrapolation tasks (Lin et al. 2025, "Can Language Models Discover Scaling Laws?").

SLDBench gathers published runs into tasks, each with a training split and a
held-out extrapolation split (larger models, more data, new mixtures). Each
task is registered as its own dataset (``sldbench-<task>``: pinned files,
sha256, licence, citation of SLDBench and of the paper the runs come from);
each reader turns the task's files into a runs table with canonical column
names (see :data:`workbench.data.runs.INPUT_COLUMNS`) and the split as data: a
column ``split`` that is ``"train"`` or ``"test"``, made by the task's rule in
:data:`SLDBENCH_SPLITS` exactly as SLDBench makes it.

Tasks and the paper each comes from:

============================  =================================================================
``sldbench-data-constrained``  Muennighoff et al. 2023, "Scaling Data-Constrained Language Models"
``sldbench-vocabulary``        Tao et al. 2024, "Scaling Laws with Vocabulary"
``sldbench-moe``               Clark et al. 2022, "Unified Scaling Laws for Routed Language Models"
``sldbench-lr-batch``          Li et al. 2025, "Predictable Scale: Part I" (Step Law)
``sldbench-sft``               Lin et al. 2024, "Selecting Large Language Model to Fine-tune via Rectified Scaling Law"
``sldbench-domain-mixture``    Ye et al. 2024, "Data Mixing Laws"
============================  =================================================================
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from .registry import register_loader
from .runs import stack_outputs, validate_runs
from .splits import AnyOf, Equals, Largest, SplitRule

__all__ = ["SLDBENCH_SPLITS", "SLDBENCH_FILES", "DOMAIN_MIXTURE_SIZES", "SFT_DATASETS", "ColumnSwapWarning"]


class ColumnSwapWarning(UserWarning):
    """A reader found two columns of a published file swapped and corrected them."""


#: The rule that makes each task's held-out split (on the reader's canonical columns).
SLDBENCH_SPLITS: dict[str, SplitRule] = {
    # SLDBench: unique_tokens >= its 2nd largest value or params >= its 2nd largest value, stated on the
    # file's own column names; the file's 'unique_tokens' column holds the tokens seen (D), see below.
    "data-constrained": AnyOf(Largest("D", rank=2), Largest("N", rank=2)),
    "vocabulary": Largest("N"),
    "moe": Largest("N"),
    "lr-batch": AnyOf(Largest("D"), Largest("N")),
    "sft": Largest("D", per="curve"),
    "domain-mixture": Equals("published_split", "eval"),
}

#: Files of each task, relative to the SLDBench data folder.
SLDBENCH_FILES = {
    "data-constrained": ("data_constrained_scaling_law/data.csv",),
    "vocabulary": ("vocab_scaling_law/data.csv",),
    "moe": ("moe_scaling_law/data.csv",),
    "lr-batch": ("lr_scaling_law/dense_lr_bs_loss.csv",),
    "sft": ("rectified_scaling_law/flan.csv", "rectified_scaling_law/gigaword.csv", "rectified_scaling_law/wikiword.csv"),
    "domain-mixture": ("domain_mixture_scaling_law/all_models_data.json",),
}

#: Model sizes (parameters) of the domain-mixture runs, by the labels the file uses (the 1B entry is empty).
DOMAIN_MIXTURE_SIZES = {"70M": 70e6, "160M": 160e6, "305M": 305e6, "410M": 410e6}
#: Tokens per sequence of the Step Law runs (batch sizes in the file count sequences; D / steps / sequences = 2,048).
SEQUENCE_LENGTH = 2048
#: The fine-tuning datasets of the SFT task.
SFT_DATASETS = ("flan", "gigaword", "wikiword")


def _with_split(df: pd.DataFrame, task: str) -> pd.DataFrame:
    held = SLDBENCH_SPLITS[task].mask(df)
    df.insert(0, "split", np.where(held, "test", "train"))
    return df


def _read(folder: Path, rel: str) -> Path:
    path = folder / rel
    if not path.is_file():
        raise DatasetError(f"The SLDBench file {rel!r} is missing from {str(folder)!r}.")
    return path


@register_loader("sldbench-data-constrained")
def read_data_constrained(folder: Path) -> pd.DataFrame:
    """Data-constrained runs (Muennighoff et al. 2023): ``N``, ``D`` (tokens seen), ``U`` (unique tokens), ``loss``.

    The SLDBench file swaps two columns: its ``unique_tokens`` holds the tokens
    seen and its ``tokens`` the unique tokens (run ``2b832b4b``: 2.8B parameters,
    32B tokens seen, 4B unique, is written ``unique_tokens = 32e9, tokens =
    4e9``). Unique tokens cannot exceed the tokens seen in a study of repeated
    data, so when the file's ``unique_tokens`` is at least its ``tokens`` in
    every row (and larger in some) the reader swaps them back and warns
    (:class:`ColumnSwapWarning`); a corrected file is read as it is.
    Held out: ``D`` at least its second largest value or ``N`` at least its
    second largest value (SLDBench's rule on the file's own column names).
    """
    raw = pd.read_csv(_read(folder, SLDBENCH_FILES["data-constrained"][0]))
    tokens, unique = raw["tokens"].to_numpy(float), raw["unique_tokens"].to_numpy(float)
    swapped = bool(np.all(unique >= tokens) and np.any(unique > tokens))
    if swapped:
        warnings.warn(
            "sldbench-data-constrained: the file's 'unique_tokens' column is never smaller than its 'tokens' column, "
            "so the two are swapped (unique tokens cannot exceed the tokens seen); read D = unique_tokens, "
            "U = tokens.",
            ColumnSwapWarning,
            stacklevel=3,
        )
        tokens, unique = unique, tokens
    df = pd.DataFrame({"name": raw["id"].astype(str), "N": raw["params"], "D": tokens, "U": unique, "loss": raw["loss"]})
    df["epochs"] = df["D"] / df["U"]
    df = validate_runs(df, on_duplicates="keep")
    df.attrs["columns_swapped"] = swapped
    return _with_split(df, "data-constrained")


@register_loader("sldbench-vocabulary")
def read_vocabulary(folder: Path) -> pd.DataFrame:
    """Vocabulary runs (Tao et al. 2024): ``N`` (non-vocabulary parameters), ``V`` (vocabulary size),
    ``N_v = V x width`` (vocabulary parameters), ``D`` (training characters), ``C`` (FLOPs as published),
    ``lossu`` (unigram-normalised loss, nats per character, negative) and ``neg_lossu = -lossu``.

    Held out: the largest ``N``.
    """
    raw = pd.read_csv(_read(folder, SLDBENCH_FILES["vocabulary"][0]))
    df = pd.DataFrame(
        {
            "N": raw["Non_vocab_parameters"],
            "V": raw["vocab_size"],
            "width": raw["embed_dim"],
            "D": raw["num_characters"],
            "C": raw["FLOPs"],
            "lossu": raw["Lossu"],
        }
    )
    df.insert(2, "N_v", df["V"] * df["width"])
    df["neg_lossu"] = -df["lossu"]
    return _with_split(validate_runs(df, require=("N", "D"), on_duplicates="keep"), "vocabulary")


@register_loader("sldbench-moe")
def read_moe(folder: Path) -> pd.DataFrame:
    """Routed language models (Clark et al. 2022) at step 249,000: ``N`` (dense parameter count, the model each
    routed model expands), ``experts``, ``N_total`` (all parameters), ``router`` (Dense, S-Base, Hash or RL-R),
    ``seed`` and ``loss`` (validation loss, nats/token).

    Held out: the largest ``N``.
    """
    raw = pd.read_csv(_read(folder, SLDBENCH_FILES["moe"][0]))
    raw = raw[raw["step"] == 249000]
    df = pd.DataFrame(
        {
            "N": raw["dense_parameter_count"].to_numpy(float),
            "experts": raw["num_experts"].to_numpy(float),
            "N_total": raw["total_parameter_count"].to_numpy(float),
            "router": raw["router_type"].to_numpy(),
            "seed": raw["seed"].to_numpy(),
            "loss": raw["loss_validation"].to_numpy(float),
        }
    )
    return _with_split(validate_runs(df, require=("N", "loss"), on_duplicates="keep").reset_index(drop=True), "moe")


@register_loader("sldbench-lr-batch")
def read_lr_batch(folder: Path) -> pd.DataFrame:
    """Learning-rate and batch-size sweeps (Li et al. 2025, Step Law): ``N`` (non-embedding parameters),
    ``D`` (tokens), ``lr`` (peak learning rate), ``batch`` (tokens per step: sequences x 2,048, which matches
    ``D / steps`` within rounding), ``batch_sequences``, ``steps`` and ``loss`` (the smoothed final loss; rows
    above 4.0 dropped, as SLDBench does), with the raw final loss as ``final_loss``.

    Held out: the largest ``D`` or the largest ``N``.
    """
    raw = pd.read_csv(_read(folder, SLDBENCH_FILES["lr-batch"][0]))
    raw = raw[raw["smooth loss"] <= 4.0]
    df = pd.DataFrame(
        {
            "N": raw["N"].to_numpy(float),
            "D": raw["D"].to_numpy(float),
            "lr": raw["lr"].to_numpy(float),
            "batch": raw["bs"].to_numpy(float) * SEQUENCE_LENGTH,
            "batch_sequences": raw["bs"].to_numpy(float),
            "steps": raw["ti"].to_numpy(float),
            "loss": raw["smooth loss"].to_numpy(float),
            "final_loss": raw["loss"].to_numpy(float),
        }
    )
    return _with_split(validate_runs(df, on_duplicates="keep").reset_index(drop=True), "lr-batch")


@register_loader("sldbench-sft")
def read_sft(folder: Path) -> pd.DataFrame:
    """Fine-tuning curves (Lin et al. 2024): one row per (model, dataset, fine-tuning data size) with ``curve``
    (``"<model> | <dataset>"``), ``model``, ``dataset``, ``D`` (fine-tuning examples, 200 ... 819,200) and
    ``loss``. The column for 0 examples (the model before fine-tuning) is not part of the curves, as in SLDBench.

    Held out: the point at the largest ``D`` of each curve (819,200); a curve is kept only with at least 4
    training points.
    """
    parts = []
    for rel in SLDBENCH_FILES["sft"]:
        raw = pd.read_csv(_read(folder, rel))
        dataset = Path(rel).stem
        sizes = [c for c in raw.columns[1:] if float(c) > 0]
        long = raw.melt(id_vars=[raw.columns[0]], value_vars=sizes, var_name="D", value_name="loss")
        long = long.rename(columns={raw.columns[0]: "model"})
        long["dataset"] = dataset
        parts.append(long)
    df = pd.concat(parts, ignore_index=True)
    df["D"] = df["D"].astype(float)
    df["loss"] = pd.to_numeric(df["loss"], errors="coerce")
    df = df[np.isfinite(df["loss"]) & (df["loss"] > 0)]
    df.insert(0, "curve", df["model"] + " | " + df["dataset"])
    df = df.sort_values(["dataset", "model", "D"], kind="stable").reset_index(drop=True)
    df = _with_split(validate_runs(df, require=("D", "loss"), on_duplicates="keep"), "sft")
    n_train = df[df["split"] == "train"].groupby("curve").size()
    keep = n_train.index[n_train >= 4]
    return df[df["curve"].isin(keep)].reset_index(drop=True)


@register_loader("sldbench-domain-mixture")
def read_domain_mixture(folder: Path) -> pd.DataFrame:
    """Data-mixing runs (Ye et al. 2024), one row per (model size, mixture, domain): ``size`` (label), ``N``,
    ``mixture`` (the proportions as a label), ``mix_d1 ... mix_d5`` (proportions of the five domains),
    ``output`` (which domain's loss the row holds, 0-4), ``loss`` and ``published_split`` (``train`` or
    ``eval`` as in the file). The 1B entry is empty and skipped.

    Held out: the ``eval`` mixtures of every model size.
    """
    data = json.loads(_read(folder, SLDBENCH_FILES["domain-mixture"][0]).read_text())
    rows = []
    for size, entry in data.items():
        if size not in DOMAIN_MIXTURE_SIZES:
            continue
        for published, points in (("train", entry.get("train", [])), ("eval", entry.get("eval", []))):
            for point in points:
                props, losses = point["proportions"], point["loss"]
                if len(props) != 5 or len(losses) != 5:
                    raise DatasetError(f"sldbench-domain-mixture: expected 5 proportions and 5 losses, got {point!r}.")
                row = {"size": size, "N": DOMAIN_MIXTURE_SIZES[size], "mixture": point["ratio"], "published_split": published}
                row.update({f"mix_d{j + 1}": float(v) for j, v in enumerate(props)})
                row.update({f"loss_d{j + 1}": float(v) for j, v in enumerate(losses)})
                rows.append(row)
    wide = pd.DataFrame(rows)
    df = stack_outputs(wide, [f"loss_d{j + 1}" for j in range(5)], target="loss")
    return _with_split(validate_runs(df, require=("loss",), on_duplicates="keep"), "domain-mixture")
