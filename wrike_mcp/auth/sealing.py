"""Sealed tokens: encrypted, audience-bound envelopes, so the hosted endpoint keeps no state.

Every credential this server hands out (MCP access and refresh tokens, authorization codes, the
client ids of dynamically registered clients, and the short-lived consent and upstream-state
tokens of the browser flow) is a JWE compact token that only a holder of the sealing key can open
or forge. Any replica with the key serves any request; nothing is written anywhere.

Format: JWE compact, `alg=A256KW`, `enc=A256GCM`, `kid` in the protected header. [I] our choice:
key wrapping rather than `dir`, so each token is encrypted under its own random content key and the
long-lived key never approaches AES-GCM's random-nonce budget however many tokens a deployment mints.
The payload is JSON with reserved claims `typ` (what kind of token), `aud` (who it is for), `iat`
and `exp` (on the injected clock), beside the caller's own claims.

Keys rotate: `Sealer(keys)` seals with the first key and opens with any of them, so a previous key
keeps its tokens alive during a rotation and removing it retires them. Every refusal is the one
exception `InvalidSealedToken`, whose message says nothing useful to an attacker; its `reason`
(a fixed code, never token material) is for logs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from wrike_mcp.clock import Clock
from wrike_mcp.errors import AccessDenied, ConfigError

TokenKind = Literal["access", "refresh", "code", "client", "request", "consent", "upstream"]
Reason = Literal["malformed", "unknown_key", "tampered", "expired", "audience", "type"]

KEY_BYTES = 32
MAX_TOKEN_LENGTH = 16_384  # anything longer is not ours; refuse before any parsing or crypto
_ALGORITHMS = ("A256KW", "A256GCM")
_RESERVED = frozenset({"typ", "aud", "iat", "exp"})


class InvalidSealedToken(AccessDenied):
    """A sealed token that does not open for this purpose. One type for every cause, on purpose."""

    def __init__(self, reason: Reason) -> None:
        super().__init__("invalid or expired token")
        self.reason: Reason = reason


@dataclass(frozen=True)
class SealingKey:
    """One 32-byte key and its id (derived from the key, so operators only ever handle the key)."""

    secret: bytes = field(repr=False)
    kid: str = ""

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ConfigError(f"a sealing key must be {KEY_BYTES} bytes (base64url of 32 random bytes)")
        if not self.kid:
            digest = hashlib.sha256(b"wrike-mcp sealing key id\0" + self.secret).digest()
            object.__setattr__(self, "kid", _b64(digest[:9]))

    @classmethod
    def from_text(cls, text: str) -> SealingKey:
        """Parse the base64url form `generate_key()` prints (padding optional)."""
        raw = text.strip()
        try:
            secret = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        except (binascii.Error, ValueError):
            raise ConfigError("a sealing key is not valid base64url") from None
        return cls(secret)


def generate_key() -> str:
    """A fresh sealing key as base64url text, for `WRIKE_MCP_TOKEN_KEYS`."""
    return _b64(secrets.token_bytes(KEY_BYTES))


def parse_keys(text: str) -> list[SealingKey]:
    """`"current,previous,..."` -> keys, current first."""
    keys = [SealingKey.from_text(part) for part in text.split(",") if part.strip()]
    if len({key.kid for key in keys}) != len(keys):
        raise ConfigError("the same sealing key is listed twice")
    return keys


class Sealer:
    """Seals claims into tokens with the current key; opens tokens sealed with any listed key."""

    def __init__(self, keys: Sequence[SealingKey], clock: Clock) -> None:
        if not keys:
            raise ConfigError("at least one sealing key is required")
        self._current = keys[0]
        self._keys = {key.kid: OctKey.import_key(key.secret) for key in keys}
        self._clock = clock

    def seal(
        self, kind: TokenKind, audience: str, claims: Mapping[str, Any], ttl: float | None = None
    ) -> str:
        """A token of `kind` for `audience`, carrying `claims`, valid for `ttl` seconds (None: no expiry)."""
        clash = _RESERVED & claims.keys()
        if clash:
            raise ValueError(f"reserved claim(s) {sorted(clash)}")
        now = self._clock.now()
        body: dict[str, Any] = {**claims, "typ": kind, "aud": audience, "iat": int(now)}
        if ttl is not None:
            body["exp"] = now + ttl
        header = {"alg": _ALGORITHMS[0], "enc": _ALGORITHMS[1], "kid": self._current.kid}
        plaintext = json.dumps(body, separators=(",", ":")).encode()
        return jwe.encrypt_compact(header, plaintext, self._keys[self._current.kid], algorithms=_ALGORITHMS)

    def open(self, token: str, kind: TokenKind, audience: str) -> dict[str, Any]:
        """The claims (reserved ones included) of a token of `kind` for `audience`, or InvalidSealedToken."""
        key = self._keys.get(_kid(token))
        if key is None:
            raise InvalidSealedToken("unknown_key")
        try:
            plaintext = jwe.decrypt_compact(token, key, algorithms=_ALGORITHMS).plaintext
            claims = json.loads(plaintext or b"")
        except (JoseError, ValueError, TypeError):
            raise InvalidSealedToken("tampered") from None
        if not isinstance(claims, dict):
            raise InvalidSealedToken("malformed")
        _check(claims, kind, audience, self._clock.now())
        return claims


def _check(claims: dict[str, Any], kind: TokenKind, audience: str, now: float) -> None:
    """Type first: a token of another kind must never be mistaken for this one, even if otherwise valid."""
    if claims.get("typ") != kind:
        raise InvalidSealedToken("type")
    if claims.get("aud") != audience:
        raise InvalidSealedToken("audience")
    expires = claims.get("exp")
    if expires is not None and (not isinstance(expires, int | float) or expires <= now):
        raise InvalidSealedToken("expired")


def _kid(token: str) -> str:
    """The key id from the protected header, read without trusting anything else in it."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 4:
        raise InvalidSealedToken("malformed")
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        raise InvalidSealedToken("malformed") from None
    kid = header.get("kid") if isinstance(header, dict) else None
    if not isinstance(kid, str):
        raise InvalidSealedToken("malformed")
    return kid


def fingerprint(value: str) -> str:
    """A short, one-way name for a secret (a refresh token, a client id): safe as a dict key or in logs."""
    return _b64(hashlib.sha256(value.encode()).digest()[:16])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
