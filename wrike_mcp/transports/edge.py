"""Edge checks of the hosted app, before anything else runs: Host, Origin, body size.

- Host must name this server's public URL (DNS-rebinding defence): anything else is 421 Misdirected.
- Origin, when a browser sends one, must be this server's own origin (or one the operator allowed) on
  every route that acts for a user: the MCP transports and the consent/callback pages. A foreign Origin
  is 403. [I] our choice: the OAuth discovery, registration and token endpoints stay CORS-open, as the
  SDK makes them, so browser-based MCP clients can complete OAuth; they use no cookies or ambient
  credentials, so a foreign page gains nothing there.
- Bodies larger than the limit are refused with 413 before the app reads them (the SDK's middleware).
- `/healthz` skips the Host check, so a load balancer may probe by address.
- The webhook receiver (`origin_exempt`) skips the Origin check: Wrike sends none, acts for no user, and
  every delivery is authenticated by its signature instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from mcp.server.transport_security import RequestBodyLimitMiddleware
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

HEALTH_PATH = "/healthz"
_CORS_OPEN = ("/.well-known/", "/token", "/register")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def public_hosts(public_url: str) -> frozenset[str]:
    """The Host header values that name `public_url` (with and without an explicit default port)."""
    parts = urlsplit(public_url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    names = {f"{host}:{port}"}
    if port == _DEFAULT_PORTS.get(parts.scheme):
        names.add(host)
    return frozenset(names)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class EdgeGuard:
    """Pure ASGI middleware: Host and Origin checks, then the body limit."""

    def __init__(
        self,
        app: ASGIApp,
        public_url: str,
        max_body_bytes: int,
        extra_hosts: Iterable[str] = (),
        extra_origins: Iterable[str] = (),
        origin_exempt: Iterable[str] = (),
    ) -> None:
        self.app = RequestBodyLimitMiddleware(app, max_body_bytes)
        self.open_paths = (*_CORS_OPEN, *origin_exempt)
        self.hosts = public_hosts(public_url) | {h.lower() for h in extra_hosts}
        self.origins = frozenset({origin_of(public_url), *(o.lower().rstrip("/") for o in extra_origins)})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != HEALTH_PATH:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> PlainTextResponse | None:
        headers = Headers(scope=scope)
        if headers.get("host", "").lower() not in self.hosts:
            return PlainTextResponse("Misdirected request: wrong Host", status_code=421)
        origin = headers.get("origin")
        path: str = scope["path"]
        if origin is not None and origin.lower() not in self.origins and not path.startswith(self.open_paths):
            return PlainTextResponse("Cross-origin request refused", status_code=403)
        return None
