"""OAuth settings from the environment: the Wrike app's credentials, Wrike's OAuth base, sealing keys.

| variable | meaning | default |
|---|---|---|
| WRIKE_CLIENT_ID | the Wrike app's client id (App Console) | required for OAuth |
| WRIKE_CLIENT_SECRET | the Wrike app's client secret | required for OAuth |
| WRIKE_OAUTH_BASE | where Wrike's OAuth lives (see below) | https://login.wrike.com |
| WRIKE_MCP_TOKEN_KEYS | sealing keys (base64url, 32 bytes), comma-separated, current first | when hosted |

A non-Wrike WRIKE_OAUTH_BASE (the sandbox, a test server) is the operator's explicit choice, and the only
way a data-centre host outside `*.wrike.com` is ever accepted from a token response. New keys come from
`wrike_mcp.auth.sealing.generate_key()`.

This module reads nothing itself unless handed a mapping (or, by default, `os.environ`); the lead merges
it into `wrike_mcp.config` later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from wrike_mcp.auth.sealing import SealingKey, parse_keys
from wrike_mcp.errors import ConfigError
from wrike_mcp.wrike.hosts import is_wrike_host

DEFAULT_OAUTH_BASE = "https://login.wrike.com"  # [C] wrike-api.md §1.3
AUTHORIZE_PATH = "/oauth2/authorize/v4"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 (a path, not a secret)
_WRIKE_LOGIN_HOSTS = frozenset({"login.wrike.com"})


@dataclass(frozen=True)
class OAuthSettings:
    """The operator's Wrike OAuth app, and where its OAuth server is."""

    client_id: str
    client_secret: str = field(repr=False)
    oauth_base: str = DEFAULT_OAUTH_BASE

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ConfigError("WRIKE_CLIENT_ID and WRIKE_CLIENT_SECRET are both required for Wrike OAuth")
        object.__setattr__(self, "oauth_base", _check_oauth_base(self.oauth_base))

    @property
    def authorize_url(self) -> str:
        return self.oauth_base + AUTHORIZE_PATH

    @property
    def token_url(self) -> str:
        return self.oauth_base + TOKEN_PATH

    @property
    def test_host(self) -> str | None:
        """The `host:port` of a non-Wrike OAuth base (the sandbox): the one extra data-centre host allowed."""
        parts = urlsplit(self.oauth_base)
        return None if _is_wrike_oauth_host(parts.hostname or "") else parts.netloc

    def api_base_url(self, host: str) -> str:
        """`https://{host}/api/v4` for a Wrike data centre; the test server's own scheme for its host."""
        if host == self.test_host:
            return f"{urlsplit(self.oauth_base).scheme}://{host}/api/v4"
        return f"https://{host}/api/v4"

    def allows_host(self, host: str) -> bool:
        """Whether a `host` from a token response may receive this user's token. [C] wrike-api.md §1.1"""
        return is_wrike_host(host) or (self.test_host is not None and host == self.test_host)


def oauth_settings_from_env(env: Mapping[str, str] | None = None) -> OAuthSettings:
    source = os.environ if env is None else env
    return OAuthSettings(
        client_id=source.get("WRIKE_CLIENT_ID", "").strip(),
        client_secret=source.get("WRIKE_CLIENT_SECRET", "").strip(),
        oauth_base=source.get("WRIKE_OAUTH_BASE", "").strip() or DEFAULT_OAUTH_BASE,
    )


def sealing_keys_from_env(env: Mapping[str, str] | None = None) -> list[SealingKey]:
    source = os.environ if env is None else env
    keys = parse_keys(source.get("WRIKE_MCP_TOKEN_KEYS", ""))
    if not keys:
        raise ConfigError(
            "WRIKE_MCP_TOKEN_KEYS is required: one or more base64url 32-byte keys, current first"
        )
    return keys


def _is_wrike_oauth_host(hostname: str) -> bool:
    return hostname in _WRIKE_LOGIN_HOSTS or is_wrike_host(hostname)


def _check_oauth_base(url: str) -> str:
    """Absolute, no credentials/query/fragment; plain http only on loopback (the sandbox)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("WRIKE_OAUTH_BASE must be an absolute URL such as https://login.wrike.com")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("WRIKE_OAUTH_BASE must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError("WRIKE_OAUTH_BASE may use plain http only on loopback (127.0.0.1, localhost)")
    return url.strip().rstrip("/")


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False
