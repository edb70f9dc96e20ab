"""The workbench installed from its wheel, not from the source tree.

The wheel is built from a copy of the tracked files (``pip wheel --no-deps --no-build-isolation``:
no network, the test environment's setuptools) and installed into a fresh virtual environment.

How the fresh environment gets the dependencies, cheaply and without the network: it is created
``--without-pip`` and a ``.pth`` file appends the test environment's site-packages folders to its
``sys.path``. A folder named in a ``.pth`` file is added as a plain path, so the ``.pth`` files
inside it are not run: the editable install of the source tree (a ``.pth`` that installs an import
hook) stays off, and the only ``workbench`` the fresh environment can import is the wheel's, in its
own site-packages, which comes first on ``sys.path``. Each check asserts that, and every command
runs from a scratch folder with no ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _source_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files (what a fresh clone plus local edits holds)."""
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode()
        return [ROOT / p for p in out.split("\0") if p and (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs git to list the source files")


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "PIP_"))}
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    for path in _source_files():
        dest = src / path.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    dist = work / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(src)],
        capture_output=True, text=True, env=_clean_env(),
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = dist.glob("scaling_workbench-*.whl")
    print(f"\nwheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB")

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_workbench_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, env=_clean_env(),
    )
    assert install.returncode == 0, install.stdout + install.stderr
    scratch = work / "scratch"
    scratch.mkdir()
    return {"venv": venv, "py": py, "site": Path(site), "wheel": wheel, "scratch": scratch}


def _run(env, *cmd, extra_env=None):
    return subprocess.run([str(c) for c in cmd], cwd=env["scratch"], capture_output=True, text=True,
                          env=_clean_env(**(extra_env or {})), timeout=600)


def test_wheel_holds_the_package_data_and_the_labs(wheel_env):
    import zipfile

    names = zipfile.ZipFile(wheel_env["wheel"]).namelist()
    assert "workbench/data/datasets.json" in names
    labs = sorted(n.split("/")[-1] for n in names if n.startswith("workbench/_labs/"))
    assert labs == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert not any(n.startswith(("tests/", "docs/", "notebooks/", "benchmarks/")) for n in names)


def test_imports_the_installed_copy_not_the_source_tree(wheel_env):
    done = _run(wheel_env, wheel_env["py"], "-c",
                "import workbench; print(workbench.__file__)")
    assert done.returncode == 0, done.stderr
    where = Path(done.stdout.splitlines()[0]).resolve()
    assert where.is_relative_to(wheel_env["site"].resolve()), where
    assert not where.is_relative_to(ROOT)


def test_console_script_help(wheel_env):
    done = _run(wheel_env, wheel_env["venv"] / "bin" / "scaling-workbench", "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: scaling-workbench")
    for command in ("fit", "plan", "laws", "datasets", "notebooks"):
        assert command in done.stdout


def test_fit_from_a_csv(wheel_env):
    rng = np.random.default_rng(0)
    N = np.geomspace(1e7, 1e10, 12)
    loss = (1.7 + 400.0 * N**-0.34) * np.exp(rng.normal(0.0, 0.003, N.size))
    csv = wheel_env["scratch"] / "my_runs.csv"
    pd.DataFrame({"params": N, "loss": loss}).to_csv(csv, index=False)
    done = _run(wheel_env, wheel_env["venv"] / "bin" / "scaling-workbench", "fit", csv.name, "--law", "power_law_N",
                "--bootstrap", "20", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["law"] == "power_law_N"
    assert abs(result["params"]["alpha"] - 0.34) < 0.03
    assert abs(result["params"]["E"] - 1.7) < 0.05


@pytest.mark.needs_mirror
def test_load_dataset_from_the_mirror(wheel_env, mirror):
    code = ("import workbench, pathlib; df = workbench.load_dataset('chinchilla'); "
            "print(len(df), sorted(df.columns)[:4], pathlib.Path(workbench.__file__).parent)")
    done = _run(wheel_env, wheel_env["py"], "-c", code,
                extra_env={"WORKBENCH_DATA_MIRROR": str(mirror), "WORKBENCH_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    n, *_ = done.stdout.split()
    assert int(n) == 245  # the digitised Chinchilla runs


def test_notebooks_command_copies_the_labs(wheel_env):
    target = wheel_env["scratch"] / "labs"
    exe = wheel_env["venv"] / "bin" / "scaling-workbench"
    done = _run(wheel_env, exe, "notebooks", target.name)
    assert done.returncode == 0, done.stderr
    repo = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in target.glob("*.ipynb")) == [p.name for p in repo]
    for p in repo:
        assert (target / p.name).read_bytes() == p.read_bytes()
    again = _run(wheel_env, exe, "notebooks", target.name)
    assert again.returncode == 2 and "--force" in again.stderr
