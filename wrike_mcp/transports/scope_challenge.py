"""The MCP step-up challenge: a `tools/call` the grant's scopes do not cover is answered with HTTP 403.

MCP authorization (2025-11-25, "Scope Challenge Handling", after RFC 6750 §3.1): a request whose access
token lacks a scope the operation needs SHOULD get `403 Forbidden` with
`WWW-Authenticate: Bearer error="insufficient_scope", scope="...", resource_metadata="..."`, so that a
client acting for a user re-authorises with more scope (the SDK's OAuth client does: it unions the
challenged scopes with those it had, sends the user through consent and Wrike again, and retries).

Only the scope check is raised to HTTP here; the tool layer stays the authority. A tool hidden by
`--read-only` or `--toolsets` is refused there as before (no new token would change that answer), and so
is anything this filter does not recognise (a body it cannot read as one `tools/call`, a JSON-escaped
method name): the worst case is the tool layer's error result instead of a challenge, never a call that
should have been refused. stdio has no HTTP and keeps that error result. [I] our choice: only the
streamable-HTTP endpoint challenges; on the legacy SSE transport an HTTP error on the message POST would
break the client's message writer, so SSE clients keep the error result too.

Cost: the body is read once here and replayed to the MCP transport; it is parsed here only when it
contains the bytes `"tools/call"`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wrike_mcp.errors import AccessDenied
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.policy.scopes import Access, Reason, decide

AccessFor = Callable[[AccessToken | None], Access]
INSUFFICIENT_SCOPE_CODE = -32003  # [I] our choice, in JSON-RPC's implementation-defined server-error range
_CALL = b'"tools/call"'
_BROAD = "Default"  # Wrike's catch-all workspace scope; a step-up asks for something narrower if it can


class ScopeChallenge:
    """Pure ASGI middleware in front of the streamable-HTTP app (behind authentication)."""

    def __init__(
        self, app: ASGIApp, tools: Iterable[ToolSpec], access_for: AccessFor, resource_metadata_url: str
    ) -> None:
        self.app = app
        self.tools = {tool.name: tool for tool in tools}
        self.access_for = access_for
        self.metadata_url = resource_metadata_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        received = await _read_request(receive)
        challenge = self._challenge(scope, b"".join(m.get("body", b"") for m in received))
        if challenge is not None:
            await challenge(scope, receive, send)
            return
        await self.app(scope, _replay(received, receive), send)

    def _challenge(self, scope: Scope, body: bytes) -> JSONResponse | None:
        if _CALL not in body:
            return None
        try:
            message = json.loads(body)
        except ValueError:
            return None  # the transport answers a malformed body itself
        tool = self._tool(message)
        user = scope.get("user")
        if tool is None or not isinstance(user, AuthenticatedUser):
            return None
        try:
            access = self.access_for(user.access_token)
        except AccessDenied:
            return None
        decision = decide(tool, access)
        if decision.reason is not Reason.SCOPE:
            return None
        wanted = [*sorted(access.scopes), step_up_scope(tool)]
        return insufficient_scope(message.get("id"), decision.message, wanted, self.metadata_url)

    def _tool(self, message: Any) -> ToolSpec | None:
        if not isinstance(message, dict) or message.get("method") != "tools/call":
            return None
        params = message.get("params")
        name = params.get("name") if isinstance(params, dict) else None
        return self.tools.get(name) if isinstance(name, str) else None


def step_up_scope(tool: ToolSpec) -> str:
    """The one scope to ask for: the narrowest that lets this tool run.

    [I] our choice: any listed scope suffices ([C] wrike-api.md §1.4, "at least one"); we prefer one
    other than the broad `Default`, and for a read tool a read-only one, so a step-up widens the grant as
    little as it can (e.g. wsReadWrite for a task write, amReadOnlyUser to read a user).
    """
    narrow = [scope for scope in tool.scopes if scope != _BROAD] or list(tool.scopes)
    if tool.access == "read":
        narrow.sort(key=lambda scope: "ReadOnly" not in scope)  # stable: manifest order otherwise
    return narrow[0]


def insufficient_scope(
    request_id: Any, message: str, scopes: list[str], resource_metadata_url: str
) -> JSONResponse:
    """RFC 6750 §3.1's 403 with MCP's parameters. The body is a JSON-RPC error for the request, so a
    client that cannot step up still shows the reason (the SDK surfaces a JSON-RPC error body as is)."""
    scope = " ".join(dict.fromkeys(scopes))
    challenge = (
        f'Bearer error="insufficient_scope", error_description="{_quoted(message)}", '
        f'scope="{_quoted(scope)}", resource_metadata="{_quoted(resource_metadata_url)}"'
    )
    error = {
        "code": INSUFFICIENT_SCOPE_CODE,
        "message": message,
        "data": {"error": "insufficient_scope", "scope": scope},
    }
    identifier = request_id if isinstance(request_id, str | int) else None
    return JSONResponse(
        {"jsonrpc": "2.0", "id": identifier, "error": error},
        status_code=403,
        headers={"WWW-Authenticate": challenge, "Cache-Control": "no-store"},
    )


def _quoted(text: str) -> str:
    """Safe inside an auth-param quoted string: no quotes, backslashes or control characters."""
    return "".join(ch for ch in text if ch not in '"\\' and ch.isprintable())


async def _read_request(receive: Receive) -> list[Message]:
    """Every message of the request body (the edge already capped its size), or up to a disconnect."""
    received: list[Message] = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return received


def _replay(received: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands the app what was already read, then the live channel (for disconnects)."""
    pending = list(received)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
