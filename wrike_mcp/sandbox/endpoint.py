"""How a sandbox endpoint is declared.

Each module in `wrike_mcp/sandbox/routes/` owns a `router = Router()` and declares endpoints with it:

    @router.route("GET", "/tasks/{taskIds}", scopes=WS_READ, params=("fields",))
    async def get_tasks(call: Call) -> dict[str, Any]:
        ...
        return envelope("tasks", data)

The app (see `app.py`) does everything shared before the handler runs: the verb override, merging
query/form/JSON parameters, authentication, the rate limit, the scope check and the rejection of
undeclared parameters. A handler only does its endpoint's own work and raises `WrikeError` for Wrike's
errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from wrike_mcp.sandbox.store import Entity, TokenGrant, Workspace
from wrike_mcp.sandbox.wire import Params, not_found


@dataclass
class Call:
    """Everything a handler needs about one request."""

    ws: Workspace
    grant: TokenGrant
    params: Params
    path: dict[str, str]
    request: Request
    body: bytes = b""

    @property
    def user_id(self) -> str:
        return self.grant.user_id

    def entity(self, kind: str, entity_id: str, what: str | None = None) -> Entity:
        """Look an entity up or answer Wrike's 404."""
        found = self.ws[kind].get(entity_id)
        if found is None:
            raise not_found(what or kind.rstrip("s").capitalize())
        return found


Handler = Callable[[Call], Awaitable[dict[str, Any] | Response]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    scopes: frozenset[str] | None  # None: any valid token (GET /version)
    params: frozenset[str]
    raw_body: bool = False  # the body is data (an upload), not parameters


@dataclass
class Router:
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        scopes: frozenset[str] | None,
        params: tuple[str, ...] = (),
        raw_body: bool = False,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, scopes, frozenset(params), raw_body))
            return handler

        return register
