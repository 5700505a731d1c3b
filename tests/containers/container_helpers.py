"""Shared constants of the container tests (a module of its own: every test folder has a
``conftest`` and they must not be imported by that name)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOCKET_URL = "unix:///run/podman/podman.sock"
EXAMPLES = ["good", "good-slow", "sleep", "oom", "forkbomb", "network", "escape", "flood",
            "exit1", "garbage", "root"]


def image(name: str) -> str:
    """Local tag of an example image."""
    return f"localhost/arena/example-{name}:latest"
