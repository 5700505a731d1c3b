#!/usr/bin/env bash
# `make web` / `make worker`: start ONE role of a multi-node Arena from environment variables.
#   web     gunicorn serving arena.wsgi on ${HOST:-0.0.0.0}:${PORT:-8000}: WEB_WORKERS (2)
#           processes x WEB_THREADS (40) threads (gthread; each process holds at most
#           ARENA_DB_POOL_MAX pooled database connections; at most ARENA_UPLOAD_SLOTS (4)
#           uploads run at once and ARENA_UPLOAD_QUEUE (28) wait, so keep WEB_THREADS above
#           their sum: the rest serve board reads and pages, see platform/arena/uploadslots.py);
#           runs `manage.py migrate` first
#           (idempotent; several web nodes may start at once). Production mode serves static
#           files from STATIC_ROOT: run `manage.py collectstatic --noinput` once per release.
#   worker  one Celery worker on the queues in ${QUEUES:-cpu,gpu} (e.g. QUEUES=gpu),
#           WORKER_CONCURRENCY (2) processes.
# Both read the same variables: DATABASE_URL, CELERY_BROKER_URL, ARENA_STORAGE (+ the AWS_*
# variables of S3 storage), ARENA_VAR_DIR (this node's local folder: scratch, caches, logs).
# The process is exec'ed, so the caller's signals (Ctrl-C, SIGTERM) reach it directly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
role="${1:?usage: scripts/node.sh web|worker}"
export PYTHONPATH="$PWD/platform:$PWD${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-arena.settings}"
for var in DATABASE_URL CELERY_BROKER_URL; do
    if [ -z "${!var:-}" ]; then
        echo "node.sh: $var is not set; a $role node shares the database and the broker with the" \
             "other nodes (e.g. $var=$( [ "$var" = DATABASE_URL ] && echo postgres://user@db:5432/arena || echo redis://broker:6379/0 ))" >&2
        exit 2
    fi
done
if [ "${ARENA_STORAGE:-filesystem}" = "s3" ] && [ -z "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
    echo "node.sh: ARENA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL," \
         "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY for a non-AWS service)" >&2
    exit 2
fi
case "$role" in
    web)
        "$PY" manage.py migrate --noinput -v 0
        exec "$(dirname "$PY")/gunicorn" arena.wsgi:application \
            --bind "${HOST:-0.0.0.0}:${PORT:-8000}" --workers "${WEB_WORKERS:-2}" \
            --worker-class gthread --threads "${WEB_THREADS:-40}" \
            --timeout "${WEB_TIMEOUT:-900}" --access-logfile - --error-logfile -
        ;;
    worker)
        exec "$PY" -m celery -A arena.celery worker -Q "${QUEUES:-cpu,gpu}" \
            --concurrency "${WORKER_CONCURRENCY:-2}" --loglevel "${LOG_LEVEL:-INFO}" \
            --without-gossip --without-mingle -n "${WORKER_NAME:-arena-$(hostname)-$$}@%h"
        ;;
    *)
        echo "node.sh: unknown role '$role' (expected web or worker)" >&2
        exit 2
        ;;
esac
