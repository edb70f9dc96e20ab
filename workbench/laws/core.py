"""Declarative scaling laws.

A :class:`Law` is data: its inputs (runs-table columns), its parameters (names,
bounds, default start grid, whether they are optimised on a log scale), a
vectorised formula and the paper it comes from. Formulas take a batch of
``K`` parameter vectors at once (each parameter an array of shape ``(K, 1)``)
and ``n`` input points (arrays of shape ``(n,)``) and return ``(K, n)``.

Adding a law is adding one declaration to :mod:`workbench.laws.catalogue`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np

from ..errors import LawError, MissingColumnsError
from ..names import Catalogue

__all__ = ["Parameter", "Law"]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a law.

    Attributes
    ----------
    name : str
        Symbol used in formulas and results (``"E"``, ``"alpha"``).
    description : str
        What it means, in words, with units.
    lower, upper : float
        Bounds on the value (not the log).
    grid : tuple of float
        Default start values for multi-start fitting, in *fit space*: the
        natural log of the value when ``log`` is true, the value otherwise.
    log : bool
        Optimise ``ln(value)`` instead of the value (for scale parameters
        spanning decades, e.g. ``A``, ``B``, ``E``). Requires ``lower >= 0``.
    """

    name: str
    description: str = ""
    lower: float = -math.inf
    upper: float = math.inf
    grid: tuple[float, ...] = (0.0,)
    log: bool = False

    def __post_init__(self):
        if self.log and self.lower < 0:
            raise LawError(f"Parameter {self.name!r} is fitted on a log scale, so its lower bound must be >= 0.")
        if not self.lower < self.upper:
            raise LawError(f"Parameter {self.name!r} needs lower < upper, got {self.lower} and {self.upper}.")

    @property
    def fit_bounds(self) -> tuple[float, float]:
        """Bounds in fit space (log of the bounds for log-scale parameters)."""
        if self.log:
            lo = math.log(self.lower) if self.lower > 0 else -math.inf
            hi = math.log(self.upper) if math.isfinite(self.upper) else math.inf
            return lo, hi
        return self.lower, self.upper


def _as_params(names, values) -> SimpleNamespace:
    return SimpleNamespace(**dict(zip(names, values)))


