# The two commands of the README, plus the benchmark suite.
#   make demo   serve paste.ini.sample on http://127.0.0.1:8080/ (waitress, sqlite)
#   make test   ruff + mypy + the whole suite on both legs of the matrix
#   make bench  the pyperf benchmark suite (minutes; writes benchmarks/results/)
#
# Matrix: Django 5.2 LTS on Python 3.11 (.venv) and the newest Django on Python 3.13
# (.venv-py313).  A missing Python 3.13 skips that leg with a loud banner, never silently.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DEFAULT_GOAL := help

PYTHON ?= python3.11
# The first candidate that really is a working Python 3.13 (pyenv shims may exist but fail);
# override with `make test PYTHON313=/path/to/python3.13`.
PYTHON313 := $(shell for c in python3.13 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13 2>/dev/null); do \
  $$c -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { command -v $$c; break; }; done)
VENV := .venv
VENV313 := .venv-py313
PIP_FLAGS := --quiet --disable-pip-version-check
PYTEST_ARGS ?=
HOST ?= 127.0.0.1
PORT ?= 8080

# Fall back to python3 when python3.11 is not on PATH (or is a failing pyenv shim).
ifneq ($(shell $(PYTHON) -c 'import sys; print(sys.version_info[:2] == (3, 11))' 2>/dev/null),True)
PYTHON := python3
endif

.PHONY: help demo test lint typecheck test-311 test-313 docs bench bench-smoke clean

help:
	@echo "make demo   serve paste.ini.sample on http://$(HOST):$(PORT)/"
	@echo "make test   lint, type-check and run the whole test suite (both matrix legs)"
	@echo "make bench  run the benchmark suite"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip 2>/dev/null
	$(VENV)/bin/python -m pip install $(PIP_FLAGS) -e '.[test,docs,bench]' 'Django>=5.2,<5.3' 'django-stubs>=5.2,<5.3' 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(VENV)/bin/python -c "import django, djwsgi; assert django.VERSION[:2] == (5, 2), django.VERSION"
	touch $@

$(VENV313)/.installed: pyproject.toml
	@if [ -z "$(PYTHON313)" ]; then echo "no Python 3.13 interpreter" >&2; exit 1; fi
	$(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip 2>/dev/null
	$(VENV313)/bin/python -m pip install $(PIP_FLAGS) --upgrade -e '.[test]' Django 2>&1 | { grep -v "^WARNING: Location" || true; }
	$(VENV313)/bin/python -c "import django, djwsgi; print('Python 3.13 leg: Django', django.get_version())"
	touch $@

# The demo package (examples/demo) is imported from examples/; pserve or gunicorn --paste
# serve the same file (see paste.ini.sample).
demo: $(VENV)/.installed
	@echo "Serving paste.ini.sample on http://$(HOST):$(PORT)/ (Ctrl-C stops). Try:"
	@echo "  http://$(HOST):$(PORT)/django/            a Django URLconf (reverse() under /django)"
	@echo "  http://$(HOST):$(PORT)/django/admin/      the Django admin (log in as demo / demo)"
	@echo "  http://$(HOST):$(PORT)/hello/any/path     a lone Django view"
	@echo "  http://$(HOST):$(PORT)/flask/             Flask behind Django's login_required"
	@echo "  http://$(HOST):$(PORT)/site/              a Django project ..."
	@echo "  http://$(HOST):$(PORT)/site/wiki/Page     ... with a Werkzeug app mounted inside it"
	@echo "  http://$(HOST):$(PORT)/nowhere            the not_found app"
	PYTHONPATH=examples $(VENV)/bin/python -m djwsgi serve paste.ini.sample --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

docs: $(VENV)/.installed
	@if [ -f docs/conf.py ]; then $(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html; fi

test-313:
	@if [ -z "$(PYTHON313)" ]; then \
	  echo "************************************************************" >&2; \
	  echo "* SKIPPED: Python 3.13 not found; the newest-Django leg of  *" >&2; \
	  echo "* the matrix did NOT run. Set PYTHON313=/path/to/python3.13 *" >&2; \
	  echo "************************************************************" >&2; \
	else \
	  $(MAKE) --no-print-directory $(VENV313)/.installed && \
	  $(VENV313)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS); \
	fi

test-311: $(VENV)/.installed
	$(VENV)/bin/python -c "import django, sys; print('Python', sys.version.split()[0], 'leg: Django', django.get_version())"
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The 3.11 leg runs last so that the run ends with pytest's summary line.
test: lint typecheck docs test-313 test-311

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(VENV313) docs/_build .mypy_cache .ruff_cache .pytest_cache
