# The two commands the README starts with: `make demo` and `make test`.
# Both create .venv when missing and install core + every first-party plugin
# (plugins/*) and contrib plugin (contrib/*) in editable mode, in one pip call
# so the local safedata-core satisfies the plugins' version ranges.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PLUGIN_DIRS := $(sort $(dir $(wildcard plugins/*/pyproject.toml) $(wildcard contrib/*/pyproject.toml)))
# the REST service (safedata serve), a distribution of its own; its tests run with the plugins'
SERVER_DIR := server/
STAMP := $(VENV)/.installed
# the plugins' packages (mypy checks them with the root [tool.mypy] settings)
PLUGIN_PACKAGES := $(filter-out %.egg-info,$(wildcard plugins/*/src/safedata_* contrib/*/src/safedata_*))
PLUGIN_SRC_PATH := $(subst $(eval) ,:,$(wildcard plugins/*/src contrib/*/src))
export HF_HUB_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test install lint schemas bench clean mutation mutation-full mutation-core mutation-plugins screenshots ui-screenshots

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml) $(wildcard contrib/*/pyproject.toml) $(SERVER_DIR)pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: 2.13.0 is the CPU build on this machine; a looser
	# request would pull a multi-GB CUDA build
	@echo "==> installing torch 2.13.0 (CPU build; the first install downloads about 200 MB)"
	$(PIP) install --progress-bar on "torch==2.13.0"
	@echo "==> installing safedata-core and $(words $(PLUGIN_DIRS)) plugins (editable) with their dependencies"
	$(PIP) install --progress-bar on -e ".[test,dask,tune]" $(foreach d,$(PLUGIN_DIRS),-e $(d)) -e "$(SERVER_DIR)[test]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@echo "==> running the demo on UCI Adult (a few minutes on 2 cores); the report goes to demo-run/report.html"
	$(VENV)/bin/safedata demo --out demo-run --force

test: $(STAMP)
	$(PY) -m pytest -q tests
	$(PY) -m pytest -q --import-mode=importlib $(foreach d,$(PLUGIN_DIRS),$(d)tests)
	$(PY) -m pytest -q --import-mode=importlib $(SERVER_DIR)tests
	$(VENV)/bin/safedata schema export --check
	$(MAKE) --no-print-directory lint

lint: $(STAMP)
	$(VENV)/bin/ruff check safedata_core plugins contrib server tests benchmarks
	$(VENV)/bin/mypy safedata_core
	MYPYPATH=$(PLUGIN_SRC_PATH) $(VENV)/bin/mypy --explicit-package-bases $(PLUGIN_PACKAGES)
	$(VENV)/bin/mypy $(SERVER_DIR)src/safedata_server
	$(VENV)/bin/lint-imports

# mutation testing (benchmarks/mutation/run.py, targets in benchmarks/mutation/targets.toml) into
# benchmarks/results/mutation.json. Targets: safedata_core/privacy, the DP paths of bayes_net, gaussian_copula,
# mst/aim, tvae/ctgan (safedata-deep, tvae, ctgan) and safedata_core/sdc. `mutation` runs a seeded random
# sample of each target's mutants (stratified by module, sizes `sample` in targets.toml; under 30 min on 2 idle
# cores) and reports each target's detected share with its 95% interval; it fails when a target's estimate is
# below its min_killed. `mutation-full` runs every mutant (hours on 2 cores); mutation-core and
# mutation-plugins run the sample of one group.
mutation: $(STAMP)
	$(PY) benchmarks/mutation/run.py --group all

mutation-full: $(STAMP)
	$(PY) benchmarks/mutation/run.py --group all --full

mutation-core: $(STAMP)
	$(PY) benchmarks/mutation/run.py --group core

mutation-plugins: $(STAMP)
	$(PY) benchmarks/mutation/run.py --group plugins

schemas: $(STAMP)
	$(VENV)/bin/safedata schema export

# docs/images/report-{1280,760}.png and release-report-1280.png: the demo report (4,000 Adult rows) in headless
# Chromium, after checking that nothing is wider than the screen (needs chromium: apt-get install -y chromium)
screenshots: $(STAMP)
	$(PY) -m safedata_core.report.browser --out docs/images

# docs/images/ui/*.png: the web UI's browser test, writing its screenshots into the docs (needs chromium)
ui-screenshots: $(STAMP)
	SAFEDATA_UI_SCREENSHOTS=$(CURDIR)/docs/images/ui $(PY) -m pytest -q --import-mode=importlib $(SERVER_DIR)tests/web/test_e2e_browser.py

clean:
	rm -rf $(VENV) demo-run .pytest_cache
