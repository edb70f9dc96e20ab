"""Rollout validation: fit on the model sizes up to the k-th, predict the next, for every k.

This is how OLMo-core evaluates its model ladder (and what a researcher does when deciding
whether to train the next size up): a law that predicts each next size well from the
smaller ones is a law to trust one more step out. Each step reports the relative error of
the prediction and whether the observed loss fell inside the prediction interval, so a
rollout measures both accuracy and the calibration of the intervals.
"""

from __future__ import annotations

import warnings
from dataclasses import field

import numpy as np
import pandas as pd

from ..data.runs import load_runs
from ..errors import ArgumentError, FitError, RunsError, WorkbenchError
from ..laws import get_law
from ..results import Result, ResultWarning, jsonable
from .groups import resolve_groups
from .selection import size_levels

__all__ = ["rollout", "Rollout"]


class Rollout(Result):
    """The result of :func:`rollout`.

    Attributes
    ----------
    law : Law
    size : str
        The column that orders the ladder (``"N"``).
    predictions : DataFrame
        One row per predicted row: ``step`` (1, 2, ...), ``fitted_sizes`` (how many sizes the
        fit saw), ``largest_fitted`` and the predicted row's inputs, ``observed``,
        ``predicted``, ``lo``/``hi`` (prediction interval at ``level``), ``conf_lo``/``conf_hi``
        (confidence interval of the law), ``rel_error`` (predicted / observed - 1) and ``covered``.
    steps : DataFrame
        One row per step: ``step``, ``fitted_sizes``, ``largest_fitted``, ``predicted_size``,
        ``n_predicted``, ``mean_abs_rel_error``, ``coverage``, ``warnings`` (codes of the
        step's fit) and ``error`` (why a step could not be fitted, else empty).
    level : float
    fits : list
        The :class:`~workbench.fitting.Fit` of each step that could be fitted.
    predict : str
        ``"final"`` (each held-out run's last row) or ``"all"``.
    warnings : list
        One ``step_not_fitted`` warning per step that could not be fitted.
    """

    law: object
    size: str
    predictions: pd.DataFrame
    steps: pd.DataFrame
    level: float
    fits: list = field(default_factory=list)
    predict: str = "final"
    warnings: list = field(default_factory=list)

    _dict_exclude = ("fits", "predictions", "steps")
    _dict_properties = ("statistics",)

    # ------------------------------------------------------------------ numbers
    @property
    def mean_abs_rel_error(self) -> float:
        """Mean over predicted rows of ``|predicted / observed - 1|`` (``nan`` when no step could be fitted)."""
        if len(self.predictions) == 0:
            return float("nan")
        return float(np.mean(np.abs(self.predictions["rel_error"])))

    @property
    def max_abs_rel_error(self) -> float:
        if len(self.predictions) == 0:
            return float("nan")
        return float(np.max(np.abs(self.predictions["rel_error"])))

    @property
    def coverage(self) -> float:
        """Share of predicted rows whose observed loss lies inside the prediction interval."""
        if len(self.predictions) == 0 or "covered" not in self.predictions:
            return float("nan")
        return float(np.mean(self.predictions["covered"]))

    @property
    def intervals(self):
        """A rollout reports intervals per prediction (``predictions``), none of its own."""
        return None

    @property
    def statistics(self) -> dict:
        ok = self.steps["error"] == "" if len(self.steps) else pd.Series([], dtype=bool)
        return {
            "law": self.law.name,
            "n_steps": int(len(self.steps)),
            "n_steps_fitted": int(ok.sum()),
            "n_predicted": int(len(self.predictions)),
            "mean_abs_rel_error": self.mean_abs_rel_error,
            "max_abs_rel_error": self.max_abs_rel_error,
            "coverage": self.coverage,
            "level": self.level,
        }

    # ------------------------------------------------------------------ display
    def _title(self) -> str:
        return f"Rollout of {self.law.title} over {self.size}"

    def _summarize(self, s) -> None:
        s.subtitle = self.law.equation
        st = self.statistics
        pct = f"{100 * self.level:g}%"
        rows = []
        for _, r in self.steps.iterrows():
            if r["error"]:
                rows.append([r["step"], r["fitted_sizes"], r["largest_fitted"], r["predicted_size"], "-", "-",
                             "not fitted: " + r["error"][:80]])
            else:
                rows.append([r["step"], r["fitted_sizes"], r["largest_fitted"], r["predicted_size"],
                             f"{100 * r['mean_abs_rel_error']:.2f}%",
                             f"{100 * r['coverage']:.0f}%" if np.isfinite(r["coverage"]) else "-", r["warnings"]])
        s.add_table((["step", "sizes fitted", "largest fitted", "predicted size", "mean |rel. error|",
                      f"inside {pct} PI", "warnings"], rows))
        cov = f"{100 * st['coverage']:.0f}%" if np.isfinite(st["coverage"]) else "-"
        s.add_fields([
            ("steps fitted", f"{st['n_steps_fitted']} of {st['n_steps']}"),
            ("rows predicted", f"{st['n_predicted']} ({'final checkpoint of each run' if self.predict == 'final' else 'every row'})"),
            ("mean / max |rel. error|", f"{100 * st['mean_abs_rel_error']:.2f}% / {100 * st['max_abs_rel_error']:.2f}%"),
            (f"inside their {pct} prediction intervals", cov),
        ])

    def _headline(self) -> str:
        st = self.statistics
        return (f"{self.law.name} over {self.size}: {st['n_steps_fitted']}/{st['n_steps']} steps, mean |rel. error| "
                f"{100 * st['mean_abs_rel_error']:.2f}%, coverage {st['coverage']:.2f}")

    def to_dict(self) -> dict:
        """JSON-ready: statistics, the steps and every prediction (lists of records)."""
        out = super().to_dict()
        out["steps"] = jsonable(self.steps.to_dict(orient="records"))
        out["predictions"] = jsonable(self.predictions.to_dict(orient="records"))
        return out


