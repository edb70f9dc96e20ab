"""Learning-rate schedules: constant, cosine, warmup-stable-decay (WSD) and step.

A :class:`Schedule` is data (kind, peak, warmup, decay start, final fraction)
and turns into a learning rate per step for a run of any length with
:meth:`Schedule.lrs`. Warmup and decay start are *fractions of the run*, so one
schedule describes runs of every length.

Conventions (step ``t = 0 .. T-1``, ``T`` steps in all):

* warmup: ``lr_t = peak * (t + 1) / W`` for ``t < W = round(warmup * T)``;
* the decay phase starts at step ``S = max(W, round(decay_start * T))`` and runs
  with progress ``p = (t - S) / (T - S)`` in ``[0, 1)``;
* ``cosine``: ``lr = peak * (f + (1 - f) * (1 + cos(pi p)) / 2)`` (decays from the end
  of warmup unless ``decay_start`` is later);
* ``wsd`` (warmup-stable-decay, Hu et al. 2024 "MiniCPM"; Hägele et al. 2024):
  constant ``peak`` until ``S``, then a linear (or ``decay_shape="cosine"``) decay to ``f * peak``;
* ``step``: constant until ``S``, then ``drops`` equal drops by a factor ``f^(1/drops)``
  spread evenly over the rest of the run (the last segment runs at ``f * peak``);
* ``linear``: linear decay from the end of warmup;
* ``constant``: ``peak`` after warmup.

With ``p < 1`` the learning rate stays positive even when ``final = 0``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..errors import ArgumentError

__all__ = ["Schedule", "SCHEDULE_KINDS", "preset", "PRESETS"]

SCHEDULE_KINDS = ("constant", "cosine", "wsd", "step", "linear")


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule, independent of the run length.

    Parameters
    ----------
    kind : {"constant", "cosine", "wsd", "step", "linear"}
    peak : float
        Peak learning rate (reached at the end of warmup).
    warmup : float
        Fraction of the run spent warming up linearly from ``peak / W`` to ``peak`` (0 to < 1).
    decay_start : float
        Fraction of the run at which the decay begins (``wsd`` and ``step``; for
        ``cosine`` and ``linear`` decay begins after warmup unless this is later).
    final : float
        Final learning rate as a fraction of the peak (0 to 1).
    drops : int
        Number of drops of the ``step`` schedule.
    decay_shape : {"linear", "cosine"}
        Shape of the WSD decay.

    Examples
    --------
    >>> Schedule("wsd", peak=1e-2, warmup=0.05, decay_start=0.8, final=0.0).lrs(10).round(4).tolist()
    [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.005]
    """

    kind: str = "cosine"
    peak: float = 1e-3
    warmup: float = 0.0
    decay_start: float = 0.0
    final: float = 0.1
    drops: int = 2
    decay_shape: str = "linear"

    def __post_init__(self):
        if self.kind not in SCHEDULE_KINDS:
            raise ArgumentError(f"Unknown schedule kind {self.kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}.")
        if not (self.peak > 0 and math.isfinite(self.peak)):
            raise ArgumentError(f"The peak learning rate must be a positive number, got {self.peak!r}.")
        if not 0.0 <= self.warmup < 1.0:
            raise ArgumentError(f"warmup is a fraction of the run in [0, 1), got {self.warmup!r}.")
        if not 0.0 <= self.decay_start <= 1.0:
            raise ArgumentError(f"decay_start is a fraction of the run in [0, 1], got {self.decay_start!r}.")
        if not 0.0 <= self.final <= 1.0:
            raise ArgumentError(f"final is the final learning rate as a fraction of the peak, in [0, 1]; got {self.final!r}.")
        if self.kind == "step" and self.final <= 0:
            raise ArgumentError("A step schedule needs final > 0 (its last segment runs at final * peak).")
        if int(self.drops) < 1:
            raise ArgumentError(f"drops must be at least 1, got {self.drops!r}.")
        if self.decay_shape not in ("linear", "cosine"):
            raise ArgumentError(f"decay_shape must be 'linear' or 'cosine', got {self.decay_shape!r}.")

    # ----------------------------------------------------------------------
    def warmup_steps(self, steps: int) -> int:
        return int(round(self.warmup * steps))

    def decay_start_step(self, steps: int) -> int:
        W = self.warmup_steps(steps)
        if self.kind in ("cosine", "linear"):
            return max(W, int(round(self.decay_start * steps)))
        if self.kind == "constant":
            return steps
        return max(W, int(round(self.decay_start * steps)))

    def lrs(self, steps: int) -> np.ndarray:
        """Learning rate of every step ``t = 0 .. steps-1`` (float64 array)."""
        T = int(steps)
        if T < 1:
            raise ArgumentError(f"A schedule needs at least one step, got {steps!r}.")
        t = np.arange(T, dtype=float)
        peak, f = float(self.peak), float(self.final)
        lr = np.full(T, peak)
        W = self.warmup_steps(T)
        S = self.decay_start_step(T)
        if S < T and self.kind != "constant":
            p = (t - S) / (T - S)
            d = t >= S
            if self.kind == "cosine" or (self.kind == "wsd" and self.decay_shape == "cosine"):
                shape = 0.5 * (1.0 + np.cos(np.pi * p))
                lr[d] = peak * (f + (1.0 - f) * shape[d])
            elif self.kind in ("linear", "wsd"):
                lr[d] = peak * (f + (1.0 - f) * (1.0 - p[d]))
            elif self.kind == "step":
                n = int(self.drops)
                level = np.minimum(np.floor(p * n) + 1, n)  # 1..n drops done
                lr[d] = peak * f ** (level[d] / n)
        if W > 0:
            lr[:W] = peak * (np.arange(W) + 1.0) / W
        return lr

    def describe(self) -> str:
        parts = [f"{self.kind}", f"peak {self.peak:g}"]
        if self.warmup:
            parts.append(f"warmup {self.warmup:.0%}")
        if self.kind in ("wsd", "step") or self.decay_start:
            parts.append(f"decay from {self.decay_start:.0%}")
        if self.kind != "constant":
            parts.append(f"to {self.final:g} x peak")
        if self.kind == "step":
            parts.append(f"in {self.drops} drops")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return asdict(self)

    def with_(self, **changes) -> "Schedule":
        """A copy with some fields changed, e.g. ``sched.with_(peak=3e-3)``."""
        return replace(self, **changes)


#: Named schedules for panels and notebooks (peak taken from the caller).
PRESETS = {
    "constant": dict(kind="constant", warmup=0.02, decay_start=1.0, final=1.0),
    "cosine": dict(kind="cosine", warmup=0.02, decay_start=0.0, final=0.1),
    "wsd": dict(kind="wsd", warmup=0.02, decay_start=0.8, final=0.0),
    "step": dict(kind="step", warmup=0.02, decay_start=0.5, final=0.1, drops=2),
    "linear": dict(kind="linear", warmup=0.02, decay_start=0.0, final=0.0),
}


def preset(name: str, peak: float = 1e-3, **changes) -> Schedule:
    """A named schedule (``constant``, ``cosine``, ``wsd``, ``step``, ``linear``) at the given peak."""
    if name not in PRESETS:
        raise ArgumentError(f"Unknown schedule preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return Schedule(**{**PRESETS[name], "peak": peak, **changes})
