"""Observational scaling laws (Ruan, Maddison & Hashimoto 2024).

Benchmark scores of many public models lie close to a low-dimensional space:
the principal components of the (models x benchmarks) table, centred but not
scaled, capture most of the variation (the first one about 84% on the 124
models of the main table with all eight scores). A capability measure such as
an "emergent" task's score is then a sigmoid of those components,

    score = floor + (ceiling - floor) * sigmoid(w . PC + b),

fitted on smaller models and checked on held-out larger ones. The sigmoid is
linear after a logit, so it is fitted as a fractional-logit generalised linear
model with statsmodels (binomial family, logit link), which also gives the
familiar summary table.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..data.datasets import OBSERVATIONAL_BENCHMARKS
from ..data.filters import parse_filter
from ..errors import ArgumentError, FitError, MissingColumnsError
from ..fitting.holdout import split_holdout
from ..results import Result

__all__ = ["PCAResult", "benchmark_pca", "ObservationalFit", "fit_observational"]


class PCAResult(Result):
    """Principal components of a benchmark table (centred, not scaled).

    Attributes
    ----------
    explained_variance_ratio : ndarray
        Share of the total variance along each component.
    loadings : DataFrame
        Benchmarks x components (unit vectors; signs chosen so that each
        component's loadings sum to a positive number: "more capable" is up).
    scores : DataFrame
        Models x components (the table's rows projected on the components).
    mean : Series
        The column means that were subtracted.
    """

    explained_variance_ratio: np.ndarray
    loadings: pd.DataFrame
    scores: pd.DataFrame
    mean: pd.Series

    def transform(self, table: pd.DataFrame) -> pd.DataFrame:
        """Project other rows (with the same benchmark columns) on the components."""
        X = table[list(self.loadings.index)].to_numpy(float) - self.mean.to_numpy()
        return pd.DataFrame(X @ self.loadings.to_numpy(), index=table.index, columns=self.loadings.columns)

    def _title(self) -> str:
        return f"PCA of {len(self.scores)} models x {len(self.loadings)} benchmarks (centred, not scaled)"

    def _summarize(self, s) -> None:
        s.add_fields([(f"PC{i + 1}", f"{100 * v:.1f}% of the variance") for i, v in enumerate(self.explained_variance_ratio[:4])])
        s.add_table(self.loadings.iloc[:, :4].round(3), title="loadings", index=True)

    def _headline(self) -> str:
        return ", ".join(f"PC{i + 1} {100 * v:.1f}%" for i, v in enumerate(self.explained_variance_ratio[:3]))


def benchmark_pca(table: pd.DataFrame, columns=OBSERVATIONAL_BENCHMARKS, complete: bool = True) -> PCAResult:
    """Principal components of a benchmark table, centred but not scaled.

    Parameters
    ----------
    table : DataFrame
        One row per model, one column per benchmark score (e.g.
        ``load_dataset("observational")``).
    columns : sequence of str
        Benchmark columns (default: the eight of the main table).
    complete : bool
        Use only the rows with every score present (default). With
        ``complete=False`` rows with missing scores raise an error.

    Returns
    -------
    PCAResult

    Examples
    --------
    >>> import workbench as wb                                    # doctest: +SKIP
    >>> benchmark_pca(wb.load_dataset("observational")).explained_variance_ratio[0]  # doctest: +SKIP
    0.843...
    """
    columns = list(columns)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MissingColumnsError(f"benchmark_pca: the table lacks benchmark columns {missing}.")
    data = table[columns].apply(pd.to_numeric, errors="coerce")
    if complete:
        data = data.dropna()
    elif data.isna().any().any():
        raise ArgumentError("The benchmark table has missing scores; pass complete=True to use the complete rows only.")
    if len(data) < 2:
        raise ArgumentError("benchmark_pca needs at least two models with every score present.")
    mean = data.mean()
    X = data.to_numpy(float) - mean.to_numpy()
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    signs = np.sign(vt.sum(axis=1))
    signs[signs == 0] = 1.0
    vt = vt * signs[:, None]
    names = [f"PC{i + 1}" for i in range(vt.shape[0])]
    var = s**2
    return PCAResult(
        explained_variance_ratio=var / var.sum(),
        loadings=pd.DataFrame(vt.T, index=columns, columns=names),
        scores=pd.DataFrame(X @ vt.T, index=data.index, columns=names),
        mean=mean,
    )


class ObservationalFit(Result):
    """A sigmoid of principal components, fitted on smaller models and checked on larger ones.

    Attributes
    ----------
    glm : statsmodels GLMResults
        The fractional-logit fit (``.summary()`` for the table).
    pca : PCAResult
    table : DataFrame
        Every model used: ``model``, ``family``, ``C``, the components,
        ``observed``, ``predicted`` and ``role`` ("fitted" or "held out").
    target : str
    floor, ceiling : float
    """

    glm: object
    pca: PCAResult
    table: pd.DataFrame
    target: str
    floor: float
    ceiling: float
    n_components: int
    predictor: str = "pcs"

    @property
    def holdout_error(self) -> dict:
        """Mean absolute error and RMSE (in the target's units) on the held-out and fitted models."""
        out = {}
        for role in ("held out", "fitted"):
            t = self.table[self.table["role"] == role]
            err = t["predicted"] - t["observed"]
            out[role.replace(" ", "_")] = {"n": int(len(t)), "mae": float(err.abs().mean()) if len(t) else np.nan,
                                           "rmse": float(np.sqrt((err**2).mean())) if len(t) else np.nan}
        return out

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Predicted target for other models with the same benchmark columns."""
        import statsmodels.api as sm

        if self.predictor == "pcs":
            pcs = self.pca.transform(table).iloc[:, : self.n_components]
        else:
            pcs = np.log10(table[["C"]].to_numpy(float))
        mu = self.glm.predict(sm.add_constant(pcs.to_numpy(), has_constant="add"))
        return self.floor + (self.ceiling - self.floor) * np.asarray(mu)

    def _title(self) -> str:
        return f"Observational scaling law of {self.target} (Ruan et al. 2024)"

    def _summarize(self, s) -> None:
        he = self.holdout_error
        x = f"w . PC1..{self.n_components}" if self.predictor == "pcs" else "w log10 C"
        s.subtitle = f"{self.target} = {self.floor:g} + {self.ceiling - self.floor:g} sigmoid({x} + b)"
        s.add_table((["models", "n", "MAE", "RMSE"], [[k.replace("_", " "), v["n"], v["mae"], v["rmse"]] for k, v in he.items()]))

    def _headline(self) -> str:
        return f"{self.target}: held-out MAE {self.holdout_error['held_out']['mae']:.4f}"

    _dict_exclude = ("glm", "pca")
    _dict_properties = ("params", "holdout_error")

    @property
    def params(self) -> list:
        return [float(v) for v in self.glm.params]


def fit_observational(
    table: pd.DataFrame,
    target: str,
    columns=None,
    n_components: int = 3,
    holdout=0.2,
    floor: float = 0.0,
    ceiling: float = 1.0,
    pca: PCAResult | None = None,
    predictor: str = "pcs",
) -> ObservationalFit:
    """Fit ``target = floor + (ceiling - floor) sigmoid(w . PCs + b)`` on smaller models; check on larger ones.

    Parameters
    ----------
    table : DataFrame
        One row per model with the benchmark columns, ``C`` (training FLOPs)
        and the ``target`` column (e.g. the observational main table merged
        with its emergent-capability table).
    target : str
        Column to predict (a score between ``floor`` and ``ceiling``).
    columns : sequence of str, optional
        Benchmarks whose principal components are the predictors (default:
        the eight of the main table, without ``target`` if it is one of them).
    n_components : int
        Components used (Ruan et al. use 3).
    holdout : float, str or mask
        Models held out: a fraction (default 0.2: the 20% with the most
        training compute), a filter such as ``"C > 1e23"`` (:mod:`workbench.data.filters`), or a mask.
        Models of unknown compute are used in neither part when holding out by
        compute.
    floor, ceiling : float
        Score of a model with no ability (e.g. random guessing) and the best score.
    pca : PCAResult, optional
        Components computed elsewhere (e.g. on the whole main table, as Ruan et
        al. do) to project these models on; default: the PCA of ``table``.
    predictor : {"pcs", "log_compute"}
        ``"log_compute"`` replaces the components by ``log10(C)``: the
        compute-only baseline the components should beat.

    Returns
    -------
    ObservationalFit
    """
    import statsmodels.api as sm

    if target not in table.columns:
        raise MissingColumnsError(f"The table has no column {target!r}.")
    columns = [c for c in (OBSERVATIONAL_BENCHMARKS if columns is None else columns) if c != target]
    if not (ceiling > floor):
        raise ArgumentError(f"ceiling must be larger than floor, got floor={floor}, ceiling={ceiling}.")
    if predictor not in ("pcs", "log_compute"):
        raise ArgumentError(f"predictor must be 'pcs' or 'log_compute', not {predictor!r}.")
    if pca is None:
        pca = benchmark_pca(table, columns)
    n_components = int(n_components) if predictor == "pcs" else 1
    if not 1 <= n_components <= len(pca.loadings.columns):
        raise ArgumentError(f"n_components must be between 1 and {len(pca.loadings.columns)}, got {n_components}.")
    rows = table.dropna(subset=list(pca.loadings.index))
    by_compute = predictor == "log_compute" or isinstance(holdout, float) or (isinstance(holdout, str) and "C" in parse_filter(holdout, label="holdout").columns)
    usable = rows[target].notna()
    if by_compute:
        if "C" not in rows:
            raise MissingColumnsError("Holding out by compute (or predicting from it) needs a 'C' column (training FLOPs).")
        usable &= rows["C"].notna()
    rows = rows[usable]
    if len(rows) < n_components + 3:
        raise FitError(f"Only {len(rows)} models have every benchmark and {target!r}{' and a known compute' if by_compute else ''}.")
    held = split_holdout(rows, holdout)
    if predictor == "pcs":
        pcs = pca.transform(rows).iloc[:, :n_components]
    else:
        pcs = pd.DataFrame({"log10_C": np.log10(rows["C"].to_numpy(float))}, index=rows.index)
    y = (rows[target].to_numpy(float) - floor) / (ceiling - floor)
    y = np.clip(y, 0.0, 1.0)
    X = sm.add_constant(pcs.to_numpy(), has_constant="add")
    fitted = ~held
    if fitted.sum() < n_components + 2:
        raise FitError(f"Only {int(fitted.sum())} models left to fit {n_components + 1} coefficients; hold fewer out.")
    glm = sm.GLM(y[fitted], X[fitted], family=sm.families.Binomial()).fit()
    pred = floor + (ceiling - floor) * glm.predict(X)
    keep = [c for c in ("model", "family", "N", "C") if c in rows]
    out = rows[keep].copy()
    for c in pcs.columns:
        out[c] = pcs[c].to_numpy()
    out["observed"] = rows[target].to_numpy(float)
    out["predicted"] = pred
    out["role"] = np.where(held, "held out", "fitted")
    return ObservationalFit(glm, pca, out.reset_index(drop=True), target, float(floor), float(ceiling), n_components, predictor)
