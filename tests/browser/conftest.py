"""Real-browser fixtures: headless Chromium (system package) driven by Playwright, and JupyterLab."""

from __future__ import annotations

import pytest

from browserlab import CHROMIUM_ARGS, LabError, chromium_path, running_lab

__all__ = ["CHROMIUM_ARGS", "chromium_path"]


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium found: install the 'chromium' package (Debian: apt-get install chromium) to run browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    """JupyterLab on a free localhost port, serving a scratch copy of the notebooks (Lab autosaves)."""
    root = tmp_path_factory.mktemp("lab-root")
    state = tmp_path_factory.mktemp("lab-state")
    try:
        with running_lab(root, state) as url:
            yield url, root
    except LabError as err:
        pytest.fail(str(err))
