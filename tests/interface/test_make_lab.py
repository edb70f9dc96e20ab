"""`make lab` starts JupyterLab on the tour for every user, root included (JupyterLab refuses root
unless given --allow-root, which the Makefile adds then, saying so in one line)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOT_NOTE = "make lab: running as root, so JupyterLab is started with --allow-root"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _make_lab(*args) -> list[str]:
    # -o: take the install stamp as done (this test runs inside an installed environment);
    # BIN: the environment running the tests
    return ["make", "--no-print-directory", "-o", ".venv/.installed", "lab", f"BIN={Path(sys.executable).parent}", *args]


def test_lab_command_adds_allow_root_only_for_root():
    plan = subprocess.run(_make_lab() + ["-n"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lab_line = next(line for line in plan.splitlines() if "jupyter lab" in line)
    assert lab_line.rstrip().endswith("notebooks/00_tour.ipynb")
    if os.geteuid() == 0:
        assert "--allow-root" in lab_line and ROOT_NOTE in plan
    else:
        assert "--allow-root" not in lab_line and ROOT_NOTE not in plan


def test_make_lab_starts_jupyterlab_serving_the_tour(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    opts = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token= "
            "--ServerApp.password= --LabApp.news_url=None")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"))
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(_make_lab(f"LAB_OPTS={opts}"), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/00_tour.ipynb?content=0",
                                            timeout=2) as r:
                    info = json.load(r)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    pytest.fail("make lab did not start JupyterLab:\n" + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        assert info["name"] == "00_tour.ipynb" and info["type"] == "notebook"
        text = (tmp_path / "lab.log").read_text()
        assert f"Serving notebooks from local directory: {ROOT / 'notebooks'}" in text  # the tour's folder
        assert (ROOT_NOTE in text) == (os.geteuid() == 0)
        assert text.count(ROOT_NOTE) <= 1
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # make and the JupyterLab it started, nothing else
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