def rollout(runs, law, *, size: str = "N", min_sizes: int = 3, predict: str = "final", level: float = 0.95,
            group=None, min_fraction: float | None = None, bootstrap: int = 200, seed: int | None = 0,
            **fit_options) -> Rollout:
    """Rollout validation of a law over increasing model size.

    The distinct values of ``size`` are sorted, ``s_1 < s_2 < ... < s_m`` (values within 0.1%
    of each other are one size: :func:`workbench.fitting.selection.size_levels`). For every
    ``k = min_sizes, ..., m - 1`` the law is fitted to the rows with ``size <= s_k`` and
    predicts the rows with ``size == s_(k+1)`` (by default the final checkpoint of each of
    their runs): relative error ``predicted / observed - 1`` and whether the observed
    loss lies inside the prediction interval (:meth:`Fit.predict_interval`).

    Parameters
    ----------
    runs : DataFrame, path or anything :func:`workbench.load_runs` accepts
    law : str or Law
    size : str
        Column ordering the ladder (default ``N``, model size).
    min_sizes : int
        Sizes in the first fit (at least 1; steps whose fit is impossible, e.g. with no
        residual degrees of freedom, are reported with the reason, not dropped silently).
    predict : {"final", "all"}
        Predict each held-out run's last row (largest ``D``; its final loss) or every row.
    level : float
        Coverage of the prediction intervals.
    group, min_fraction, bootstrap, seed, **fit_options
        Passed to :func:`workbench.fit` for every step (``holdout``/``by`` are not allowed).

    Returns
    -------
    Rollout

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.laws.synthetic import synthetic_trajectories
    >>> r = wb.rollout(synthetic_trajectories(seed=0), "chinchilla", min_sizes=5, min_fraction=0.2,
    ...                bootstrap=50)  # doctest: +SKIP
    >>> r.steps[["predicted_size", "mean_abs_rel_error", "coverage"]]  # doctest: +SKIP
    """
    from .api import fit

    law = get_law(law)
    for bad in ("holdout", "holdout_largest", "by"):
        if bad in fit_options:
            raise ArgumentError(f"rollout chooses the held-out rows itself: drop {bad}=.")
    if predict not in ("final", "all"):
        raise ArgumentError(f"predict must be 'final' (each run's last row) or 'all', not {predict!r}.")
    if isinstance(min_sizes, bool) or not isinstance(min_sizes, (int, np.integer)) or min_sizes < 1:
        raise ArgumentError(f"min_sizes must be a whole number >= 1, not {min_sizes!r}.")
    table = load_runs(runs, require=tuple(law.inputs) + (law.target,) + ((size,) if size not in law.inputs else ()),
                      on_duplicates="keep")
    if size not in table.columns:
        raise RunsError(f"rollout orders the runs by {size!r}, which is not a column ({list(table.columns)}).")
    levels, sizes = size_levels(table[size].to_numpy(float))
    if len(sizes) <= min_sizes:
        raise FitError(f"The table has {len(sizes)} distinct {size} values: a rollout needs more than min_sizes="
                       f"{min_sizes} (fit on the first {min_sizes}, predict the next).")
    groups = resolve_groups(table, group)
    table = table.assign(_run=groups.codes)
    preds, steps, fits = [], [], []
    grow = next((c for c in ("D", "C", "step") if c in table.columns), None)
    for k in range(min_sizes, len(sizes)):
        upto = levels <= k
        sub = table[upto]
        target = levels[upto] == k
        step = {"step": k - min_sizes + 1, "fitted_sizes": k, "largest_fitted": float(sizes[k - 1]),
                "predicted_size": float(sizes[k]), "n_predicted": 0, "mean_abs_rel_error": float("nan"),
                "coverage": float("nan"), "warnings": "", "error": ""}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                f = fit(law, sub.drop(columns="_run"), holdout=target, group=sub["_run"].to_numpy(),
                        min_fraction=min_fraction, bootstrap=bootstrap, level=level, seed=seed, **fit_options)
        except WorkbenchError as exc:
            step["error"] = str(exc).split("\n")[0]
            steps.append(step)
            continue
        fits.append(f)
        t = f.holdout_table
        if t is None or len(t) == 0:
            step["error"] = "no rows of this size left after min_fraction"
            steps.append(step)
            continue
        if predict == "final" and grow is not None:
            runs_of = sub.loc[t.index, "_run"].to_numpy()
            last = pd.Series(t[grow].to_numpy(float)).groupby(runs_of).idxmax().to_numpy()
            t = t.iloc[np.sort(last)]
        obs = t[law.target].to_numpy(float)
        row = pd.DataFrame({"step": step["step"], "fitted_sizes": k, "largest_fitted": float(sizes[k - 1])},
                           index=t.index)
        for c in dict.fromkeys([*law.inputs, size, *(c for c in ("D", "C", "step") if c in t.columns)]):
            row[c] = t[c].to_numpy(float)
        label = next((c for c in ("group", "run", "model", "name") if c in t.columns), None)
        if label:
            row[label] = t[label].astype(str).to_numpy()
        row["observed"] = obs
        row["predicted"] = t["predicted"].to_numpy(float)
        if "pred_lo" in t:
            row["lo"], row["hi"] = t["pred_lo"].to_numpy(float), t["pred_hi"].to_numpy(float)
            row["conf_lo"], row["conf_hi"] = t["conf_lo"].to_numpy(float), t["conf_hi"].to_numpy(float)
        row["rel_error"] = row["predicted"] / obs - 1
        if "pred_lo" in t:
            row["covered"] = (row["lo"] <= obs) & (obs <= row["hi"])
        preds.append(row)
        step.update(n_predicted=int(len(row)), mean_abs_rel_error=float(np.mean(np.abs(row["rel_error"]))),
                    coverage=float(np.mean(row["covered"])) if "covered" in row else float("nan"),
                    warnings=", ".join(sorted({getattr(w, "code", "warning") for w in f.warnings})))
        steps.append(step)
    predictions = pd.concat(preds, ignore_index=True) if preds else pd.DataFrame(
        columns=["step", "fitted_sizes", "largest_fitted", "observed", "predicted", "rel_error"])
    notes = [ResultWarning(f"Step {st['step']} (fit on {st['fitted_sizes']} sizes, predict {size} = "
                           f"{st['predicted_size']:.4g}) could not be fitted: {st['error']}", code="step_not_fitted")
             for st in steps if st["error"]]
    return Rollout(law=law, size=size, predictions=predictions, steps=pd.DataFrame(steps), level=level, fits=fits,
                   predict=predict, warnings=notes)
