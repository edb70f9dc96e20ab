"""Evaluate a law with one parameter vector per row of a 2-D input grid.

``Law.predict_batch`` evaluates every parameter vector at every input point. The
planner's problems pair parameter row ``m`` with its own trial points ``x[m, :]``,
so here each parameter is a column ``(M, 1)`` and each input an array ``(M, G)``:
the catalogue's formulas are elementwise, so they broadcast to ``(M, G)``.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..errors import LawError
from ..laws.core import Law


def rowwise(law: Law, values: np.ndarray, **inputs) -> np.ndarray:
    """Predictions ``(M, G)`` for parameter rows ``values (M, P)`` at inputs ``(M, G)`` (or broadcastable)."""
    values = np.atleast_2d(np.asarray(values, float))
    p = law._batch(values)
    missing = [n for n in law.inputs if n not in inputs]
    if missing:
        raise LawError(f"Law {law.name!r} needs input(s) {missing} here.")
    x = SimpleNamespace(**{k: np.asarray(v, float) for k, v in inputs.items() if k in law.inputs})
    with np.errstate(all="ignore"):
        out = law.formula(p, x)
    shape = np.broadcast_shapes(values[:, :1].shape, *(np.shape(v) for v in vars(x).values()))
    return np.broadcast_to(np.asarray(out, float), shape)


def repeat_rows(values: np.ndarray, n: int) -> np.ndarray:
    """``(K, P)`` -> ``(K * n, P)``: each parameter row repeated ``n`` times (row-major with the budgets)."""
    return np.repeat(np.atleast_2d(values), n, axis=0)
