"""Readers of the observational, emergence-metrics and pythia-evals datasets."""

from __future__ import annotations

import numpy as np
import pytest

import workbench as wb
from workbench.data.datasets import OBSERVATIONAL_BENCHMARKS, PYTHIA_PARAMS
from workbench.errors import DatasetError

pytestmark = pytest.mark.needs_mirror


def test_observational_tables():
    main = wb.load_dataset("observational")
    assert len(main) == 148 and list(main.columns[:5]) == ["model", "family", "N", "D", "C"]
    assert set(OBSERVATIONAL_BENCHMARKS) <= set(main.columns)
    assert len(wb.load_dataset("observational", complete=True)) == 124
    llama = main.set_index("model").loc["meta-llama/Llama-2-7b-hf"]
    assert llama["N"] == 7e9 and llama["D"] == 2e12 and llama["C"] == pytest.approx(8.4e22)
    em = wb.load_dataset("observational", table="emergent")
    assert len(em) == 84 and em["family"].notna().all()
    assert {"ipa_transliterate_2_exact_match", "ipa_transliterate_2_bleu"} <= set(em.columns)
    with pytest.raises(DatasetError):
        wb.load_dataset("observational", table="nope")


def test_emergence_metrics_table():
    df = wb.load_dataset("emergence-metrics")
    assert len(df) == 5055 and df["model"].nunique() == 24 and df["task"].nunique() == 23
    scores = ["exact_match", "exact_match_f1", "bertscore", "bertscore_f1", "bertscore_mean", "edit_distance"]
    assert not (df[scores] == -100).any().any()
    assert df["exact_match"].between(0, 1).all() and (df["edit_distance"] >= 0).all()
    assert df.loc[df["model"] == "gpt2-xl", "N"].eq(1.56e9).all()
    assert df["N"].isna().sum() == (df["model"].isin(["text-davinci-001", "text-davinci-003", "code", "gpt-4"])).sum()
    assert set(df["prompt"]) == {"closed", "closed-adv", "open"}


def test_pythia_evals_table():
    df = wb.load_dataset("pythia-evals")
    assert set(df["suite"]) == {"pythia", "pythia-deduped", "bloom", "opt"}
    py = df[df["suite"] == "pythia"]
    assert set(py["N"]) <= {float(v) for v in PYTHIA_PARAMS.values()}
    np.testing.assert_allclose(py["D"], py["step"] * 2_097_152)
    assert py["step"].max() == 143000 and py["step"].nunique() == 27
    lam = df[(df["task"] == "lambada_openai") & (df["suite"] == "pythia") & (df["step"] == 143000) & (df["shots"] == 0)]
    assert set(lam["metric"]) == {"acc", "ppl"}
    final = wb.load_dataset("pythia-evals", suite="opt", final_only=True)
    assert sorted(final["N"].unique())[:2] == [1.25e8, 3.5e8] and final["step"].isna().all()
    assert set(wb.load_dataset("pythia-evals", suite="pythia", shots=5)["shots"]) == {5}
    with pytest.raises(DatasetError):
        wb.load_dataset("pythia-evals", shots=3)
