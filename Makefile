# The two commands of the README: `make run` and `make test`. Each does its own set-up.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup lint check clean-data

$(VENV)/.installed: pyproject.toml infra/bootstrap-venv.sh
	@bash infra/bootstrap-venv.sh "$(VENV)"
	@touch $@

setup: $(VENV)/.installed

run: setup
	@bash infra/run-local.sh "$(HOST)" "$(PORT)"

check: setup
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

lint: check

test: setup
	@bash infra/run-tests.sh

clean-data:
	rm -rf var/
