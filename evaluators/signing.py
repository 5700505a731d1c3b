"""Signed final boards: canonical JSON, SHA-256 and Ed25519 verification (pure, no Django).

A frozen board is published as one JSON document (``arena-board-snapshot/1``)::

    {"format": "arena-board-snapshot/1",
     "board": {...},              # the snapshot itself (rows, per-case table, rule, ...)
     "sha256": "<64 hex>",        # SHA-256 of canonical_json(board)
     "algorithm": "Ed25519",
     "signature": "<base64>",     # Ed25519 signature of the 32 raw bytes of that SHA-256
     "public_key": "<base64>"}    # the signer's raw 32-byte public key (informative only)

Canonical JSON: ``json.dumps(board, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False).encode("utf-8")`` — keys sorted, no whitespace, UTF-8,
no NaN/Infinity (missing values are ``null``). The verifier recomputes the hash from ``board``
and checks the signature with a public key the reader obtained independently (the site's
``/about/keys/`` page or ``/api/v1/keys/``), never with the key inside the document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluators.errors import EvaluationInputError

FORMAT = "arena-board-snapshot/1"
ALGORITHM = "Ed25519"


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of ``value``: sorted keys, ``(",", ":")`` separators,
    non-ASCII kept as UTF-8, NaN/Infinity refused (ValueError)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def board_sha256(board: dict[str, Any]) -> str:
    """Lower-case hex SHA-256 of ``canonical_json(board)``."""
    return hashlib.sha256(canonical_json(board)).hexdigest()


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError, AttributeError) as error:
        raise EvaluationInputError(f"{what}: expected base64 text ({error})") from None


def load_public_key(text: str):
    """An ``Ed25519PublicKey`` from base64 of the raw 32 bytes, or a PEM
    (``-----BEGIN PUBLIC KEY-----``) text. Raises EvaluationInputError naming what is wrong."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except ValueError as error:
            raise EvaluationInputError(f"public key: not a readable PEM key ({error})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise EvaluationInputError("public key: the PEM key is not an Ed25519 key")
        return key
    raw = _b64decode(text, "public key")
    if len(raw) != 32:
        raise EvaluationInputError(
            f"public key: expected 32 raw bytes (base64) or a PEM key, got {len(raw)} bytes"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_text(public_key) -> str:
    """Base64 of the raw 32 bytes of an ``Ed25519PublicKey`` (the site's published form)."""
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign_board(board: dict[str, Any], private_key) -> dict[str, Any]:
    """The signed document of ``board`` (see the module docstring) with an
    ``Ed25519PrivateKey``: the signature covers the raw SHA-256 of the canonical JSON."""
    digest = hashlib.sha256(canonical_json(board))
    signature = private_key.sign(digest.digest())
    return {
        "format": FORMAT,
        "board": board,
        "sha256": digest.hexdigest(),
        "algorithm": ALGORITHM,
        "signature": base64.b64encode(signature).decode("ascii"),
        "public_key": public_key_text(private_key.public_key()),
    }


@dataclass(frozen=True)
class Verification:
    """Outcome of :func:`verify_document`: ``ok`` only when the recomputed hash equals the
    stated one and the signature verifies under the given public key."""

    ok: bool
    hash_ok: bool
    signature_ok: bool
    sha256: str
    message: str


def verify_document(document: dict[str, Any], public_key) -> Verification:
    """Check a snapshot document against ``public_key`` (an ``Ed25519PublicKey`` or its text,
    see :func:`load_public_key`). Raises EvaluationInputError when the document is not a
    snapshot document (missing/ill-typed fields); a tampered one returns ``ok=False``."""
    from cryptography.exceptions import InvalidSignature

    if isinstance(public_key, str):
        public_key = load_public_key(public_key)
    if not isinstance(document, dict):
        raise EvaluationInputError("snapshot: expected a JSON object")
    if document.get("format") != FORMAT:
        raise EvaluationInputError(
            f"snapshot field 'format': expected {FORMAT!r}, got {document.get('format')!r}"
        )
    for field, kind in (("board", dict), ("sha256", str), ("signature", str)):
        if not isinstance(document.get(field), kind):
            raise EvaluationInputError(
                f"snapshot field {field!r}: expected a JSON {'object' if kind is dict else 'string'}"
            )
    if document.get("algorithm", ALGORITHM) != ALGORITHM:
        raise EvaluationInputError(
            f"snapshot field 'algorithm': expected {ALGORITHM!r}, got {document['algorithm']!r}"
        )
    try:
        digest = hashlib.sha256(canonical_json(document["board"]))
    except ValueError as error:
        raise EvaluationInputError(f"snapshot field 'board': not canonical JSON ({error})") from None
    hash_ok = digest.hexdigest() == document["sha256"].strip().lower()
    signature = _b64decode(document["signature"], "snapshot field 'signature'")
    try:
        public_key.verify(signature, digest.digest())
        signature_ok = True
    except InvalidSignature:
        signature_ok = False
    if hash_ok and signature_ok:
        message = f"OK: board hash {digest.hexdigest()} and its Ed25519 signature verify"
    elif not hash_ok:
        message = (f"FAILED: the board hashes to {digest.hexdigest()}, the document states "
                   f"{document['sha256']} (the board was changed)")
    else:
        message = "FAILED: the signature does not verify under this public key"
    return Verification(hash_ok and signature_ok, hash_ok, signature_ok, digest.hexdigest(), message)


def verify_file(path: Path, public_key_arg: str) -> Verification:
    """:func:`verify_document` on a JSON file; ``public_key_arg`` is the key text or the path
    of a file holding it. Raises EvaluationInputError naming the file on unreadable input."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise EvaluationInputError(f"{path}: cannot read ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvaluationInputError(f"{path}: not a JSON document ({error})") from None
    key_text = public_key_arg
    candidate = Path(public_key_arg)
    if len(public_key_arg) < 4096 and candidate.is_file():
        key_text = candidate.read_text(encoding="utf-8")
    return verify_document(document, key_text)
