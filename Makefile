# qinbound_nb — two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint lab bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## demo: run the example job end to end against the embedded sandbox
demo: $(STAMP)
	$(VENV)/bin/qinbound demo

## lint: ruff format + ruff check + mypy + import-linter
lint: $(STAMP)
	$(VENV)/bin/ruff format --check qinbound_nb tests bench
	$(VENV)/bin/ruff check qinbound_nb tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## test: lint, then the whole suite (slow and browser tests included): two workers, then
## the tests that need the machine to themselves (marker `serial`) one at a time
test: lint
	$(VENV)/bin/pytest -n 2 -m "not serial"
	$(VENV)/bin/pytest -m serial

## test-fast: the suite without the slow and browser tests
test-fast: $(STAMP)
	$(VENV)/bin/pytest -n 2 -m "not slow and not browser and not serial"

## lab: open JupyterLab on the notebooks folder (the wizard is notebooks/wizard.ipynb)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/wizard.ipynb

## bench: run every benchmark and rewrite bench/RESULTS.md (Presidio is the redaction baseline)
bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
