"""From loss to downstream error: Gadre et al.'s (2024) law, fitted on the over-training runs.

Gadre et al. (2024, 'Language models scale reliably with over-training and on
downstream tasks') find that the average top-1 error of a model on a suite of
downstream tasks follows its validation loss ``L`` (C4 eval, nats per token):

    Err(L) = eps - k exp(-gamma L),

with ``eps`` near the error of random guessing. They average over 46 tasks
(the full suite) or over the 17 tasks on which at least one 0.154B-parameter
model is 10 points above chance, fit the law on small runs and predict the
largest ones (1.4B parameters on 900B tokens, 6.9B on 138B tokens). Here the
same runs come from :func:`workbench.load_dataset` ("overtraining",
``evals=True``) and the random baselines from the dataset's ``eval_metadata.csv``.

The law is ``downstream_error`` in the catalogue; the fit is the workbench's
:func:`~workbench.fit`, with held-out runs to measure the extrapolation.
A chained prediction (loss from the over-training loss law, then error from
loss) shows what is left when the large runs' loss is also unknown.
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..data import dataset_files, load_dataset
from ..errors import ArgumentError, DatasetError, MissingColumnsError
from ..fitting import Fit, fit
from ..fitting.result import FitWrapper

__all__ = ["CORE17_TASKS", "random_baselines", "average_error", "fit_loss_to_error", "DownstreamFit"]

#: The 17 tasks Gadre et al. (2024) average over: those where at least one 0.154B model is 10 points above chance.
CORE17_TASKS = (
    "bigbench_operators",
    "pubmed_qa_labeled",
    "hellaswag_zeroshot",
    "boolq",
    "arc_easy",
    "coqa",
    "bigbench_dyck_languages",
    "lambada_openai",
    "bigbench_novel_concepts",
    "winograd",
    "bigbench_cs_algorithms",
    "commonsense_qa",
    "bigbench_qa_wikidata",
    "hellaswag",
    "copa",
    "squad",
    "piqa",
)


def random_baselines() -> pd.Series:
    """Accuracy of random guessing per downstream task (fraction), from the over-training data's ``eval_metadata.csv``.

    The file lists 51 tasks; the 46 evaluated in the over-training runs are among them.
    """
    meta = pd.read_csv(dataset_files("overtraining") / "exp_data" / "eval_metadata.csv")
    return pd.Series(meta["Random baseline"].to_numpy(float) / 100.0, index=meta["Eval Task"].to_numpy(), name="random_baseline")


def _task_list(runs: pd.DataFrame, tasks) -> list[str]:
    available = sorted(c.removeprefix("acc_") for c in runs.columns if c.startswith("acc_"))
    if not available:
        raise MissingColumnsError("The runs have no acc_<task> columns: load them with load_dataset('overtraining', evals=True).")
    if isinstance(tasks, str):
        if tasks == "core17":
            chosen = list(CORE17_TASKS)
        elif tasks in ("all46", "all"):
            chosen = available
        else:
            raise ArgumentError(f"tasks must be 'core17', 'all46' or a list of task names, not {tasks!r}.")
    else:
        chosen = list(tasks)
    missing = [t for t in chosen if t not in available]
    if missing:
        raise MissingColumnsError(f"No accuracy columns for tasks {missing}; available: {available}.")
    return chosen


def average_error(runs: pd.DataFrame, tasks="core17", baselines: pd.Series | None = None) -> pd.DataFrame:
    """Add the average top-1 error over ``tasks`` and the error of random guessing on them.

    Parameters
    ----------
    runs : DataFrame
        Runs with ``acc_<task>`` columns (``load_dataset("overtraining", evals=True)``).
    tasks : "core17", "all46" or list of str
    baselines : Series, optional
        Random-guessing accuracy per task (default :func:`random_baselines`).

    Returns
    -------
    DataFrame
        ``runs`` with ``error`` (1 - mean accuracy), ``chance_error`` (1 - mean
        random accuracy) and ``error_above_chance`` (``error / chance_error``: 1
        at chance, 0 when perfect). Runs missing an accuracy are dropped.
    """
    chosen = _task_list(runs, tasks)
    if baselines is None:
        baselines = random_baselines()
    lacking = [t for t in chosen if t not in baselines.index]
    if lacking:
        raise DatasetError(f"No random baseline for tasks {lacking}.")
    acc = runs[[f"acc_{t}" for t in chosen]]
    out = runs.loc[acc.notna().all(axis=1)].copy()
    out["error"] = 1.0 - acc.loc[out.index].mean(axis=1)
    out["chance_error"] = 1.0 - float(baselines[chosen].mean())
    out["error_above_chance"] = out["error"] / out["chance_error"]
    out.attrs["tasks"] = chosen
    return out


class DownstreamFit(FitWrapper):
    """The loss-to-error law fitted on smaller runs and checked on the largest.

    Attributes
    ----------
    fit : Fit
        ``downstream_error`` fitted to (loss, error); ``fit.holdout_table`` has the held-out runs.
    loss_fit : Fit or None
        The over-training loss law fitted on the same runs (for the chained prediction).
    table : DataFrame
        Held-out runs: ``model``, ``multiplier``, ``N``, ``D``, measured ``loss`` and
        ``error``, ``error_from_loss`` (law at the measured loss) and its relative
        error, ``loss_predicted`` (loss law), ``error_chained`` (law at the
        predicted loss) and its relative error.
    tasks : list of str
    chance_error : float
    """

    fit: Fit
    loss_fit: Fit | None
    table: pd.DataFrame
    tasks: list
    chance_error: float

    @property
    def holdout_error(self) -> dict:
        """Mean and max absolute relative error on the held-out runs, from measured and from predicted loss."""
        t = self.table
        out = {"n": int(len(t)), "mean_abs_rel_error": float(t["rel_error"].abs().mean()),
               "max_abs_rel_error": float(t["rel_error"].abs().max())}
        if "rel_error_chained" in t:
            out["mean_abs_rel_error_chained"] = float(t["rel_error_chained"].abs().mean())
            out["max_abs_rel_error_chained"] = float(t["rel_error_chained"].abs().max())
        return out

    def _title(self) -> str:
        return "Loss-to-downstream-error law (Gadre et al. 2024), checked on held-out runs"

    def _summarize(self, s) -> None:
        p, he = self.params, self.holdout_error
        s.subtitle = f"Err(L) = {p['eps']:.4f} - {p['k']:.4g} exp(-{p['gamma']:.4f} L)"
        fields = [("tasks", f"{len(self.tasks)} (random guessing: error {self.chance_error:.4f})"),
                  ("runs fitted / held out", f"{self.fit.n_runs} / {he['n']}"),
                  ("mean |relative error| from the measured loss",
                   f"{100 * he['mean_abs_rel_error']:.2f}% (max {100 * he['max_abs_rel_error']:.2f}%)")]
        if "mean_abs_rel_error_chained" in he:
            fields.append(("chained through the loss law", f"{100 * he['mean_abs_rel_error_chained']:.2f}% "
                                                           f"(max {100 * he['max_abs_rel_error_chained']:.2f}%)"))
        s.add_fields(fields)
        cols = [c for c in ("model", "multiplier", "loss", "error", "error_from_loss", "rel_error", "error_chained",
                            "rel_error_chained") if c in self.table]
        s.add_table(self.table[cols], title="held-out runs")

    def _headline(self) -> str:
        return f"eps={self.params['eps']:.4f}, gamma={self.params['gamma']:.4f}; {len(self.tasks)} tasks"

    _dict_exclude = ("fit", "loss_fit")
    _dict_properties = ("params", "holdout_error")


def fit_loss_to_error(
    runs: pd.DataFrame | None = None,
    tasks="core17",
    training_set: str | None = "rpj",
    holdout="N > 1e9",
    val_set: str = "c4_val",
    chain: bool = True,
    bootstrap: int = 100,
    seed: int = 0,
) -> DownstreamFit:
    """Fit ``Err(L) = eps - k exp(-gamma L)`` on the over-training runs and predict the held-out largest ones.

    Parameters
    ----------
    runs : DataFrame, optional
        Runs with ``N``, ``D``, ``loss`` and ``acc_<task>`` columns (default: the
        over-training dataset with ``evals=True``).
    tasks : "core17", "all46" or list of str
        Tasks averaged into the error.
    training_set : {"rpj", "c4_original", "rw_original"} or None
        Keep the runs trained on one dataset (default RedPajama, the paper's
        main setting); None keeps all three.
    holdout : str, mask, callable or float
        Runs held out of both fits (default ``"N > 1e9"``: the 1.4B and 6.9B runs).
    val_set : str
        Validation loss used as ``loss`` (default the C4 eval, as in the paper).
    chain : bool
        Also fit the over-training loss law on the same runs and predict the
        held-out errors from the *predicted* loss.
    bootstrap, seed :
        Passed to :func:`~workbench.fit`.

    Returns
    -------
    DownstreamFit
    """
    if runs is None:
        runs = load_dataset("overtraining", evals=True, val_set=val_set, training_set=training_set)
    elif training_set is not None and "training_set" in runs.columns:
        runs = runs[runs["training_set"] == training_set]
    table = average_error(runs, tasks).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        err_fit = fit("downstream_error", table, holdout=holdout, bootstrap=bootstrap, seed=seed)
        loss_fit = fit("overtraining", table, holdout=holdout, bootstrap=0) if chain else None
    held = err_fit.holdout_table
    if held is None:
        raise ArgumentError(f"holdout={holdout!r} holds out no runs: nothing to check the prediction on.")
    keep = [c for c in ("model", "multiplier", "training_set", "N", "D", "loss", "error") if c in held]
    out = held[keep].copy()
    out["error_from_loss"] = held["predicted"].to_numpy()
    out["rel_error"] = held["rel_error"].to_numpy()
    if loss_fit is not None:
        L_pred = loss_fit.predict(out)
        out["loss_predicted"] = L_pred
        out["error_chained"] = err_fit.law.predict(err_fit.params, loss=L_pred)
        out["rel_error_chained"] = (out["error_chained"] - out["error"]) / out["error"]
    return DownstreamFit(err_fit, loss_fit, out.reset_index(drop=True), table.attrs["tasks"], float(table["chance_error"].iloc[0]))
