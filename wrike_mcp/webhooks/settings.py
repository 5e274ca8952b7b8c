"""Webhook settings: where hooks point, which other URLs the operator allows, and the secrets' key.

- WRIKE_MCP_WEBHOOK_URL: the receiver's public URL (e.g. https://mcp.example.com/webhooks/wrike). Default:
  hosted, the public URL + `/webhooks/wrike`; stdio, the `--webhook-receiver` loopback address.
- WRIKE_MCP_WEBHOOK_ALLOW_URLS: comma-separated URL prefixes an agent may point a hook at besides our
  receiver. Default: none.
- WRIKE_MCP_WEBHOOK_KEY: the key hook secrets are derived from (at least 16 bytes; every replica gets the
  same). Default: random per process, so hooks stop verifying after a restart.

`config.Settings.from_env` hands its environment mapping to `WebhookSettings.from_env`, so the environment is
still read in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wrike_mcp.errors import ConfigError


@dataclass(frozen=True)
class WebhookSettings:
    receiver_url: str | None = None
    allow_urls: tuple[str, ...] = ()
    server_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.receiver_url is not None:
            check_absolute_url(self.receiver_url, "WRIKE_MCP_WEBHOOK_URL")
        for prefix in self.allow_urls:
            check_absolute_url(prefix, "WRIKE_MCP_WEBHOOK_ALLOW_URLS")
        if self.server_key is not None and len(self.server_key) < 16:
            raise ConfigError("WRIKE_MCP_WEBHOOK_KEY must be at least 16 bytes")

    @classmethod
    def from_env(cls, source: Mapping[str, str]) -> WebhookSettings:
        key = source.get("WRIKE_MCP_WEBHOOK_KEY", "")
        allow = source.get("WRIKE_MCP_WEBHOOK_ALLOW_URLS", "")
        return cls(
            receiver_url=source.get("WRIKE_MCP_WEBHOOK_URL") or None,
            allow_urls=tuple(part.strip() for part in allow.split(",") if part.strip()),
            server_key=key.encode() if key else None,
        )


def check_absolute_url(url: str, name: str) -> None:
    """An http(s) URL with a host and without credentials, query or fragment."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a bad port
    except ValueError:
        raise ConfigError(f"{name}: {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name}: {url!r} must be an absolute http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"{name}: {url!r} must not carry credentials, a query or a fragment")
