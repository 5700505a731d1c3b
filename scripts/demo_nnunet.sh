#!/usr/bin/env bash
# `make demo-nnunet`: the nnU-Net baseline rows of the demo leaderboards.
# For each task of TASKS (default "kits21 amos22"), train the tiny CPU schedule on small phantoms
# and export the model to $ARENA_VAR_DIR/models/<task> unless a model is already there, then run
# seed_demo, which predicts each demo test set with the models it finds and submits the result
# as the "nnunet" account. About 2-6 min per task on 2 cores; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export ARENA_MODE="${ARENA_MODE:-development}"  # the local demo, as `make run`
PY="${PY:-.venv/bin/python}"
NNUNET_PY="${NNUNET_PY:-.venv-nnunet/bin/python}"
VAR="${ARENA_VAR_DIR:-var}"
MODELS="${ARENA_MODELS_ROOT:-$VAR/models}"
TASKS="${TASKS:-kits21 amos22}"
for task in $TASKS; do
    echo "==> nnU-Net demo model: $task"
    PYTHONPATH=. "$NNUNET_PY" -m baselines.nnunet demo-model --task "$task" \
        --models "$MODELS" --work "$VAR/nnunet-demo" --device cpu
done
echo "==> seed_demo"
"$PY" manage.py migrate --noinput -v 0
ARENA_MODELS_ROOT="$MODELS" "$PY" manage.py seed_demo
