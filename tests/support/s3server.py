"""A real S3-protocol server process for the storage tests: moto's standalone server
(``python -m moto.server``), a stand-in for a real S3 service (AWS, MinIO, Ceph …) speaking the
same HTTP protocol. The tests start it on a free port; when it cannot start the test FAILS
with the reason (never skips)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY = "arena-test-key"
SECRET_KEY = "arena-test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class S3Server:
    """One running server; ``endpoint`` is its URL, ``bucket`` a fresh bucket made for the
    caller. :meth:`env` gives the ``ARENA_STORAGE=s3`` variables of a node using it."""

    endpoint: str
    bucket: str
    proc: subprocess.Popen
    log: Path
    extra: dict = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Environment variables selecting this server as Arena's storage."""
        return {
            "ARENA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": "us-east-1",
        }

    def storages(self) -> dict:
        """A ``STORAGES`` setting (default + datasets) pointing at this server's bucket."""
        from boto3.s3.transfer import TransferConfig

        options = {
            "bucket_name": self.bucket, "endpoint_url": self.endpoint,
            "access_key": ACCESS_KEY, "secret_key": SECRET_KEY, "region_name": "us-east-1",
            "default_acl": None, "file_overwrite": True, "max_memory_size": 8 * 2**20,
            "transfer_config": TransferConfig(multipart_threshold=16 * 2**20,
                                              multipart_chunksize=16 * 2**20, max_concurrency=4),
        }
        backend = "storages.backends.s3.S3Storage"
        return {
            "default": {"BACKEND": backend, "OPTIONS": {**options, "location": "media"}},
            "datasets": {"BACKEND": backend, "OPTIONS": {**options, "location": "datasets"}},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

    def client(self):
        """A boto3 S3 client of this server."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1")

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key of the bucket under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", ()))

    def new_bucket(self) -> str:
        """Create another empty bucket and return its name."""
        name = f"arena-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        """Stop the server process."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_s3_server(timeout_s: float = 60) -> S3Server:
    """Start moto's S3 server on a free port and create a bucket. Raises RuntimeError with the
    server's output when it does not answer within ``timeout_s``."""
    import requests

    port = _free_port()
    log = Path(tempfile.mkstemp(prefix="moto-", suffix=".log")[1])
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the S3 server (python -m moto.server, install with pip install 'moto[server]') "
                f"exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        try:
            if requests.get(f"{endpoint}/moto-api/", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        raise RuntimeError(f"the S3 server on {endpoint} did not answer within {timeout_s:.0f} s:\n"
                           f"{log.read_text(errors='replace')[-3000:]}")
    server = S3Server(endpoint=endpoint, bucket="", proc=proc, log=log)
    server.bucket = server.new_bucket()
    return server
