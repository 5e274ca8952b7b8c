"""Agent API keys: the credential an agent presents to the hosted endpoint (never a Wrike token).

A key looks like `wmcp_<id>_<secret>`: `id` is 12 hex digits, public, and lets the server find the one
agent the key could belong to without trying every hash (so the cost of a check and its timing do not
depend on how many agents there are); `secret` is 32 random bytes, url-safe base64.

Only a salted scrypt hash is stored, as `scrypt$<n>$<r>$<p>$<id>$<salt>$<digest>` (base64url, no padding).
The key is printed once by `wrike-mcp agents add` and cannot be recovered from the policy file.
Verification compares digests with `hmac.compare_digest` (constant time); an unknown key id still costs
one scrypt, so a caller cannot learn which ids exist by timing the answer.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

KEY_PREFIX = "wmcp"
KEY_PATTERN = re.compile(r"^wmcp_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
STORED_HASH_PATTERN = (
    r"^scrypt\$\d{1,7}\$\d{1,3}\$\d{1,3}\$[0-9a-f]{12}\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$"
)

# scrypt cost: 2**14 x 8 uses 16 MiB and tens of milliseconds, the usual interactive setting. The secrets
# are 256-bit random values, so the hash guards against a leaked policy file, not against guessing.
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DIGEST_BYTES = 32
_SALT_BYTES = 16
_CACHE_SIZE = 256

# The comparison every verification goes through; named so a test can prove it is the constant-time one.
_constant_time_equal = hmac.compare_digest


@dataclass(frozen=True)
class IssuedKey:
    """A freshly generated key: `key` goes to the operator once, `stored` goes into the policy file."""

    key: str = field(repr=False)
    key_id: str
    stored: str


def generate_key() -> IssuedKey:
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return IssuedKey(key=key, key_id=key_id, stored=hash_key(key))


def key_id_of(key: str) -> str | None:
    """The public id part of a well-formed key, or None."""
    match = KEY_PATTERN.fullmatch(key)
    return match.group(1) if match else None


def stored_key_id(stored: str) -> str:
    return stored.split("$")[4]


def hash_key(key: str, salt: bytes | None = None) -> str:
    key_id = key_id_of(key)
    if key_id is None:
        raise ValueError("not a wrike-mcp agent key")
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    digest = _scrypt(key, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), key_id, _b64(salt), _b64(digest)))


def verify_key(key: str, stored: str) -> bool:
    """True when `key` is the key `stored` was made from. Never raises on a malformed key or hash."""
    if not re.fullmatch(STORED_HASH_PATTERN, stored):
        return False
    _, n, r, p, key_id, salt, digest = stored.split("$")
    well_formed = key_id_of(key) == key_id
    # A malformed or mismatched key still pays for one scrypt, so timing says nothing about the reason.
    try:
        candidate = _scrypt(key if well_formed else _DUMMY_KEY, _unb64(salt), int(n), int(r), int(p))
    except ValueError:  # cost parameters hashlib refuses (n not a power of two, too much memory)
        return False
    return _constant_time_equal(candidate, _unb64(digest)) and well_formed


class KeyRing:
    """Finds the agent a presented key belongs to; built from the policy's `key_hash` values.

    Successful checks are remembered by the SHA-256 of the key (never the key), so a busy agent pays for
    scrypt once, not on every request. Rebuild the ring when the policy changes.
    """

    def __init__(self, hashes: Mapping[str, str]) -> None:
        self._by_id: dict[str, tuple[str, str]] = {}
        for agent, stored in hashes.items():
            self._by_id[stored_key_id(stored)] = (agent, stored)
        self._cache: OrderedDict[bytes, str] = OrderedDict()

    def identify(self, presented: str) -> str | None:
        """The agent name for a valid key, or None (unknown, malformed or wrong secret)."""
        fingerprint = hashlib.sha256(presented.encode("utf-8", "replace")).digest()
        cached = self._cache.get(fingerprint)
        if cached is not None:
            self._cache.move_to_end(fingerprint)
            return cached
        key_id = key_id_of(presented)
        agent, stored = self._by_id.get(key_id or "", ("", _dummy_stored()))
        if not verify_key(presented, stored) or not agent:
            return None
        self._cache[fingerprint] = agent
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return agent


def _scrypt(key: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        key.encode("utf-8", "replace"), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=_DIGEST_BYTES
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_DUMMY_KEY = f"{KEY_PREFIX}_000000000000_{'A' * 43}"


@functools.cache
def _dummy_stored() -> str:
    """A hash no presented key matches, to spend the same time on unknown key ids."""
    return hash_key(_DUMMY_KEY, salt=b"\0" * _SALT_BYTES)
