"""Sealed tokens: round trip, key rotation, and every way a token must be refused."""

from __future__ import annotations

import base64
import json

import pytest

from wrike_mcp.auth.sealing import (
    InvalidSealedToken,
    Sealer,
    SealingKey,
    generate_key,
    parse_keys,
)
from wrike_mcp.clock import FakeClock
from wrike_mcp.errors import ConfigError

AUD = "https://mcp.example.com/mcp"


def key() -> SealingKey:
    return SealingKey.from_text(generate_key())


def refused(reason: str, sealer: Sealer, token: str, kind: str = "access", aud: str = AUD) -> None:
    with pytest.raises(InvalidSealedToken) as caught:
        sealer.open(token, kind, aud)  # type: ignore[arg-type]
    assert caught.value.reason == reason
    assert str(caught.value) == "invalid or expired token"


def test_round_trip_keeps_claims_and_stamps_type_audience_and_times(clock: FakeClock) -> None:
    sealer = Sealer([key()], clock)
    token = sealer.seal("access", AUD, {"cid": "c1", "scp": ["wsReadOnly"]}, ttl=60)
    claims = sealer.open(token, "access", AUD)
    assert claims["cid"] == "c1" and claims["scp"] == ["wsReadOnly"]
    assert (claims["typ"], claims["aud"], claims["iat"]) == ("access", AUD, int(clock.now()))
    assert claims["exp"] == clock.now() + 60


def test_claims_are_encrypted_not_just_signed(clock: FakeClock) -> None:
    token = Sealer([key()], clock).seal("access", AUD, {"at": "wrike-secret-token"})
    assert "wrike-secret-token" not in token
    joined = "".join(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).hex() for p in token.split("."))
    assert b"wrike-secret-token".hex() not in joined


def test_previous_key_still_opens_during_rotation_and_removed_key_does_not(clock: FakeClock) -> None:
    old, new = key(), key()
    token = Sealer([old], clock).seal("refresh", AUD, {"n": 1})
    rotated = Sealer([new, old], clock)
    assert rotated.open(token, "refresh", AUD)["n"] == 1
    fresh = rotated.seal("refresh", AUD, {"n": 2})
    assert Sealer([new], clock).open(fresh, "refresh", AUD)["n"] == 2
    refused("unknown_key", Sealer([new], clock), token, "refresh")


def test_expired_token_is_refused_on_the_injected_clock(clock: FakeClock) -> None:
    sealer = Sealer([key()], clock)
    token = sealer.seal("code", AUD, {}, ttl=60)
    clock.advance(59)
    assert sealer.open(token, "code", AUD)["typ"] == "code"
    clock.advance(1)
    refused("expired", sealer, token, "code")


def test_wrong_audience_and_wrong_type_are_refused(clock: FakeClock) -> None:
    sealer = Sealer([key()], clock)
    token = sealer.seal("access", AUD, {})
    refused("audience", sealer, token, aud="https://other.example.com/mcp")
    refused("type", sealer, token, kind="refresh")
    refused("type", sealer, sealer.seal("client", AUD, {}), kind="access")


@pytest.mark.parametrize("part", [1, 2, 3, 4])
def test_tampering_with_any_part_is_refused(clock: FakeClock, part: int) -> None:
    sealer = Sealer([key()], clock)
    pieces = sealer.seal("access", AUD, {"cid": "c1"}).split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[len(raw) // 2] ^= 1
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    refused("tampered", sealer, ".".join(pieces))


def test_a_forged_header_naming_our_key_does_not_open(clock: FakeClock) -> None:
    ours, theirs = key(), key()
    forged = Sealer([theirs], clock).seal("access", AUD, {})
    header = {"alg": "A256KW", "enc": "A256GCM", "kid": ours.kid}
    head = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    refused("tampered", Sealer([ours], clock), head + forged[forged.index(".") :])


@pytest.mark.parametrize("token", ["", "abc", "a.b.c.d.e", "x" * 20_000, "e30.a.b.c.d"])
def test_garbage_is_refused_as_malformed(clock: FakeClock, token: str) -> None:
    refused("malformed", Sealer([key()], clock), token)


def test_key_parsing_rejects_short_keys_and_duplicates() -> None:
    with pytest.raises(ConfigError):
        SealingKey.from_text(base64.urlsafe_b64encode(b"short").decode())
    text = generate_key()
    with pytest.raises(ConfigError):
        parse_keys(f"{text},{text}")
    assert parse_keys(f"{text}, {generate_key()}")[0].kid == SealingKey.from_text(text).kid


def test_reserved_claims_cannot_be_overridden(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        Sealer([key()], clock).seal("access", AUD, {"aud": "elsewhere"})
