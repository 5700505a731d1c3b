"""A real Arena stack whose parts the fault tests kill and restart: its own ``redis-server`` on a
free port (no persistence, so a restart is empty), its own PostgreSQL database (or the embedded
default: SQLite + kombu's filesystem broker in a fresh ``ARENA_VAR_DIR``), a gunicorn web server
and one Celery worker, each in its own process group. On PostgreSQL + Redis they are started
as an operator does, ``make web`` and ``make worker`` (scripts/node.sh); the embedded default
(which node.sh refuses: it has no shared database or broker) runs the same commands directly. Liveness timeouts are made small through
the environment so a lost task is taken over in seconds.

Every service that cannot start raises :class:`ServiceUnavailable`; the fixtures turn it into a
test failure (never a skip)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
SEED = """
from django.contrib.auth import get_user_model
from arena.api.tokens import issue_token
from arena.challenges.models import Challenge, Phase
from arena.challenges.services import configure_phase_dataset
User = get_user_model()
challenge = Challenge.objects.create(slug="kits-faults", title="KiTS faults")
phase = Phase.objects.create(challenge=challenge, slug="test", title="Test", task="kits21",
                             quota_count=0, **{phase_fields})
configure_phase_dataset(phase, r"{dataset}")
tokens = []
for i in range({users}):
    user = User.objects.create_user(f"user{{i}}", f"user{{i}}@example.org", "pw-faults-123")
    tokens.append(issue_token(user, "test")[1])
print(phase.pk, *tokens)
"""
#: Small liveness timeouts (seconds) for the tests; production defaults are in settings.py.
FAST = {
    "ARENA_HEARTBEAT_INTERVAL": "0.5",
    "ARENA_HEARTBEAT_TIMEOUT": "4",
    "ARENA_DISPATCH_GRACE": "2",
    "ARENA_SWEEP_INTERVAL": "1",
}
#: Seconds within which every submission must be final after a fault (sweep timeout + margin).
SETTLE_S = 90


def wait_until(predicate, what: str, stack, timeout: float = 60.0, poll: float = 0.2):
    """Poll ``predicate`` until it returns a truthy value (returned) or ``timeout`` s pass; then
    fail the test naming ``what`` with the stack's service logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out waiting for {what}:\n{stack.logs()}")


class ServiceUnavailable(RuntimeError):
    """A service the fault suite needs (redis-server, PostgreSQL, a process) did not start."""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float) -> bool:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


