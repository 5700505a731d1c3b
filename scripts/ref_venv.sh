#!/usr/bin/env bash
# Peer libraries for reference tests and benchmarks, in their own virtual environment:
# DeepMind surface-distance needs NumPy < 2 (it uses np.Inf), so it can't share .venv.
# Idempotent: a stamp records what was installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-ref
SPEC='numpy<2 scipy SimpleITK==2.5.* medpy==0.5.2 surface-distance==0.1 scikit-image'
STAMP="$VENV/.installed-$(echo "$SPEC" | sha256sum | cut -c1-12)"
if [ -f "$STAMP" ]; then exit 0; fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install -q $SPEC
rm -f "$VENV"/.installed-* && touch "$STAMP"
