"""FLOPs accounting (6ND vs the detailed transformer count) and the hardware/time/energy/cost model."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.compute import (
    KNOWN_SHAPES,
    TransformerShape,
    accelerator_table,
    flops_comparison,
    get_accelerator,
    hardware_estimate,
    inference_flops,
    register_accelerator,
    training_flops,
    transformer_flops,
)
from workbench.compute.hardware import ACCELERATORS
from workbench.errors import UnknownNameError, WorkbenchError


def test_six_n_d():
    assert training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)
    assert inference_flops(70e9, 1e12) == pytest.approx(1.4e23)


def test_parameter_count_of_gpt3():
    s = KNOWN_SHAPES["gpt3-175b"]
    assert s.parameters == pytest.approx(175e9, rel=0.01)
    assert s.non_embedding_parameters == 12 * 96 * 12288**2  # 12 n_layer d_model^2 with f = 4d


def test_detailed_count_components():
    s = TransformerShape(n_layers=2, d_model=64, n_heads=4, vocab_size=100, context=16)
    per_token = s.forward_flops_per_token()
    # hand count, per sequence of S = 16 tokens: Hoffmann et al. 2022, Appendix F
    S, V, d, h, k, f, L = 16, 100, 64, 4, 16, 256, 2
    expected = (2 * S * V * d + L * (2 * 3 * S * d * h * k + 2 * S * S * h * k + 3 * h * S * S + 2 * S * S * h * k + 2 * S * h * k * d
                                     + 2 * S * (d * f + f * d)) + 2 * S * d * V) / S
    assert sum(per_token.values()) == pytest.approx(expected)
    total = transformer_flops(s, 1000)
    assert total["total"] == pytest.approx(3 * expected * 1000)
    assert total["total"] == pytest.approx(sum(v for k_, v in total.items() if k_ != "total"))


def test_six_n_d_is_within_ten_percent_for_large_models_and_worse_for_small_ones():
    t = flops_comparison()
    big = t[t["N"] > 5e10]
    assert np.all((big["ratio_detailed_to_6ND"] > 1.0) & (big["ratio_detailed_to_6ND"] < 1.10))
    small = t[t["N"] < 2e8]
    assert np.all(small["ratio_detailed_to_6ND"] > big["ratio_detailed_to_6ND"].max())
    assert np.all(t["attention_share"] > 0) and np.all(t["attention_share"] < 0.2)
    # longer context, more attention FLOPs
    a = TransformerShape(12, 768, 12, 50257, 1024)
    b = TransformerShape(12, 768, 12, 50257, 8192)
    assert transformer_flops(b, 1e9)["total"] > transformer_flops(a, 1e9)["total"]
    with pytest.raises(WorkbenchError):
        TransformerShape(0, 768, 12)


def test_hardware_estimate_by_hand():
    est = hardware_estimate(5.88e23, "H100 SXM", devices=1000, utilisation=0.5, pue=1.2, carbon_intensity=0.3,
                            price_per_device_hour=2.5)
    device_hours = 5.88e23 / (989e12 * 0.5) / 3600
    assert est.value("device_hours") == pytest.approx(device_hours)
    assert est.value("days") == pytest.approx(device_hours / 1000 / 24)
    assert est.value("energy_kwh") == pytest.approx(device_hours * 0.7 * 1.2)
    assert est.value("emissions_tonnes") == pytest.approx(device_hours * 0.7 * 1.2 * 0.3 / 1000)
    assert est.value("cost_usd") == pytest.approx(device_hours * 2.5)
    assert "days" in est.summary() and "datasheet" in est.summary()
    d = est.to_dict()
    assert d["accelerator"] == "H100 SXM" and d["source"]


def test_accelerator_table_has_sources_and_is_editable():
    t = accelerator_table()
    assert {"name", "peak_flops", "power_watts", "source"} <= set(t.columns)
    assert t["source"].str.len().min() > 20
    h100 = t.set_index("name").loc["H100 SXM"]
    assert h100["peak_flops"] == pytest.approx(989e12) and h100["power_watts"] == 700
    a100 = t.set_index("name").loc["A100 SXM"]
    assert a100["peak_flops"] == pytest.approx(312e12) and a100["power_watts"] == 400
    # edit a copy and pass it in
    t.loc[t["name"] == "H100 SXM", "power_watts"] = 350.0
    assert hardware_estimate(1e22, "H100 SXM", table=t).value("energy_kwh") == pytest.approx(
        hardware_estimate(1e22, "H100 SXM").value("energy_kwh") / 2)
    assert ACCELERATORS["H100 SXM"].power_watts == 700  # the table itself is unchanged
    try:
        register_accelerator("Test chip", 100e12, 200.0, "made up for a test")
        assert hardware_estimate(1e21, "test-chip").accelerator.name == "Test chip"
    finally:
        ACCELERATORS.pop("Test chip", None)
    assert get_accelerator("h100_sxm").name == "H100 SXM"


def test_hardware_errors():
    with pytest.raises(UnknownNameError, match="register_accelerator"):
        hardware_estimate(1e22, "TPU v99")
    with pytest.raises(WorkbenchError, match="utilisation"):
        hardware_estimate(1e22, utilisation=1.5)
    with pytest.raises(WorkbenchError, match="PUE"):
        hardware_estimate(1e22, pue=0.9)
    with pytest.raises(WorkbenchError, match="devices"):
        hardware_estimate(1e22, devices=0)
    with pytest.raises(WorkbenchError, match="source"):
        register_accelerator("x", 1e12, 100, "  ")
