"""Secrets for the hooks this server creates, and which secret checks a delivery.

A delivery names its hook only inside the (not yet verified) body, and the creation handshake names it
not at all: the hook does not exist yet. So the hook URL carries a label: `{receiver}/{label}`, and the
label selects the secret.

Our choice: secrets are DERIVED, `secret = hex(HMAC-SHA256(server_key, "wrike-mcp/webhook-secret/v1\\0"
+ label))`, rather than stored. Why: the design is stateless (design.md §2.2): any replica holding the
server key answers the handshake and verifies deliveries for any hook, and a restart does not orphan
hooks (Wrike would suspend a hook whose deliveries we refuse). The label holds the hook's scope plus a
random nonce, so two hooks on one folder still get different secrets. Without a configured key the
registry uses a random per-process key: the in-memory case (hooks then do not survive a restart).
`register()` adds explicit secrets (an operator-supplied secret, `webhooks listen --secret-env`), which
take precedence over derivation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from wrike_mcp.errors import ConfigError

LABEL_PATTERN = r"[A-Za-z0-9._-]{1,128}"
_LABEL = re.compile(LABEL_PATTERN)
_DOMAIN = b"wrike-mcp/webhook-secret/v1\0"


@dataclass(frozen=True)
class HookCredentials:
    """What a new hook needs: the label for its URL and the secret to give Wrike. `repr` hides the secret."""

    label: str
    secret: str

    def __repr__(self) -> str:
        return f"HookCredentials(label={self.label!r}, secret=<hidden>)"

    def hook_url(self, receiver_url: str) -> str:
        """The `hookUrl` to create the hook with: the receiver's public URL plus the label."""
        return receiver_url.rstrip("/") + "/" + self.label


class HookSecrets:
    """Label -> secret. Call it (`secrets(label)`) to look a secret up; None means "no secret known"."""

    def __init__(
        self, server_key: bytes | None = None, default: str | None = None, derive: bool = True
    ) -> None:
        if server_key is not None and len(server_key) < 16:
            raise ConfigError("the webhook server key must be at least 16 bytes")
        self._key = server_key if server_key is not None else secrets.token_bytes(32)
        self._derive = derive
        self._default = default
        self._explicit: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"HookSecrets(derive={self._derive}, explicit={len(self._explicit)})"

    def __call__(self, label: str | None) -> str | None:
        """The secret for a delivery posted to `{receiver}/{label}` (label None: the bare receiver path)."""
        if label is None:
            return self._default
        if label in self._explicit:
            return self._explicit[label]
        if self._derive and valid_label(label):
            return self._derived(label)
        return self._default

    def create(self, scope: str) -> HookCredentials:
        """Credentials for a new hook on `scope` (e.g. "folder:IEAAB..."): a fresh label and its secret."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", scope).strip("-")[:80] or "hook"
        label = f"{slug}.{secrets.token_hex(8)}"
        if self._derive:
            return HookCredentials(label, self._derived(label))
        secret = self._explicit[label] = secrets.token_hex(32)
        return HookCredentials(label, secret)

    def register(self, label: str, secret: str) -> None:
        """Use `secret` for deliveries to `{receiver}/{label}`."""
        if not valid_label(label):
            raise ConfigError("a webhook label may hold only letters, digits, '.', '_' and '-' (1-128)")
        if not secret:
            raise ConfigError("a webhook secret must not be empty")
        self._explicit[label] = secret

    def forget(self, label: str) -> None:
        """Drop an explicit secret (a deleted hook). Derived secrets cannot be forgotten: rotate the key."""
        self._explicit.pop(label, None)

    def _derived(self, label: str) -> str:
        return hmac.new(self._key, _DOMAIN + label.encode(), hashlib.sha256).hexdigest()


def valid_label(label: str) -> bool:
    return _LABEL.fullmatch(label) is not None
