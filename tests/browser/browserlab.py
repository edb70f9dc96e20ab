"""JupyterLab and Chromium for the browser tests and the screenshot script (no pytest needed here).

:func:`running_lab` starts JupyterLab on a free localhost port over a scratch copy of the
notebooks; :func:`run_all` opens a notebook, runs every cell and waits for the kernel;
:data:`CHROMIUM_ARGS` are the flags the headless Chromium runs with.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]

REPO = Path(__file__).resolve().parents[2]


class LabError(RuntimeError):
    pass


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@contextlib.contextmanager
def running_lab(root: Path, state: Path, notebooks: Path = REPO / "notebooks", env: dict | None = None):
    """JupyterLab serving a copy of ``notebooks`` in ``root`` (Lab autosaves); yields its URL.

    ``env`` is added to the server's (and so the kernels') environment, e.g. ``PYTHONPATH``
    to make kernels import another checkout.
    """
    root, state = Path(root), Path(state)
    root.mkdir(parents=True, exist_ok=True)
    for nb in Path(notebooks).glob("*.ipynb"):
        shutil.copy(nb, root / nb.name)
    settings = state / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = _free_port()
    full_env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(state / "config"),
        JUPYTER_RUNTIME_DIR=str(state / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(state / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
        **(env or {}),
    )
    if full_env.get("WORKBENCH_DATA_MIRROR"):  # kernels run in the scratch folder: a relative mirror path would miss
        full_env["WORKBENCH_DATA_MIRROR"] = str(Path(full_env["WORKBENCH_DATA_MIRROR"]).resolve())
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=True",  # localhost, no token: lets the scripts stop kernels over the REST API
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = state / "lab.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"{url}/api/status", timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        raise LabError("JupyterLab exited at start:\n" + log_path.read_text()[-3000:])
                    time.sleep(0.3)
            else:
                raise LabError("JupyterLab did not start within 90 s:\n" + log_path.read_text()[-3000:])
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


#: True once every code cell shows an execution count, or a stderr output names an error.
ALL_RAN = """() => { const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document;
    const p = [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(e => e.textContent);
    const failed = nb.querySelector(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']");
    return (failed && /Error/.test(failed.textContent)) || (p.length > 0 && p.every(t => /\\[\\d+\\]/.test(t))); }"""


#: The notebook's kernel is connected and idle.
KERNEL_IDLE = """() => { const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const s = nb && nb.querySelector('.jp-Notebook-ExecutionIndicator');
    const bar = (document.querySelector('.jp-StatusBar-Widget, #jp-main-statusbar') || {}).textContent || '';
    return (s && s.getAttribute('data-status') === 'idle') || /\\|\\s*Idle/.test(bar); }"""

#: Some code cell has started or finished.
STARTED = """() => { const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document;
    return [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent)); }"""


def run_all(page, url: str, notebook: str, timeout_ms: int = 420_000) -> None:
    """Open ``notebook`` in JupyterLab, run all cells, wait until every cell has run; raise on a cell error."""
    # a workspace of its own, reset: only this notebook is open (no tabs restored from earlier pages)
    page.goto(f"{url}/lab/workspaces/{Path(notebook).stem.replace('_', '-')}/tree/{notebook}?reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("() => document.querySelector('.jp-Notebook') && !document.querySelector('.jp-Spinner')",
                           timeout=60_000)
    # wait until the kernel is connected and idle: "Run All" before that can be dropped
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)
    time.sleep(1)
    for attempt in range(3):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        try:  # the first cell starts (or has run) within a minute, else Run All again
            page.wait_for_function(STARTED, timeout=60_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            if attempt == 2:
                raise LabError(f"{notebook}: Run All did not start the kernel")
    page.wait_for_function(ALL_RAN, timeout=timeout_ms)
    errors = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                          has_text="Error")
    if errors.count():
        raise LabError(f"{notebook}: a cell failed:\n{errors.first.text_content()[:2000]}")


def shutdown_kernels(url: str) -> None:
    """Stop every kernel of the server (frees the CPU between notebooks)."""
    try:
        with urllib.request.urlopen(f"{url}/api/sessions", timeout=5) as r:
            sessions = json.loads(r.read())
        for s in sessions:
            req = urllib.request.Request(f"{url}/api/sessions/{s['id']}", method="DELETE")
            urllib.request.urlopen(req, timeout=10)
    except OSError:
        pass
