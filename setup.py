"""The package list, which pyproject.toml cannot write with an extra mapped package.

The labs live in ``notebooks/`` at the top of the repository (where ``make lab`` and
Binder open them) and ship inside the package as ``workbench._labs`` (mapped in
pyproject.toml), so that a user who installed the wheel copies them out with
``scaling-workbench notebooks DIR``. Everything else is declared in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["workbench", "workbench.*"]) + ["workbench._labs"])
