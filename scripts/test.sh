#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. Tiers run in order so a failure names its tier.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
bash scripts/ref_venv.sh   # peer libraries (DeepMind surface-distance needs NumPy < 2)
bash scripts/ensure_chromium.sh   # Debian's Chromium for the Playwright browser tests
bash scripts/ensure_r.sh          # Debian's R for the robustness statistics tests (wilcox.test, p.adjust)
# tests/faults (marker "faults") starts its own redis-server and PostgreSQL database and fails,
# never skips, when they cannot start: it runs here like every other tier.
status=0
# Podman engine + offline images for tests/containers; a failure still runs the other tiers (the
# container tests then fail with the recorded reason) and fails the run.
bash containers/prepare_tests.sh || status=$?
$PY -m pytest -q -p no:cacheprovider "$@" || status=$?
if [[ "${ARENA_SKIP_CONTAINERS:-}" == "1" ]]; then
    echo "[test.sh] ARENA_SKIP_CONTAINERS=1: the container tier was skipped on request" >&2
fi
exit $status
