"""Agent API keys: random, stored only as a salted hash, checked in constant time."""

from __future__ import annotations

import hmac

import pytest

from wrike_mcp.policy import keys
from wrike_mcp.policy.keys import KEY_PATTERN, KeyRing, generate_key, hash_key, key_id_of, verify_key


def test_a_generated_key_has_the_documented_shape_and_a_hash_without_the_secret() -> None:
    issued = generate_key()
    match = KEY_PATTERN.fullmatch(issued.key)
    assert match is not None and match.group(1) == issued.key_id
    secret = match.group(2)
    assert secret not in issued.stored and issued.key not in issued.stored
    assert issued.stored.startswith(f"scrypt$16384$8$1${issued.key_id}$")
    assert issued.key not in repr(issued)


def test_keys_and_salts_are_never_reused() -> None:
    first, second = generate_key(), generate_key()
    assert first.key != second.key and first.key_id != second.key_id
    same_key_twice = hash_key(first.key), hash_key(first.key)
    assert same_key_twice[0] != same_key_twice[1]  # a fresh salt each time
    assert all(verify_key(first.key, stored) for stored in same_key_twice)


def test_the_right_key_verifies_and_any_other_is_refused() -> None:
    issued = generate_key()
    assert verify_key(issued.key, issued.stored)
    last = issued.key[-1]
    wrong_secret = issued.key[:-1] + ("A" if last != "A" else "B")
    assert not verify_key(wrong_secret, issued.stored)
    assert not verify_key(generate_key().key, issued.stored)
    assert not verify_key("", issued.stored)
    assert not verify_key("bearer " + issued.key, issued.stored)
    assert not verify_key(issued.key, "not-a-hash")


def test_a_hash_with_impossible_cost_parameters_is_refused_not_raised() -> None:
    issued = generate_key()
    broken = issued.stored.replace("$16384$", "$16383$", 1)  # not a power of two: hashlib refuses it
    assert not verify_key(issued.key, broken)


def test_verification_goes_through_the_constant_time_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    assert keys._constant_time_equal is hmac.compare_digest
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(keys, "_constant_time_equal", spy)
    issued = generate_key()
    assert verify_key(issued.key, issued.stored)
    assert not verify_key(generate_key().key, issued.stored)  # a mismatched id still pays and compares
    assert len(calls) == 2 and all(len(a) == len(b) == 32 for a, b in calls)


def test_the_key_ring_names_the_agent_of_a_valid_key_only() -> None:
    alice, bob = generate_key(), generate_key()
    ring = KeyRing({"alice": alice.stored, "bob": bob.stored})
    assert ring.identify(alice.key) == "alice"
    assert ring.identify(bob.key) == "bob"
    assert ring.identify(alice.key) == "alice"  # from the cache
    forged = f"wmcp_{alice.key_id}_{bob.key.split('_', 2)[2]}"  # alice's id with bob's secret
    assert ring.identify(forged) is None
    assert ring.identify(generate_key().key) is None
    assert ring.identify("wmcp_nothex_x") is None
    assert key_id_of("wmcp_nothex_x") is None


def test_the_key_ring_remembers_only_a_digest_of_the_key() -> None:
    issued = generate_key()
    ring = KeyRing({"alice": issued.stored})
    assert ring.identify(issued.key) == "alice"
    remembered = list(ring._cache)
    assert remembered and all(issued.key.encode() not in entry for entry in remembered)
