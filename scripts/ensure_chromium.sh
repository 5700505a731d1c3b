#!/usr/bin/env bash
# Idempotently install Debian's Chromium for the browser tests (Playwright drives
# /usr/bin/chromium; no browser is ever downloaded by Playwright itself).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q chromium >/dev/null; then
    # The package index may be stale or empty on a fresh machine: refresh once, then retry.
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q chromium >/dev/null
fi
test -x /usr/bin/chromium || { echo "ensure_chromium: /usr/bin/chromium missing after install" >&2; exit 1; }
