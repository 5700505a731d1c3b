#!/bin/sh
# Entry point of the Arena evaluator image. Arguments are passed to `python -m evaluators score`
# after the fixed paths; the task comes from --task or ARENA_TASK.
#   /input       predictions (read-only)      /references  reference set (read-only)
#   /output      metrics.json + cases.csv are written here
set -eu
if [ -n "${ARENA_TASK:-}" ]; then
    set -- --task "$ARENA_TASK" "$@"
fi
exec python -m evaluators score --pred /input --ref /references --out /output \
    --jobs "${ARENA_JOBS:-1}" "$@"
