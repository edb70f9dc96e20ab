"""Results of the extrapolation benchmark: one :class:`TaskResult` per task, gathered in a :class:`Leaderboard`."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UnknownNameError

__all__ = ["LawScore", "TaskResult", "Leaderboard"]


def _num(v, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "nan" if v is None or math.isnan(v) else ("inf" if v > 0 else "-inf")
    return f"{v:.{digits}f}"


def _clean(v):
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


@dataclass
class LawScore:
    """One law on one task: held-out scores, validation score on the training split, cost."""

    law: str
    r2: float
    nmse: float
    nmae: float
    validation_nmse: float
    n_params: int
    seconds: float
    error: str | None = None
    fit_warnings: list = field(default_factory=list)

    def to_record(self) -> dict:
        """``{"law", "r2", "nmse", "nmae"}`` (non-finite numbers as ``None``)."""
        return {"law": self.law, "r2": _clean(self.r2), "nmse": _clean(self.nmse), "nmae": _clean(self.nmae)}


@dataclass(repr=False)
class TaskResult:
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
    predictions : dict
        ``law -> (train predictions, held-out predictions)``.
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

    def _scored(self, law: str) -> LawScore | None:
        return next((s for s in self.scores if s.law == law), None)

    def score(self, law: str) -> LawScore:
        for s in self.scores:
            if s.law == law:
                return s
        raise UnknownNameError(f"Law {law!r} was not scored on task {self.name!r}; scored: {', '.join(self.laws)}.")

    @property
    def best(self) -> LawScore:
        """The law with the highest held-out R-squared (for reference; not how a law is chosen)."""
        finite = [s for s in self.scores if np.isfinite(s.r2)]
        return max(finite, key=lambda s: s.r2) if finite else self.scores[0]

    def table(self) -> pd.DataFrame:
        """One row per law: held-out R-squared, NMSE, NMAE, validation NMSE, parameters, seconds, flags."""
        rows = []
        for s in self.scores:
            rows.append(
                {
                    "law": s.law,
                    "r2": s.r2,
                    "nmse": s.nmse,
                    "nmae": s.nmae,
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
        return {
            "task": self.name,
            "n_train": int(self.n_train),
            "n_test": int(self.n_test),
            "selected": self.score(self.selected).to_record(),
            "expert": None if self._scored(self.expert) is None else self._scored(self.expert).to_record(),
            "laws": [s.to_record() for s in self.scores],
        }

    # ------------------------------------------------------------ display
    def summary(self) -> str:
        lines = [
            f"{self.task.title}  [{self.name}]",
            f"  train {self.n_train} rows, held out {self.n_test} rows ({self.task.split.describe()})",
            f"  law chosen on the training split by holding out: {self.validation_rule} "
            f"({self.n_validation_folds} fold{'s' if self.n_validation_folds != 1 else ''})",
            f"  {'law':<28} {'R2':>9} {'NMSE':>9} {'NMAE':>9} {'val NMSE':>9}",
        ]
        for s in self.scores:
            flag = (" [selected]" if s.law == self.selected else "") + (" [human]" if s.law == self.expert else "")
            lines.append(
                f"  {s.law:<28} {_num(s.r2):>9} {_num(s.nmse):>9} {_num(s.nmae):>9} {_num(s.validation_nmse):>9}{flag}"
            )
            if s.error:
                lines.append(f"    warning: {s.error}")
        for note in self.skipped:
            lines.append(f"  not applicable: {note}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        sel, exp = self.score(self.selected), self._scored(self.expert)
        human = f", human {self.expert} (R2 {_num(exp.r2)})" if exp is not None else ""
        return f"<TaskResult {self.name}: selected {self.selected} (R2 {_num(sel.r2)}){human}>"

    def __str__(self) -> str:
        return self.summary()

    def chart(self, law: str | None = None, **kwargs):
        """Predicted vs observed for ``law`` (default: the selected law), training and held-out runs."""
        from ..charts.benchmark import task_chart

        return task_chart(self, law=law, **kwargs)


@dataclass(repr=False)
class Leaderboard:
    """The extrapolation benchmark over several tasks.

    Attributes
    ----------
    tasks : list of TaskResult
    quick : bool
        Whether it ran in quick mode (fewer laws and groups).
    seconds : float
        Wall-clock time of the whole benchmark.
    """

    tasks: list
    quick: bool = False
    seconds: float = 0.0

    def task(self, name: str) -> TaskResult:
        for t in self.tasks:
            if t.name == name:
                return t
        raise UnknownNameError(f"No task {name!r} in this leaderboard; it has {', '.join(t.name for t in self.tasks)}.")

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
        """Held-out ``metric`` of every law (columns) on every task (rows); empty where a law does not apply."""
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

    def to_records(self) -> list[dict]:
        """The ``--json`` output: one object per task (see :meth:`TaskResult.to_record`)."""
        return [t.to_record() for t in self.tasks]

    def to_dict(self) -> dict:
        return {
            "tasks": self.to_records(),
            "mean_r2": {"selected": _clean(self.mean_r2("selected")), "human": _clean(self.mean_r2("human"))},
            "quick": self.quick,
            "seconds": self.seconds,
        }

    # ------------------------------------------------------------ display
    def summary(self) -> str:
        ov = self.overview()
        lines = [
            "Extrapolation benchmark" + (" (quick mode)" if self.quick else ""),
            "  every law fitted on each task's training split by the same engine; scored on the held-out split",
            f"  {'task':<18} {'train':>6} {'test':>5}  {'human-derived law':<28} {'R2':>8}  {'selected law':<28} {'R2':>8}",
        ]
        for r in ov.itertuples():
            lines.append(
                f"  {r.task:<18} {r.n_train:>6} {r.n_test:>5}  {r.human_law:<28} {_num(r.human_r2):>8}  "
                f"{r.selected_law:<28} {_num(r.selected_r2):>8}"
            )
        lines.append(
            f"  mean R2 across tasks: selected {_num(self.mean_r2('selected'))}, human-derived {_num(self.mean_r2('human'))}"
        )
        lines.append(f"  time: {self.seconds:.1f} s")
        lines.append("")
        lines.append("  held-out R2 of every law ([h] human-derived, [s] selected on the training split):")
        for t in self.tasks:
            cells = []
            for s in t.scores:
                mark = ("[h]" if s.law == t.expert else "") + ("[s]" if s.law == t.selected else "")
                cells.append(f"{s.law}{mark} {_num(s.r2)}")
            lines.append(f"  {t.name:<18} " + "; ".join(cells))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"<Leaderboard: {len(self.tasks)} tasks, mean R2 selected {_num(self.mean_r2('selected'))}, "
                f"human-derived {_num(self.mean_r2('human'))}>")

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{h}</th>" for h in ("task", "train", "held out", "law", "R²", "NMSE", "NMAE", "validation NMSE"))
        body = []
        for t in self.tasks:
            for i, s in enumerate(t.scores):
                flags = []
                if s.law == t.expert:
                    flags.append("human-derived")
                if s.law == t.selected:
                    flags.append("<b>selected</b>")
                style = " style='background:#eef6ee'" if s.law == t.selected else ""
                task_cells = (f"<td rowspan={len(t.scores)}>{e(t.name)}</td><td rowspan={len(t.scores)}>{t.n_train}</td>"
                              f"<td rowspan={len(t.scores)}>{t.n_test}</td>") if i == 0 else ""
                body.append(
                    f"<tr{style}>{task_cells}<td>{e(s.law)} {' '.join(flags)}</td><td>{_num(s.r2)}</td>"
                    f"<td>{_num(s.nmse)}</td><td>{_num(s.nmae)}</td><td>{_num(s.validation_nmse)}</td></tr>"
                )
        return (
            "<div class='workbench-leaderboard'><b>Extrapolation benchmark</b>"
            + (" (quick mode)" if self.quick else "")
            + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>mean R² across tasks: selected <b>{_num(self.mean_r2('selected'))}</b>, human-derived "
            f"{_num(self.mean_r2('human'))} &middot; {self.seconds:.1f} s</p></div>"
        )

    def chart(self, kind: str = "parity", **kwargs):
        """Predicted vs observed on each task's held-out split (``kind="parity"``) or residuals (``"residuals"``)."""
        from ..charts.benchmark import leaderboard_chart

        return leaderboard_chart(self, kind=kind, **kwargs)
