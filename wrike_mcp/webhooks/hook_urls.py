"""Where a hook may point: this server's own receiver, or a URL prefix the operator allowed.

A webhook copies every event of its scope (titles, comment texts, ...) to its URL, so an agent that could
choose any URL could copy a workspace to a stranger (design.md §6: "webhook hookUrl as an exfiltration
channel"). The check is by parsed parts, never by string prefix alone: `https://hooks.example.com` must not
admit `https://hooks.example.com.evil.net`, and `/hooks/../admin` does not count as under `/hooks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class _Prefix:
    scheme: str
    host: str
    port: int
    path: str  # without a trailing "/"; "" matches every path

    def admits(self, url: SplitResult) -> bool:
        if (url.scheme, _host(url), _port(url)) != (self.scheme, self.host, self.port):
            return False
        path = url.path.rstrip("/")
        return not self.path or path == self.path or path.startswith(self.path + "/")


def _host(parts: SplitResult) -> str:
    return (parts.hostname or "").lower()


def _port(parts: SplitResult) -> int:
    return parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)


def _parse(url: str) -> SplitResult | None:
    """The URL's parts, or None when it is not a plain absolute http(s) URL we can reason about."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    lowered = parts.path.lower()
    if parts.fragment or "\\" in url or "%2e" in lowered or "%2f" in lowered:
        return None
    if any(segment in (".", "..") for segment in parts.path.split("/")):
        return None
    return parts


def _prefix(url: str) -> _Prefix:
    parts = _parse(url)
    if parts is None:
        raise ValueError(f"not a usable URL prefix: {url!r}")
    return _Prefix(parts.scheme, _host(parts), _port(parts), parts.path.rstrip("/"))


class HookUrlPolicy:
    """`is_ours(url)`: under our receiver; `is_allowed(url)`: under an operator-allowed prefix."""

    def __init__(self, receiver_url: str | None, allow_prefixes: Sequence[str] = ()) -> None:
        self.receiver_url = receiver_url.rstrip("/") if receiver_url else None
        self._ours = _prefix(receiver_url) if receiver_url else None
        self._allowed = tuple(_prefix(prefix) for prefix in allow_prefixes)

    def is_ours(self, url: str) -> bool:
        parts = _parse(url)
        return parts is not None and self._ours is not None and self._ours.admits(parts)

    def is_allowed(self, url: str) -> bool:
        parts = _parse(url)
        return parts is not None and any(prefix.admits(parts) for prefix in self._allowed)
