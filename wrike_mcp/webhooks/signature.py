"""Wrike's secure-webhook crypto: the X-Hook-Secret handshake reply and the X-Hook-Signature check.

Both are the lower-case hex HMAC-SHA256 keyed with the hook's secret [C3] wrike-api.md §6.3: over the
challenge string Wrike sends at creation, and over the raw body of every delivery. Because the two use
the same function, a receiver that answered any handshake would be a signing oracle: POST a handshake
whose challenge is a forged delivery body and read its signature off the reply. `handshake_reply`
therefore refuses challenges that could ever be a delivery body (see `is_plausible_challenge`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

HANDSHAKE_REQUEST_TYPE = "WebHook secret verification"
SECRET_HEADER = "X-Hook-Secret"  # noqa: S105 - a header name, not a secret
SIGNATURE_HEADER = "X-Hook-Signature"

# [I] our choice: Wrike's challenge is an opaque random string (the sandbox sends 32 hex digits). We
# accept up to 256 visible characters without whitespace, quotes or brackets: every delivery body we
# accept is a JSON array, so it starts with `[` (after optional whitespace) and can never match.
_CHALLENGE = re.compile(r"[A-Za-z0-9+/=._:~-]{1,256}")


def hook_signature(secret: str, data: bytes) -> str:
    """hex(HMAC-SHA256(key=secret, msg=data)), as Wrike computes it."""
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def is_plausible_challenge(challenge: str) -> bool:
    """True when `challenge` looks like a handshake value and can never be a delivery body."""
    return _CHALLENGE.fullmatch(challenge) is not None


def handshake_reply(secret: str, challenge: str) -> str | None:
    """The `X-Hook-Secret` value to answer a handshake with, or None for a challenge we refuse."""
    if not is_plausible_challenge(challenge):
        return None
    return hook_signature(secret, challenge.encode())


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """Constant-time check of a delivery's signature against the raw body it came with."""
    if not signature:
        return False
    expected = hook_signature(secret, body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
