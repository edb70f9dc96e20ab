"""Every public result derives from one base and behaves the same way.

Each public result type is listed here with a small way to make one; the test
checks it derives from :class:`workbench.results.Result`, renders text and HTML
summaries, has a one-line repr, round-trips ``to_dict()`` through ``json.dumps``
(strict JSON: no NaN), carries its intervals as ``{name: (lo, hi)}`` with a level,
its warnings as ``{code, message}``, and is drawn by a builder registered in
``workbench.charts`` (or says plainly that it has no chart).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.results import Result, ResultWarning, Summary, jsonable


def _runs(n=12, seed=0):
    rng = np.random.default_rng(seed)
    N = np.logspace(7, 10, n)
    return pd.DataFrame({"N": N, "D": 20 * N, "loss": (1.7 + 400 / N**0.34) * np.exp(rng.normal(0, 0.003, n))})


_STARTS = {"E": [1.0, 2.0], "A": [100.0, 1000.0], "B": [100.0, 1000.0], "alpha": [0.25, 0.5], "beta": [0.25, 0.5]}


def _curves():
    rows = []
    for i, N in enumerate(np.logspace(7.5, 10, 5)):
        D = np.logspace(8, 12, 25)
        rows.append(pd.DataFrame({"run": i, "N": N, "D": D, "loss": 1.8 + 480 / N**0.35 + 2100 / D**0.37}))
    return pd.concat(rows)


def _isoflop_runs():
    parts = []
    for C in (1e18, 1e19, 1e20):
        N = np.sqrt(C / 120) * np.logspace(-1, 1, 7)
        parts.append(pd.DataFrame({"N": N, "D": C / (6 * N), "loss": 1.8 + 480 / N**0.35 + 2100 / (C / (6 * N)) ** 0.37}))
    return pd.concat(parts)


def _annealing():
    from workbench.dynamics import fit_annealing, preset, schedule_areas

    law, rng, parts = wb.get_law("lr_annealing"), np.random.default_rng(0), []
    for run, name in enumerate(("cosine", "constant")):
        t = schedule_areas(preset(name, peak=3e-3), 600, decay=0.99).assign(run=run)
        t["loss"] = law.predict({"L0": 2.0, "A": 0.6, "alpha": 0.5, "C": 0.8}, t) * np.exp(0.002 * rng.standard_normal(len(t)))
        parts.append(t)
    return fit_annealing(pd.concat(parts)[["run", "step", "lr", "loss"]], decay=0.99, bootstrap=10)


def _counts():
    from workbench.testtime import BetaDifficulty, generate_counts

    return generate_counts(300, 200, BetaDifficulty(0.4, 1.5), seed=0)


def _observational(which):
    table = wb.load_dataset("observational")
    pca = wb.metrics.benchmark_pca(table)
    if which == "pca":
        return pca
    return wb.metrics.fit_observational(table.merge(wb.load_dataset("observational", table="emergent").drop(
        columns=["family", "N", "D", "C"]), on="model"), "word_unscrambling_2_exact_match", pca=pca)


def _benchmark():
    from workbench.benchmark import Task, benchmark_extrapolation
    from workbench.data import Largest

    N, D = np.repeat(np.logspace(7, 9.5, 6), 5), np.tile(np.logspace(9, 11, 5), 6)
    df = pd.DataFrame({"N": N, "D": D, "loss": 1.8 + 400 / N**0.34 + 410 / D**0.28})
    task = Task(name="toy", title="toy Chinchilla runs", data=df, target="loss", laws=("chinchilla", "power_law_N"),
                split=Largest("N"))
    return benchmark_extrapolation([task], progress=False, quick=True)


def _ladder():
    N, D = np.repeat(np.logspace(7.5, 9, 5), 5), np.tile(np.logspace(9.5, 11, 5), 5)
    L = 0.6 + 30 / N**0.25 + 80 / D**0.22
    runs = pd.DataFrame({"N": N, "D": D, "bpb": L, "acc": 0.6 / (1 + np.exp(6.0 * (L - 1.6))) + 0.25})
    return wb.metrics.fit_task_ladder(runs, task_loss="bpb", accuracy="acc", bootstrap=10)


def _report(tmp_path_factory):
    from workbench.report import ReportResult

    return ReportResult(notebook=tmp_path_factory.mktemp("r") / "x.ipynb", html=None, seconds=1.5, peak_memory_mb=120.0)


#: result type name -> factory (given pytest's tmp_path_factory). Every public result type is listed:
#: test_every_result_type_is_listed finds them all in the package.
FACTORIES = {
    "Fit": lambda tmp: wb.fit("power_law_N", _runs(), bootstrap=20, holdout=0.2),
    "PowerLawFit": lambda tmp: wb.fitting.fit_power_law(xs=np.logspace(1, 3, 8), ys=3 * np.logspace(1, 3, 8) ** -0.5),
    "AnnealingFit": lambda tmp: _annealing(),
    "Allocation": lambda tmp: wb.compute.compute_optimal("besiroglu2024", [1e21, 1e22]),
    "Plan": lambda tmp: wb.compute.plan(1e22, inference_tokens=1e11, unique_tokens=1e11),
    "InferencePlan": lambda tmp: wb.compute.inference_optimum("besiroglu2024", [1e10, 1e12], compute=1e22),
    "DataConstrainedPlan": lambda tmp: wb.compute.data_constrained_optimum("muennighoff2023", 1e22, 25e9),
    "HardwareEstimate": lambda tmp: wb.compute.hardware_estimate(1e22),
    "Crossover": lambda tmp: wb.compute.crossover("besiroglu2024", "hoffmann2022"),
    "IsoFLOPAnalysis": lambda tmp: wb.compute.isoflop_analysis(_isoflop_runs(), budgets="exact", bootstrap=20),
    "EnvelopeAnalysis": lambda tmp: wb.compute.envelope_analysis(_curves(), bootstrap=10),
    "InverseFit": lambda tmp: wb.metrics.fit_inverse_scaling(np.logspace(7, 11, 12), 0.5 - 0.1 * np.cos(np.linspace(0, 3, 12))),
    "PCAResult": lambda tmp: _observational("pca"),
    "ObservationalFit": lambda tmp: _observational("fit"),
    "SharpnessComparison": lambda tmp: wb.metrics.compare_sharpness(),
    "TaskLawFit": lambda tmp: wb.metrics.fit_task_law(np.logspace(7, 10, 6), np.exp(-50 * np.logspace(7, 10, 6) ** -0.2)),
    "DownstreamFit": lambda tmp: wb.metrics.fit_loss_to_error(bootstrap=0),
    "MirageResult": lambda tmp: wb.metrics.mirage(),
    "Sharpness": lambda tmp: wb.metrics.sharpness(np.logspace(7, 11, 20), 1 / (1 + np.exp(-3 * (np.linspace(-2, 2, 20))))),
    "CoverageLawFit": lambda tmp: wb.testtime.fit_coverage_law(_counts(), 50, bootstrap=20),
    "BetaBinomialFit": lambda tmp: wb.testtime.fit_beta_binomial(_counts()),
    "ExtrapolationComparison": lambda tmp: wb.testtime.compare_extrapolations(_counts(), 50, bootstrap=20),
    "FlopsMatchedComparison": lambda tmp: wb.testtime.flops_matched_comparison(np.linspace(0.05, 0.5, 30),
                                                                               np.linspace(0.1, 0.9, 30), 5),
    "VerifierCurve": lambda tmp: wb.testtime.verifier_curve([0.2, 0.5], 0.9, 0.8, k_max=50),
    "ToyModelsResult": lambda tmp: wb.toys.elhage.train_toy_models((0.0, 0.9), seed=1, steps=50, batch_size=64, progress=False),
    "SuperpositionResult": lambda tmp: wb.toys.superposition.train_superposition(
        (4, 8, 16), n_features=32, steps=50, batch_size=64, eval_samples=256, progress=False),
    "TinyLMGrid": lambda tmp: wb.toys.tinylm.train_grid([(8, 1)], [2**12, 2**13], cache_dir=tmp.mktemp("tinylm"), progress=False),
    "ExponentialFit": lambda tmp: wb.toys.pruning.fit_exponential(pd.DataFrame({"alpha_prune": [1.0, 2, 4, 8],
                                                                                 "error": [0.4, 0.2, 0.06, 0.01]})),
    "ReportResult": _report,
    "Leaderboard": lambda tmp: _benchmark(),
    "TaskResult": lambda tmp: _benchmark().task("toy"),
    "TaskLadder": lambda tmp: _ladder(),
    "Rollout": lambda tmp: wb.rollout(wb.laws.synthetic_trajectories(seed=6, sizes=np.geomspace(2e7, 4e9, 6)), "chinchilla",
                                      min_sizes=4, min_fraction=0.2, bootstrap=0, starts=_STARTS),
    "FitTable": lambda tmp: wb.fit("power_law_N", pd.concat([_runs(seed=s).assign(family=f) for s, f in ((0, "a"), (1, "b"))]),
                                   by="family", bootstrap=0),
}
#: results drawn by no chart (their data are a handful of numbers); every other type has a registered builder.
NO_CHART = {"PowerLawFit", "HardwareEstimate", "TaskLawFit", "Sharpness", "ExponentialFit", "ReportResult", "FitTable"}


def test_every_result_type_is_listed():
    import importlib
    import pkgutil

    found = set()
    for m in pkgutil.walk_packages(wb.__path__, "workbench."):
        if m.name.endswith("__main__"):
            continue
        mod = importlib.import_module(m.name)
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Result) and obj.__module__ == m.name and not obj.__name__.startswith("_"):
                found.add(obj.__name__)
    abstract = {"Result", "WrappedResult", "FitWrapper", "ExponentAnalysis"}
    assert found - abstract == set(FACTORIES)


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def result(request, tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = FACTORIES[request.param](tmp_path_factory)
    assert type(r).__name__ == request.param
    return r


def test_every_result_derives_from_the_base(result):
    assert isinstance(result, Result)


def test_summary_renders_as_text_and_html(result):
    s = result.summary()
    assert isinstance(s, Summary)
    text, page = str(s), result._repr_html_()
    assert text.splitlines()[0] == s.title and len(text.splitlines()) >= 2
    assert page.startswith("<div") and "<table>" in page
    assert s.title.split()[0] in page and s.as_html() == page


def test_repr_is_one_line(result):
    r = repr(result)
    assert "\n" not in r and r.startswith(f"<{type(result).__name__}")


def test_to_dict_round_trips_through_strict_json(result):
    d = result.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["type"] == type(result).__name__ and 0 < d["level"] < 1
    if d["intervals"] is not None:
        for name, iv in d["intervals"].items():
            assert isinstance(name, str) and len(iv) == 2
    for w in d["warnings"]:
        assert set(w) == {"code", "message"}


def test_chart_comes_from_the_registry(result):
    from workbench.charts.registry import builder_for

    if type(result).__name__ in NO_CHART:
        assert builder_for(type(result)) is None
        with pytest.raises(wb.errors.ArgumentError, match="no chart"):
            result.chart()
        return
    assert builder_for(type(result)) is not None
    chart = result.chart()
    assert chart.to_dict()  # a valid Vega-Lite spec


def test_summary_text_and_html_come_from_the_same_blocks():
    s = Summary("Title", "y = x")
    s.add_fields([("runs", 3), ("slope", 0.123456)])
    s.add_table((["name", "value", "interval"], [["a", 1.5, (1.0, 2.0)]]))
    s.add_text("A sentence.")
    s.add_warnings([ResultWarning("careful <here>", code="care")])
    text, page = s.as_text(), s.as_html()
    for piece in ("Title", "y = x", "runs", "0.1235", "[1, 2]", "A sentence.", "warning: careful <here>"):
        assert piece in text
    for piece in ("Title", "0.1235", "[1, 2]", "A sentence.", "careful &lt;here&gt;"):
        assert piece in page


def test_jsonable_makes_numpy_pandas_and_nan_strict_json():
    d = jsonable({"a": np.float32(1.5), "b": np.array([1, np.nan]), "c": pd.DataFrame({"x": [1, 2]}), "d": (1, np.inf),
                  "e": ResultWarning("m", "c"), "f": wb.get_law("chinchilla")})
    assert d == {"a": 1.5, "b": [1.0, None], "c": {"x": [1, 2]}, "d": [1, None], "e": {"code": "c", "message": "m"},
                 "f": "chinchilla"}
    json.dumps(d, allow_nan=False)


def test_fit_warnings_carry_codes():
    runs = _runs()
    with pytest.warns(wb.fitting.FitWarning, match="bound"):
        f = wb.fit("power_law_N", runs, bounds={"alpha": (0.0, 0.2)}, bootstrap=0)
    codes = {w.code for w in f.warnings}
    assert "at_bound" in codes
    assert {"code": "at_bound", "message": str(f.warnings[0])} in f.to_dict()["warnings"]
