"""Extrapolation tasks: a runs table, a target, a rule that holds out the larger runs, and the laws to try.

A :class:`Task` is data: where its runs come from (a registered dataset, a
table, or a function returning one), the column to predict, the
:class:`~workbench.data.splits.SplitRule` that makes its held-out split, the
rule that validates a law on the training split alone, the column whose groups
each get their own parameters (e.g. one fine-tuning curve per model and
dataset), the candidate laws and the human-derived ("expert") law.

The six SLDBench tasks (Lin et al. 2025, "Can Language Models Discover Scaling
Laws?") are registered here; a user adds a task with :func:`register_task` or
passes a :class:`Task` straight to
:func:`~workbench.benchmark.benchmark_extrapolation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data import load_dataset
from ..data.runs import validate_runs
from ..data.sldbench import SLDBENCH_SPLITS
from ..data.splits import Equals, Folds, SplitRule, as_split_rule
from ..errors import MissingColumnsError, WorkbenchError
from ..laws import get_law
from ..laws.core import Law
from ..names import Catalogue

__all__ = ["Task", "TASKS", "get_task", "list_tasks", "register_task", "SLDBENCH_CITATION"]

SLDBENCH_CITATION = (
    "Lin, Wang, Ma & Liang 2025, 'Can Language Models Discover Scaling Laws?' (SLDBench), ICLR 2026, arXiv:2507.21184"
)


def _law_name(law) -> str:
    return law.name if isinstance(law, Law) else str(law)


@dataclass(frozen=True)
class Task:
    """An extrapolation task: fit on the training split, predict the held-out split.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"vocabulary"``.
    title : str
    data : str, DataFrame or callable
        A registered dataset name (:func:`workbench.load_dataset`), a runs
        table, or a function returning one.
    target : str
        The column the laws predict (each candidate law's ``target``).
    laws : sequence of str or Law
        Candidate laws. Laws whose inputs the table lacks are skipped.
    expert : str or Law
        The human-derived law for this task (scored with the others; added to
        ``laws`` if absent).
    split : SplitRule or str
        Marks the held-out rows (larger models, more data, new mixtures): a rule
        (``Largest("N")``, ``AnyOf(Largest("D"), Largest("N"))`` ...) or a filter in
        the workbench's filter language (``"N >= 4e8"``; a true/false column's name).
        Default: the rows whose column ``split`` is ``"test"``.
    validation : SplitRule, optional
        Chooses a law from the training split alone: the rows it marks (or each
        of its folds) are held out of a fit on the rest of the training split.
        Default: ``split`` applied to the training rows (leave the largest out).
    group : str, optional
        Column whose values each get their own parameter set (SLDBench's control
        variables, e.g. one fine-tuning curve per model and dataset).
    ladder : str, optional
        The size column along which a rollout validates a law (fit on the sizes up to
        the k-th, predict the next: ``selection="rollout"``); ``None`` where the task has
        no single size ladder (one curve per group, new mixtures).
    citation, notes : str
    """

    name: str
    title: str
    data: object
    target: str
    laws: tuple = ()
    expert: object = None
    split: SplitRule = field(default_factory=lambda: Equals("split", "test"))
    validation: SplitRule | None = None
    group: str | None = None
    ladder: str | None = None
    citation: str = ""
    notes: str = ""

    def __post_init__(self):
        if not self.name or not isinstance(self.name, str):
            raise WorkbenchError("A task needs a name (a non-empty string).")
        object.__setattr__(self, "split", as_split_rule(self.split))
        if self.validation is not None:
            object.__setattr__(self, "validation", as_split_rule(self.validation))
        laws = tuple(self.laws)
        if self.expert is None:
            if not laws:
                raise WorkbenchError(f"Task {self.name!r} needs at least one law (laws=[...]) or an expert law.")
            object.__setattr__(self, "expert", laws[0])
        names = [_law_name(law) for law in laws]
        if _law_name(self.expert) not in names:
            laws = (self.expert,) + laws
        object.__setattr__(self, "laws", laws)

    # ------------------------------------------------------------ laws
    @property
    def expert_name(self) -> str:
        return _law_name(self.expert)

    @property
    def law_names(self) -> list[str]:
        return [_law_name(law) for law in self.laws]

    def applicable(self, table: pd.DataFrame, extra: Sequence = ()) -> tuple[list[Law], list[str]]:
        """The task's laws (and ``extra`` laws) that this table can feed, and a note for each law skipped.

        A law applies when the table has every input it reads and its target is
        the task's target; a multi-output law also needs the column ``output``.
        Task laws that do not apply are reported; extra laws that do not apply
        are left out silently (they were offered to every task).
        """
        out: list[Law] = []
        skipped: list[str] = []
        seen: set[str] = set()
        for law, own in [(law, True) for law in self.laws] + [(law, False) for law in extra]:
            law = get_law(law)
            if law.name in seen:
                continue
            seen.add(law.name)
            missing = [c for c in law.inputs if c not in table.columns and not (c == "C" and {"N", "D"} <= set(table.columns))]
            if law.target != self.target or missing:
                if own:
                    why = f"it predicts {law.target!r}, not {self.target!r}" if law.target != self.target else f"the table lacks {missing}"
                    skipped.append(f"{law.name}: {why}")
                continue
            out.append(law)
        return out, skipped

    # ------------------------------------------------------------ data
    def runs(self) -> pd.DataFrame:
        """The task's runs table (loaded from its dataset, or the table given)."""
        data = self.data
        if isinstance(data, str):
            table = load_dataset(data)
        elif isinstance(data, pd.DataFrame):
            table = validate_runs(data, require=(), on_duplicates="keep")
        elif callable(data):
            table = data()
            if not isinstance(table, pd.DataFrame):
                raise WorkbenchError(f"Task {self.name!r}: data() must return a DataFrame, got {type(table).__name__}.")
        else:
            raise WorkbenchError(f"Task {self.name!r}: data must be a dataset name, a DataFrame or a function returning one.")
        if self.target not in table.columns:
            raise MissingColumnsError(f"Task {self.name!r} predicts {self.target!r}, but its table has {list(table.columns)}.")
        if self.group is not None and self.group not in table.columns:
            raise MissingColumnsError(f"Task {self.name!r} fits one law per {self.group!r}, a column its table lacks.")
        return table.reset_index(drop=True)

    def held_out(self, table: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the held-out rows of ``table``."""
        mask = np.asarray(self.split.mask(table), bool)
        if not mask.any():
            raise WorkbenchError(f"Task {self.name!r}: the split rule '{self.split.describe()}' holds out no rows.")
        if mask.all():
            raise WorkbenchError(f"Task {self.name!r}: the split rule '{self.split.describe()}' holds out every row.")
        return mask

    def validation_masks(self, train: pd.DataFrame) -> list[np.ndarray]:
        """The folds held out of the training split to choose a law (each a boolean mask of ``train``)."""
        rule = self.validation if self.validation is not None else self.split
        masks = [np.asarray(m, bool) for m in rule.masks(train)]
        return [m for m in masks if m.any() and not m.all()]

    def describe(self) -> str:
        lines = [
            f"{self.title}  [{self.name}]",
            f"  predicts {self.target!r}" + (f", one parameter set per {self.group!r}" if self.group else ""),
            f"  held out: {self.split.describe()}",
            f"  law chosen on the training split by holding out: "
            f"{(self.validation or self.split).describe()}",
            f"  laws: {', '.join(self.law_names)} (human-derived: {self.expert_name})",
        ]
        if self.notes:
            lines.append(f"  note: {self.notes}")
        if self.citation:
            lines.append(f"  cite: {self.citation}")
        return "\n".join(lines)


TASKS: Catalogue = Catalogue("extrapolation task", Task, sort=False)


def register_task(task: Task) -> Task:
    """Add a task to the registry (replacing one of the same name)."""
    return TASKS.add(task)


def get_task(name) -> Task:
    """Look a task up by name (a :class:`Task` is returned unchanged)."""
    return TASKS.lookup(name)


def list_tasks() -> list[str]:
    """Names of the extrapolation-benchmark tasks, in the order the benchmark runs them."""
    return TASKS.names()


def _sldbench_task(name: str, title: str, laws: tuple, origin: str, target: str = "loss", **options) -> Task:
    """Register SLDBench's task ``name``: its runs are the dataset ``sldbench-<name>``, its held-out split is
    SLDBench's (:data:`~workbench.data.sldbench.SLDBENCH_SPLITS`), its first law the human-derived one, and
    its citation SLDBench's with ``origin``, the paper the runs come from."""
    return register_task(Task(name=name, title=title, data=f"sldbench-{name}", target=target, laws=laws,
                              split=SLDBENCH_SPLITS[name], citation=f"{SLDBENCH_CITATION}; runs from {origin}",
                              **options))


_sldbench_task(
    "data-constrained",
    "Data-constrained scaling: repeated data (Muennighoff et al. 2023)",
    ("data_constrained", "overtraining", "kaplan_ND", "chinchilla", "farseer"),
    "Muennighoff et al. 2023, 'Scaling Data-Constrained Language Models', arXiv:2305.16264",
    ladder="N",
)
_sldbench_task(
    "vocabulary",
    "Vocabulary size (Tao et al. 2024)",
    ("vocabulary",),
    "Tao et al. 2024, 'Scaling Laws with Vocabulary', arXiv:2407.13623",
    target="neg_lossu",
    ladder="N",
    notes="The target is -L_u (the unigram-normalised loss with its sign flipped, > 0); R-squared, NMSE and NMAE "
    "are the same for L_u and -L_u.",
)
_sldbench_task(
    "moe",
    "Mixture of experts (Clark et al. 2022)",
    ("moe_clark2022", "moe_power", "moe_granularity"),
    "Clark et al. 2022, 'Unified Scaling Laws for Routed Language Models', arXiv:2202.01169",
    ladder="N",
    notes="Krajewski et al.'s fine-grained law (moe_granularity) needs the experts' granularity G and varying "
    "training tokens D; these runs (one step, no granularity) have neither, so it is listed and skipped.",
)
_sldbench_task(
    "lr-batch",
    "Learning rate and batch size at given N and D (Li et al. 2025, Step Law)",
    ("step_law_surface", "step_law_surface_relative"),
    "Li et al. 2025, 'Predictable Scale: Part I', arXiv:2503.04715",
    ladder="N",
)
_sldbench_task(
    "sft",
    "Supervised fine-tuning curves (Lin et al. 2024, rectified scaling law)",
    ("rectified_sft", "power_law_D", "broken_power_law_D"),
    "Lin et al. 2024, 'Selecting Large Language Model to Fine-tune via Rectified Scaling Law', arXiv:2402.02314",
    group="curve",
    notes="One parameter set per curve (model x fine-tuning dataset), as in SLDBench.",
)
_sldbench_task(
    "domain-mixture",
    "Domain mixture: loss on five domains (Ye et al. 2024)",
    ("data_mixing",),
    "Ye et al. 2024, 'Data Mixing Laws', arXiv:2403.16952",
    validation=Folds(4, by="mixture"),
    group="size",
    notes="One parameter set per model size, shared by the five domains' losses. The held-out split is new "
    "mixtures at the same sizes, so the law is chosen by 4-fold validation over the training mixtures.",
)
