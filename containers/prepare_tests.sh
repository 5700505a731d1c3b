#!/usr/bin/env bash
# Prepare the container tests (called by scripts/test.sh): set up the engine, build the images
# offline. ARENA_SKIP_CONTAINERS=1 opts the run out of the container tier explicitly (nothing is
# set up; the tests skip and the pytest summary says so). Otherwise an engine that cannot be set
# up is an error: the reason goes to var/engine-unavailable.txt (each container test then fails
# with it) and this script exits 1; a failing image build exits 1 too (tests report missing
# images).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
marker=var/engine-unavailable.txt
rm -f "$marker"
if [[ "${ARENA_SKIP_CONTAINERS:-}" == "1" ]]; then
    echo "[prepare_tests] ARENA_SKIP_CONTAINERS=1: container tier NOT set up, its tests will skip" >&2
    exit 0
fi
if ! out=$(bash containers/setup_engine.sh 2>&1); then
    echo "$out" >&2
    printf 'containers/setup_engine.sh failed: %s\n' "$(echo "$out" | tail -n 3 | tr '\n' ' ')" >"$marker"
    echo "[prepare_tests] FAILED, engine unavailable (container tests will fail): $(cat "$marker")" >&2
    echo "[prepare_tests] set ARENA_SKIP_CONTAINERS=1 to opt out of the container tier" >&2
    exit 1
fi
echo "$out" | tail -n 1 >&2
started=$(date +%s)
if ! bash containers/build_images.sh; then
    echo "[prepare_tests] image build FAILED (container tests will fail)" >&2
    exit 1
fi
echo "[prepare_tests] images ready in $(( $(date +%s) - started )) s" >&2
