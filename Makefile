# Scaling Workbench — set-up and checks.  `make lab` opens the workbench; `make test` runs everything.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The project asks for torch>=2.1,<3. Installing this pin first keeps set-up fast here (a CPU
# build on local disk); elsewhere pip takes the usual build of this release for the platform.
TORCH_SPEC ?= torch==2.13.0
# Tests read the public datasets from a local mirror when one lies beside the checkout.
MIRROR := $(abspath ../shared/data)
ifneq ($(wildcard $(MIRROR)),)
export WORKBENCH_DATA_MIRROR ?= $(MIRROR)
endif

.PHONY: lab test test-fast report benchmarks gpu-check binder-check clean help

help:
	@echo "make lab          open JupyterLab on notebooks/00_tour.ipynb"
	@echo "make test         import layers, unit, property, browser and notebook tests, and the Binder check (what CI runs)"
	@echo "make report       execute every notebook and write HTML reports to reports/"
	@echo "make benchmarks   print performance figures"
	@echo "make gpu-check    the toys at paper scale on a CUDA GPU, ~5 min (GPU_CHECK_ARGS=--smoke: tiny, on the CPU)"
	@echo "make binder-check build a clean environment from binder/ and run the tour"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.torch: | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

lab: $(VENV)/.installed
	$(BIN)/jupyter lab notebooks/00_tour.ipynb

test: $(VENV)/.installed-test
	$(BIN)/lint-imports
	WORKBENCH_QUICK=1 $(BIN)/python -m pytest tests
	WORKBENCH_QUICK=1 $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks
	bash binder/check.sh

test-fast: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests -m "not slow and not browser" -x -q

report: $(VENV)/.installed
	$(BIN)/python -m workbench report notebooks/*.ipynb --out reports

benchmarks: $(VENV)/.installed
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# On a CUDA machine: the paper-scale check (benchmarks/gpu_check.py); without one it runs the smoke sizes.
GPU_CHECK_ARGS ?=
gpu-check: $(VENV)/.installed
	$(BIN)/python benchmarks/gpu_check.py $(GPU_CHECK_ARGS)

binder-check:
	bash binder/check.sh

clean:
	rm -rf $(VENV) reports .pytest_cache
