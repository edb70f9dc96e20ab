"""FLOPs-matched comparisons: a small model with many samples against a large model with one.

Generating a token costs about ``2 N`` FLOPs for a model of ``N`` parameters
(one multiply and one add per parameter; Kaplan et al. 2020, Sec. 2.1). At
equal inference compute and equal sample length, a model ``N_large / N_small``
times smaller can draw ``k = floor(N_large / N_small)`` samples for each one
of the large model. Whether that pays depends on the problem: Snell et al.
(2024) find that on easier prompts a smaller model with more test-time
compute can beat a ~14x larger one at equal FLOPs, while hard prompts need
the larger model.

Pass rates come from the user's per-problem counts of the two models
(:func:`compare_models_from_counts`) or from a law
(:class:`LogitAbilityLaw`): a Rasch-type item-response model in which a
model's logit success rate on problem ``i`` grows linearly in ``log10 N``.
Success of the ``k`` samples is *coverage* (an oracle picks a correct sample
when there is one) or, with a verifier ``(c, s)``, the accuracy of
resampling until the verifier accepts (see :mod:`workbench.testtime.verifier`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..compute.flops import inference_flops
from ..errors import SamplesError
from ..results import Result
from .counts import validate_counts
from .passk import pass_at_k
from .verifier import accuracy_after_k

__all__ = [
    "inference_flops",
    "samples_at_equal_flops",
    "LogitAbilityLaw",
    "FlopsMatchedComparison",
    "flops_matched_comparison",
    "compare_models_from_counts",
    "flops_matched_curve",
]


def samples_at_equal_flops(N_small, N_large, tokens_small: float = 1.0, tokens_large: float = 1.0) -> np.ndarray:
    """How many samples of the small model cost what one sample of the large model costs.

    ``k = floor(2 N_large T_large / (2 N_small T_small))`` with ``T`` the tokens per sample
    (at least 1).
    """
    N_small, N_large = np.asarray(N_small, float), np.asarray(N_large, float)
    if np.any(N_small <= 0) or np.any(N_large <= 0) or tokens_small <= 0 or tokens_large <= 0:
        raise SamplesError("Model sizes and tokens per sample must be > 0.")
    k = np.floor(N_large * tokens_large / (N_small * tokens_small) * (1 + 1e-12))
    return np.maximum(k, 1).astype(np.int64)


@dataclass(frozen=True)
class LogitAbilityLaw:
    """Per-problem success rates that grow with model size: ``logit p_i(N) = z_i + slope log10(N / N_ref)``.

    A Rasch-type item-response model: ``z_i`` is problem ``i``'s logit success rate
    for a model of ``N_ref`` parameters and ``slope`` the gain in logit per decade
    of parameters, the same for every problem. It is a simple stand-in for
    measured pass rates, not a published law: replace it with your own counts
    (:func:`compare_models_from_counts`) when you have them.

    Parameters
    ----------
    logits : array_like
        ``z_i``, logit success rates at ``N_ref`` (e.g. ``scipy.special.logit``
        of a difficulty distribution's :meth:`BetaDifficulty.grid <workbench.testtime.BetaDifficulty.grid>`).
    slope : float
        Logit gain per decade of parameters (> 0).
    N_ref : float
        Reference size (parameters).
    """

    logits: tuple
    slope: float = 1.5
    N_ref: float = 1e9

    def __post_init__(self):
        z = np.asarray(self.logits, float)
        if z.ndim != 1 or z.size == 0 or not np.all(np.isfinite(z)):
            raise SamplesError("logits must be a non-empty list of finite numbers (one per problem).")
        if not (np.isfinite(self.slope) and self.slope >= 0):
            raise SamplesError(f"slope (logit gain per decade of parameters) must be >= 0, got {self.slope!r}.")
        if not (np.isfinite(self.N_ref) and self.N_ref > 0):
            raise SamplesError(f"N_ref must be > 0, got {self.N_ref!r}.")
        object.__setattr__(self, "logits", tuple(float(v) for v in z))

    @classmethod
    def from_distribution(cls, distribution, slope: float = 1.5, N_ref: float = 1e9, m: int = 400) -> "LogitAbilityLaw":
        """Problems whose success rates at ``N_ref`` are ``m`` quantiles of a difficulty distribution."""
        p = np.clip(distribution.grid(m), 1e-12, 1 - 1e-12)
        return cls(tuple(special.logit(p)), slope, N_ref)

    def pass_rates(self, N) -> np.ndarray:
        """Per-problem success rates at size ``N``: shape ``(P,)`` for a scalar, ``(len(N), P)`` otherwise."""
        N = np.asarray(N, float)
        if np.any(N <= 0):
            raise SamplesError("Model size N must be > 0.")
        z = np.asarray(self.logits)
        shift = self.slope * np.log10(N / self.N_ref)
        return special.expit(z + shift[..., None]) if N.ndim else special.expit(z + float(shift))


class FlopsMatchedComparison(Result):
    """A small model with ``k`` samples against a large model with one, at equal inference FLOPs.

    Attributes
    ----------
    problems : DataFrame
        Per problem: ``p_small``, ``p_large`` (single-sample rates),
        ``small_k`` (success of the small model's ``k`` samples), ``large_1``
        and ``winner``.
    by_difficulty : DataFrame
        The same averaged within bins of difficulty (quantiles of the large
        model's single-sample rate, hardest first).
    """

    problems: pd.DataFrame
    by_difficulty: pd.DataFrame
    k: int
    N_small: float | None
    N_large: float | None
    flops_small: float | None
    flops_large: float | None
    verifier: tuple | None

    @property
    def small_k(self) -> float:
        return float(self.problems["small_k"].mean())

    @property
    def large_1(self) -> float:
        return float(self.problems["large_1"].mean())

    @property
    def share_small_wins(self) -> float:
        """Fraction of problems on which the small model's ``k`` samples do better."""
        return float((self.problems["small_k"] > self.problems["large_1"]).mean())

    def _title(self) -> str:
        sizes = "" if self.N_small is None else f" ({self.N_small:.3g} vs {self.N_large:.3g} parameters)"
        return f"FLOPs-matched: small model x {self.k} samples vs large model x 1{sizes}"

    def _summarize(self, s) -> None:
        how = "coverage (an oracle picks a correct sample)" if self.verifier is None else (
            f"verifier with c = {self.verifier[0]:.3g}, s = {self.verifier[1]:.3g}")
        s.add_fields([("success of the k samples by", how), (f"small x {self.k}", self.small_k), ("large x 1", self.large_1),
                      ("small wins on", f"{100 * self.share_small_wins:.1f}% of problems")])
        if len(self.by_difficulty):
            s.add_table(self.by_difficulty, title="by difficulty (bins of the large model's pass@1, hardest first)")

    def _headline(self) -> str:
        return f"small x {self.k} {self.small_k:.4f} vs large x 1 {self.large_1:.4f}"

    _dict_exclude = ("problems",)
    _dict_properties = ("small_k", "large_1", "share_small_wins")


def _bins(p_large: np.ndarray, n_bins: int) -> pd.Series:
    n_bins = max(1, min(int(n_bins), len(p_large)))
    ranks = pd.Series(p_large).rank(method="first").to_numpy()
    idx = np.minimum(((ranks - 1) * n_bins / len(p_large)).astype(int), n_bins - 1)
    edges = [np.quantile(p_large, q) for q in np.linspace(0, 1, n_bins + 1)]
    labels = [f"{i + 1}: {edges[i]:.2f}-{edges[i + 1]:.2f}" for i in range(n_bins)]
    return pd.Series(pd.Categorical([labels[i] for i in idx], categories=labels, ordered=True))


def flops_matched_comparison(p_small, p_large, k: int, *, verifier=None, n_bins: int = 5, N_small=None,
                             N_large=None, tokens_per_sample: float = 1.0, small_k=None) -> FlopsMatchedComparison:
    """Compare per problem: ``k`` samples of the small model against one of the large model.

    Parameters
    ----------
    p_small, p_large : array_like
        Per-problem single-sample success rates of the two models (same problems, same order).
    k : int
        Samples of the small model (e.g. :func:`samples_at_equal_flops`).
    verifier : (c, s), optional
        Completeness and soundness of the verifier that picks among the small
        model's samples; by default an oracle (success = ``1 - (1 - p)^k``).
    n_bins : int
        Difficulty bins (quantiles of ``p_large``).
    small_k : array_like, optional
        Per-problem success of the ``k`` samples when already known (e.g. the
        unbiased pass@k of measured counts); overrides the formula.
    """
    ps = np.asarray(p_small, float)
    pl = np.asarray(p_large, float)
    if ps.shape != pl.shape or ps.ndim != 1 or ps.size == 0:
        raise SamplesError("p_small and p_large must be equal-length lists of per-problem rates (same problems).")
    for name, a in (("p_small", ps), ("p_large", pl)):
        if np.any(~np.isfinite(a)) or np.any(a < 0) or np.any(a > 1):
            raise SamplesError(f"{name} must hold probabilities in [0, 1].")
    k = int(k)
    if k < 1:
        raise SamplesError(f"k must be >= 1, got {k}.")
    if small_k is not None:
        sk = np.asarray(small_k, float)
    elif verifier is None:
        with np.errstate(divide="ignore"):
            sk = -np.expm1(k * np.log1p(-ps))  # 1 - (1 - p)^k
    else:
        c, s = verifier
        sk = accuracy_after_k(ps, c, s, k)
    problems = pd.DataFrame({"p_small": ps, "p_large": pl, "small_k": sk, "large_1": pl})
    problems["winner"] = np.where(sk > pl, "small x k", np.where(sk < pl, "large x 1", "tie"))
    problems["bin"] = _bins(pl, n_bins).to_numpy()
    by = (problems.groupby("bin", observed=True, sort=True)[["p_small", "p_large", "small_k", "large_1"]]
          .mean().reset_index())
    by["n_problems"] = problems.groupby("bin", observed=True, sort=True).size().to_numpy()
    by["bin"] = by["bin"].astype(str)
    fs = None if N_small is None else float(inference_flops(N_small, k * tokens_per_sample))
    fl = None if N_large is None else float(inference_flops(N_large, tokens_per_sample))
    return FlopsMatchedComparison(problems, by, k, None if N_small is None else float(N_small),
                                  None if N_large is None else float(N_large), fs, fl,
                                  None if verifier is None else (float(verifier[0]), float(verifier[1])))


def compare_models_from_counts(counts, small: str, large: str, *, k: int | None = None, verifier=None,
                               n_bins: int = 5) -> FlopsMatchedComparison:
    """FLOPs-matched comparison from the user's own per-problem counts of two models.

    ``counts`` holds both models (column ``model``; ``size`` in parameters
    sets ``k = floor(size_large / size_small)`` unless ``k`` is given). The
    small model's success with ``k`` samples is its unbiased pass@k (oracle
    verifier; needs ``n >= k`` samples per problem) or, with a verifier, the
    resampling accuracy at its per-problem rate ``c/n``; the large model's is
    its pass@1 ``c/n``. Only problems present for both models are compared.
    """
    counts = validate_counts(counts)
    if "model" not in counts.columns:
        raise SamplesError("compare_models_from_counts needs a 'model' column naming the model of each row.")
    models = list(counts["model"].unique())
    for m in (small, large):
        if m not in models:
            raise SamplesError(f"No model {m!r} in the counts; models present: {models}.")
    s_df = counts[counts["model"] == small].set_index("problem")
    l_df = counts[counts["model"] == large].set_index("problem")
    common = s_df.index.intersection(l_df.index)
    if len(common) == 0:
        raise SamplesError(f"Models {small!r} and {large!r} share no problems: compare them on the same problems.")
    s_df, l_df = s_df.loc[common], l_df.loc[common]
    N_small = N_large = None
    if k is None:
        if "size" not in counts.columns:
            raise SamplesError("Give k, or a 'size' column (parameters) so that k = floor(size_large / size_small).")
        N_small, N_large = float(s_df["size"].iloc[0]), float(l_df["size"].iloc[0])
        if N_small >= N_large:
            raise SamplesError(f"Model {small!r} ({N_small:.3g} parameters) is not smaller than {large!r} ({N_large:.3g}).")
        k = int(samples_at_equal_flops(N_small, N_large))
    elif "size" in counts.columns:
        N_small, N_large = float(s_df["size"].iloc[0]), float(l_df["size"].iloc[0])
    ps = (s_df["c"] / s_df["n"]).to_numpy(float)
    pl = (l_df["c"] / l_df["n"]).to_numpy(float)
    small_k = None
    if verifier is None:
        small_k = pass_at_k(s_df["n"].to_numpy(), s_df["c"].to_numpy(), int(k), problems=np.asarray(common))
    return flops_matched_comparison(ps, pl, int(k), verifier=verifier, n_bins=n_bins, N_small=N_small,
                                    N_large=N_large, small_k=small_k)


def flops_matched_curve(law: LogitAbilityLaw, N_large: float, N_small, *, verifier=None,
                        tokens_per_sample: float = 1.0) -> pd.DataFrame:
    """Mean success of smaller models at the inference FLOPs of one sample of ``N_large``.

    For each ``N_small`` the small model draws ``k = floor(N_large / N_small)``
    samples; returns ``N_small``, ``k``, ``small_k``, ``small_1`` (its single
    sample), ``large_1`` and ``flops_per_problem`` (``2 N_large T``).
    """
    N_small = np.atleast_1d(np.asarray(N_small, float))
    if np.any(N_small > N_large):
        raise SamplesError("Every N_small must be at most N_large.")
    pl = law.pass_rates(float(N_large))
    rows = []
    for Ns in N_small:
        k = int(samples_at_equal_flops(Ns, N_large))
        ps = law.pass_rates(float(Ns))
        if verifier is None:
            with np.errstate(divide="ignore"):
                sk = -np.expm1(k * np.log1p(-ps))
        else:
            sk = accuracy_after_k(ps, verifier[0], verifier[1], k)
        rows.append({"N_small": float(Ns), "k": k, "small_k": float(sk.mean()), "small_1": float(ps.mean()),
                     "large_1": float(pl.mean()), "flops_per_problem": 2.0 * N_large * tokens_per_sample})
    return pd.DataFrame(rows)

