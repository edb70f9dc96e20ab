"""The learning-rate-annealing scaling law of Tissue et al. (2024): whole loss curves from the schedule.

.. math::

    L(s) = L_0 + A \\, S_1^{-\\alpha} - C \\, S_2,
    \\qquad S_1 = \\sum_{i \\le s} \\eta_i,
    \\qquad S_2 = \\sum_{i \\le s} m_i,
    \\qquad m_i = \\lambda \\, m_{i-1} + (\\eta_{i-1} - \\eta_i)

``S1`` (the *forward area*) is the area under the learning-rate curve: how far
training has pushed. ``S2`` (the *annealing area*) is a momentum-smoothed sum of
learning-rate decreases: the extra loss drop that annealing buys, which builds
up with a delay set by the decay factor ``lambda`` (0.999 in the paper, for runs
of tens of thousands of steps). Tissue, Wang & Wang 2024, "Scaling Law with
Learning Rate Annealing", arXiv:2408.11029.

Fit it on one or two loss curves (:func:`fit_annealing`), then predict the curve
of any other schedule (:func:`predict_curve`). The law is registered in the
catalogue as ``"lr_annealing"`` (inputs ``S1`` and ``S2``), so ``wb.fit`` fits it
to any table that has those columns: :func:`add_annealing_areas` adds them to a
training-curve table (one row per step, with its learning rate ``lr``).

Warmup: increasing the learning rate is not annealing, so by default steps up
to the end of warmup (the first step at the peak learning rate) count in ``S1``
but add nothing to ``S2`` (``m`` starts from zero at the peak). This is our
reading; pass ``warmup_steps=0`` to apply the recursion to every step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..errors import ArgumentError, MissingColumnsError, RunsError
from ..fitting.result import FitWrapper
from .schedules import Schedule

__all__ = [
    "annealing_areas",
    "add_annealing_areas",
    "schedule_areas",
    "fit_annealing",
    "predict_curve",
    "AnnealingFit",
    "DEFAULT_DECAY",
    "DECAY_GRID",
    "default_decay",
]

#: The decay factor lambda of the paper.
DEFAULT_DECAY = 0.999


def _warmup_end(lrs: np.ndarray) -> int:
    """Index of the first step at the peak learning rate (steps before it are warmup)."""
    return int(np.argmax(lrs >= lrs.max() * (1 - 1e-12)))


def annealing_areas(lrs, decay: float = DEFAULT_DECAY, warmup_steps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Forward area ``S1`` and annealing area ``S2`` after each step of a schedule.

    Parameters
    ----------
    lrs : array_like, shape (T,)
        Learning rate of steps ``1 .. T`` (in order, every step).
    decay : float
        Decay factor ``lambda`` of the momentum ``m_i = lambda m_{i-1} + (eta_{i-1} - eta_i)``, in [0, 1).
    warmup_steps : int, optional
        Steps that add to ``S1`` only. Default: the steps before the learning rate
        first reaches its maximum. ``0``: every step enters the recursion.

    Returns
    -------
    S1, S2 : ndarray, shape (T,)
        ``S1_s = sum_{i<=s} eta_i`` and ``S2_s = sum_{i<=s} m_i`` (units: learning rate x steps).

    Examples
    --------
    >>> S1, S2 = annealing_areas([1.0, 1.0, 0.5, 0.5], decay=0.5)
    >>> S1.tolist(), S2.tolist()
    ([1.0, 2.0, 2.5, 3.0], [0.0, 0.0, 0.5, 0.75])
    """
    lrs = np.asarray(lrs, float)
    if lrs.ndim != 1 or len(lrs) == 0:
        raise ArgumentError("annealing_areas() needs a 1-D array of learning rates, one per step.")
    if not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ArgumentError("Learning rates must be finite and >= 0.")
    if not 0.0 <= decay < 1.0:
        raise ArgumentError(f"The decay factor lambda must be in [0, 1), got {decay!r} (the paper uses 0.999).")
    S1 = np.cumsum(lrs)
    w = _warmup_end(lrs) if warmup_steps is None else int(warmup_steps)
    delta = np.zeros_like(lrs)
    delta[1:] = lrs[:-1] - lrs[1:]
    delta[: w + 1] = 0.0  # no annealing before (and at) the end of warmup
    # m_i = decay m_{i-1} + delta_i (a first-order linear filter); most steps have delta = 0
    m = np.empty_like(delta)
    acc = 0.0
    for i, dlt in enumerate(delta.tolist()):
        acc = decay * acc + dlt
        m[i] = acc
    S2 = np.cumsum(m)
    return S1, S2


