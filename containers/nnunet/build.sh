#!/usr/bin/env bash
# Build the nnU-Net baseline inference image offline with a trained, exported model inside.
#
#   containers/nnunet/build.sh MODEL_DIR [TAG]        (default TAG localhost/arena/nnunet-<task>:latest)
#   ARENA_SAVE=path.tar containers/nnunet/build.sh …  (also `podman save` a docker-archive)
#
# MODEL_DIR is what `python -m baselines.nnunet train --export MODEL_DIR` wrote. Needs podman and
# the base image of containers/build_images.sh (BASE_IMAGE overrides it). Wheels for torch (the
# CPU wheel already on this disk) and nnunetv2 are built once into var/wheels-nnunet with the
# .venv-nnunet pip, pinned to the versions installed there; the image build itself has no network.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
MODEL="${1:?usage: containers/nnunet/build.sh MODEL_DIR [TAG]}"
[[ -f "$MODEL/arena_model.json" ]] || { echo "error: $MODEL/arena_model.json not found (expected an exported nnU-Net model)" >&2; exit 2; }
TASK=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['task'])" "$MODEL/arena_model.json")
TAG="${2:-localhost/arena/nnunet-${TASK//_/-}:latest}"
BASE_IMAGE="${BASE_IMAGE:-localhost/arena/base:latest}"
NNPY="$ROOT/.venv-nnunet/bin/python"
WHEELS="$ROOT/var/wheels-nnunet"
CTX="$ROOT/var/build/nnunet-context"
log() { echo "[nnunet-image] $*" >&2; }
command -v podman >/dev/null || { echo "error: podman missing: run containers/setup_engine.sh" >&2; exit 2; }
podman image exists "$BASE_IMAGE" || { echo "error: base image $BASE_IMAGE missing: run containers/build_images.sh" >&2; exit 2; }
[[ -x "$NNPY" ]] || { echo "error: $NNPY missing: run make nnunet-env" >&2; exit 2; }

pins=$("$NNPY" -c "import importlib.metadata as m; print(' '.join(f'{p}=={m.version(p)}' for p in ('torch', 'nnunetv2')))")
if [[ "$(cat "$WHEELS/.pins" 2>/dev/null)" != "$pins" ]]; then
    log "building wheelhouse for: $pins"
    mkdir -p "$WHEELS"
    # shellcheck disable=SC2086
    "$NNPY" -m pip wheel -q --wheel-dir "$WHEELS" $pins
    echo "$pins" >"$WHEELS/.pins"
fi

rm -rf "$CTX" && mkdir -p "$CTX"
cp containers/nnunet/Dockerfile "$CTX/Dockerfile"
mkdir -p "$CTX/baselines"
cp -r baselines/__init__.py baselines/nnunet baselines/reference baselines/phantoms "$CTX/baselines/"
find "$CTX" -name '__pycache__' -type d -prune -exec rm -rf {} +
cp -r "$MODEL" "$CTX/model"
log "building $TAG from $BASE_IMAGE"
podman build -q --network none --pull=never -v "$WHEELS:/wheels:ro" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" --label "arena.baseline=nnunet" --label "arena.task=$TASK" \
    -t "$TAG" "$CTX" >/dev/null
if [[ -n "${ARENA_SAVE:-}" ]]; then
    log "saving $ARENA_SAVE"
    podman save --format docker-archive -o "$ARENA_SAVE.tmp" "$TAG" && mv "$ARENA_SAVE.tmp" "$ARENA_SAVE"
fi
echo "$TAG"
