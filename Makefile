# Arena — the two README commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON_BOOT ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha256sum | cut -c1-12)

.PHONY: install ref-venv run web worker test lint test-fast bench-evaluators bench-adversarial bench-monai-env bench-platform bench-execution bench-robustness bench-storage clean nnunet-env phantoms gpu-check demo-nnunet
NNUNET_VENV := .venv-nnunet
NNUNET_STAMP := $(NNUNET_VENV)/.installed-$(shell cat baselines/requirements-nnunet.txt | sha256sum | cut -c1-12)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## install: create .venv, install what is missing and the repository itself (pip install -e .: arena, evaluators, baselines)
install: $(STAMP)

## lint: ruff over the whole tree + the import contracts (pyproject [tool.importlinter]: app layers, no cycles)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## run: migrate, seed the demo, start the web server + a Celery worker (PORT=8000; Ctrl-C stops)
run: install
	bash scripts/run.sh

## web: one web node (gunicorn on PORT=8000) from DATABASE_URL, CELERY_BROKER_URL, ARENA_STORAGE + AWS_*, ARENA_VAR_DIR
web: install
	bash scripts/node.sh web

## worker: one Celery worker node (QUEUES=cpu,gpu; e.g. QUEUES=gpu) from the same variables as web
worker: install
	bash scripts/node.sh worker

## test: the whole suite (unit, fidelity, integration, browser, containers, slow tiers)
test: install lint nnunet-env
	bash scripts/test.sh

## ref-venv: peer libraries of the reference tests in .venv-ref (scripts/ref_venv.sh, idempotent)
ref-venv:
	bash scripts/ref_venv.sh

## test-fast: unit tests only (with the reference tests, which need .venv-ref)
test-fast: install ref-venv
	$(PY) -m pytest -q -m "not slow and not integration and not browser and not containers"

## bench-evaluators: evaluator speed/memory against medpy, DeepMind surface-distance, MONAI
bench-evaluators: install bench-monai-env
	$(PY) tests/benchmarks/bench_evaluators.py

## bench-adversarial: noisy predictions (salt holes/islands, checkerboard, shell, far tiny reference) vs DeepMind and medpy
bench-adversarial: install
	$(PY) tests/benchmarks/bench_adversarial.py 240x256x256
	$(PY) tests/benchmarks/bench_adversarial.py 600x512x512 --skip-medpy

## bench-monai-env: torch (CPU build on this disk) + MONAI in .venv-monai, the benchmark's MONAI peer
bench-monai-env:
	@test -x .venv-monai/bin/python || $(PYTHON_BOOT) -m venv .venv-monai
	.venv-monai/bin/python -m pip install -q torch==2.13.0
	.venv-monai/bin/python -m pip install -q monai SimpleITK==2.5.* scipy

## bench-execution: per-job overhead of a 10-case algorithm run, 1 GB image import peak RSS (Podman)
bench-execution: install
	bash containers/setup_engine.sh
	ARENA_SKIP_ARCHIVES=1 bash containers/build_images.sh
	$(PY) tests/benchmarks/bench_execution.py

## bench-storage: 1 GB upload + image import through S3 across web/worker nodes (peak RSS), 50-case job overhead with S3 staging
bench-storage: install
	bash containers/setup_engine.sh
	ARENA_SKIP_ARCHIVES=1 bash containers/build_images.sh
	$(PY) tests/benchmarks/bench_storage.py

## bench-platform: leaderboard page/API p95 and ranking recompute, 1,000 submissions x 50 cases (PostgreSQL)
bench-platform: install
	$(PY) tests/benchmarks/bench_leaderboard.py

## bench-robustness: bootstrap (1,000 samples) + pairwise Wilcoxon/Holm, 50 entries x 50 cases
bench-robustness: install
	$(PY) tests/benchmarks/bench_robustness.py

$(NNUNET_STAMP): baselines/requirements-nnunet.txt
	@test -x $(NNUNET_VENV)/bin/python || $(PYTHON_BOOT) -m venv $(NNUNET_VENV)
	$(NNUNET_VENV)/bin/python -m pip install -q -r baselines/requirements-nnunet.txt
	@rm -f $(NNUNET_VENV)/.installed-* && touch $(NNUNET_STAMP)

## nnunet-env: .venv-nnunet with the CPU torch wheel + nnunetv2 (baselines/requirements-nnunet.txt)
nnunet-env: $(NNUNET_STAMP)

## phantoms: phantom datasets of every task in var/phantoms/<task> (PRESET=small CASES=3 SEED=0)
PRESET ?= small
CASES ?= 3
SEED ?= 0
phantoms: install
	@for t in $$($(PY) -m baselines.phantoms list); do \
	  out=var/phantoms/$(PRESET)/$$t; \
	  if [ -f $$out/dataset.json ]; then echo "$$out exists"; \
	  else $(PY) -m baselines.phantoms generate --task $$t --preset $(PRESET) --cases $(CASES) --seed $(SEED) --out $$out || exit 1; fi; \
	done

## demo-nnunet: train tiny CPU nnU-Net models (TASKS="kits21 amos22") where missing, add their rows to the demo leaderboards
demo-nnunet: install nnunet-env
	bash scripts/demo_nnunet.sh

## gpu-check: nnU-Net training it/s + inference s/case on CUDA, full-size phantoms (exits 3 without a GPU)
gpu-check: install nnunet-env
	$(NNUNET_VENV)/bin/python -m baselines.gpu_check

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .ruff_cache var
