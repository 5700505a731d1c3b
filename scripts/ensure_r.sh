#!/usr/bin/env bash
# Idempotently install Debian's R (r-base-core) for the statistics tests: the robustness
# tier compares Arena's Wilcoxon/Holm p-values with R's wilcox.test and p.adjust.
set -euo pipefail
if command -v Rscript >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends r-base-core >/dev/null; then
    # The package index may be stale or empty on a fresh machine: refresh once, then retry.
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends r-base-core >/dev/null
fi
command -v Rscript >/dev/null || { echo "ensure_r: Rscript missing after installing r-base-core" >&2; exit 1; }
