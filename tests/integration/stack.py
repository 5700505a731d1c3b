"""A real Arena stack for integration tests: ``manage.py migrate``, a Celery worker subprocess
(queues cpu,gpu) and an HTTP server subprocess (``manage.py runserver --noreload``), against
either PostgreSQL + Redis (fresh database and Redis db number) or the embedded default
(SQLite + kombu's filesystem broker in a fresh ``ARENA_VAR_DIR``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _free_redis_db() -> int:
    import redis

    for n in range(15, 0, -1):
        client = redis.Redis(host="127.0.0.1", port=6379, db=n)
        if client.dbsize() == 0 and client.set("arena-it-lock", "1", nx=True, ex=3600):
            return n
    raise RuntimeError("no empty Redis database number (1-15) is free")


class Stack:
    """Start/stop the processes; ``url`` is the server's base URL."""

    def __init__(self, var_dir: Path, backend: str):
        self.var_dir = var_dir
        self.backend = backend
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(
            ARENA_VAR_DIR=str(var_dir),
            PYTHONPATH=os.pathsep.join([str(REPO / "platform"), str(REPO)]),
            DJANGO_SETTINGS_MODULE="arena.settings",
            ARENA_MODE="development",  # the settings default to production
            ARENA_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        self.db_name = self.redis_db = None
        if backend == "postgres":
            import psycopg

            self.db_name = f"arena_it_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
            self.redis_db = _free_redis_db()
            self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
            self.env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{self.redis_db}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, input_text: str | None = None) -> str:
        """Run ``manage.py`` synchronously; returns stdout, raises with output on failure."""
        result = subprocess.run(
            [PY, str(REPO / "manage.py"), *args],
            env=self.env,
            cwd=REPO,
            input=input_text,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = self.var_dir / f"{name}.log"
        fh = open(log, "wb")
        proc = subprocess.Popen(
            argv, env=self.env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((proc, log))

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v0")
        self._spawn(
            "worker",
            [
                PY, "-m", "celery", "-A", "arena", "worker", "-Q", "cpu,gpu",
                "--concurrency", "1", "--loglevel", "INFO", "--without-gossip",
                "--without-mingle", "--hostname", f"it-{uuid.uuid4().hex[:6]}@%h",
            ],
        )
        self._spawn(
            "web",
            [PY, str(REPO / "manage.py"), "runserver", f"127.0.0.1:{self.port}", "--noreload"],
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(f"{self.url}/api/v1/challenges/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError(f"the web server did not come up:\n{self.logs()}")

    def check_alive(self) -> None:
        for proc, log in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{log.stem} exited with {proc.returncode}:\n{self.logs()}")

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(
            f"--- {log.stem} ---\n{log.read_text(errors='replace')[-tail:]}" for _, log in self.procs
        )

    def stop(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, log in self.procs:
            started = time.monotonic()
            try:
                proc.wait(timeout=8)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            print(f"{log.stem} stopped in {time.monotonic() - started:.1f}s")
        if self.db_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        if self.redis_db is not None:
            import redis

            redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()
