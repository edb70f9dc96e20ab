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

# JupyterLab refuses to start as root (containers, cloud VMs) unless told --allow-root.
LAB_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
LAB_ROOT_NOTE := make lab: running as root, so JupyterLab is started with --allow-root
LAB_OPTS ?=
# The documentation site: Sphinx, warnings are errors; labs run at their quick (CI) size unless DOCS_QUICK=0.
DOCS_QUICK ?= 1
DOCS_BUILD = WORKBENCH_QUICK=$(DOCS_QUICK) $(BIN)/python -m sphinx -b html -W --keep-going -q docs docs/_build/html

.PHONY: lab test test-fast notebooks docs report screenshots benchmarks gpu-check binder-check clean help

help:
	@echo "make lab          open JupyterLab on notebooks/00_tour.ipynb"
	@echo "make test         import layers, the docs build (executes every lab), unit, property and browser tests, and the Binder check (what CI runs)"
	@echo "make notebooks    run every lab top to bottom (nbval, quick size) without building the docs"
	@echo "make docs         build the documentation site into docs/_build/html (open index.html; works offline)"
	@echo "make report       execute every notebook and write HTML reports to reports/"
	@echo "make screenshots  every lab's panels in JupyterLab + Chromium, as PNGs in reports/screenshots/ (SCREENSHOTS_FROM=<checkout> for another tree)"
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

$(VENV)/.installed-docs: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-test: pyproject.toml $(VENV)/.torch
	$(BIN)/python -m pip install --quiet -e ".[test,docs]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-docs

lab: $(VENV)/.installed
	$(if $(LAB_ROOT),@echo "$(LAB_ROOT_NOTE)")
	$(BIN)/jupyter lab $(LAB_ROOT) $(LAB_OPTS) notebooks/00_tour.ipynb

docs: $(VENV)/.installed-docs
	@start=$$(date +%s); $(DOCS_BUILD) && echo "docs: built in $$(( $$(date +%s) - start )) s; open docs/_build/html/index.html"

# The docs build executes every lab once (a failing cell is a build warning, and warnings are errors), so the
# labs are not run a second time here; `make notebooks` runs them alone through nbval.
test: $(VENV)/.installed-test
	$(BIN)/lint-imports
	@start=$$(date +%s); $(DOCS_BUILD) && echo "docs: built in $$(( $$(date +%s) - start )) s"
	WORKBENCH_QUICK=1 $(BIN)/python -m pytest tests --durations=15
	bash binder/check.sh

notebooks: $(VENV)/.installed-test
	WORKBENCH_QUICK=1 $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider notebooks

test-fast: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest tests -m "not slow and not browser" -x -q

report: $(VENV)/.installed
	$(BIN)/python -m workbench report notebooks/*.ipynb --out reports

# Screenshots of every panel as a new user sees it (quick mode); SCREENSHOTS_FROM=/path/to/an/older/checkout
# takes the same pictures of another tree (e.g. `git worktree add /tmp/before <commit>`), to compare.
SCREENSHOTS_FROM ?= $(CURDIR)
SCREENSHOTS_OUT ?= reports/screenshots/$(if $(filter $(CURDIR),$(SCREENSHOTS_FROM)),current,$(notdir $(SCREENSHOTS_FROM)))
screenshots: $(VENV)/.installed-test
	$(BIN)/python tests/browser/screenshots.py --repo $(SCREENSHOTS_FROM) --out $(SCREENSHOTS_OUT)

benchmarks: $(VENV)/.installed
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# On a CUDA machine: the paper-scale check (benchmarks/gpu_check.py); without one it runs the smoke sizes.
GPU_CHECK_ARGS ?=
gpu-check: $(VENV)/.installed
	$(BIN)/python benchmarks/gpu_check.py $(GPU_CHECK_ARGS)

binder-check:
	bash binder/check.sh

clean:
	rm -rf $(VENV) reports .pytest_cache docs/_build docs/generated