@dataclass(frozen=True)
class Law:
    """A scaling law declared as data.

    Attributes
    ----------
    name : str
        Catalogue key, e.g. ``"chinchilla"``.
    title : str
        Human name, e.g. ``"Chinchilla (Hoffmann et al. 2022)"``.
    inputs : tuple of str
        Runs-table columns the formula reads, e.g. ``("N", "D")``.
    parameters : tuple of Parameter
    formula : callable, optional
        ``formula(p, x) -> (K, n)`` prediction of ``target``; ``p`` has one
        attribute per parameter (shape ``(K, 1)``), ``x`` one per input
        (shape ``(n,)``). May be left out when ``log_formula`` is given: the
        prediction is then ``exp(log_formula)`` (one formula, written once).
    equation : str
        The formula in plain text.
    reference : str
        The paper it comes from.
    target : str
        The runs-table column it predicts (``"loss"`` by default).
    log_formula : callable, optional
        ``ln`` of the prediction, written to stay finite where the plain
        formula would overflow (the engine fits log residuals with it).
    log_gradient : callable, optional
        ``log_gradient(p, x) -> list`` of ``(K, n)`` arrays: the derivative of
        ``ln(prediction)`` with respect to each parameter's *value*. When
        absent the fitting engine uses central differences.
    compute_optimal : callable, optional
        Closed-form compute-optimal allocation ``f(values: dict, C) -> (N, D)``.
    start_values : callable, optional
        Start values that depend on the data: ``f(x: dict of input arrays, y: target array)
        -> {parameter: tuple of values in fit space}``, replacing those parameters' default
        grids (e.g. an irreducible loss just below the smallest observed loss).
    outputs : tuple of str, optional
        Names of the outputs of a *multi-output* law (e.g. the loss on each of
        five data domains), fitted together with one shared parameter set. The
        runs table then holds one row per (point, output), the output's number
        (0, 1, ...) in the input column ``output`` (see
        :func:`workbench.data.stack_outputs`). Empty for a law with one output.
    """

    name: str
    title: str
    inputs: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    formula: Callable | None = None
    equation: str = ""
    reference: str = ""
    target: str = "loss"
    log_formula: Callable | None = None
    log_gradient: Callable | None = None
    compute_optimal: Callable | None = None
    start_values: Callable | None = None
    outputs: tuple[str, ...] = ()
    notes: str = ""
    extra: Mapping = field(default_factory=dict)

    def __post_init__(self):
        if self.formula is None and self.log_formula is None:
            raise LawError(f"Law {self.name!r} needs a formula (or a log_formula).")

    def _evaluate(self, p, x):
        """The prediction: ``formula``, or ``exp(log_formula)`` for laws declared by their logarithm."""
        return self.formula(p, x) if self.formula is not None else np.exp(self.log_formula(p, x))

    # ------------------------------------------------------------------ names
    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def n_params(self) -> int:
        return len(self.parameters)

    def parameter(self, name: str) -> Parameter:
        """The declaration of parameter ``name``."""
        return Catalogue("parameter", entries=self.parameters, sort=False, where=f" in law {self.name!r}").lookup(name)

    @property
    def log_mask(self) -> np.ndarray:
        return np.array([p.log for p in self.parameters], dtype=bool)

    @property
    def fit_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = zip(*(p.fit_bounds for p in self.parameters))
        return np.array(lo, float), np.array(hi, float)

    # ------------------------------------------------------------ conversions
    def to_fit_space(self, values) -> np.ndarray:
        """Map parameter values (dict or array ``(..., P)``) to fit space."""
        arr = self._values_array(values)
        out = arr.copy()
        m = self.log_mask
        with np.errstate(divide="ignore"):
            out[..., m] = np.log(arr[..., m])
        return out

    def from_fit_space(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        out = theta.copy()
        m = self.log_mask
        out[..., m] = np.exp(theta[..., m])
        return out

    def _values_array(self, values) -> np.ndarray:
        if isinstance(values, Mapping):
            missing = [n for n in self.param_names if n not in values]
            if missing:
                raise LawError(f"Law {self.name!r} needs parameter values for {missing}.")
            return np.array([float(values[n]) for n in self.param_names], dtype=float)
        arr = np.asarray(values, dtype=float)
        if arr.shape[-1] != self.n_params:
            raise LawError(f"Law {self.name!r} has {self.n_params} parameters {list(self.param_names)}; got {arr.shape[-1]} values.")
        return arr

    def start_grid(self) -> np.ndarray:
        """Cartesian product of the parameters' default grids, shape ``(K, P)`` in fit space."""
        return np.array(list(itertools.product(*(p.grid for p in self.parameters))), dtype=float)

    # ------------------------------------------------------------- evaluation
    def inputs_from(self, runs=None, **inputs) -> dict[str, np.ndarray]:
        """Collect the law's input arrays from a runs table and/or keyword arrays."""
        out = {}
        for name in self.inputs:
            if name in inputs:
                out[name] = np.atleast_1d(np.asarray(inputs[name], dtype=float))
            elif runs is not None and name in getattr(runs, "columns", ()):
                out[name] = np.asarray(runs[name], dtype=float)
            elif runs is not None and name == "C" and {"N", "D"} <= set(runs.columns):
                out[name] = 6.0 * np.asarray(runs["N"], float) * np.asarray(runs["D"], float)
            else:
                raise MissingColumnsError(
                    f"Law {self.name!r} needs input {name!r} ({', '.join(self.inputs)}); "
                    "pass it as a runs-table column or a keyword."
                )
        lens = {len(v) for v in out.values()}
        if len(lens) > 1:
            try:
                b = np.broadcast_arrays(*out.values())
            except ValueError:
                raise LawError(f"Inputs of {self.name!r} have incompatible lengths {sorted(lens)}.") from None
            out = dict(zip(out.keys(), (np.ascontiguousarray(v) for v in b)))
        return out

    def _batch(self, values: np.ndarray) -> SimpleNamespace:
        values = np.atleast_2d(values)
        return _as_params(self.param_names, (values[:, j : j + 1] for j in range(self.n_params)))

    def log_predict_batch(self, values: np.ndarray, x: Mapping[str, np.ndarray]) -> np.ndarray:
        """``ln`` of the prediction for a batch of parameter values ``(K, P)`` -> ``(K, n)``."""
        values = np.atleast_2d(values)
        p = self._batch(values)
        n = len(next(iter(x.values())))
        with np.errstate(all="ignore"):
            if self.log_formula is not None:
                out = self.log_formula(p, SimpleNamespace(**x))
            else:
                out = np.log(self._evaluate(p, SimpleNamespace(**x)))
        return np.broadcast_to(out, (values.shape[0], n))

    def log_gradients(self, values: np.ndarray, x: Mapping[str, np.ndarray], numeric: bool = False,
                      rel_step: float = 1e-6, abs_step: float = 1e-9) -> list[np.ndarray]:
        """``d ln L / d v_j`` for each parameter ``j``, as ``(K, n)`` arrays, for values ``(K, P)``.

        ``numeric=False`` evaluates the law's analytic ``log_gradient``; ``numeric=True``
        takes central differences with step ``rel_step * |v_j| + abs_step``, which is
        how to check a ``log_gradient`` written for a new law.
        """
        values = np.atleast_2d(np.asarray(values, float))
        shape = (values.shape[0], len(next(iter(x.values()))))
        if not numeric:
            if self.log_gradient is None:
                raise LawError(f"Law {self.name!r} has no analytic log_gradient; use numeric=True.")
            return [np.broadcast_to(g, shape) for g in self.log_gradient(self._batch(values), SimpleNamespace(**x))]
        out = []
        for j in range(self.n_params):
            h = rel_step * np.abs(values[:, j]) + abs_step
            up, dn = values.copy(), values.copy()
            up[:, j] += h
            dn[:, j] -= h
            out.append((self.log_predict_batch(up, x) - self.log_predict_batch(dn, x)) / (2 * h[:, None]))
        return out

    def predict_batch(self, values: np.ndarray, x: Mapping[str, np.ndarray]) -> np.ndarray:
        p = self._batch(values)
        with np.errstate(all="ignore"):
            return self._evaluate(p, SimpleNamespace(**x))

    def predict_rows(self, values, **inputs) -> np.ndarray:
        """Predictions ``(M, G)`` pairing parameter row ``m`` of ``values (M, P)`` with its own inputs ``x[m, :]``.

        :meth:`predict_batch` evaluates every parameter vector at every input point;
        here each parameter is a column ``(M, 1)`` and each input an array ``(M, G)``
        (or anything that broadcasts with it): the formulas are elementwise.
        """
        values = np.atleast_2d(np.asarray(values, float))
        missing = [n for n in self.inputs if n not in inputs]
        if missing:
            raise LawError(f"Law {self.name!r} needs input(s) {missing} here.")
        x = {k: np.asarray(v, float) for k, v in inputs.items() if k in self.inputs}
        with np.errstate(all="ignore"):
            out = self._evaluate(self._batch(values), SimpleNamespace(**x))
        return np.broadcast_to(np.asarray(out, float), np.broadcast_shapes(values[:, :1].shape, *(v.shape for v in x.values())))

    def predict(self, params, runs=None, **inputs) -> np.ndarray:
        """Evaluate the law at one parameter set.

        Parameters
        ----------
        params : mapping or array
            Parameter values by name (or in declaration order).
        runs : DataFrame, optional
            Take inputs from these columns.
        **inputs : array_like
            Inputs by name, e.g. ``N=70e9, D=1.4e12``.

        Examples
        --------
        >>> from workbench.laws import get_law
        >>> law = get_law("chinchilla")
        >>> float(law.predict(dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28), N=70e9, D=1.4e12)[0])  # doctest: +ELLIPSIS
        1.936...
        """
        values = self._values_array(params)
        x = self.inputs_from(runs, **inputs)
        return self.predict_batch(values[None, :], x)[0]

    def with_bounds(self, **bounds: tuple[float, float]) -> "Law":
        """A copy with some parameters' bounds changed, e.g. ``law.with_bounds(E=(0, 3))``."""
        params = []
        for p in self.parameters:
            if p.name in bounds:
                lo, hi = bounds[p.name]
                params.append(replace(p, lower=float(lo), upper=float(hi)))
            else:
                params.append(p)
        unknown = set(bounds) - set(self.param_names)
        if unknown:
            raise LawError(f"Law {self.name!r} has no parameter(s) {sorted(unknown)}.")
        return replace(self, parameters=tuple(params))

    def describe(self) -> str:
        lines = [f"{self.title}  [{self.name}]", f"  {self.equation}", f"  inputs: {', '.join(self.inputs)} -> {self.target}"]
        if self.outputs:
            lines.append(f"  outputs (one row each, numbered in column 'output'): {', '.join(self.outputs)}")
        for p in self.parameters:
            lines.append(f"  {p.name:>8}: {p.description} (bounds {p.lower:g} .. {p.upper:g}{', log scale' if p.log else ''})")
        lines.append(f"  reference: {self.reference}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Law({self.name!r}: {self.equation})"

    def __reduce__(self):
        # A catalogue law travels to another process by name (its formula may be a closure, which
        # pickle cannot carry); any other law is pickled field by field.
        from .catalogue import BUILTIN_LAWS, get_law

        if BUILTIN_LAWS.get(self.name) is self:
            return (get_law, (self.name,))
        return super().__reduce__()


def chain_jacobian(law: Law, values: np.ndarray, grads: Sequence[np.ndarray], free=None) -> np.ndarray:
    """Fit-space Jacobian ``(K, Pf, n)`` from derivatives with respect to parameter values.

    For a log-scale parameter ``d/d ln(v) = v d/dv``. ``free`` selects the
    parameters being fitted (all by default).
    """
    K = values.shape[0]
    cols = [j for j in range(law.n_params) if free is None or free[j]]
    n = max(np.shape(g)[-1] for g in grads)
    J = np.empty((K, len(cols), n))
    for out_j, j in enumerate(cols):
        g = grads[j]
        if law.parameters[j].log:
            np.multiply(g, values[:, j : j + 1], out=J[:, out_j, :])
        else:
            J[:, out_j, :] = g
    return J
