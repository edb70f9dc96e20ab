"""Catalogue entries of the training-dynamics laws: vectorised evaluation and analytic gradients."""

from __future__ import annotations


import numpy as np
import pytest

from workbench.laws import get_law

LAWS = {
    "lr_annealing": ({"L0": (1.5, 3.0), "A": (0.1, 1.0), "alpha": (0.2, 1.0), "C": (0.01, 0.5)},
                     {"S1": (0.1, 10.0), "S2": (0.0, 0.5)}),
    "step_law_lr": ({"c": (0.5, 3.0), "a": (0.5, 0.9), "b": (0.1, 0.5)}, {"N": (1e6, 1e11), "D": (1e9, 1e13)}),
    "step_law_batch": ({"d": (0.1, 1.0), "e": (0.4, 0.7)}, {"D": (1e9, 1e13)}),
    "critical_batch": ({"B_star": (1e7, 1e9), "alpha_B": (0.1, 0.4)}, {"loss": (1.5, 5.0)}),
}


def _draw(rng, ranges, n):
    return {k: rng.uniform(lo, hi, n) for k, (lo, hi) in ranges.items()}


@pytest.mark.parametrize("name", sorted(LAWS))
def test_batched_evaluation_and_gradients(name):
    rng = np.random.default_rng(0)
    law = get_law(name)
    pranges, xranges = LAWS[name]
    p = _draw(rng, pranges, 4)
    vals = np.column_stack([p[n] for n in law.param_names])
    x = _draw(rng, xranges, 9)
    batch = law.predict_batch(vals, x)
    assert batch.shape == (4, 9) and np.all(batch > 0)
    for k in range(4):
        np.testing.assert_allclose(batch[k], law.predict(vals[k], **x), rtol=1e-12)
    np.testing.assert_allclose(law.log_predict_batch(vals, x), np.log(batch), rtol=1e-10)
    for g, fd in zip(law.log_gradients(vals, x), law.log_gradients(vals, x, numeric=True)):
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


def test_annealing_law_form():
    law = get_law("lr_annealing")
    p = {"L0": 2.0, "A": 0.5, "alpha": 0.5, "C": 0.2}
    # no annealing: a power law in the forward area; annealing lowers the loss linearly in S2
    assert law.predict(p, S1=[4.0], S2=[0.0])[0] == pytest.approx(2.25)
    assert law.predict(p, S1=[4.0], S2=[0.5])[0] == pytest.approx(2.15)
    assert "Tissue" in law.reference and law.inputs == ("S1", "S2")
