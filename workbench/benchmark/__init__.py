"""The extrapolation benchmark: every law against public held-out tasks.

Researchers ask one question of a scaling law: does it predict the runs not yet
trained? SLDBench (Lin et al. 2025) gathered published runs into tasks with a
training split and a held-out extrapolation split. :func:`benchmark_extrapolation`
fits every applicable law of the catalogue on each task's training split with the
same engine, scores it on the held-out split, and selects a law from the training
split alone. Add your own law (a declaration) or task (a runs table and a split
rule) and score them the same way.
"""

from .results import Leaderboard, LawScore, TaskResult
from .run import BENCHMARK_FIT_OPTIONS, benchmark_extrapolation, score_task
from .scores import extrapolation_scores
from .tasks import SLDBENCH_CITATION, TASKS, Task, get_task, list_tasks, register_task

__all__ = [
    "benchmark_extrapolation",
    "score_task",
    "extrapolation_scores",
    "Task",
    "TASKS",
    "get_task",
    "list_tasks",
    "register_task",
    "Leaderboard",
    "TaskResult",
    "LawScore",
    "BENCHMARK_FIT_OPTIONS",
    "SLDBENCH_CITATION",
]
