"""Hardware, wall-clock time, energy, emissions and money for a training run.

    device-hours = FLOPs / (peak FLOP/s x utilisation) / 3600
    wall-clock   = device-hours / devices
    energy       = device-hours x board power x PUE
    emissions    = energy x grid carbon intensity
    cost         = device-hours x price per device-hour

``utilisation`` is the model FLOPs utilisation (MFU): the fraction of the dense
peak that the training run turns into useful model FLOPs (PaLM 540B reached 46.2%,
Chowdhery et al. 2022; 30-50% is typical of large dense runs). Board power is the
maximum (TDP); a real run draws somewhat less, and the host CPUs, memory and
network draw more, which PUE does not cover: treat energy as an estimate to about
a factor of 1.5.

The accelerator table is data with a source for every number: read it with
:func:`accelerator_table`, add or change an entry with :func:`register_accelerator`,
or pass your own ``table=`` (a DataFrame with the same columns) to
:func:`hardware_estimate`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..errors import ArgumentError, UnknownNameError
from ..results import Result

__all__ = [
    "Accelerator",
    "ACCELERATORS",
    "accelerator_table",
    "register_accelerator",
    "get_accelerator",
    "HardwareEstimate",
    "hardware_estimate",
    "DEFAULT_ASSUMPTIONS",
]


@dataclass(frozen=True)
class Accelerator:
    """One accelerator: dense bf16 peak (FLOP/s), board power (W) and where the numbers come from."""

    name: str
    peak_flops: float
    power_watts: float
    source: str
    notes: str = ""


_NV = "NVIDIA"
ACCELERATORS: dict[str, Accelerator] = {
    a.name: a
    for a in [
        Accelerator("H100 SXM", 989e12, 700.0,
                    f"{_NV} H100 Tensor Core GPU datasheet (2023): BF16 Tensor Core 1,979 TFLOPS with 2:4 sparsity, "
                    "so 989 dense; max TDP up to 700 W. https://www.nvidia.com/en-us/data-center/h100/"),
        Accelerator("H100 PCIe", 756e12, 350.0,
                    f"{_NV} H100 Tensor Core GPU datasheet (2023): BF16 1,513 TFLOPS with sparsity (756 dense); "
                    "max TDP 300-350 W. https://www.nvidia.com/en-us/data-center/h100/"),
        Accelerator("H200 SXM", 989e12, 700.0,
                    f"{_NV} H200 Tensor Core GPU datasheet (2024): BF16 1,979 TFLOPS with sparsity (989 dense); "
                    "max TDP up to 700 W. https://www.nvidia.com/en-us/data-center/h200/"),
        Accelerator("A100 SXM", 312e12, 400.0,
                    f"{_NV} A100 Tensor Core GPU datasheet (2021): BF16 Tensor Core 312 TFLOPS dense "
                    "(624 with sparsity); max TDP 400 W. https://www.nvidia.com/en-us/data-center/a100/"),
        Accelerator("A100 PCIe", 312e12, 300.0,
                    f"{_NV} A100 Tensor Core GPU datasheet (2021): BF16 312 TFLOPS dense; A100 80GB PCIe max TDP 300 W. "
                    "https://www.nvidia.com/en-us/data-center/a100/"),
        Accelerator("V100 SXM2", 125e12, 300.0,
                    f"{_NV} Tesla V100 datasheet (2017): 125 TFLOPS FP16 tensor (no bf16); 300 W. "
                    "https://www.nvidia.com/en-us/data-center/v100/", notes="FP16 mixed precision; V100 has no bf16"),
        Accelerator("MI300X", 1307.4e12, 750.0,
                    "AMD Instinct MI300X data sheet (2023): peak BF16 1,307.4 TFLOPS dense; 750 W typical board power. "
                    "https://www.amd.com/en/products/accelerators/instinct/mi300/mi300x.html"),
        Accelerator("MI250X", 383e12, 560.0,
                    "AMD Instinct MI250X data sheet (2021): peak BF16 383 TFLOPS; 560 W peak board power (OAM). "
                    "https://www.amd.com/en/products/accelerators/instinct/mi200/mi250x.html"),
        Accelerator("TPU v4", 275e12, 192.0,
                    "Jouppi et al. 2023, 'TPU v4: An Optically Reconfigurable Supercomputer...', ISCA: 275 TFLOPS bf16 per chip; "
                    "power 90/170/192 W (min/mean/max) per chip", notes="check: chip power only, max used"),
        Accelerator("RTX 4090", 165.2e12, 450.0,
                    f"{_NV} Ada Lovelace GPU architecture whitepaper (2022), Appendix: peak BF16 tensor 165.2 TFLOPS with FP32 "
                    "accumulate (330.4 with sparsity); total graphics power 450 W"),
    ]
}

#: Defaults of the cost model, each an assumption to replace with your own.
DEFAULT_ASSUMPTIONS = {
    "accelerator": "H100 SXM",
    "devices": 1024,
    "utilisation": 0.40,  # MFU; PaLM 540B: 46.2% (Chowdhery et al. 2022)
    "pue": 1.10,  # power usage effectiveness of a modern hyperscale data centre (Google fleet average ~1.10)
    "carbon_intensity": 0.40,  # kg CO2e per kWh; the world-average grid is ~0.45-0.48, low-carbon grids < 0.1
    "price_per_device_hour": 2.00,  # USD; on-demand cloud prices vary several-fold: use your own
}

_COLUMNS = ["name", "peak_flops", "power_watts", "source", "notes"]


def accelerator_table() -> pd.DataFrame:
    """The accelerator table as an editable DataFrame (a copy): name, dense bf16 ``peak_flops`` (FLOP/s),
    ``power_watts`` (board power), ``source``, ``notes``. Edit it and pass it as ``table=`` to
    :func:`hardware_estimate`, or use :func:`register_accelerator`."""
    return pd.DataFrame([asdict(a) for a in ACCELERATORS.values()], columns=_COLUMNS)


def register_accelerator(name: str, peak_flops: float, power_watts: float, source: str, notes: str = "") -> Accelerator:
    """Add an accelerator to the table, or replace one of the same name. ``source`` is required."""
    if not (peak_flops > 0 and power_watts > 0):
        raise ArgumentError("An accelerator needs peak_flops > 0 (FLOP/s) and power_watts > 0 (W).")
    if not str(source).strip():
        raise ArgumentError("Say where the numbers come from: source='datasheet ...'.")
    acc = Accelerator(str(name), float(peak_flops), float(power_watts), str(source), str(notes))
    ACCELERATORS[acc.name] = acc
    return acc


def _normal(name) -> str:
    return " ".join(str(name).lower().replace("-", " ").replace("_", " ").split())


def get_accelerator(accelerator, table: pd.DataFrame | None = None) -> Accelerator:
    """An :class:`Accelerator` by name (from ``table`` when given), or one passed in / as a dict."""
    if isinstance(accelerator, Accelerator):
        return accelerator
    if isinstance(accelerator, dict):
        return Accelerator(**{k: accelerator[k] for k in _COLUMNS if k in accelerator})
    if table is not None:
        rows = table[table["name"] == accelerator]
        if len(rows) == 0:
            raise UnknownNameError(f"No accelerator {accelerator!r} in the table; it has {', '.join(map(str, table['name']))}.")
        r = rows.iloc[0]
        return Accelerator(str(r["name"]), float(r["peak_flops"]), float(r["power_watts"]), str(r.get("source", "")), str(r.get("notes", "") or ""))
    if accelerator in ACCELERATORS:
        return ACCELERATORS[accelerator]
    key = _normal(accelerator)
    for name, acc in ACCELERATORS.items():
        if _normal(name) == key:
            return acc
    try:
        return ACCELERATORS[accelerator]
    except KeyError:
        raise UnknownNameError(f"No accelerator {accelerator!r}. Known: {', '.join(ACCELERATORS)}; add one with register_accelerator().") from None


class HardwareEstimate(Result):
    """Time, energy, emissions and cost of ``flops`` on ``devices`` accelerators."""

    flops: np.ndarray
    accelerator: Accelerator
    devices: int
    utilisation: float
    pue: float
    carbon_intensity: float
    price_per_device_hour: float

    @property
    def device_hours(self):
        return self.flops / (self.accelerator.peak_flops * self.utilisation) / 3600.0

    @property
    def wall_clock_hours(self):
        return self.device_hours / self.devices

    @property
    def days(self):
        return self.wall_clock_hours / 24.0

    @property
    def energy_kwh(self):
        return self.device_hours * self.accelerator.power_watts / 1000.0 * self.pue

    @property
    def energy_mwh(self):
        return self.energy_kwh / 1000.0

    @property
    def emissions_tonnes(self):
        """Tonnes of CO2-equivalent."""
        return self.energy_kwh * self.carbon_intensity / 1000.0

    @property
    def cost_usd(self):
        return self.device_hours * self.price_per_device_hour

    _dict_properties = ("device_hours", "days", "energy_mwh", "emissions_tonnes", "cost_usd")

    def to_dict(self) -> dict:
        out = super().to_dict()
        a = self.accelerator
        out.update(accelerator=a.name, peak_flops=a.peak_flops, power_watts=a.power_watts, source=a.source,
                   carbon_intensity_kg_per_kwh=self.carbon_intensity, price_per_device_hour_usd=self.price_per_device_hour)
        return out

    def fields(self, i: int = 0) -> list[tuple[str, str]]:
        """The estimate in words, one ``(what, how much)`` pair per line (element ``i`` of an array of FLOPs)."""
        a = self.accelerator
        return [
            ("hardware", f"{self.devices:,} x {a.name} ({a.peak_flops / 1e12:.0f} TFLOP/s bf16, {a.power_watts:.0f} W) "
                         f"at {100 * self.utilisation:.0f}% utilisation"),
            ("wall-clock", f"{self.value('days', i):.3g} days ({self.value('device_hours', i):.3g} device-hours)"),
            ("energy", f"{self.value('energy_mwh', i):.3g} MWh (PUE {self.pue:g})"),
            ("emissions", f"{self.value('emissions_tonnes', i):.3g} t CO2e ({self.carbon_intensity:g} kg/kWh)"),
            ("cost", f"${self.value('cost_usd', i):,.0f} (${self.price_per_device_hour:g} per device-hour)"),
        ]

    def _title(self) -> str:
        return f"Hardware estimate for {self.value('flops'):.3g} FLOPs"

    def _summarize(self, s) -> None:
        s.add_fields(self.fields() + [("source", self.accelerator.source)])

    def _headline(self) -> str:
        return f"{self.value('flops'):.3g} FLOPs: {self.value('days'):.3g} days, ${self.value('cost_usd'):,.0f}"


def hardware_estimate(
    flops,
    accelerator="H100 SXM",
    devices: int = 1024,
    utilisation: float = 0.40,
    pue: float = 1.10,
    carbon_intensity: float = 0.40,
    price_per_device_hour: float = 2.00,
    table: pd.DataFrame | None = None,
) -> HardwareEstimate:
    """Wall-clock days, energy, emissions and cost of a run of ``flops`` FLOPs.

    Parameters
    ----------
    flops : float or array
        Total FLOPs (e.g. ``6 N D`` for training).
    accelerator : str, Accelerator or dict
        A name from :func:`accelerator_table` (or your own ``table``).
    devices : int
        Number of accelerators working in parallel.
    utilisation : float
        Model FLOPs utilisation, in (0, 1].
    pue : float
        Power usage effectiveness of the data centre (>= 1).
    carbon_intensity : float
        Grid carbon intensity in kg CO2e per kWh.
    price_per_device_hour : float
        USD per accelerator-hour.
    """
    acc = get_accelerator(accelerator, table)
    if not (0 < utilisation <= 1):
        raise ArgumentError(f"utilisation is a fraction of the peak in (0, 1], got {utilisation}.")
    if not devices >= 1:
        raise ArgumentError(f"devices must be at least 1, got {devices}.")
    if not pue >= 1:
        raise ArgumentError(f"PUE is total facility power over IT power, so at least 1; got {pue}.")
    if carbon_intensity < 0 or price_per_device_hour < 0:
        raise ArgumentError("carbon_intensity and price_per_device_hour cannot be negative.")
    f = np.asarray(flops, float)
    if np.any(f < 0):
        raise ArgumentError("FLOPs cannot be negative.")
    return HardwareEstimate(f, acc, int(devices), float(utilisation), float(pue), float(carbon_intensity), float(price_per_device_hour))
