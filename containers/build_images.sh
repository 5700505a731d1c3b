#!/usr/bin/env bash
# Build every Arena image offline into the local engine (Podman), idempotently: each image
# carries the label arena.recipe-hash (sha256 over its recipe files, build args and parent
# image id) and is rebuilt only when that hash changes. Also writes `podman save` archives
# used by the upload tests under var/images/.
#
#   containers/build_images.sh              # base-os, base, evaluator, examples,
#                                           # baseline-reference, archives
#   ARENA_SKIP_ARCHIVES=1 containers/build_images.sh   # images only
#
# Nothing is pulled from a registry: the OS layer comes from debootstrap (host apt mirror), the
# Python packages from a host wheelhouse (var/wheels, filled by pip download from PyPI, pinned
# to the versions in .venv so online and offline scoring use the same libraries).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
VAR="$ROOT/var"
WHEELS="$VAR/wheels"
ARCHIVES="$VAR/images"
BUILD="$VAR/build"
PY="${ARENA_PYTHON:-$ROOT/.venv/bin/python}"
mkdir -p "$WHEELS" "$ARCHIVES" "$BUILD"

log() { echo "[build_images] $*" >&2; }
command -v podman >/dev/null || { log "podman missing: run containers/setup_engine.sh first"; exit 1; }

hash_of() {  # hash_of <extra string> <paths...>: content hash over names + bytes
    local extra="$1"; shift
    { echo "$extra"; find "$@" -type f -not -name '*.pyc' -not -path '*/__pycache__/*' -print0 \
        | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16
}
image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || echo none; }
current_hash() {
    podman image inspect --format '{{index .Labels "arena.recipe-hash"}}' "$1" 2>/dev/null || true
}
up_to_date() { [[ "$(current_hash "$1")" == "$2" ]]; }

# 1. wheelhouse (pinned to the project venv's versions) ----------------------------------------
pins=$("$PY" - <<'PYEOF'
import importlib.metadata as m
print(" ".join(f"{p}=={m.version(p)}" for p in ("numpy", "SimpleITK", "scipy", "scikit-image")))
PYEOF
)
if [[ "$(cat "$WHEELS/.pins" 2>/dev/null)" != "$pins" ]]; then
    log "downloading wheels: $pins"
    # shellcheck disable=SC2086
    "$PY" -m pip download -q --only-binary=:all: --python-version 3.11 --implementation cp \
        --abi cp311 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d "$WHEELS" $pins
    echo "$pins" >"$WHEELS/.pins"
fi

# the evaluator image's own extra: zlib-ng (evaluators/headers.py inflates .nii.gz with it when
# installed); kept out of $pins so that adding it does not rebuild the base and every image on it
evaluator_pins=$("$PY" -c 'import importlib.metadata as m; print("zlib-ng==" + m.version("zlib-ng"))')
if [[ "$(cat "$WHEELS/.evaluator-pins" 2>/dev/null)" != "$evaluator_pins" ]]; then
    log "downloading wheels: $evaluator_pins"
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
        --abi cp311 --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d "$WHEELS" "$evaluator_pins"
    echo "$evaluator_pins" >"$WHEELS/.evaluator-pins"
fi

# 2. base-os (debootstrap) and base (python venv + numpy + SimpleITK) --------------------------
BASE_OS=localhost/arena/base-os:latest
h=$(hash_of "suite=${ARENA_BASE_SUITE:-bookworm}" containers/base/build_base_os.sh)
if up_to_date "$BASE_OS" "$h"; then log "$BASE_OS up to date"; else
    log "building $BASE_OS"; bash containers/base/build_base_os.sh "$BASE_OS" "$h"; fi

build() {  # build <tag> <context> <extra-hash> [podman build args...]
    local tag="$1" ctx="$2" extra="$3"; shift 3
    local h
    h=$(hash_of "$extra $*" "$ctx")
    if up_to_date "$tag" "$h"; then log "$tag up to date"; return; fi
    log "building $tag"
    podman build -q --network none --pull=never -v "$WHEELS:/wheels:ro" \
        --label "arena.recipe-hash=$h" -t "$tag" "$@" "$ctx" >/dev/null
}

BASE=localhost/arena/base:latest
build "$BASE" containers/base "parent=$(image_id "$BASE_OS") pins=$pins" \
    --build-arg "BASE_IMAGE=$BASE_OS"

# 3. example algorithms ------------------------------------------------------------------------
build localhost/arena/example-good:latest containers/examples/good "parent=$(image_id "$BASE")" \
    --build-arg "BASE_IMAGE=$BASE"
build localhost/arena/example-good-slow:latest containers/examples/good \
    "parent=$(image_id "$BASE") delay=6" --build-arg "BASE_IMAGE=$BASE" --build-arg DELAY_S=6
for path in containers/examples/hostile/behaviours/*.py; do
    name=$(basename "$path" .py)
    run_as=1000
    [[ "$name" == root ]] && run_as=0
    build "localhost/arena/example-$name:latest" containers/examples/hostile \
        "parent=$(image_id "$BASE_OS") behaviour=$name" \
        --build-arg "BASE_IMAGE=$BASE_OS" --build-arg "BEHAVIOUR=$name" --build-arg "RUN_AS=$run_as"
done

# 4. evaluator: the repo's evaluators/ package + scipy, on the base image ----------------------
ctx="$BUILD/evaluator-context"
rm -rf "$ctx" && mkdir -p "$ctx"
cp containers/evaluator/Containerfile containers/evaluator/evaluate.sh "$ctx/"
cp -r evaluators "$ctx/evaluators"
find "$ctx" -name '__pycache__' -type d -prune -exec rm -rf {} +
build localhost/arena/evaluator:latest "$ctx" "parent=$(image_id "$BASE") extra=$evaluator_pins" \
    --build-arg "BASE_IMAGE=$BASE"

# 4b. reference baseline algorithm (baselines.reference in container mode; one image, all tasks)
ctx="$BUILD/baseline-reference-context"
rm -rf "$ctx" && mkdir -p "$ctx/baselines"
cp containers/baselines/reference/Containerfile "$ctx/"
cp baselines/__init__.py "$ctx/baselines/"
cp -r baselines/reference baselines/phantoms "$ctx/baselines/"
find "$ctx" -name '__pycache__' -type d -prune -exec rm -rf {} +
build localhost/arena/baseline-reference:latest "$ctx" "parent=$(image_id "$BASE")" \
    --build-arg "BASE_IMAGE=$BASE"

# 5. archives for the upload tests (docker-archive format, as `docker save` writes) ------------
save_archive() {  # save_archive <example name> <tar|tar.gz>
    local tag="localhost/arena/example-$1:latest" out="$ARCHIVES/example-$1.$2" id
    id=$(image_id "$tag")
    [[ "$(cat "$out.id" 2>/dev/null)" == "$id" && -f "$out" ]] && return
    log "saving $out"
    if [[ "$2" == tar ]]; then
        podman save -q --format docker-archive -o "$out.tmp" "$tag"
    else
        podman save -q --format docker-archive "$tag" | gzip -1 >"$out.tmp"
    fi
    mv "$out.tmp" "$out"
    echo "$id" >"$out.id"
}
if [[ -z "${ARENA_SKIP_ARCHIVES:-}" ]]; then
    save_archive good tar.gz
    save_archive good-slow tar
    for path in containers/examples/hostile/behaviours/*.py; do
        save_archive "$(basename "$path" .py)" tar
    done
fi
podman image prune -f >/dev/null 2>&1 || true  # dangling layers of replaced builds
log "done"