class Redis:
    """An own ``redis-server`` (``--save "" --appendonly no``: a restart starts empty)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceUnavailable("redis-server is not installed (apt-get install redis-server)")
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        if not _wait_port(self.port, 15):
            self.kill()
            raise ServiceUnavailable(f"redis-server did not listen on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: every message it held is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


class Stack:
    """Web (gunicorn), worker and broker processes over one database; ``url`` is the web
    server's base URL, ``tokens`` the seeded users' API tokens (after :meth:`seed`)."""

    def __init__(self, root: Path, backend: str, *, env: dict[str, str] | None = None):
        self.root, self.backend = root, backend
        self.var_dir = root / "var"
        self.var_dir.mkdir(parents=True)
        self.procs: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.env = {
            k: v for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            ARENA_VAR_DIR=str(self.var_dir),
            PYTHONPATH=os.pathsep.join([str(REPO / "platform"), str(REPO)]),
            DJANGO_SETTINGS_MODULE="arena.settings",
            ARENA_MODE="development",
            ARENA_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
            **FAST,
        )
        self.env.update(env or {})
        self.db_name: str | None = None
        self.redis: Redis | None = None
        if backend == "postgres":
            import psycopg

            self.db_name = f"arena_faults_{uuid.uuid4().hex[:10]}"
            try:
                with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f'CREATE DATABASE "{self.db_name}"')
            except psycopg.OperationalError as exc:
                self.db_name = None
                raise ServiceUnavailable(f"PostgreSQL at 127.0.0.1:5432: {exc}") from exc
            self.redis = Redis(root / "redis")
            self.redis.start()
            self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
            self.env["CELERY_BROKER_URL"] = self.redis.url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tokens: list[str] = []
        self.phase_id = 0

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:5432/{self.db_name}"

    def manage(self, *args: str) -> str:
        """Run ``manage.py`` synchronously; returns stdout, raises with the output on failure."""
        result = subprocess.run(
            [PY, str(REPO / "manage.py"), *args], env=self.env, cwd=REPO,
            capture_output=True, text=True, timeout=300,
        )
        if result.returncode != 0:
            raise ServiceUnavailable(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def seed(self, dataset: Path, users: int = 1, phase: dict | None = None) -> None:
        """Migrate, create the challenge on ``dataset`` (its phase with the extra model
        fields ``phase``, e.g. an algorithm phase) and ``users`` users."""
        self.manage("migrate", "--noinput", "-v0")
        out = self.manage("shell", "-c", SEED.format(dataset=dataset, users=users,
                                                     phase_fields=repr(phase or {})))
        phase_id, *tokens = out.strip().splitlines()[-1].split()
        self.phase_id, self.tokens = int(phase_id), tokens

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.var_dir / f"{name}.log"
        fh = open(log, "ab")
        proc = subprocess.Popen(
            argv, env=self.env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = (proc, log)

    def _make(self, role: str, **env: str) -> list[str]:
        """``make <role>`` (scripts/node.sh) with ``env`` added to the stack's environment."""
        self.env.update(env, PY=PY)
        return ["make", "-s", "-o", "install", role]

    def start_worker(self, name: str = "worker", concurrency: int = 1) -> None:
        hostname = f"faults-{uuid.uuid4().hex[:6]}"
        if self.backend == "postgres":
            argv = self._make("worker", QUEUES="cpu,gpu", WORKER_CONCURRENCY=str(concurrency),
                              WORKER_NAME=hostname, LOG_LEVEL="INFO")
        else:
            argv = [PY, "-m", "celery", "-A", "arena.celery", "worker", "-Q", "cpu,gpu",
                    "--concurrency", str(concurrency), "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "-n", f"{hostname}@%h"]
        self._spawn(name, argv)

    def start_web(self, workers: int = 2, threads: int = 40) -> None:
        """gunicorn as ``make web`` runs it (2 processes x 40 threads: more threads than upload
        slots + upload queue, arena.uploadslots)."""
        if self.backend == "postgres":
            argv = self._make("web", HOST="127.0.0.1", PORT=str(self.port),
                              WEB_WORKERS=str(workers), WEB_THREADS=str(threads), WEB_TIMEOUT="120")
        else:
            argv = [PY, "-m", "gunicorn", "arena.wsgi", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(workers), "--worker-class", "gthread",
                    "--threads", str(threads), "--timeout", "120"]
        self._spawn("web", argv)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_alive("web")
            try:
                if requests.get(f"{self.url}/api/v1/challenges/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise ServiceUnavailable(f"the web server did not come up:\n{self.logs()}")

    def start(self, dataset: Path, users: int = 1, phase: dict | None = None) -> None:
        """Seed, start web + worker, register every user for the challenge."""
        self.seed(dataset, users, phase)
        self.start_web()
        self.start_worker()
        for token in self.tokens:
            self.api("post", "/challenges/kits-faults/join/", token=token).raise_for_status()

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group (as when the machine running it dies)."""
        proc, _ = self.procs[name]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def check_alive(self, *names: str) -> None:
        for name in names or tuple(self.procs):
            proc, log = self.procs[name]
            if proc.poll() is not None:
                raise ServiceUnavailable(f"{name} exited with {proc.returncode}:\n{self.logs()}")

    def api(self, method: str, path: str, *, token: str | None = None, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {token or self.tokens[0]}"}
        return requests.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=60, **kwargs)

    def submit(self, payload: bytes, token: str | None = None) -> requests.Response:
        return self.api(
            "post", f"/phases/{self.phase_id}/submissions/", token=token,
            files={"file": ("preds.zip", payload)},
        )

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of ``sql`` (``%s`` placeholders) read straight from the stack's database."""
        if self.db_name:
            import psycopg

            with psycopg.connect(self.dsn, autocommit=True) as conn:
                return conn.execute(sql, params).fetchall()
        import sqlite3

        with sqlite3.connect(self.var_dir / "arena.sqlite3", timeout=30) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()

    def outcomes(self) -> dict[int, dict]:
        """Per submission: status, attempt, Evaluation rows, and how many recorded moves
        entered a final state."""
        rows = self.query(
            "SELECT s.id, s.status, s.attempt, "
            "(SELECT count(*) FROM evaluation_evaluation e WHERE e.submission_id = s.id), "
            "(SELECT count(*) FROM submissions_statuschange c WHERE c.submission_id = s.id "
            " AND c.target IN ('succeeded', 'failed', 'cancelled')), "
            "(SELECT count(*) FROM submissions_statuschange c WHERE c.submission_id = s.id "
            " AND c.reason LIKE %s) "
            "FROM submissions_submission s ORDER BY s.id",
            ("taken over%",),
        )
        return {
            r[0]: {"status": r[1], "attempt": r[2], "evaluations": r[3], "final_moves": r[4],
                   "takeovers": r[5]}
            for r in rows
        }

    def settle(self, expected: int, timeout: float = SETTLE_S) -> dict[int, dict]:
        """Wait until ``expected`` submissions exist and all are final; returns
        :meth:`outcomes`. Raises AssertionError with the logs when they are not in time."""
        deadline = time.monotonic() + timeout
        seen: dict[int, dict] = {}
        while time.monotonic() < deadline:
            seen = self.outcomes()
            if len(seen) == expected and all(
                o["status"] in ("succeeded", "failed", "cancelled") for o in seen.values()
            ):
                return seen
            time.sleep(0.5)
        raise AssertionError(f"not all final within {timeout} s: {seen}\n{self.logs()}")

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(
            f"--- {name} ---\n{log.read_text(errors='replace')[-tail:]}"
            for name, (_, log) in self.procs.items()
        )

    def stop(self) -> None:
        for name in list(self.procs):
            proc, _ = self.procs[name]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in self.procs.values():
            try:
                proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.redis is not None:
            self.redis.kill()
        if self.db_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
