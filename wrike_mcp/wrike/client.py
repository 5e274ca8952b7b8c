"""The Wrike HTTP client: one connection pool per process, credentials per request.

`WrikeClient.send(request, credentials)` is the single place a request leaves the process, which makes it
the seam for pacing, retries and paging (issue #6): wrap `send`, or stack an httpx transport under it.
Credentials are an argument of every call and never stored on the client, so one client serves many
users at once. Redirects are never followed (a token must not travel to another host), timeouts are
explicit, and failures are mapped to the package's exceptions here (`raise X(...) from exc`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from types import TracebackType
from typing import Any, Protocol

import httpx

from wrike_mcp import __version__
from wrike_mcp.errors import UpstreamUnavailable
from wrike_mcp.wrike.errors import error_from_status, error_from_transport
from wrike_mcp.wrike.hosts import DEFAULT_HOST, api_base_url, check_base_url

MAX_ERROR_BODY = 64 * 1024
MAX_JSON_BODY = 64 * 1024 * 1024  # [I] our choice: a 1000-task page with every field is a few MB


@dataclass(frozen=True)
class WrikeCredentials:
    """Who a request acts as: the bearer token and the user's data-centre host."""

    token: str = field(repr=False)
    host: str = DEFAULT_HOST


@dataclass(frozen=True)
class UpstreamRequest:
    """A request to Wrike, built from declared parameters only (see `wrike_mcp.tools.request`)."""

    method: str
    path: str  # already percent-encoded, relative to the API base, starting with "/"
    query: tuple[tuple[str, str], ...] = ()
    json_body: dict[str, Any] | None = None
    content: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    idempotent: bool = False  # the manifest says so; only then may a PUT or DELETE be sent twice

    @property
    def repeatable(self) -> bool:
        """Whether sending it again after an unclear failure is harmless: GET, or an idempotent PUT/DELETE."""
        return self.method == "GET" or (self.idempotent and self.method in ("PUT", "DELETE"))


@dataclass(frozen=True)
class WrikeResponse:
    """A successful answer. `complete` is false when the body was cut at the caller's byte cap.

    `attempts` is how many times the request was sent to get it (the retry layer sets it; the audit
    record reports it). The parsed JSON is kept once parsed, so checking it and shaping it parse once.
    """

    status: int
    content_type: str
    body: bytes
    complete: bool = True
    attempts: int = 1

    @property
    def is_json(self) -> bool:
        return self.content_type.split(";")[0].strip().lower().endswith("json")

    def json(self) -> Any:
        if not self.complete:
            raise UpstreamUnavailable("Wrike's answer was too large to read")
        return self._document

    @cached_property
    def _document(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise UpstreamUnavailable("Wrike answered with malformed JSON") from exc


class Upstream(Protocol):
    """What tools need from a Wrike client: `WrikeClient` itself, or the resilient layers around it."""

    def base_url_for(self, credentials: WrikeCredentials) -> str: ...

    async def send(
        self, request: UpstreamRequest, credentials: WrikeCredentials, *, max_bytes: int = ...
    ) -> WrikeResponse: ...


class WrikeClient:
    """Async client for `https://{host}/api/v4`, or an operator's `base_url` (the sandbox, a test server)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._base_url = check_base_url(base_url) if base_url else None
        self._transport = transport
        self._timeout = timeout
        self._pool: httpx.AsyncClient | None = None

    @property
    def _http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use: building it loads the CA bundle into a TLS context
        (about 30 ms), which then stays off the start-up a desktop client waits for (bench/RESULTS.md)."""
        if self._pool is None:
            self._pool = httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self._timeout, connect=min(10.0, self._timeout)),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                headers={"User-Agent": f"wrike-mcp/{__version__}"},
            )
        return self._pool

    def base_url_for(self, credentials: WrikeCredentials) -> str:
        return self._base_url or api_base_url(credentials.host)

    async def send(
        self, request: UpstreamRequest, credentials: WrikeCredentials, *, max_bytes: int = MAX_JSON_BODY
    ) -> WrikeResponse:
        """Send one request and read at most `max_bytes` of the answer; raise for any failure."""
        outgoing = self._build(request, credentials)
        try:
            response = await self._http.send(outgoing, stream=True)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, request.method) from exc
        try:
            if not 200 <= response.status_code < 300:
                body, _ = await _read_capped(response, MAX_ERROR_BODY)
                raise error_from_status(response.status_code, response.headers, body, credentials.token)
            body, complete = await _read_capped(response, max_bytes)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, request.method) from exc
        finally:
            await response.aclose()
        content_type = response.headers.get("content-type", "application/octet-stream")
        return WrikeResponse(response.status_code, content_type, body, complete)

    def _build(self, request: UpstreamRequest, credentials: WrikeCredentials) -> httpx.Request:
        headers = dict(request.headers)
        # Set last, so no declared header can replace it.
        headers["Authorization"] = f"bearer {credentials.token}"
        return self._http.build_request(
            request.method,
            self.base_url_for(credentials) + request.path,
            params=list(request.query) or None,  # an empty list costs httpx a second URL parse
            json=request.json_body,
            content=request.content,
            headers=headers,
        )

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def __aenter__(self) -> WrikeClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Read the body up to `limit` bytes; stop early (bounded memory) and say whether it was complete."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: limit - (size - len(chunk))])
            return b"".join(chunks), False
        chunks.append(chunk)
    return b"".join(chunks), True
