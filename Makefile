# Arena — the two README commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | sha256sum | cut -c1-12)

.PHONY: install run test lint test-fast bench-evaluators bench-platform clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## install: create .venv and install what is missing
install: $(STAMP)

## lint: ruff over the whole tree
lint: install
	$(VENV)/bin/ruff check .

## run: migrate, seed the demo, start the web server + a Celery worker (PORT=8000; Ctrl-C stops)
run: install
	bash scripts/run.sh

## test: the whole suite (unit, fidelity, integration, browser, containers, slow tiers)
test: install lint
	bash scripts/test.sh

## test-fast: unit tests only
test-fast: install
	$(PY) -m pytest -q -m "not slow and not integration and not browser and not containers"

## bench-evaluators: evaluator speed/memory against medpy, DeepMind surface-distance, MONAI
bench-evaluators: install
	$(PY) tests/benchmarks/bench_evaluators.py

## bench-platform: leaderboard page/API p95 and ranking recompute, 1,000 submissions x 50 cases (PostgreSQL)
bench-platform: install
	$(PY) tests/benchmarks/bench_leaderboard.py

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .ruff_cache var
