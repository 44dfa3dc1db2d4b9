# Pilot Monitor. On a fresh machine, `make demo` sets everything up and runs a pilot on the
# demo stack; `make test` sets everything up and runs the tests.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
DEMO_PROJECT := football-prediction-demo
# The demo's network has the real stack's name, as the demo stands in for it.
DEMO_NETWORK ?= football-prediction
export DEMO_NETWORK
# The compose project of `make pilot`, `make check` and `make logs`; the demo's pilot has a
# project of its own, so that a demo never replaces or removes a real pilot's container.
PILOT_PROJECT ?= pilot-monitor

# PROXY=1: through the Docker socket proxy (compose.proxy.yml) instead of the socket itself.
PILOT := docker compose -f compose.pilot.yml $(if $(filter 1,$(PROXY)),-f compose.proxy.yml) \
	-p $(PILOT_PROJECT)
DEMO_PILOT := docker compose -f compose.pilot.yml -p pilot-monitor-demo
DEMO := docker compose -f demo/compose.yml
# The base images scripts/images.sh chose (registry images, or the local stand-ins).
IMAGES := set -a && . ./.images.env && set +a
# The monitor runs as the owner of the logs folder, with the Docker socket's group.
OWNER := mkdir -p logs && export MONITOR_UID=$$(stat -c %u logs) MONITOR_GID=$$(stat -c %g logs) \
	DOCKER_SOCKET_GID=$$(stat -c %g $${DOCKER_SOCKET:-/var/run/docker.sock} 2>/dev/null || echo 0)
NEED_DOCKER := docker info >/dev/null 2>&1 || { \
	echo "make: Docker Engine is not reachable: run 'make provision' (as root) or start dockerd"; \
	exit 2; }

.DEFAULT_GOAL := help
.PHONY: help demo test bench pilot logs check report build images provision engine lint venv clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: build ## fresh machine to a finished pilot on the demo stack (about 5 minutes)
	@bash demo/check-network.sh $(DEMO_PROJECT)
	@echo "make: starting the demo stack ($(DEMO_PROJECT): db, app) and waiting until it is healthy"
	$(IMAGES) && $(DEMO) up --detach --wait
	@# The monitor's read-only role, also in a database made before the role was shipped.
	@$(IMAGES) && $(DEMO) exec -T db psql -q -U postgres -d football_prediction \
		-f /docker-entrypoint-initdb.d/02-monitor-role.sql >/dev/null
	@echo "make: running a 3-minute pilot on it (demo/pilot.env); in another terminal: make logs PILOT_PROJECT=pilot-monitor-demo"
	@$(IMAGES) && $(OWNER) && export MONITOR_ENV_FILE=demo/pilot.env MONITOR_NETWORK=$(DEMO_NETWORK) && \
	$(DEMO_PILOT) up --exit-code-from monitor --force-recreate; code=$$?; \
	echo "make: the pilot ended with exit code $$code; its report: $$(ls -t logs/pilot_run_report_*.md 2>/dev/null | head -n 1)"; \
	echo "make: the demo stack is still up (make clean removes it)"; \
	exit $$code

test: provision images venv lint ## set up this machine (Docker, Compose, PostgreSQL, images) and run every test
	@echo "make: running the tests (unit, integration against Docker and PostgreSQL, end to end with compose)"
	$(PY) -m pytest

bench: provision venv ## measure sampling cost, crash detection, footprint and report time (about 4 minutes)
	@$(NEED_DOCKER)
	@echo "make: benchmarking the monitor (PostgreSQL kept in /var/tmp/pilot-bench: the 10M-row table is built once, about 70 s); one table follows"
	bash images/base/build.sh
	$(PY) -m bench.run

pilot: images ## run one pilot against the running stack, with the settings in .env
	@echo "make: building the monitor image and running one pilot (settings: .env)"
	@$(IMAGES) && $(OWNER) && $(PILOT) build && \
	$(PILOT) up --exit-code-from monitor --force-recreate

logs: ## the pilot's console, one line per interval (docker compose logs monitor)
	@$(NEED_DOCKER)
	$(PILOT) logs monitor

check: images ## run the monitor's preflight checks against the stack, with the settings in .env
	@echo "make: running the preflight checks in the monitor's container"
	@$(IMAGES) && $(OWNER) && $(PILOT) run --rm --build monitor check

report: venv ## rebuild a report: make report JOURNAL=logs/pilot_journal_....jsonl
	@test -n "$(JOURNAL)" || { echo "make: set JOURNAL=logs/pilot_journal_<run>.jsonl"; exit 2; }
	$(PY) -m monitor report "$(JOURNAL)"

build: engine images ## build the monitor's and the demo app's images
	@echo "make: building the monitor and demo app images"
	$(IMAGES) && $(PILOT) build && $(DEMO) build

images: ## choose the base images (building local stand-ins without a registry), fill wheels/
	@$(NEED_DOCKER)
	bash scripts/images.sh

provision: ## install and start what is missing: Docker Engine, Compose v2, PostgreSQL 15, venv, chromium
	@echo "make: provisioning Docker Engine, Compose v2, PostgreSQL 15, venv and chromium (apt; root if missing)"
	bash scripts/provision.sh tests

engine: ## install and start what is missing of Docker Engine and Compose v2
	@echo "make: provisioning Docker Engine and Compose v2 (apt; root if missing)"
	bash scripts/provision.sh

lint: venv ## ruff and mypy
	@echo "make: linting and type-checking"
	$(PY) -m ruff check monitor tests demo bench
	$(PY) -m ruff format --check monitor tests demo bench
	$(PY) -m mypy

venv: $(VENV)/.installed ## a virtualenv with the monitor and its dev tools

$(VENV)/.installed: pyproject.toml
	@echo "make: creating $(VENV) and installing the monitor with its dev tools"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

clean: ## remove the demo stack and its volumes, the demo's pilot, the venv (never logs/)
	@echo "make: removing the demo stack ($(DEMO_PROJECT)) with its volume, the demo's pilot, $(VENV) and caches; logs/ and real pilots are kept"
	@if docker info >/dev/null 2>&1; then \
		$(DEMO_PILOT) down --remove-orphans && $(DEMO) down --volumes --remove-orphans; \
	else echo "make: Docker Engine is not reachable: no containers to remove"; fi
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info .images.env
