"""Separate Arena nodes for the multi-node integration test: ``make web`` and ``make worker``
started as their own processes, each with its own ``ARENA_VAR_DIR`` folder, sharing only a
fresh PostgreSQL database, a free Redis database number and a bucket of a real S3-protocol
server process (moto's standalone server, a stand-in for a real S3 service)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from stack import PG_ADMIN, REPO, _free_redis_db, free_port

sys.path.insert(0, str(REPO))
from tests.support.s3server import S3Server, start_s3_server  # noqa: E402

_SCRUB = ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "ARENA_STORAGE",
          "ARENA_VAR_DIR", "ARENA_DATASETS_ROOT", "ARENA_CELERY_EAGER", "PORT", "QUEUES")


class Nodes:
    """The shared services plus the node processes; ``url`` is the web node's base URL."""

    def __init__(self, root: Path):
        import psycopg

        self.root = root
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.s3: S3Server = start_s3_server()
        self.db_name = f"arena_nodes_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.redis_db = _free_redis_db()
        self.shared = {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db_name}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
            **self.s3.env(),
        }
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.logs_dir = root / "logs"
        self.logs_dir.mkdir(parents=True)

    def env(self, var_dir: Path, **extra: str) -> dict[str, str]:
        """Environment of one node: the shared variables and its own ARENA_VAR_DIR."""
        var_dir.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("AWS_")}
        return {**base, **self.shared, "ARENA_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
                **extra}

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log = self.logs_dir / f"{name}.log"
        with log.open("wb") as fh:
            proc = subprocess.Popen(argv, env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.procs.append((proc, log))

    def start_web(self, var_dir: Path) -> None:
        """``make web`` (migrates, then gunicorn on PORT); waits until the API answers."""
        env = self.env(var_dir, PORT=str(self.port), HOST="127.0.0.1", WEB_WORKERS="2")
        self._spawn("web", ["make", "-s", "-o", "install", "web"], env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if requests.get(f"{self.url}/api/v1/challenges/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the web node did not come up:\n{self.logs()}")

    def start_worker(self, var_dir: Path, queues: str, **extra: str) -> None:
        """``make worker`` with QUEUES=``queues``."""
        env = self.env(var_dir, QUEUES=queues, WORKER_CONCURRENCY="1",
                       WORKER_NAME=f"nodes-{uuid.uuid4().hex[:6]}", **extra)
        self._spawn(f"worker-{queues.replace(',', '-')}", ["make", "-s", "-o", "install", "worker"],
                    env)

    def manage(self, var_dir: Path, *args: str) -> str:
        """``manage.py`` as an administrator's node with its own folder; returns stdout."""
        result = subprocess.run([sys.executable, str(REPO / "manage.py"), *args], cwd=REPO,
                                env=self.env(var_dir), capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def check_alive(self) -> None:
        for proc, log in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{log.stem} exited with {proc.returncode}:\n{self.logs()}")

    def logs(self, tail: int = 4000) -> str:
        return "\n".join(f"--- {log.stem} ---\n{log.read_text(errors='replace')[-tail:]}"
                         for _, log in self.procs)

    def stop(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc, _ in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        import psycopg
        import redis

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()
        self.s3.stop()
