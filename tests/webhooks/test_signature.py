"""Wrike's handshake reply and delivery signature, checked against HMAC computed here independently."""

from __future__ import annotations

import hashlib
import hmac
import json

from wrike_mcp.webhooks import HookSecrets, handshake_reply, hook_signature, verify_signature

SECRET = "s3cr3t-for-tests"
BODY = b'[\n  {\n    "taskId": "MAAAAAERHC9R",\n    "eventType": "TaskCreated"\n  }\n]'


def _hex_hmac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def test_signature_is_lowercase_hex_hmac_sha256_of_the_raw_body() -> None:
    assert hook_signature(SECRET, BODY) == _hex_hmac(SECRET.encode(), BODY)
    # The well-known HMAC-SHA256 example vector.
    fox = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert hook_signature("key", b"The quick brown fox jumps over the lazy dog") == fox


def test_handshake_reply_is_the_hmac_of_the_challenge() -> None:
    challenge = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert handshake_reply(SECRET, challenge) == _hex_hmac(SECRET.encode(), challenge.encode())


def test_handshake_refuses_challenges_that_could_be_a_delivery_body() -> None:
    forged = json.dumps([{"eventType": "TaskDeleted", "taskId": "X", "webhookId": "W"}])
    for challenge in (forged, " " + forged, "[]", "a b", "", "x" * 257):
        assert handshake_reply(SECRET, challenge) is None


def test_verify_accepts_the_right_signature_in_either_case() -> None:
    good = _hex_hmac(SECRET.encode(), BODY)
    assert verify_signature(SECRET, BODY, good)
    assert verify_signature(SECRET, BODY, good.upper())


def test_verify_rejects_forged_missing_and_other_body_signatures() -> None:
    assert not verify_signature(SECRET, BODY, _hex_hmac(b"wrong secret", BODY))
    assert not verify_signature(SECRET, BODY, _hex_hmac(SECRET.encode(), BODY + b" "))
    assert not verify_signature(SECRET, BODY, None)
    assert not verify_signature(SECRET, BODY, "")
    assert not verify_signature(SECRET, BODY, "ü" * 64)


def test_derived_secrets_agree_across_replicas_and_differ_per_label_and_key() -> None:
    key = b"k" * 32
    replica_a, replica_b = HookSecrets(key), HookSecrets(key)
    created = replica_a.create("folder:IEAAB2C3I4")
    assert created.label.startswith("folder-IEAAB2C3I4.")
    expected = _hex_hmac(key, b"wrike-mcp/webhook-secret/v1\0" + created.label.encode())
    assert created.secret == expected == replica_b(created.label)
    assert replica_a.create("folder:IEAAB2C3I4").secret != created.secret
    assert HookSecrets(b"other key 16 bytes")(created.label) != created.secret
    assert "secret" in repr(created) and created.secret not in repr(created)


def test_in_memory_secrets_are_random_and_forgettable() -> None:
    registry = HookSecrets(derive=False)
    created = registry.create("account")
    assert registry(created.label) == created.secret and len(created.secret) == 64
    assert registry("unknown-label") is None
    registry.forget(created.label)
    assert registry(created.label) is None


def test_explicit_secret_wins_and_default_covers_the_bare_path() -> None:
    registry = HookSecrets(b"k" * 32, default="fallback")
    registry.register("given", "operator-secret")
    assert registry("given") == "operator-secret"
    assert registry(None) == "fallback"
    assert registry("bad/label") == "fallback"


def test_hook_url_appends_the_label() -> None:
    created = HookSecrets(b"k" * 32).create("space:MQAAAAX")
    assert created.hook_url("https://mcp.example.com/webhooks/wrike/") == (
        f"https://mcp.example.com/webhooks/wrike/{created.label}"
    )
