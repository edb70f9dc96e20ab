"""Shared test set-up: no network, the data mirror when there is one, quick settings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore the same examples on every run, so CI is reproducible.
settings.register_profile("workbench", derandomize=True, print_blob=True)
settings.load_profile("workbench")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MIRROR = ROOT.parent / "shared" / "data"

# Tests never touch the network: a dataset that is not mirrored fails loudly instead of downloading.
os.environ["WORKBENCH_OFFLINE"] = "1"
os.environ.setdefault("WORKBENCH_QUICK", "1")
if not os.environ.get("WORKBENCH_DATA_MIRROR") and DEFAULT_MIRROR.is_dir():
    os.environ["WORKBENCH_DATA_MIRROR"] = str(DEFAULT_MIRROR)


def mirror_path() -> Path | None:
    m = os.environ.get("WORKBENCH_DATA_MIRROR")
    return Path(m) if m and Path(m).is_dir() else None


def pytest_collection_modifyitems(config, items):
    if mirror_path() is None:
        skip = pytest.mark.skip(
            reason="needs the public-data mirror: set WORKBENCH_DATA_MIRROR (CI uses ../shared/data)"
        )
        for item in items:
            if "needs_mirror" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def mirror() -> Path:
    m = mirror_path()
    if m is None:
        pytest.skip("needs the public-data mirror: set WORKBENCH_DATA_MIRROR (CI uses ../shared/data)")
    return m


@pytest.fixture(scope="session")
def chinchilla_runs(mirror):
    import workbench as wb

    return wb.load_dataset("chinchilla")


@pytest.fixture(scope="session")
def chinchilla_refit(chinchilla_runs):
    """The Besiroglu et al. setup: drop the 5 highest-loss runs, Huber(1e-3) on log loss, 4,500 starts."""
    import workbench as wb

    runs = chinchilla_runs.sort_values("loss").iloc[:-5]
    with warnings.catch_warnings():
        warnings.simplefilter("error", wb.fitting.FitWarning)  # this fit is clean: a FitWarning is a regression
        fit = wb.fit("chinchilla", runs, bootstrap=400, seed=1)
    assert fit.warnings == []
    return fit


@pytest.fixture(scope="session")
def docs_site() -> Path:
    """The built documentation site (docs/_build/html); built here, as `make docs` does, when absent.

    `make test` builds the site before running the tests. A site older than the package fails the
    checks that compare it with the catalogue: rebuild it with `make docs`.
    """
    import subprocess
    import sys

    site = ROOT / "docs" / "_build" / "html"
    if not (site / "index.html").is_file():
        env = dict(os.environ, WORKBENCH_QUICK="1")
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "docs", "docs/_build/html"]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail("the documentation build failed:\n" + (done.stdout + done.stderr)[-4000:])
    return site
