# Crimelink: `make run` loads the demo borough and serves it at http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_SIZE ?= 200000

.PHONY: install run test test-fast lint format bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Crimelink needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[postgres,spark,dev]'
	@touch $(STAMP)

run: install
	$(BIN)/crimelink db upgrade
	$(BIN)/crimelink demo load --generate
	$(BIN)/crimelink entities resolve
	$(BIN)/crimelink safeguarding scan
	$(BIN)/crimelink demo users
	$(BIN)/crimelink demo operations
	$(BIN)/crimelink demo plan
	$(BIN)/crimelink serve

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not postgres"

lint: install
	$(BIN)/ruff check crimelink tests benchmarks
	$(BIN)/ruff format --check crimelink tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix crimelink tests benchmarks
	$(BIN)/ruff format crimelink tests benchmarks

bench: install
	$(BIN)/python benchmarks/bench_import.py --rows $(BENCH_SIZE) --backend sqlite --backend postgresql

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
