# Pollen: `make demo` and `make test` are all a new machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
# An explicit PYTHON=... wins; otherwise scripts/find-python picks a working Python >= 3.12.
PYTHON ?= $(shell scripts/find-python)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR ?= $(or $(POLLEN_DATA_DIR),../shared/data)
HOST ?= 127.0.0.1
PORT ?= 8000
AXE_VERSION := 4.10.3
OPENING_HOURS_JS_VERSION := 3.15.0

.PHONY: help install demo serve test test-fast test-browser lint typecheck bench messages deps clean mutation

help:
	@echo "make demo   installe, crée la base SQLite, charge le territoire, l'appel 2013 et les démonstrations, puis sert sur http://$(HOST):$(PORT)"
	@echo "make test   installe et lance toute la suite de tests (navigateur compris)"
	@echo "make bench  lance les bancs d'essai (benchmarks/)"
	@echo "make lint   ruff + mypy + deptry + import-linter + djlint"

$(STAMP): requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then scripts/find-python --explain; exit 1; fi
	@echo "Python utilisé : $(PYTHON)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements-dev.txt
	@# axe-core for the accessibility browser tests, opening_hours.js for benchmarks/
	@# bench_opening_hours.py (both skipped, and said so, without npm).
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(VENV)/node && npm install --silent --no-audit --no-fund --prefix $(VENV)/node axe-core@$(AXE_VERSION) opening_hours@$(OPENING_HOURS_JS_VERSION); \
	else echo "npm absent : les tests d'accessibilité (axe-core) et le banc opening_hours seront ignorés."; fi
	touch $(STAMP)

install: $(STAMP)

# Recompile the translations after editing a .po file (the .mo files are committed).
messages: install
	cd pollen && ../$(PY) ../manage.py makemessages -l en --no-obsolete -v 0 && ../$(PY) ../manage.py compilemessages -v 0

demo: install
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_territory
	$(PY) manage.py import_places $(DATA_DIR)/lieux-mediation-numerique-hinaura-2022/source.json --format mediation-numerique
	$(PY) manage.py import_places $(DATA_DIR)/fablabs-tierslieux-bretagne-maplabbzh/map_bzh_fablab.geojson --format maplabbzh
	@# The address printed and put in mails (and the jam's QR codes) is the one served below.
	POLLEN_SITE_URL=$${POLLEN_SITE_URL-http://$(HOST):$(PORT)} $(PY) manage.py load_demo
	@# DEBUG for runserver's assets, but the site's own 404/500 pages for the demo's visitors.
	POLLEN_SITE_URL=$${POLLEN_SITE_URL-http://$(HOST):$(PORT)} \
	POLLEN_DEBUG_PAGES=$${POLLEN_DEBUG_PAGES-0} \
	POLLEN_CLOCK_START=$${POLLEN_CLOCK_START-2026-11-16T10:00:00+01:00} \
	POLLEN_CLOCK_STARTED_AT=$$(date -u +%Y-%m-%dT%H:%M:%S+00:00) \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) manage.py makemigrations --check --dry-run -v 0 || (echo "Des migrations manquent : lancez makemigrations."; exit 1)
	@# sys.monitoring (Python 3.12+) keeps coverage's cost to a few per cent of the suite's time
	COVERAGE_CORE=sysmon $(PY) -m pytest --cov --cov-report= $(PYTEST_ARGS)
	$(PY) -m coverage report

test-fast: install
	$(PY) -m pytest -m "not browser" -x -q $(PYTEST_ARGS)

test-browser: install
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports
	@# the templates: lint only ([tool.djlint] in pyproject.toml), never reformatted
	$(VENV)/bin/djlint pollen --lint

# After editing the dependencies in pyproject.toml: the pinned files the installs read.
# The runtime set is pinned to the very versions the tests ran on (-c requirements-dev.txt).
deps: install
	$(VENV)/bin/uv pip compile -q --python $(PY) pyproject.toml --group dev -o requirements-dev.txt
	$(VENV)/bin/uv pip compile -q --python $(PY) pyproject.toml -c requirements-dev.txt -o requirements.txt

bench: install
	@# The benchmarks' reference solvers and second server (pyproject.toml's bench group).
	$(VENV)/bin/uv pip install -q --python $(PY) --group bench
	$(PY) benchmarks/run_all.py

# Mutation testing of money, budget and eligibility against tests/domain ([tool.mutmut] in
# pyproject.toml); one worker, results in mutants/. Slow: not part of `make test` nor of CI.
mutation: install
	test -x $(VENV)/bin/mutmut || $(VENV)/bin/uv pip install -q --python $(PY) mutmut==3.8.1
	$(VENV)/bin/mutmut run --max-children 1
	$(VENV)/bin/mutmut results

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