def add_annealing_areas(curves: pd.DataFrame, decay: float = DEFAULT_DECAY, by: str | Sequence[str] | None = "run",
                        warmup_steps: int | None = None) -> pd.DataFrame:
    """Add ``S1`` and ``S2`` columns to a training-curve table.

    Parameters
    ----------
    curves : DataFrame
        One row per optimisation step with columns ``step`` and ``lr`` (the
        learning rate used by that step), for one or several runs.
    decay : float
        Decay factor ``lambda`` (0.999 in the paper).
    by : str or list of str, optional
        Column(s) identifying each run (default ``"run"``; ``None``: one run).
    warmup_steps : int, optional
        See :func:`annealing_areas`.

    Returns
    -------
    DataFrame
        A copy with ``S1`` and ``S2`` (computed per run, steps in order). Rows
        without a held-out loss may then be dropped before fitting.

    Raises
    ------
    MissingColumnsError
        ``step`` or ``lr`` (or a ``by`` column) is absent.
    RunsError
        A run skips steps: the areas need the learning rate of *every* step.
    """
    need = ["step", "lr"] + ([] if by is None else ([by] if isinstance(by, str) else list(by)))
    missing = [c for c in need if c not in curves.columns]
    if missing:
        raise MissingColumnsError(
            f"add_annealing_areas() needs columns {missing}; the table has {list(curves.columns)}. "
            "Give one row per optimisation step with its learning rate 'lr' (and a run id column, or by=None)."
        )
    out = curves.copy()
    S1_all = np.full(len(out), np.nan)
    S2_all = np.full(len(out), np.nan)
    groups = {None: np.arange(len(out))} if by is None else out.groupby(by, sort=False).indices
    steps_all = out["step"].to_numpy()
    lr_all = out["lr"].to_numpy(float)
    for key, pos in groups.items():  # positions, so repeated index labels do no harm
        pos = pos[np.argsort(steps_all[pos], kind="stable")]
        steps = steps_all[pos]
        if len(steps) > 1 and np.any(np.diff(steps) != 1):
            raise RunsError(
                f"Run {key!r} skips steps (e.g. after step {int(steps[np.argmax(np.diff(steps) != 1)])}); "
                "S1 and S2 need the learning rate of every step, so pass the per-step curve."
            )
        S1, S2 = annealing_areas(lr_all[pos], decay=decay, warmup_steps=warmup_steps)
        S1_all[pos] = S1
        S2_all[pos] = S2
    out["S1"] = S1_all
    out["S2"] = S2_all
    return out


def schedule_areas(schedule: Schedule, steps: int, decay: float = DEFAULT_DECAY) -> pd.DataFrame:
    """Per-step table (``step`` 1..T, ``lr``, ``S1``, ``S2``) of a schedule over ``steps`` steps."""
    lrs = schedule.lrs(steps)
    S1, S2 = annealing_areas(lrs, decay=decay)
    return pd.DataFrame({"step": np.arange(1, steps + 1), "lr": lrs, "S1": S1, "S2": S2})


class AnnealingFit(FitWrapper):
    """An annealing-law fit: the :class:`~workbench.fitting.Fit` of ``lr_annealing`` and its decay factor.

    Attributes
    ----------
    fit : workbench.fitting.Fit
        The fit at the chosen decay factor (``.params``, ``.intervals``, ``.summary()``).
    decay : float
        The decay factor ``lambda`` used for ``S2`` (chosen by the lowest objective when
        several were tried).
    profile : DataFrame
        Objective of the fit at each decay factor tried.
    """

    fit: object
    decay: float
    profile: pd.DataFrame

    def predict(self, schedule: Schedule, steps: int) -> pd.DataFrame:
        """Predicted held-out loss at every step of ``schedule`` run for ``steps`` steps."""
        return predict_curve(self, schedule, steps)

    def _summarize(self, s) -> None:
        super()._summarize(s)
        decays = list(self.profile["decay"])
        if len(decays) == 1:
            how = "fixed"
        else:
            how = f"best of {', '.join(f'{d:g}' for d in decays)}"
            if self.decay in (min(decays), max(decays)):
                how += "; at the edge of the grid: try values beyond it"
        s.add_text(f"Decay factor lambda = {self.decay:g} ({how}).")

    def _headline(self) -> str:
        p = self.params
        return f"L0={p['L0']:.4g}, A={p['A']:.4g}, alpha={p['alpha']:.4g}, C={p['C']:.4g}, lambda={self.decay:g}"


#: Decay factors tried when ``lambda`` is profiled.
DECAY_GRID = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999)


def default_decay(steps: int) -> float:
    """Decay factor for a run of ``steps`` steps when one curve cannot pin it down: ``1 - 10 / steps``.

    The momentum ``m`` then remembers about a tenth of the run; for runs of ~10,000 steps this is
    the paper's 0.999. Clipped to [0.9, 0.9999].
    """
    return float(np.clip(1.0 - 10.0 / max(int(steps), 1), 0.9, 0.9999))


