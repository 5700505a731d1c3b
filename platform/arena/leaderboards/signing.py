"""The site's Ed25519 board-signing key.

Source, first match wins:

1. ``settings.ARENA_SIGNING_KEY`` (environment variable ``ARENA_SIGNING_KEY``): the private key
   as base64 of its 32 raw bytes, or a PEM (PKCS#8) text;
2. development only (``ARENA_MODE=development``): ``<ARENA_VAR_DIR>/keys/board-signing.ed25519``,
   generated once on first use (mode 0600) and reused afterwards.

In production without ``ARENA_SIGNING_KEY`` freezing a board is refused with a message saying
what to set (``python -m evaluators`` is not needed: :func:`generate_key_text` prints one).
The key is a secret and is not a media file, so it is not kept in the storage backend.
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def generate_key_text() -> str:
    """A new private key as base64 of its 32 raw bytes (the ``ARENA_SIGNING_KEY`` format)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return _raw_text(Ed25519PrivateKey.generate())


def _raw_text(private_key) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


def _parse(text: str, origin: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("the PEM key is not an Ed25519 key")
            return key
        raw = base64.b64decode(text, validate=True)
        if len(raw) != 32:
            raise ValueError(f"expected 32 raw bytes, got {len(raw)}")
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(
            f"{origin}: not an Ed25519 private key (expected base64 of 32 raw bytes or a PEM "
            f"text): {error}"
        ) from None


def key_file() -> Path:
    """Where the development key lives: ``<VAR_DIR>/keys/board-signing.ed25519``."""
    return Path(settings.VAR_DIR) / "keys" / "board-signing.ed25519"


def _development_key():
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.with_suffix(f".tmp{os.getpid()}"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_text() + "\n")
        try:
            os.link(path.with_suffix(f".tmp{os.getpid()}"), path)  # first writer wins
        except FileExistsError:
            pass
        finally:
            os.unlink(path.with_suffix(f".tmp{os.getpid()}"))
    return _parse(path.read_text(encoding="ascii"), str(path))


@lru_cache(maxsize=4)
def _load(configured: str, var_dir: str, development: bool):
    if configured:
        return _parse(configured, "ARENA_SIGNING_KEY")
    if development:
        return _development_key()
    raise ImproperlyConfigured(
        "ARENA_SIGNING_KEY is not set: boards cannot be signed. Set it to base64 of a 32-byte "
        "Ed25519 private key (python -c 'from arena.leaderboards.signing import "
        "generate_key_text; print(generate_key_text())')."
    )


def private_key():
    """The site's ``Ed25519PrivateKey`` (see the module docstring for where it comes from)."""
    return _load(
        getattr(settings, "ARENA_SIGNING_KEY", "") or "",
        str(settings.VAR_DIR),
        bool(getattr(settings, "DEVELOPMENT", False)),
    )


def public_key_text() -> str:
    """The site's public key as base64 of its 32 raw bytes (what ``verify-board`` takes)."""
    from evaluators.signing import public_key_text as text

    return text(private_key().public_key())


def public_key_pem() -> str:
    """The site's public key as a PEM ``SubjectPublicKeyInfo`` text."""
    from cryptography.hazmat.primitives import serialization

    return private_key().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
