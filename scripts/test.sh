#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. Tiers run in order so a failure names its tier.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
bash scripts/ref_venv.sh   # peer libraries (DeepMind surface-distance needs NumPy < 2)
bash scripts/ensure_chromium.sh   # Debian's Chromium for the Playwright browser tests
bash containers/prepare_tests.sh  # Podman engine + offline images for tests/containers
# tests/faults (marker "faults") starts its own redis-server and PostgreSQL database and fails,
# never skips, when they cannot start: it runs here like every other tier.
status=0
$PY -m pytest -q -p no:cacheprovider "$@" || status=$?
exit $status
