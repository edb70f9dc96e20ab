"""The :class:`Fit` result object."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import field

import numpy as np
import pandas as pd

from ..errors import ArgumentError
from ..laws.core import Law
from ..laws.optimum import optimal_allocation
from ..results import Result, WrappedResult, format_number, percentile_interval

__all__ = ["Fit", "FitWarning", "FitWrapper"]


class FitWarning(UserWarning):
    """A fit finished but something about it deserves attention."""


class Fit(Result):
    """A fitted scaling law: parameters, uncertainty, predictions and diagnostics.

    Create with :func:`workbench.fit`. The main attributes are ``params``
    (name -> value), ``stderr`` and ``intervals`` (from the bootstrap),
    ``holdout_error`` (extrapolation error on held-out runs), ``aic``/``bic``,
    and the methods :meth:`predict`, :meth:`predict_interval`, :meth:`summary`,
    :meth:`to_dict` and :meth:`chart`.
    """

    law: Law
    values: np.ndarray
    objective: float
    loss: str
    delta: float
    fit_runs: pd.DataFrame
    holdout_runs: pd.DataFrame
    fixed: dict
    bootstrap_values: np.ndarray | None
    level: float
    info: dict
    warnings: list = field(default_factory=list)
    elapsed: float = 0.0
    weights: np.ndarray | None = None
    tie: tuple = ()
    groups: object = None
    noise: object = None
    resample: str = "runs"
    notes: list = field(default_factory=list)
    overestimate_penalty: float = 1.0

    # ------------------------------------------------------------ parameters
    @property
    def params(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.law.param_names, self.values)}

    @property
    def free_names(self) -> list[str]:
        return [n for n in self.law.param_names if n not in self.fixed]

    @property
    def n_free(self) -> int:
        return len(self.free_names)

    @property
    def n_runs(self) -> int:
        return len(self.fit_runs)

    @property
    def samples(self) -> np.ndarray | None:
        """Parameter samples ``(B, P)`` for intervals (the fitted-law protocol's name for them):
        :meth:`interval_draws`, the bootstrap refits widened for a scatter estimated from few runs."""
        return self.interval_draws()

    @property
    def label(self) -> str:
        return f"your fit ({self.law.name}, {self.n_runs} runs)"

    @property
    def bootstrap(self) -> pd.DataFrame | None:
        """The bootstrap refits, one row per resample (``None`` without a bootstrap)."""
        if self.bootstrap_values is None:
            return None
        return pd.DataFrame(self.bootstrap_values, columns=list(self.law.param_names))

    @property
    def stderr(self) -> dict[str, float] | None:
        """Bootstrap standard errors (``None`` when fitted with ``bootstrap=0``)."""
        if self.bootstrap_values is None or len(self.bootstrap_values) < 2:
            return None
        sd = np.std(self.bootstrap_values, axis=0, ddof=1)
        return {n: (0.0 if n in self.fixed else float(s)) for n, s in zip(self.law.param_names, sd)}

    @property
    def dof(self) -> float:
        """Effective degrees of freedom of the residual scatter (``inf`` when unknown)."""
        return float(self.noise.dof) if self.noise is not None else float("inf")

    def interval_draws(self, level: float | None = None) -> np.ndarray | None:
        """The bootstrap refits, widened about the estimate for a scatter estimated from few runs.

        In the space each parameter is fitted in (``ln`` of log-scale parameters), every
        refit's distance from the estimate is multiplied by ``t_{(1+level)/2, dof} /
        z_{(1+level)/2}``: percentiles of these draws are Hesterberg's (2015) expanded
        percentile intervals, and any quantity computed from them (:meth:`propagate`, the
        planner's allocations, the chart's band) is widened alike. ``dof`` is that of the
        fit's residual scatter (:attr:`noise`); with many runs the factor is about 1.
        ``None`` without a bootstrap.
        """
        if self.bootstrap_values is None or len(self.bootstrap_values) < 2:
            return None
        from .uncertainty import widen

        level = self.level if level is None else level
        log = self.law.log_mask
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            est = np.where(log, np.log(self.values), self.values)
            th = np.where(log, np.log(self.bootstrap_values), self.bootstrap_values)
            th = widen(est, th, level, self.dof)
            return np.where(log, np.exp(th), th)

    @property
    def intervals(self) -> dict[str, tuple[float, float]] | None:
        """Bootstrap intervals at ``level`` (``None`` without a bootstrap): percentiles of
        :meth:`interval_draws` (so widened for a scatter estimated from few runs), always
        containing the estimate."""
        draws = self.interval_draws()
        if draws is None:
            return None
        lo, hi = percentile_interval(draws, self.level)
        lo, hi = np.minimum(lo, self.values), np.maximum(hi, self.values)
        return {n: ((float(v), float(v)) if n in self.fixed else (float(a), float(b)))
                for n, v, a, b in zip(self.law.param_names, self.values, lo, hi)}

    @property
    def untrusted(self) -> list[str]:
        """Parameters a warning flags (at a bound or not identified): their values and intervals mean little."""
        from .diagnostics import trusted

        return [n for n in self.law.param_names if not trusted(self.warnings, n)]

    def propagate(self, func: Callable[[dict], np.ndarray], level: float | None = None) -> dict:
        """Point value and bootstrap interval of any quantity derived from the parameters.

        Parameters
        ----------
        func : callable
            ``func(params) -> float or array``, where ``params`` maps names to
            floats (for the point value) or to arrays over bootstrap resamples.

        Returns
        -------
        dict
            ``value``, ``lo``, ``hi``, ``stderr`` (the last three ``None``
            without a bootstrap) and ``samples``.
        """
        level = self.level if level is None else level
        value = func(self.params)
        out = {"value": value, "lo": None, "hi": None, "stderr": None, "samples": None}
        draws = self.interval_draws(level)
        if draws is not None:
            cols = {n: draws[:, j] for j, n in enumerate(self.law.param_names)}
            samples = np.asarray(func(cols), float)
            lo, hi = percentile_interval(samples, level)
            out.update(
                lo=lo,
                hi=hi,
                stderr=np.nanstd(samples, axis=0, ddof=1),
                samples=samples,
            )
        return out

    def objective_at(self, params) -> float:
        """The fit's objective (same runs, weights, loss and delta) at other parameter values,
        e.g. a published set: ``fit.objective_at(get_parameter_set("hoffmann2022").values)``."""
        from .engine import Problem

        values = self.law._values_array(params)
        problem = Problem(
            self.law,
            self.law.inputs_from(self.fit_runs),
            self.fit_runs[self.target].to_numpy(float),
            self.weights if self.weights is not None else np.ones(self.n_runs),
            loss=self.loss,
            delta=self.delta,
            overestimate_penalty=self.overestimate_penalty,
        )
        return float(problem.objective(problem.theta_of(values[None, :]))[0])

    # ------------------------------------------------------------ prediction
    def predict(self, runs=None, **inputs) -> np.ndarray:
        """Predicted target (loss) at the given runs or inputs, e.g. ``fit.predict(N=1e10, D=2e11)``."""
        if runs is None and not inputs:
            runs = self.fit_runs
        return self.law.predict(self.values, runs, **inputs)

    def predict_interval(self, runs=None, level: float | None = None, kind: str = "prediction", **inputs):
        """Interval ``(lo, hi)`` at ``level`` for the loss at given runs or inputs.

        Parameters
        ----------
        kind : {"prediction", "confidence"}
            ``"prediction"`` (default): where a *new run's observed* loss would lie, the law's
            uncertainty plus the scatter of one run around it (``fit.noise``): on each side
            the confidence half-width ``h`` (in ``ln``) and ``t_dof sigma`` in quadrature,
            ``exp(ln f_hat -+ sqrt(h^2 + t^2 (sigma_between^2 + sigma_within^2)))``; for a
            symmetric bootstrap, ``t sqrt(se^2 + sigma^2)``.
            ``"confidence"``: where the law itself (the mean loss) lies: percentiles of the
            predictions of :meth:`interval_draws`.
        """
        if self.bootstrap_values is None or len(self.bootstrap_values) < 2:
            raise ArgumentError("This fit has no bootstrap: refit with bootstrap=200 (or more) for intervals.")
        if kind not in ("prediction", "confidence"):
            raise ArgumentError(f"kind must be 'prediction' or 'confidence', not {kind!r}.")
        level = self.level if level is None else level
        if not 0 < level < 1:
            raise ArgumentError(f"level must be between 0 and 1, not {level!r}.")
        if runs is None and not inputs:
            runs = self.fit_runs
        x = self.law.inputs_from(runs, **inputs)
        center = self.law.log_predict_batch(self.values[None, :], x)[0]
        draws = self.law.log_predict_batch(self.interval_draws(level), x)
        lo, hi = percentile_interval(draws, level)
        lo, hi = np.minimum(lo, center), np.maximum(hi, center)
        if kind == "confidence":
            return np.exp(lo), np.exp(hi)
        from scipy import stats

        # each side: the law's (possibly skewed) half-width and the scatter of a new run, in quadrature;
        # for a symmetric bootstrap this is t * sqrt(se^2 + sigma^2)
        s = self.noise.sigma if self.noise is not None else 0.0
        q = 1 - (1 - level) / 2
        t = stats.t.ppf(q, self.dof) if np.isfinite(self.dof) else stats.norm.ppf(q)
        down = np.sqrt((center - lo) ** 2 + (t * s) ** 2)
        up = np.sqrt((hi - center) ** 2 + (t * s) ** 2)
        return np.exp(center - down), np.exp(center + up)

    # ------------------------------------------------------- what charts draw
    @property
    def curve_axis(self) -> tuple[str | None, str]:
        """``(x, how)``: a law of one input is drawn against it (``"direct"``); a law of ``N`` and ``D``
        along compute on its compute-optimal frontier (``"frontier"``); others as predicted vs observed."""
        if len(self.law.inputs) == 1:
            return self.law.inputs[0], "direct"
        if set(self.law.inputs) == {"N", "D"} and self.law.target == "loss":
            return "C", "frontier"
        return None, "parity"

    def points(self) -> pd.DataFrame:
        """The runs (``role`` "fitted" or "held out") with the fit's prediction, and ``C`` on the frontier axis."""
        xname, _ = self.curve_axis
        parts = [self.fit_runs.assign(role="fitted")]
        if self.holdout_runs is not None and len(self.holdout_runs):
            parts.append(self.holdout_runs.assign(role="held out"))
        pts = pd.concat(parts)
        if xname == "C" and "C" not in pts:
            pts = pts.assign(C=6.0 * pts["N"] * pts["D"])
        pts = pts.assign(predicted=self.predict(pts))
        keep = [c for c in dict.fromkeys([xname, self.target, "predicted", "role", "N", "D"]) if c in pts]
        return pts[keep].reset_index(drop=True)

    def curve(self, extend: float = 10.0, n_points: int = 80, max_samples: int = 100) -> pd.DataFrame | None:
        """The fitted curve over the runs' range and ``extend`` times beyond, with its bootstrap band.

        Columns: the x input, ``fit``, ``region`` ("fitted range" or "extrapolation"),
        ``lo``/``hi`` (the band at ``level`` over at most ``max_samples`` resamples;
        ``nan`` without a bootstrap). For a law of ``N`` and ``D`` the curve is its
        compute-optimal frontier ``L*(C) = min_N L(N, C / 6N)``
        (:func:`workbench.laws.optimal_allocation`). ``None`` for other laws.
        """
        xname, how = self.curve_axis
        if how == "parity":
            return None
        pts = self.points()
        xs_all, xs_fit = pts[xname], pts.loc[pts["role"] == "fitted", xname]
        lo, hi_fit = float(np.min(xs_all)), float(np.max(xs_fit))
        hi = max(float(np.max(xs_all)), hi_fit) * extend
        grid = np.logspace(np.log10(lo), np.log10(hi), n_points) if lo > 0 else np.linspace(lo, hi, n_points)
        grid = np.unique(np.concatenate([grid, [hi_fit]]))
        rows = self.law._values_array(self.params)[None, :]
        S = self.samples
        if S is not None and len(S) >= 2:
            rows = np.vstack([rows, S[np.linspace(0, len(S) - 1, min(len(S), max_samples)).astype(int)]])
        if how == "direct":
            y = self.law.predict_batch(rows, {xname: grid})
        else:
            y = optimal_allocation(self.law, rows, grid)[2]
        df = pd.DataFrame({xname: grid, "fit": y[0], "region": np.where(grid <= hi_fit * (1 + 1e-12), "fitted range", "extrapolation")})
        df["lo"], df["hi"] = percentile_interval(y[1:], self.level) if len(y) > 1 else (np.nan, np.nan)
        return df

    # ----------------------------------------------------------- diagnostics
    @property
    def target(self) -> str:
        return self.law.target

    @property
    def residuals(self) -> pd.Series:
        """Log residuals ``ln y - ln f`` of the fitted runs."""
        r = np.log(self.fit_runs[self.target].to_numpy(float)) - np.log(self.predict(self.fit_runs))
        return pd.Series(r, index=self.fit_runs.index, name="log_residual")

    @property
    def rmse_log(self) -> float:
        r = self.residuals.to_numpy()
        return float(np.sqrt(np.mean(r**2)))

    def _gaussian_ic(self, penalty: float) -> float:
        r = self.residuals.to_numpy()
        n = len(r)
        rss = float(np.sum(r**2))
        if rss <= 0:
            return -math.inf
        return n * math.log(rss / n) + penalty * self.n_free

    @property
    def aic(self) -> float:
        """Akaike information criterion, Gaussian likelihood of the log residuals: ``n ln(RSS/n) + 2k``."""
        return self._gaussian_ic(2.0)

    @property
    def bic(self) -> float:
        """Bayesian information criterion: ``n ln(RSS/n) + k ln n``."""
        return self._gaussian_ic(math.log(max(self.n_runs, 1)))

    @property
    def holdout_table(self) -> pd.DataFrame | None:
        """Held-out runs with the prediction, relative error and (with a bootstrap) intervals.

        ``pred_lo``/``pred_hi``: prediction interval of the observed loss at ``level``;
        ``conf_lo``/``conf_hi``: confidence interval of the law; ``covered``: the observed
        loss lies in the prediction interval.
        """
        if self.holdout_runs is None or len(self.holdout_runs) == 0:
            return None
        t = self.holdout_runs.copy()
        pred = self.predict(t)
        obs = t[self.target].to_numpy(float)
        t["predicted"] = pred
        t["rel_error"] = (pred - obs) / obs
        if self.bootstrap_values is not None and len(self.bootstrap_values) >= 2:
            t["pred_lo"], t["pred_hi"] = self.predict_interval(t, kind="prediction")
            t["conf_lo"], t["conf_hi"] = self.predict_interval(t, kind="confidence")
            t["covered"] = (t["pred_lo"] <= obs) & (obs <= t["pred_hi"])
        return t

    @property
    def holdout_error(self) -> dict | None:
        """Extrapolation error on held-out runs: mean and max absolute relative error, RMSE of log
        residuals, and (with a bootstrap) the share of held-out losses inside their prediction intervals."""
        t = self.holdout_table
        if t is None:
            return None
        rel = t["rel_error"].to_numpy()
        logr = np.log(t[self.target].to_numpy(float)) - np.log(t["predicted"].to_numpy())
        out = {
            "n": int(len(t)),
            "mean_abs_rel_error": float(np.mean(np.abs(rel))),
            "max_abs_rel_error": float(np.max(np.abs(rel))),
            "rmse_log": float(np.sqrt(np.mean(logr**2))),
        }
        if "covered" in t:
            out["coverage"] = float(np.mean(t["covered"]))
            out["level"] = self.level
        return out

    @property
    def holdout_predictions(self) -> list[dict] | None:
        """One entry per held-out row: its inputs, ``observed``, ``predicted``, ``lo``, ``hi``
        (prediction interval at ``level``) and ``rel_error``."""
        t = self.holdout_table
        if t is None:
            return None
        cols = list(dict.fromkeys([*self.law.inputs, *(c for c in ("N", "D", "C", "step") if c in t.columns)]))
        label = next((c for c in ("group", "run", "model", "name") if c in t.columns), None)
        out = []
        for _, row in t.iterrows():
            e = {c: float(row[c]) for c in cols}
            if label is not None:
                e[label] = row[label] if isinstance(row[label], str) else str(row[label])
            e.update(observed=float(row[self.target]), predicted=float(row["predicted"]),
                     lo=float(row["pred_lo"]) if "pred_lo" in t else None,
                     hi=float(row["pred_hi"]) if "pred_hi" in t else None,
                     rel_error=float(row["rel_error"]))
            out.append(e)
        return out

    @property
    def statistics(self) -> dict:
        """Goodness of fit and how the fit was made: runs, free parameters, objective, RMSE, AIC, BIC, starts, time."""
        return {
            "n_runs": self.n_runs,
            "n_free_params": self.n_free,
            "loss": self.loss,
            "delta": self.delta if self.loss == "huber" else None,
            "objective": self.objective,
            "rmse_log": self.rmse_log,
            "aic": self.aic,
            "bic": self.bic,
            "n_starts": self.info.get("n_starts"),
            "bootstrap_resamples": 0 if self.bootstrap_values is None else int(len(self.bootstrap_values)),
            "seconds": self.elapsed,
            "overestimate_penalty": self.overestimate_penalty,
        }

    # -------------------------------------------------------------- display
    _dict_exclude = ("values", "fit_runs", "holdout_runs", "bootstrap_values", "weights", "info", "elapsed", "objective",
                     "loss", "delta", "groups", "noise", "overestimate_penalty")
    _dict_properties = ("target", "params", "stderr", "statistics", "holdout_error", "holdout", "runs", "untrusted")

    @property
    def holdout(self) -> dict | None:
        """The held-out check for JSON: :attr:`holdout_error` plus ``predictions`` (:attr:`holdout_predictions`)."""
        he = self.holdout_error
        return None if he is None else dict(he, predictions=self.holdout_predictions)

    @property
    def runs(self) -> dict | None:
        """How rows were grouped into runs, and the scatter of a run around the law (log loss)."""
        if self.groups is None:
            return None
        out = {"n_runs": self.groups.n_groups, "n_rows": self.n_runs, "source": self.groups.source,
               "description": self.groups.description, "resample": self.resample}
        if self.noise is not None:
            out.update(self.noise.to_dict())
        return out

    def _dict_extra(self) -> dict:
        return {"equation": self.law.equation, "reference": self.law.reference}

    def _title(self) -> str:
        return self.law.title

    def _summarize(self, s) -> None:
        s.subtitle = self.law.equation
        se, iv = self.stderr, self.intervals
        bad = set(self.untrusted)
        rows = []
        for n, v in self.params.items():
            if n in self.fixed:
                rows.append([n, v, "(fixed)", "", ""])
            elif self._tied_to(n):
                rows.append([n, v, f"(tied to {self._tied_to(n)})", "", ""])
            else:
                rows.append([n, v, se[n] if se else "-", iv[n] if iv else "-",
                             "not to be trusted (see warnings)" if n in bad else ""])
        s.add_table((["parameter", "value", "std err", f"{100 * self.level:g}% interval", ""], rows))
        st = self.statistics
        n_b = st["bootstrap_resamples"]
        fields = [
            ("runs fitted", f"{st['n_runs']} rows of {self.groups.n_groups} runs" if self.groups is not None
             and self.groups.several_rows_per_run else st["n_runs"]),
            ("loss", self.loss + (f" (delta={self.delta:g})" if self.loss == "huber" else "")
             + (f", over-estimates x{self.overestimate_penalty:g}" if self.overestimate_penalty != 1 else "")),
            ("objective", format_number(self.objective)),
            ("RMSE of log residuals", f"{self.rmse_log:.4g}"),
            ("AIC / BIC", f"{self.aic:.2f} / {self.bic:.2f}"),
            ("starts / bootstrap resamples", f"{st['n_starts'] if st['n_starts'] is not None else '?'} / {n_b}"
             + (f" ({self._resample_words()})" if n_b else "")),
            ("time", f"{self.elapsed:.2f} s"),
        ]
        if self.noise is not None:
            fields.append(("scatter of a run (log loss)", f"between runs {self.noise.sigma_between:.3g}, within a run "
                                                          f"{self.noise.sigma_within:.3g} ({self.dof:.3g} degrees of freedom)"))
        he = self.holdout_error
        if he:
            pct = f"{100 * self.level:g}%"
            fields.append(("held out", f"{he['n']} rows, mean |rel. error| {100 * he['mean_abs_rel_error']:.2f}%, "
                                       f"max {100 * he['max_abs_rel_error']:.2f}%"
                                       + (f", {100 * he['coverage']:.0f}% inside their {pct} prediction intervals"
                                          if "coverage" in he else "")))
        s.add_fields(fields)
        s.add_text(*self.notes)

    def _tied_to(self, name: str) -> str | None:
        for group in self.tie or ():
            if name in group[1:]:
                return group[0]
        return None

    def _resample_words(self) -> str:
        G = self.groups.n_groups if self.groups is not None else self.n_runs
        what = "rows" if self.groups is not None and self.groups.source == "rows" else "runs"
        if self.resample == "runs":
            return f"whole {what} drawn with replacement, {G} {what}"
        return f"each of {G} {what} kept, its offset and noise redrawn"

    def _headline(self) -> str:
        ps = ", ".join(f"{n}={format_number(v)}" for n, v in self.params.items())
        return f"{self.law.name}: {ps}; {self.n_runs} runs"


class FitWrapper(WrappedResult):
    """Base of results built on one :class:`Fit` (held in their ``fit`` field): its parameters,
    intervals, level and warnings are theirs, and its summary is the start of theirs."""

    _dict_exclude = ("fit",)
    _dict_properties = ("params",)

    @property
    def params(self) -> dict:
        return self.fit.params
