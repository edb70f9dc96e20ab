"""Results of the extrapolation benchmark: one :class:`TaskResult` per task, gathered in a :class:`Leaderboard`.

Both are :class:`~workbench.results.Result` objects: ``summary()`` (text and
HTML), a JSON-safe ``to_dict()``, warnings with codes and ``.chart()``
(predicted against observed, drawn by :mod:`workbench.charts.benchmark`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UnknownNameError
from ..names import Catalogue
from ..results import Result, ResultWarning, format_number

__all__ = ["LawScore", "TaskResult", "Leaderboard"]


def _clean(v):
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


@dataclass
class LawScore:
    """One law on one task: held-out scores (SLDBench's R-squared, NMSE, NMAE), the classical R-squared of the
    held-out split alone, the validation NMSE on the training split, and the cost."""

    law: str
    r2: float
    nmse: float
    nmae: float
    r2_heldout: float
    validation_nmse: float
    n_params: int
    seconds: float
    error: str | None = None
    fit_warnings: list = field(default_factory=list)

    def to_record(self) -> dict:
        """``{"law", "r2", "nmse", "nmae"}`` (non-finite numbers as ``None``)."""
        return {"law": self.law, "r2": _clean(self.r2), "nmse": _clean(self.nmse), "nmae": _clean(self.nmae)}


class TaskResult(Result):
    """Every applicable law fitted on one task's training split and scored on its held-out split.

    Attributes
    ----------
    task : Task
    train, test : DataFrame
        The two splits.
    scores : list of LawScore
        One per law, in the task's order.
    selected : str
        The law chosen on the training split alone (smallest validation NMSE).
    expert : str
        The human-derived law.
    validation_rule : str
        What was held out of the training split to choose the law.
    predictions : dict
        ``law -> (training-split predictions, held-out predictions)``.
    fits : dict
        ``law -> {group: Fit}`` (the key is ``None`` for a task without groups).
    """

    task: object
    train: pd.DataFrame
    test: pd.DataFrame
    scores: list
    selected: str
    expert: str
    validation_rule: str
    n_validation_folds: int
    predictions: dict
    fits: dict
    skipped: list = field(default_factory=list)
    quick: bool = False
    seconds: float = 0.0
    warnings: list = field(default_factory=list)

    _dict_exclude = ("task", "train", "test", "predictions", "fits", "scores")
    _dict_properties = ("name", "n_train", "n_test", "law_scores")

    # ------------------------------------------------------------ access
    @property
    def name(self) -> str:
        return self.task.name

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_test(self) -> int:
        return len(self.test)

    @property
    def laws(self) -> list[str]:
        return [s.law for s in self.scores]

    @property
    def law_scores(self) -> list[dict]:
        return [dict(vars(s)) for s in self.scores]

    def _scored(self, law: str) -> LawScore | None:
        return next((s for s in self.scores if s.law == law), None)

    def score(self, law: str) -> LawScore:
        """The scores of ``law`` on this task."""
        s = self._scored(law)
        if s is None:
            raise UnknownNameError(f"Law {law!r} was not scored on task {self.name!r}; scored: {', '.join(self.laws)}.")
        return s

    @property
    def best(self) -> LawScore:
        """The law with the highest held-out R-squared (for reference; not how a law is chosen)."""
        finite = [s for s in self.scores if np.isfinite(s.r2)]
        return max(finite, key=lambda s: s.r2) if finite else self.scores[0]

    def table(self) -> pd.DataFrame:
        """One row per law: held-out R-squared (SLDBench's, and of the held-out split alone), NMSE, NMAE,
        validation NMSE, parameters, seconds and flags."""
        rows = []
        for s in self.scores:
            rows.append(
                {
                    "law": s.law,
                    "r2": s.r2,
                    "nmse": s.nmse,
                    "nmae": s.nmae,
                    "r2_heldout": s.r2_heldout,
                    "validation_nmse": s.validation_nmse,
                    "n_params": s.n_params,
                    "seconds": s.seconds,
                    "expert": s.law == self.expert,
                    "selected": s.law == self.selected,
                }
            )
        return pd.DataFrame(rows)

    def residuals(self, law: str | None = None) -> pd.DataFrame:
        """Observed and predicted target of every run (train and held out) for ``law`` (default: the selected law).

        Columns: the task's table columns, ``split`` (``train``/``test``), ``observed``, ``predicted``,
        ``residual = observed - predicted`` and ``rel_error = (predicted - observed) / |observed|``.
        """
        law = law or self.selected
        self.score(law)
        pred_train, pred_test = self.predictions[law]
        parts = []
        for part, pred, split in ((self.train, pred_train, "train"), (self.test, pred_test, "test")):
            t = part.copy()
            t["split"] = split
            t["observed"] = t[self.task.target].to_numpy(float)
            t["predicted"] = pred
            parts.append(t)
        out = pd.concat(parts, ignore_index=True)
        out["residual"] = out["observed"] - out["predicted"]
        out["rel_error"] = (out["predicted"] - out["observed"]) / np.abs(out["observed"])
        out.insert(0, "law", law)
        return out

    def to_record(self) -> dict:
        """The ``--json`` object of this task: ``{"task", "n_train", "n_test", "selected", "expert", "laws"}``."""
        expert = self._scored(self.expert)
        return {
            "task": self.name,
            "n_train": int(self.n_train),
            "n_test": int(self.n_test),
            "selected": self.score(self.selected).to_record(),
            "expert": None if expert is None else expert.to_record(),
            "laws": [s.to_record() for s in self.scores],
        }

    # ------------------------------------------------------------ display
    def _title(self) -> str:
        return f"{self.task.title}  [{self.name}]"

    def _summarize(self, s) -> None:
        s.subtitle = f"held out: {self.task.split.describe()}"
        s.add_fields(
            [
                ("training / held-out rows", f"{self.n_train} / {self.n_test}"),
                ("law chosen by holding out", f"{self.validation_rule} ({self.n_validation_folds} fold"
                 f"{'s' if self.n_validation_folds != 1 else ''}, training split only)"),
                ("human-derived law", self.expert),
                ("selected law", self.selected),
                ("time", f"{self.seconds:.1f} s"),
            ]
        )
        rows = []
        for x in self.scores:
            flag = " ".join(f for f, on in (("selected", x.law == self.selected), ("human", x.law == self.expert)) if on)
            rows.append([x.law, x.r2, x.nmse, x.nmae, x.r2_heldout, x.validation_nmse, flag])
        s.add_table((["law", "R2", "NMSE", "NMAE", "R2 (held-out only)", "validation NMSE", ""], rows))
        s.add_text("R2 = 1 - NMSE, NMSE normalised by the variance of all the task's targets (SLDBench); "
                   "'R2 (held-out only)' by the variance of the held-out targets alone.")

    def _headline(self) -> str:
        sel, exp = self.score(self.selected), self._scored(self.expert)
        human = f", human {self.expert} (R2 {format_number(exp.r2)})" if exp is not None else ""
        return f"{self.name}: selected {self.selected} (R2 {format_number(sel.r2)}){human}"


class Leaderboard(Result):
    """The extrapolation benchmark over several tasks.

    Attributes
    ----------
    tasks : list of TaskResult
    quick : bool
        Whether it ran in quick mode (fewer laws, rows and groups: not the benchmark's numbers).
    seconds, cpu_seconds : float
        Wall-clock and processor time of the whole benchmark.
    """

    tasks: list
    quick: bool = False
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    warnings: list = field(default_factory=list)

    _dict_exclude = ("tasks",)
    _dict_properties = ("records",)

    def __post_init__(self):
        super().__post_init__()
        if not self.warnings:
            self.warnings = [ResultWarning(f"{t.name}: {w}", code=w.code) for t in self.tasks for w in t.warnings]

    def task(self, name: str) -> TaskResult:
        """The result of task ``name``."""
        return Catalogue("task", entries=self.tasks, sort=False, where=" in this leaderboard").lookup(name)

    @property
    def scores(self) -> pd.DataFrame:
        """Long table: one row per (task, law) with R-squared, NMSE, NMAE, validation NMSE and flags."""
        parts = []
        for t in self.tasks:
            tab = t.table()
            tab.insert(0, "task", t.name)
            parts.append(tab)
        return pd.concat(parts, ignore_index=True)

    def table(self, metric: str = "r2") -> pd.DataFrame:
        """Held-out ``metric`` of every law (columns) on every task (rows); NaN where a law does not apply."""
        s = self.scores
        return s.pivot(index="task", columns="law", values=metric).reindex([t.name for t in self.tasks])

    def overview(self) -> pd.DataFrame:
        """One row per task: sizes, the human-derived law and the selected law with their held-out R-squared."""
        rows = []
        for t in self.tasks:
            e, s, b = t._scored(t.expert), t.score(t.selected), t.best
            rows.append(
                {
                    "task": t.name,
                    "n_train": t.n_train,
                    "n_test": t.n_test,
                    "human_law": t.expert,
                    "human_r2": np.nan if e is None else e.r2,
                    "selected_law": t.selected,
                    "selected_r2": s.r2,
                    "best_law": b.law,
                    "best_r2": b.r2,
                }
            )
        return pd.DataFrame(rows)

    def mean_r2(self, which: str = "selected") -> float:
        """Mean held-out R-squared across tasks of the ``"selected"``, ``"human"`` or ``"best"`` law."""
        col = {"selected": "selected_r2", "human": "human_r2", "expert": "human_r2", "best": "best_r2"}[which]
        return float(self.overview()[col].mean())

    @property
    def records(self) -> list[dict]:
        return self.to_records()

    def to_dict(self) -> dict:
        """JSON-safe: ``records`` (the ``--json`` list), ``mean_r2`` of the selected and human-derived laws, timing."""
        out = super().to_dict()
        out["mean_r2"] = {k: _clean(self.mean_r2(k)) for k in ("selected", "human", "best")}
        return out

    def to_records(self) -> list[dict]:
        """The ``--json`` output: one object per task (see :meth:`TaskResult.to_record`)."""
        return [t.to_record() for t in self.tasks]

    # ------------------------------------------------------------ display
    def _title(self) -> str:
        return "Extrapolation benchmark" + (" (quick mode: fewer laws, rows and groups)" if self.quick else "")

    def _summarize(self, s) -> None:
        s.subtitle = "every law fitted on each task's training split by the same engine; scored on the held-out split"
        ov = self.overview()
        s.add_table(
            (
                ["task", "train", "held out", "human-derived law", "R2", "selected law", "R2"],
                [[r.task, r.n_train, r.n_test, r.human_law, r.human_r2, r.selected_law, r.selected_r2] for r in ov.itertuples()],
            )
        )
        s.add_fields(
            [
                ("mean R2 across tasks (selected)", self.mean_r2("selected")),
                ("mean R2 across tasks (human-derived)", self.mean_r2("human")),
                ("time", f"{self.seconds:.1f} s wall, {self.cpu_seconds:.1f} s processor"),
            ]
        )
        rows = []
        for t in self.tasks:
            for x in t.scores:
                flag = " ".join(f for f, on in (("selected", x.law == t.selected), ("human", x.law == t.expert)) if on)
                rows.append([t.name, x.law, x.r2, x.nmse, x.nmae, x.validation_nmse, flag])
        s.add_table((["task", "law", "R2", "NMSE", "NMAE", "validation NMSE", ""], rows),
                    title="held-out scores of every law (R2 = 1 - NMSE, SLDBench's normalisation)")

    def _headline(self) -> str:
        return (f"{len(self.tasks)} tasks, mean R2 selected {format_number(self.mean_r2('selected'))}, "
                f"human-derived {format_number(self.mean_r2('human'))}")
