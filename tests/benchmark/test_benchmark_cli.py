"""``python -m workbench bench-extrapolation``: text and the --json list."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env, timeout=600)


def test_help_describes_the_json():
    r = cli("bench-extrapolation", "--help")
    assert r.returncode == 0 and "--task" in r.stdout and "--json" in r.stdout and '"selected"' in r.stdout


@pytest.mark.needs_mirror
def test_json_list_one_object_per_task():
    r = cli("bench-extrapolation", "--task", "moe", "--task", "data-constrained", "--quick", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [o["task"] for o in out] == ["moe", "data-constrained"]
    for o in out:
        assert set(o) == {"task", "n_train", "n_test", "selected", "expert", "laws"}
        for part in [o["selected"], o["expert"], *o["laws"]]:
            assert set(part) == {"law", "r2", "nmse", "nmae"}
    assert out[0]["expert"]["law"] == "moe_clark2022"
    assert "time:" in r.stderr


@pytest.mark.needs_mirror
def test_text_output_and_errors():
    r = cli("bench-extrapolation", "--task", "moe", "--quick")
    assert r.returncode == 0, r.stderr
    assert "human-derived" in r.stdout and "moe_clark2022" in r.stdout and "time:" in r.stdout
    r = cli("bench-extrapolation", "--task", "vocab")
    assert r.returncode == 2 and "No extrapolation task named 'vocab'" in r.stderr and "Traceback" not in r.stderr
