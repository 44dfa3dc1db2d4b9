# Pilot Monitor. `make test` does every set-up step on a fresh machine, then runs the tests.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.DEFAULT_GOAL := help
.PHONY: help test lint provision venv check pilot report clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

test: provision venv lint ## set up this machine (Docker Engine, PostgreSQL, images) and run every test
	@echo "make: running the tests (unit, then integration against Docker and PostgreSQL)"
	$(PY) -m pytest

lint: venv ## ruff and mypy
	@echo "make: linting and type-checking"
	$(PY) -m ruff check monitor tests
	$(PY) -m ruff format --check monitor tests
	$(PY) -m mypy

provision: ## install and start Docker Engine and PostgreSQL 15, build the local base image
	@echo "make: provisioning Docker Engine, PostgreSQL and the base image (root, apt)"
	bash scripts/provision.sh
	bash images/base/build.sh

venv: $(VENV)/.installed ## a virtualenv with the monitor and its dev tools

$(VENV)/.installed: pyproject.toml
	@echo "make: creating $(VENV) and installing the monitor with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

check: venv ## run the preflight checks against the stack named in .env
	@docker info >/dev/null 2>&1 || { echo "make: Docker Engine is not reachable (run: make provision)"; exit 2; }
	$(PY) -m monitor check

pilot: venv ## run one pilot against the running stack named in .env
	@docker info >/dev/null 2>&1 || { echo "make: Docker Engine is not reachable (run: make provision)"; exit 2; }
	$(PY) -m monitor run

report: venv ## rebuild a report: make report JOURNAL=logs/pilot_journal_....jsonl
	@test -n "$(JOURNAL)" || { echo "make: set JOURNAL=logs/pilot_journal_<run>.jsonl"; exit 2; }
	$(PY) -m monitor report "$(JOURNAL)"

clean: ## remove the virtualenv and caches (never the reports in logs/)
	@echo "make: removing $(VENV) and caches; logs/ is kept"
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
