"""Which hosts this server will send a Wrike token to.

A token is only ever sent to a Wrike data centre: `www.wrike.com`, `app-eu.wrike.com`, `app-us2.wrike.com`
and the other `app-<region><n>.wrike.com` hosts ([C] wrike-api.md §1.1; Airbyte allow-lists `app-us*` and
`app-eu*` the same way). Anything else (the sandbox on loopback, a test server, a proxy) is reached only
through an explicit operator setting (`WRIKE_BASE_URL`), never through a value from the network.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wrike_mcp.errors import ConfigError

DEFAULT_HOST = "www.wrike.com"
KNOWN_HOSTS = frozenset({"www.wrike.com", "app-eu.wrike.com", "app-us2.wrike.com"})
# [I] our choice: other data centres follow Wrike's `app-<two letters><digits>` naming; nothing else passes.
_HOST_PATTERN = re.compile(r"^app-[a-z]{2}[0-9]{0,2}\.wrike\.com$")


def is_wrike_host(host: str) -> bool:
    return host in KNOWN_HOSTS or bool(_HOST_PATTERN.fullmatch(host))


def check_host(host: str) -> str:
    """The host itself, if it is a Wrike data centre; a ConfigError otherwise."""
    if not is_wrike_host(host):
        raise ConfigError(
            f"WRIKE_HOST {host!r} is not a Wrike data centre (www.wrike.com, app-eu.wrike.com, "
            "app-us2.wrike.com, ...); use WRIKE_BASE_URL for anything else"
        )
    return host


def api_base_url(host: str) -> str:
    """`https://{host}/api/v4` for an allow-listed host. [C] wrike-api.md §1.1"""
    return f"https://{check_host(host)}/api/v4"


def check_base_url(url: str) -> str:
    """An operator's base URL must be absolute http(s), with no credentials, query or fragment in it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            "WRIKE_BASE_URL must be an absolute http(s) URL such as http://127.0.0.1:8765/api/v4"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("WRIKE_BASE_URL must not carry credentials, a query or a fragment")
    return url.rstrip("/")