def fit_annealing(curves: pd.DataFrame, decay: float | Iterable[float] | str = "auto", *,
                  by: str | Sequence[str] | None = "run", loss: str = "huber", delta: float = 1e-3,
                  bootstrap: int = 100, seed: int = 0, min_step: int | None = None, min_fraction: float = 0.1,
                  warmup_steps: int | None = None):
    """Fit ``L(s) = L0 + A S1^-alpha - C S2`` to one or more loss curves with their schedules.

    Parameters
    ----------
    curves : DataFrame
        Per-step table: ``step``, ``lr`` on every step, and the held-out ``loss`` on the
        steps where it was measured (NaN elsewhere), with a run id column ``by``.
    decay : "auto", float or iterable of float
        Decay factor ``lambda``. Several values: the law is fitted at each and the one with the
        lowest objective is kept (a profile fit of ``lambda``). ``"auto"``: profile over
        :data:`DECAY_GRID` when two or more curves are given; for a single curve, whose shape
        hardly constrains ``lambda`` (the objective is flat in it), use :func:`default_decay`
        of the run length. The paper's 0.999 suits runs of about 10,000 steps and more.
    by : str or list, optional
        Run id column(s).
    loss, delta, bootstrap, seed
        Passed to :func:`workbench.fit` (the bootstrap is run at the chosen ``lambda`` only).
    min_step : int, optional
        Ignore measurements before this step. Default: ``min_fraction`` of the longest run.
    min_fraction : float
        Default share of the run left out at the start: the first steps (the fast initial
        drop) follow no power law of ``S1``.
    warmup_steps : int, optional
        See :func:`annealing_areas`.

    Returns
    -------
    AnnealingFit
    """
    from ..fitting import fit as wb_fit

    if "loss" not in curves.columns:
        raise MissingColumnsError("fit_annealing() needs a 'loss' column (held-out loss where measured, NaN elsewhere).")
    id_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if isinstance(decay, str):
        if decay != "auto":
            raise ArgumentError(f"decay must be 'auto', a number in [0, 1) or a list of them; got {decay!r}.")
        n_runs = 1 if not id_cols else len(curves.drop_duplicates(id_cols))
        decays = list(DECAY_GRID) if n_runs > 1 else [default_decay(int(curves["step"].max()))]
    else:
        decays = [float(decay)] if np.isscalar(decay) else [float(d) for d in decay]
    if not decays:
        raise ArgumentError("fit_annealing() needs at least one decay factor.")
    if min_step is None:
        min_step = max(1, int(round(min_fraction * float(curves["step"].max()))))

    def table_for(d):
        t = add_annealing_areas(curves, decay=d, by=by, warmup_steps=warmup_steps)
        t = t[t["loss"].notna() & (t["step"] >= min_step)]
        if len(t) < 5:
            raise ArgumentError(f"Only {len(t)} measured points from step {min_step} on to fit the annealing law; "
                                 "it needs at least 5 (measure the held-out loss more often, or lower min_step).")
        return t[["S1", "S2", "loss", "step", "lr"] + id_cols]

    # one full multi-start fit, then each decay factor warm-started from the best so far (fast profile)
    order = sorted(range(len(decays)), key=lambda i: abs(decays[i] - float(np.median(decays))))
    results: dict[float, object] = {}
    best = None
    for i in order:
        d = decays[i]
        f = wb_fit("lr_annealing", table_for(d), loss=loss, delta=delta, bootstrap=0, seed=seed,
                   warm_start=None if best is None else best, n_polish=2)
        results[d] = f
        if best is None or f.objective < best.objective:
            best = f
    chosen = min(results, key=lambda d: results[d].objective)
    final = results[chosen]
    if chosen != decays[order[0]]:  # it came from a warm start: make sure with a full multi-start
        full = wb_fit("lr_annealing", table_for(chosen), loss=loss, delta=delta, bootstrap=0, seed=seed, n_polish=2)
        if full.objective < final.objective:
            final = full
    if bootstrap:
        final = wb_fit("lr_annealing", table_for(chosen), loss=loss, delta=delta, bootstrap=bootstrap, seed=seed,
                       warm_start=final)
    rows = [{"decay": d, "objective": results[d].objective, **results[d].params} for d in decays]
    return AnnealingFit(final, chosen, pd.DataFrame(rows))


def predict_curve(result, schedule: Schedule, steps: int, decay: float | None = None) -> pd.DataFrame:
    """Loss curve predicted by a fitted annealing law for ``schedule`` run over ``steps`` steps.

    Parameters
    ----------
    result : AnnealingFit, workbench.fitting.Fit or mapping of parameter values
    schedule : Schedule
    steps : int
    decay : float, optional
        Decay factor (default: the one of ``result``, or 0.999).

    Returns
    -------
    DataFrame
        ``step``, ``lr``, ``S1``, ``S2`` and ``loss_pred`` for every step.
    """
    from ..laws import get_law

    if isinstance(result, AnnealingFit):
        params, decay = result.params, result.decay if decay is None else decay
    elif hasattr(result, "params"):
        params = dict(result.params)
    else:
        params = dict(result)
    decay = DEFAULT_DECAY if decay is None else decay
    table = schedule_areas(schedule, steps, decay=decay)
    table["loss_pred"] = get_law("lr_annealing").predict(params, table)
    return table
