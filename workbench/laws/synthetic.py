"""Synthetic runs tables drawn from a known law, for checking fits against the truth (and for teaching).

Two generators:

* :func:`synthetic_runs`: independent final runs at random sizes and token counts, each
  with multiplicative log-normal noise, ``ln L_i = ln f(N_i, D_i) + e_i``;
* :func:`synthetic_trajectories`: a family of training runs, one per model size, each
  observed at several checkpoints. The noise has the structure real loss curves have:
  a per-run offset shared by every checkpoint of a run (seed, data order, hyperparameters)
  plus noise correlated from one checkpoint to the next (an AR(1) process),
  ``ln L_ij = ln f(N_i, D_ij) + u_i + e_ij``, ``u_i ~ N(0, run_offset^2)``,
  ``e_ij = rho e_i,j-1 + sqrt(1 - rho^2) z_ij``, ``z_ij ~ N(0, noise^2)``.

Both return a canonical runs table (``N``, ``D``, ``C = 6ND``, ``loss``; trajectories add
``run`` and ``step``) and take a ``seed``: the same seed gives the same table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import RunsError

__all__ = ["synthetic_runs", "synthetic_trajectories", "HOFFMANN_PARAMS"]

#: Hoffmann et al. (2022) Approach-3 constants (rounded), the default truth.
HOFFMANN_PARAMS = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def _law_and_values(law, params):
    from .catalogue import get_law

    law = get_law(law)
    params = dict(HOFFMANN_PARAMS if params is None and law.name == "chinchilla" else params or {})
    return law, law._values_array(params)


def synthetic_runs(
    law="chinchilla",
    params: Mapping[str, float] | None = None,
    *,
    n_runs: int = 40,
    N_range: tuple[float, float] = (1e7, 10**10.5),
    D_range: tuple[float, float] = (1e9, 1e12),
    noise: float = 0.01,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Independent runs at log-uniform random sizes ``N`` and token counts ``D``.

    Parameters
    ----------
    law : str or Law
        A law of ``N`` and/or ``D`` (default Chinchilla, ``L = E + A/N^alpha + B/D^beta``,
        Hoffmann et al. 2022).
    params : mapping, optional
        True parameter values (default: Hoffmann et al.'s rounded constants).
    n_runs : int
    N_range, D_range : (float, float)
        Ranges of parameters and training tokens, sampled uniformly in ``log``.
    noise : float
        Standard deviation of the log-normal noise on the loss (``0.01``: about 1%).
    seed : int, optional

    Returns
    -------
    DataFrame
        ``N``, ``D``, ``C``, ``loss``.
    """
    if n_runs < 1:
        raise RunsError(f"n_runs must be >= 1, got {n_runs}.")
    law, values = _law_and_values(law, params)
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(np.log10(N_range[0]), np.log10(N_range[1]), n_runs)
    D = 10 ** rng.uniform(np.log10(D_range[0]), np.log10(D_range[1]), n_runs)
    mu = law.predict(values, N=N, D=D, C=6 * N * D) if "C" in law.inputs else law.predict(values, N=N, D=D)
    loss = mu * np.exp(rng.normal(0.0, noise, n_runs))
    return pd.DataFrame({"N": N, "D": D, "C": 6.0 * N * D, "loss": loss})


def synthetic_trajectories(
    law="chinchilla",
    params: Mapping[str, float] | None = None,
    *,
    sizes: Sequence[float] = tuple(np.geomspace(2e7, 2e9, 8)),
    tokens_per_parameter: float = 20.0,
    checkpoints: int = 24,
    first_fraction: float = 0.02,
    run_offset: float = 0.01,
    noise: float = 0.005,
    correlation: float = 0.9,
    seed: int | None = 0,
) -> pd.DataFrame:
    """A family of training runs (one per size), each observed at several checkpoints.

    Run ``i`` trains a model of ``N_i`` parameters for ``tokens_per_parameter * N_i``
    tokens; its checkpoints lie evenly in ``log D`` from ``first_fraction`` of the
    run's tokens to all of them. The loss at a checkpoint is the law's value times
    ``exp(u_i + e_ij)`` (per-run offset plus AR(1) noise, see the module docstring):
    the noise Choshen et al. (2024) and the OLMo ladder see in intermediate checkpoints
    of real families.

    Parameters
    ----------
    law : str or Law
        A law of ``N`` and ``D`` (default Chinchilla).
    params : mapping, optional
        True parameter values (default: Hoffmann et al.'s rounded constants).
    sizes : sequence of float
        Model sizes ``N`` (parameters), one run each.
    tokens_per_parameter : float
        Training tokens of each run at its last checkpoint, per parameter.
    checkpoints : int
        Checkpoints per run.
    first_fraction : float
        Tokens at the first checkpoint, as a fraction of the run's total.
    run_offset : float
        Standard deviation of the per-run offset ``u_i`` (log loss).
    noise : float
        Standard deviation of the within-run noise ``e_ij`` (log loss).
    correlation : float
        Correlation ``rho`` of the within-run noise between consecutive checkpoints.
    seed : int, optional

    Returns
    -------
    DataFrame
        ``N``, ``D``, ``C``, ``loss``, ``run`` (a label per run) and ``step`` (checkpoint index).
    """
    sizes = np.asarray(sizes, float)
    if sizes.ndim != 1 or sizes.size < 1 or np.any(~np.isfinite(sizes) | (sizes <= 0)):
        raise RunsError("sizes must be a non-empty list of positive model sizes.")
    if checkpoints < 1 or not 0 < first_fraction <= 1:
        raise RunsError("checkpoints must be >= 1 and first_fraction in (0, 1].")
    if not -1 < correlation < 1:
        raise RunsError(f"correlation must lie in (-1, 1), got {correlation}.")
    law, values = _law_and_values(law, params)
    rng = np.random.default_rng(seed)
    frac = np.geomspace(first_fraction, 1.0, checkpoints)
    parts = []
    for i, N in enumerate(sizes):
        D = tokens_per_parameter * N * frac
        e = np.empty(checkpoints)
        z = rng.normal(0.0, noise, checkpoints)
        e[0] = z[0]
        for j in range(1, checkpoints):
            e[j] = correlation * e[j - 1] + np.sqrt(1 - correlation**2) * z[j]
        u = rng.normal(0.0, run_offset)
        mu = law.predict(values, N=np.full(checkpoints, N), D=D)
        parts.append(pd.DataFrame({"N": N, "D": D, "C": 6.0 * N * D, "loss": mu * np.exp(u + e),
                                   "run": f"run{i}", "step": np.arange(checkpoints)}))
    return pd.concat(parts, ignore_index=True)
