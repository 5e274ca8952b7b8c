"""The sandbox as a Starlette app: `/api/v4/...` plus whatever extra routes the modules add.

Every module in `wrike_mcp.sandbox.routes` is discovered and mounted: its `router` (API endpoints) and,
if present, `extra_routes(sandbox)` (non-API routes such as OAuth or the test-harness admin route).
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from wrike_mcp.clock import Clock
from wrike_mcp.sandbox import routes as routes_package
from wrike_mcp.sandbox.endpoint import Call, Endpoint, Router
from wrike_mcp.sandbox.store import TokenGrant, Workspace
from wrike_mcp.sandbox.wire import Params, WrikeError, envelope

API_PREFIX = "/api/v4"
log = logging.getLogger("wrike_mcp.sandbox")


@dataclass
class SandboxConfig:
    """Operator knobs of the sandbox. Defaults follow Wrike."""

    rate_limit_per_minute: int = 400  # [C] guide: 400 requests per minute per token
    admin_routes: bool = False  # fault injection and state inspection for test harnesses only
    oauth_clients: dict[str, str] = field(default_factory=dict)  # client_id -> client_secret
    webhook_delivery: bool = True


class RateLimiter:
    """A sliding one-minute window per token, on the injected clock.

    It reads the limit from the live config on every request, so a test or benchmark can change
    `sandbox.config.rate_limit_per_minute` on a running sandbox.
    """

    def __init__(self, config: SandboxConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> tuple[bool, float]:
        """Whether one more request fits, and if not, how many seconds until one does."""
        now = self.clock.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - 60.0:
            hits.popleft()
        if len(hits) >= self.config.rate_limit_per_minute:
            return False, max(0.0, hits[0] + 60.0 - now)
        hits.append(now)
        return True, 0.0


@dataclass
class Sandbox:
    """A running emulator: its workspace, its settings, and the counters tests read."""

    workspace: Workspace
    config: SandboxConfig = field(default_factory=SandboxConfig)
    request_log: list[tuple[str, str]] = field(default_factory=list)  # (method, path) served
    state: dict[str, Any] = field(default_factory=dict)  # per-module runtime state (faults, oauth)

    @property
    def clock(self) -> Clock:
        return self.workspace.clock

    def app(self) -> ASGIApp:
        return create_app(self)


def _discover() -> list[Any]:
    modules = []
    for info in sorted(pkgutil.iter_modules(routes_package.__path__), key=lambda i: i.name):
        modules.append(importlib.import_module(f"{routes_package.__name__}.{info.name}"))
    return modules


def create_app(sandbox: Sandbox) -> ASGIApp:
    limiter = RateLimiter(sandbox.config, sandbox.clock)
    by_path: dict[str, dict[str, Endpoint]] = defaultdict(dict)
    extra: list[BaseRoute] = []
    middleware_factories: list[Callable[[Sandbox, ASGIApp], ASGIApp]] = []
    for module in _discover():
        router: Router | None = getattr(module, "router", None)
        for endpoint in router.endpoints if router else []:
            by_path[endpoint.path][endpoint.method] = endpoint
        if hasattr(module, "extra_routes"):
            extra.extend(module.extra_routes(sandbox))
        if hasattr(module, "wrap_app"):
            middleware_factories.append(module.wrap_app)
    api_routes: list[BaseRoute] = [
        Route(
            API_PREFIX + path,
            _dispatcher(sandbox, limiter, methods),
            methods=["GET", "POST", "PUT", "DELETE"],
        )
        for path, methods in by_path.items()
    ]
    app = Starlette(routes=[*api_routes, *extra, Route(API_PREFIX + "/{rest:path}", _unknown_method)])
    app.state.sandbox = sandbox
    wrapped: ASGIApp = app
    for wrap in middleware_factories:
        wrapped = wrap(sandbox, wrapped)
    return wrapped


async def _unknown_method(request: Request) -> Response:
    return WrikeError(404, "method_not_found", "Requested API method does not exist").response()


def _dispatcher(
    sandbox: Sandbox, limiter: RateLimiter, methods: dict[str, Endpoint]
) -> Callable[[Request], Any]:
    async def dispatch(request: Request) -> Response:
        try:
            return await _serve(sandbox, limiter, methods, request)
        except WrikeError as error:
            return error.response()
        except Exception:
            log.exception("sandbox handler failed")
            return WrikeError(500, "server_error", "Server side error").response()

    return dispatch


async def _serve(
    sandbox: Sandbox, limiter: RateLimiter, methods: dict[str, Endpoint], request: Request
) -> Response:
    verb = request.query_params.get("method", request.method).upper()
    endpoint = methods.get(verb)
    if endpoint is None:
        raise WrikeError(404, "method_not_found", "Requested API method does not exist")
    body = await request.body()
    params = Params(_merge_params(request, body, endpoint.raw_body))
    grant = _authenticate(sandbox.workspace, request, params)
    allowed, wait = limiter.allow(_token_of(request, params) or "")
    if not allowed:
        return JSONResponse(
            {"errorDescription": "IP or access token exceeded limit: 400 requests per minute",
             "error": "rate_limit_exceeded"},
            status_code=429,
            headers={"Retry-After": str(max(1, round(wait)))},
        )  # fmt: skip
    if endpoint.scopes is not None and not (endpoint.scopes & grant.scopes):
        # Wrike's code for a missing scope is not confirmed; 403 access_forbidden is our choice. [I] §1.4
        raise WrikeError(403, "access_forbidden", "Access token does not have a scope this method requires")
    params.reject_unknown(endpoint.params)
    sandbox.request_log.append((verb, request.url.path))
    path = {k: str(v) for k, v in request.path_params.items()}
    result = await endpoint.handler(Call(sandbox.workspace, grant, params, path, request, body))
    if isinstance(result, Response):
        return result
    if params.raw.get("state") is not None:
        extra = {k: v for k, v in result.items() if k not in ("kind", "data")}
        result = envelope(result["kind"], result["data"], **extra, state=params.raw["state"])
    return JSONResponse(result, media_type="application/json;charset=UTF-8")


def _merge_params(request: Request, body: bytes, raw_body: bool) -> dict[str, Any]:
    """Query, then form or JSON body (later wins). [C] §2.1"""
    merged: dict[str, Any] = dict(request.query_params)
    if raw_body or not body:
        return merged
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            parsed = json.loads(body)
        except ValueError:
            raise WrikeError(400, "invalid_request", "Request body is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise WrikeError(400, "invalid_request", "Request body must be a JSON object")
        merged.update(parsed)
    elif content_type == "application/x-www-form-urlencoded":
        merged.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return merged


def _token_of(request: Request, params: Params) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = params.raw.get("access_token")
    return token if isinstance(token, str) and token else None


def _authenticate(ws: Workspace, request: Request, params: Params) -> TokenGrant:
    token = _token_of(request, params)
    grant = ws.tokens.get(token) if token else None
    if grant is None or (grant.expires_at is not None and grant.expires_at <= ws.clock.now()):
        raise WrikeError(401, "not_authorized", "Access token is unknown or invalid")
    return grant
