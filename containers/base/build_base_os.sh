#!/usr/bin/env bash
# Build the offline OS layer of Arena's base image: a debootstrap'ed Debian 12 "minbase" with
# Python 3.11, imported into the local engine as $1 (e.g. localhost/arena/base-os:latest).
# The apt mirror is read from this machine's apt sources at run time (never hard-coded), so it
# works wherever apt works; no registry is contacted.
#   containers/base/build_base_os.sh IMAGE_TAG RECIPE_HASH
set -euo pipefail
TAG="$1"
HASH="${2:-none}"
SUITE="${ARENA_BASE_SUITE:-bookworm}"

mirror_from_sources() {
    local f uri
    # deb822 files: the URIs line of the stanza whose Suites contain "$SUITE" (not -security)
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        uri=$(awk -v suite="$SUITE" '
            /^URIs:/   { u = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
            /^$/       { if (ok && u != "") { print u; exit } ok = 0; u = "" }
            END        { if (ok && u != "") print u }' "$f" | head -n1)
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
    # one-line format
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        uri=$(awk -v suite="$SUITE" '$1 == "deb" && $0 !~ /\[/ && $3 == suite { print $2; exit }
                                     $1 == "deb" && $0 ~ /\[/ && $4 == suite { print $3; exit }' "$f")
        [[ -n "$uri" ]] && { echo "$uri"; return; }
    done
    return 1
}

MIRROR="${ARENA_APT_MIRROR:-$(mirror_from_sources || true)}"
if [[ -z "$MIRROR" ]]; then
    echo "[base-os] no apt mirror for suite '$SUITE' found in /etc/apt/sources*; set ARENA_APT_MIRROR" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/arena-rootfs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"
echo "[base-os] debootstrap $SUITE from $MIRROR" >&2
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    exit 1
}

# Trim what a runtime image never needs (docs, manuals, locales, apt caches and lists).
rm -rf "$ROOTFS"/usr/share/{doc,man,info,lintian,linda} "$ROOTFS"/var/cache/apt/* \
    "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/* "$ROOTFS"/tmp/* "$ROOTFS"/var/cache/debconf/*-old
find "$ROOTFS"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name 'C.*' -exec rm -rf {} + 2>/dev/null || true
find "$ROOTFS"/usr/lib/python3* -name '__pycache__' -type d -prune -exec rm -rf {} + 2>/dev/null || true
# Reproducible, registry-free apt config inside the image: same mirror as the host.
echo "deb $MIRROR $SUITE main" >"$ROOTFS/etc/apt/sources.list"

tar --numeric-owner -C "$ROOTFS" -c . | podman import \
    --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL arena.recipe-hash=$HASH" \
    --change 'LABEL org.opencontainers.image.title=arena-base-os' \
    - "$TAG" >/dev/null
echo "[base-os] imported $TAG" >&2
