#!/usr/bin/env bash
# `make run`: migrate, seed the demo, then start the web server and a Celery worker (queues cpu,gpu)
# on the embedded default (SQLite + kombu's serverless filesystem broker, everything under var/).
# Prints the URL and the demo accounts; Ctrl-C (or SIGTERM) stops both processes. The worker also
# runs the owed-work sweep on a timer (arena.submissions.liveness; ARENA_SWEEP_INTERVAL), so a
# submission whose message or worker was lost is dispatched again without another process.
# Environment: HOST (127.0.0.1), PORT (8000), WORKER_CONCURRENCY (2), ARENA_VAR_DIR (var/).
set -euo pipefail
cd "$(dirname "$0")/.."
# The settings default to production (DEBUG off, secret key and hosts required); a local run is
# development mode explicitly.
export ARENA_MODE="${ARENA_MODE:-development}"
PY="${PY:-.venv/bin/python}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
CONCURRENCY="${WORKER_CONCURRENCY:-2}"
URL="http://${HOST}:${PORT}/"

echo "==> migrate"
"$PY" manage.py migrate --noinput -v 0
echo "==> seed_demo"
"$PY" manage.py seed_demo
echo "==> collectstatic"
"$PY" manage.py collectstatic --noinput -v 0

pids=()
stopping=0
stop() {
    [ "$stopping" = 1 ] && return
    stopping=1
    echo
    echo "==> stopping web server and worker"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 40); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.25
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

echo "==> starting Celery worker (queues cpu,gpu, concurrency ${CONCURRENCY})"
PYTHONPATH="platform:.${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m celery -A arena.celery worker \
    -Q cpu,gpu --concurrency "$CONCURRENCY" --loglevel WARNING -n "arena-run-$$@%h" &
pids+=("$!")
echo "==> starting web server on ${URL}"
"$PY" manage.py runserver --noreload "${HOST}:${PORT}" &
pids+=("$!")

# Wait until the home page answers, then print the banner.
up=0
for _ in $(seq 1 120); do
    if "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$URL" 2>/dev/null; then
        up=1
        break
    fi
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || { echo "run.sh: a process exited during start-up" >&2; exit 1; }
    done
    sleep 0.5
done
if [ "$up" != 1 ]; then
    echo "run.sh: ${URL} did not answer within a minute; see the server output above" >&2
    exit 1
fi
echo
echo "============================================================"
echo " Arena is running at ${URL}"
"$PY" manage.py seed_demo --accounts
echo " Press Ctrl-C to stop."
echo "============================================================"
wait -n "${pids[@]}" || true
echo "run.sh: a process exited; stopping the other" >&2
exit 1
