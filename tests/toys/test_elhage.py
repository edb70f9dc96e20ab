"""Toy models of superposition (Elhage et al. 2022): feature geometry in two dimensions, feature
norms, polysemanticity and dimensions per feature (LAWS.md section 5)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.charts.data import spec_datasets
from workbench.errors import WorkbenchError
from workbench.toys import Progress
from workbench.toys.elhage import classify_geometry, feature_table, is_pentagon, train_toy_models


def polygon(k: int, radius: float = 1.0, start: float = 0.3) -> np.ndarray:
    a = start + 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(a), np.sin(a)])


@pytest.fixture(scope="module")
def two_d():
    """n = 5 features, m = 2 dimensions, importance 0.9^i, at a dense, a medium and a sparse setting."""
    return train_toy_models((0.0, 0.7, 0.95), n_features=5, width=2, importance_decay=0.9, seed=(0, 1, 2), steps=1500)


def test_sparse_model_is_a_pentagon(two_d):
    """At high sparsity all 5 features are represented with norms ≈ 1, 72° ± 15° apart."""
    W = two_d.model(0.95)
    assert is_pentagon(W)
    t = feature_table(W)
    assert t["represented"].all() and t["norm"].between(0.75, 1.35).all()
    a = np.sort(t["angle"].to_numpy())
    gaps = np.diff(np.append(a, a[0] + 360))
    assert np.all(np.abs(gaps - 72) <= 15), gaps
    assert np.allclose(t["dimensionality"], 0.4, atol=0.05)  # each feature gets 2/5 of a dimension
    assert two_d.best().set_index("sparsity").loc[0.95, "geometry"] == "pentagon"


def test_geometry_goes_from_orthogonal_pair_to_antipodal_pairs_to_pentagon(two_d):
    geometry = two_d.best().set_index("sparsity")["geometry"]
    assert geometry[0.0] == "orthogonal pair"
    assert geometry[0.7] == "antipodal pairs"
    assert geometry[0.95] == "pentagon"
    # dense: the two most important features, each with a dimension of its own
    t = feature_table(two_d.model(0.0), two_d.importance)
    assert list(t.loc[t["represented"], "feature"]) == [0, 1]
    assert np.allclose(t.loc[t["represented"], "dimensionality"], 1.0, atol=0.1)
    assert np.allclose(t.loc[t["represented"], "superposition"], 0.0, atol=0.1)
    # medium: four features in antipodal pairs (half a dimension each); the least important dropped
    t = feature_table(two_d.model(0.7))
    assert list(t.loc[t["represented"], "feature"]) == [0, 1, 2, 3]
    assert np.allclose(t.loc[t["represented"], "dimensionality"], 0.5, atol=0.06)
    # dimensions per feature fall with sparsity: 1 -> 1/2 -> ≈ 1/3 (2 dimensions / ~5 features of norm ≳ 1)
    d = two_d.best().set_index("sparsity")["dims_per_feature"]
    assert d[0.0] == pytest.approx(1.0, abs=0.05) and d[0.7] == pytest.approx(0.5, abs=0.06)
    assert d[0.95] < 0.42
    # loss falls with sparsity (fewer simultaneous features to reconstruct)
    loss = two_d.best().set_index("sparsity")["loss"]
    assert loss[0.95] < loss[0.7] < loss[0.0]


def test_dimensions_per_feature_n100_m20():
    """n = 100, m = 20, equal importance: one dimension per feature when dense; sparse inputs let far
    more than m features in, with well under one dimension each."""
    res = train_toy_models((0.0, 0.99), n_features=100, width=20, importance_decay=1.0, seed=0, steps=600)
    runs = res.runs.set_index("sparsity")
    assert runs.loc[0.0, "dims_per_feature"] == pytest.approx(1.0, abs=0.12)
    assert runs.loc[0.99, "dims_per_feature"] < 0.4
    assert runs.loc[0.99, "n_represented"] > 2 * 20
    f = res.features(best=False)
    dense, sparse = f[f["sparsity"] == 0.0], f[f["sparsity"] == 0.99]
    # polysemanticity: the sparse model's features share their directions with many others
    assert sparse["superposition"].mean() > 5 * max(dense.loc[dense["represented"], "superposition"].mean(), 0.02)
    # m > 2: the chart is dimensions per feature against 1/(1 - S), one point per model
    data = spec_datasets(res.chart().to_dict())
    assert len(data["elhage_dims"]) == len(res.runs) and {r["sparsity"] for r in data["elhage_dims"]} == set(res.runs["sparsity"])


def test_feature_table_of_known_geometries():
    t = feature_table(polygon(5))
    assert np.allclose(t["norm"], 1) and np.allclose(t["dimensionality"], 0.4)
    assert np.allclose(t["superposition"], 1.5)  # 2 cos^2 72° + 2 cos^2 144°
    assert classify_geometry(polygon(5)) == "pentagon" and is_pentagon(polygon(5))
    assert not is_pentagon(polygon(5, radius=0.5))
    pairs = polygon(4)
    assert classify_geometry(np.concatenate([pairs, np.zeros((2, 1))], axis=1)) == "antipodal pairs"
    assert np.allclose(feature_table(pairs)["dimensionality"], 0.5)
    ortho = np.array([[1.0, 0.0, 0.0, 0.1, 0.0], [0.0, 1.0, 0.0, 0.0, 0.05]])
    assert classify_geometry(ortho) == "orthogonal pair"
    assert classify_geometry(polygon(3)) == "3 features"
    with pytest.raises(WorkbenchError):
        classify_geometry(np.ones((3, 5)))
    with pytest.raises(WorkbenchError):
        is_pentagon(np.ones((2, 4)))


def test_progress_and_stop():
    calls = []

    def listen(partial, fraction):
        calls.append(partial)
        if fraction >= 0.5:
            prog.stop()

    prog = Progress(400, on_partial=listen, bar=False, min_interval=0.0)
    res = train_toy_models((0.0, 0.9), seed=0, steps=400, report_every=40, progress=prog)
    assert calls and "geometry" in calls[-1] and "features" in calls[-1].attrs
    assert not res.finished and res.runs["steps"].max() < 400


def test_bad_inputs():
    with pytest.raises(WorkbenchError, match="Sparsities"):
        train_toy_models((1.0,), steps=1)
    with pytest.raises(WorkbenchError, match="smaller than n_features"):
        train_toy_models((0.5,), n_features=3, width=3, steps=1)
    with pytest.raises(WorkbenchError, match="importance_decay"):
        train_toy_models((0.5,), importance_decay=0.0, steps=1)
