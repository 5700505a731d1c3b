"""evaluators.signing and ``python -m evaluators verify-board``: the hash is checked against an
independent hashlib/json computation, the signature against the ``cryptography`` API, and any
change to the board or a foreign key is detected."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from evaluators.errors import EvaluationInputError
from evaluators.signing import board_sha256, sign_board, verify_document

REPO = Path(__file__).resolve().parents[2]

BOARD = {
    "task": "kits21",
    "rows": [{"rank": 1, "participant": "Zoë", "score": 0.912345678901, "values": {"b": 1.0}},
             {"rank": 2, "participant": "bob", "score": None, "values": {"a": 2.5e-9}}],
    "cases": {"7": {"case_00000": {"kidney": {"dice": 0.5}}}},
    "frozen_at": "2026-12-03T12:00:00+00:00",
}


def _raw(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evaluators", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_hash_is_sha256_of_sorted_compact_utf8_json():
    expected = hashlib.sha256(
        json.dumps(BOARD, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    assert board_sha256(BOARD) == expected
    # key order of the input does not matter; a different value does
    reordered = dict(reversed(list(BOARD.items())))
    assert board_sha256(reordered) == expected
    assert board_sha256({**BOARD, "task": "kits23"}) != expected


def test_signature_verifies_with_cryptography_and_tampering_is_detected():
    key = Ed25519PrivateKey.generate()
    document = sign_board(BOARD, key)
    digest = hashlib.sha256(
        json.dumps(BOARD, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert document["sha256"] == digest.hexdigest()
    key.public_key().verify(base64.b64decode(document["signature"]), digest.digest())
    assert verify_document(document, _raw(key.public_key())).ok

    tampered = copy.deepcopy(document)
    tampered["board"]["rows"][1]["score"] = 0.99
    result = verify_document(tampered, _raw(key.public_key()))
    assert not result.ok and not result.hash_ok and "changed" in result.message
    rehashed = {**tampered, "sha256": board_sha256(tampered["board"])}  # a forger updates the hash
    result = verify_document(rehashed, _raw(key.public_key()))
    assert result.hash_ok and not result.signature_ok and not result.ok
    with pytest.raises(InvalidSignature):
        key.public_key().verify(base64.b64decode(rehashed["signature"]),
                                bytes.fromhex(rehashed["sha256"]))
    other = Ed25519PrivateKey.generate().public_key()
    assert not verify_document(document, _raw(other)).ok


def test_cli_verify_board(tmp_path):
    key = Ed25519PrivateKey.generate()
    document = sign_board(BOARD, key)
    good = tmp_path / "board.json"
    good.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    ok = _cli("verify-board", str(good), "--public-key", _raw(key.public_key()))
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stdout + ok.stderr
    assert _cli("verify-board", str(good), "--public-key", str(pem)).returncode == 0

    document["board"]["rows"][0]["participant"] = "mallory"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    failed = _cli("verify-board", str(bad), "--public-key", _raw(key.public_key()))
    assert failed.returncode == 1 and failed.stdout.startswith("FAILED"), failed.stdout

    other = _raw(Ed25519PrivateKey.generate().public_key())
    assert _cli("verify-board", str(good), "--public-key", other).returncode == 1


def test_cli_bad_input_is_one_clear_message(tmp_path):
    key = _raw(Ed25519PrivateKey.generate().public_key())
    notjson = tmp_path / "x.json"
    notjson.write_text("{not json", encoding="utf-8")
    result = _cli("verify-board", str(notjson), "--public-key", key)
    assert result.returncode == 2 and "x.json: not a JSON document" in result.stderr
    assert "Traceback" not in result.stderr
    result = _cli("verify-board", str(tmp_path / "missing.json"), "--public-key", key)
    assert result.returncode == 2 and "missing.json: cannot read" in result.stderr
    notjson.write_text(json.dumps({"format": "arena-board-snapshot/1", "board": {}}), encoding="utf-8")
    result = _cli("verify-board", str(notjson), "--public-key", key)
    assert result.returncode == 2 and "'sha256'" in result.stderr
    result = _cli("verify-board", str(notjson), "--public-key", "abc")
    assert result.returncode == 2 and "public key" in result.stderr
    with pytest.raises(EvaluationInputError, match="format"):
        verify_document({"board": {}}, key)
