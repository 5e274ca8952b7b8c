"""The hosted endpoint: one Starlette app for many users, each acting as their own Wrike account.

    /mcp                                   streamable HTTP (stateless, SSE responses so progress arrives)
    /sse + /messages/                      the legacy HTTP+SSE transport
    /healthz                               liveness, no auth, no Host check
    /.well-known/oauth-protected-resource/mcp   RFC 9728 metadata naming our authorization server
    /.well-known/oauth-authorization-server, /authorize, /token, /register, /oauth/consent, /oauth/callback
    /webhooks/wrike[/{label}]              Wrike's webhook deliveries: no bearer, no Origin check (the
                                           signature authenticates), events for wait_for_events/resources

Order of one request: edge checks (Host 421, Origin 403, body 413; `transports.edge`) -> the bearer token
opened into the user's Wrike grant (`auth.bearer`) -> 401 with `WWW-Authenticate: Bearer ...
resource_metadata="..."` if there is none -> the MCP server, whose `resolve_caller` reads the grant from
this request (never from module state), so one process and one connection pool serve every user. A
`tools/call` of a tool the grant's scopes do not cover is answered 403 insufficient_scope before it gets
there (`transports.scope_challenge`), so the client can step up.
Stateless: no session is kept (`stateless_http`); any replica with the sealing key serves any request.

With an agent policy (`agents`), a request that presents an agent key acts as that agent (`auth.bearer`):
with the agent's operator token, or with the user's own grant for a `user_oauth` agent, and always under
the agent's grants and subtrees. A request without an agent key acts as the user it authenticates
([I] our choice: the policy limits agents; people keep their own Wrike permissions).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mcp.server import ServerRequestContext
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware, get_access_token
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser, RequireAuthMiddleware
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from wrike_mcp.audit import AuditLog
from wrike_mcp.auth.bearer import AGENT_CLAIM, AgentClaim, HostedBearerBackend, RawWrikeTokens
from wrike_mcp.auth.grants import CREDENTIALS_CLAIM, wrike_credentials_from_access_token
from wrike_mcp.auth.provider import WrikeAuthProvider
from wrike_mcp.auth.routes import authorization_server_routes
from wrike_mcp.auth.settings import is_loopback
from wrike_mcp.callers import AgentDirectory, key_identity, token_identity
from wrike_mcp.config import Settings
from wrike_mcp.errors import AccessDenied, ConfigError
from wrike_mcp.manifest.loader import Catalog, load_catalog
from wrike_mcp.manifest.model import KNOWN_SCOPES
from wrike_mcp.policy.scopes import Access, resolve_toolsets
from wrike_mcp.server import build_server
from wrike_mcp.tools.handler import Caller
from wrike_mcp.transports.edge import HEALTH_PATH, EdgeGuard, public_hosts
from wrike_mcp.transports.scope_challenge import ScopeChallenge
from wrike_mcp.webhooks.receiver import DEFAULT_PATH
from wrike_mcp.webhooks.service import WebhookService
from wrike_mcp.wrike.client import Upstream

MCP_PATH = "/mcp"
SSE_PATH = "/sse"
MESSAGES_PATH = "/messages/"


@dataclass(frozen=True)
class HttpOptions:
    """How the hosted app presents itself. `public_url`: what clients type, e.g. https://mcp.example.com."""

    public_url: str
    max_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_SIZE
    accept_wrike_tokens: bool = False
    extra_hosts: tuple[str, ...] = ()
    extra_origins: tuple[str, ...] = ()
    # What a client that names no scope gets, and what discovery advertises. [C] §1.4: Default.
    default_scopes: tuple[str, ...] = field(default=("Default",))

    def __post_init__(self) -> None:
        object.__setattr__(self, "public_url", check_public_url(self.public_url))
        if self.max_body_bytes < 1024:
            raise ConfigError("the request-body limit must be at least 1024 bytes")

    @property
    def resource_url(self) -> str:
        return self.public_url + MCP_PATH


def check_public_url(url: str) -> str:
    """https (TLS may end at a proxy in front), or http on loopback; served at the root, no path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("--public-url must be an absolute URL such as https://mcp.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ConfigError("--public-url must be an origin only (no path, query, fragment or credentials)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError("--public-url must be https (put TLS in front); plain http only on loopback")
    return f"{parts.scheme}://{parts.netloc}".lower()


def build_http_app(
    settings: Settings,
    client: Upstream,
    provider: WrikeAuthProvider,
    options: HttpOptions,
    catalog: Catalog | None = None,
    *,
    agents: AgentDirectory | None = None,
    audit: AuditLog | None = None,
    webhooks: WebhookService | None = None,
) -> Starlette:
    """The whole hosted app. Its lifespan runs the streamable-HTTP session manager."""
    catalog = catalog or load_catalog(settings.manifest_dir)
    webhooks = webhooks or WebhookService(settings.webhooks, receiver_url=options.public_url + DEFAULT_PATH)
    toolsets = resolve_toolsets(settings.toolsets, catalog.areas)

    def access_for(token: AccessToken | None) -> Access:
        granted = wrike_credentials_from_access_token(token)
        return Access(scopes=granted.scopes, read_only=settings.read_only, toolsets=toolsets)

    def user_caller(token: AccessToken | None) -> Caller:
        granted = wrike_credentials_from_access_token(token)
        return Caller(granted.wrike, access_for(token), identity=token_identity(granted.token))

    def resolve_caller(ctx: ServerRequestContext[Any]) -> Caller:
        token = _access_token(ctx)
        claims = (token.claims or {}) if token is not None else {}
        claim = claims.get(AGENT_CLAIM)
        if not isinstance(claim, AgentClaim) or agents is None:
            return user_caller(token)
        user = user_caller(token) if CREDENTIALS_CLAIM in claims else None
        caller = agents.caller(claim.name, user, identity=key_identity(claim.key_id))
        if caller is None:  # the bearer backend lets no such request through; fail closed regardless
            raise AccessDenied(f"agent {claim.name} acts with the user's own Wrike login, which is missing")
        return caller

    server = build_server(
        settings, client, resolve_caller=resolve_caller, catalog=catalog, audit=audit, webhooks=webhooks
    )
    sessions = StreamableHTTPSessionManager(
        server, stateless=True, json_response=False, max_request_body_size=options.max_body_bytes
    )
    sse = SseServerTransport(MESSAGES_PATH, max_request_body_size=options.max_body_bytes)

    async def sse_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        async with sse.connect_sse(scope, receive, send) as (read, write):
            await server.run(read, write, server.create_initialization_options())

    metadata_url = build_resource_metadata_url(AnyHttpUrl(options.resource_url))

    def guard(app: ASGIApp) -> ASGIApp:
        return RequireAuthMiddleware(app, [], metadata_url)

    streamable = ScopeChallenge(StreamableHTTPASGIApp(sessions), catalog.tools, access_for, str(metadata_url))
    routes: list[BaseRoute] = [
        Route(HEALTH_PATH, _health, methods=["GET"]),
        Route(MCP_PATH, guard(streamable)),
        Route(SSE_PATH, guard(sse_endpoint), methods=["GET"]),
        Mount(MESSAGES_PATH, app=guard(sse.handle_post_message)),
        *create_protected_resource_routes(
            AnyHttpUrl(options.resource_url), [AnyHttpUrl(options.public_url)],
            scopes_supported=list(options.default_scopes), resource_name="wrike-mcp",
        ),
        *authorization_server_routes(provider, sorted(KNOWN_SCOPES), options.default_scopes),
        *webhooks.routes(),
    ]  # fmt: skip
    raw = RawWrikeTokens(settings.host, settings.scopes) if options.accept_wrike_tokens else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with sessions.run():
            yield

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(
                EdgeGuard,
                public_url=options.public_url,
                max_body_bytes=options.max_body_bytes,
                extra_hosts=(*options.extra_hosts, *_hosts_of(webhooks.receiver_url)),
                extra_origins=options.extra_origins,
                origin_exempt=(webhooks.path,),
            ),
            Middleware(AuthenticationMiddleware, backend=HostedBearerBackend(provider.verifier, raw, agents)),
            Middleware(AuthContextMiddleware),
        ],
        lifespan=lifespan,
    )


def _hosts_of(url: str | None) -> frozenset[str]:
    """The Host values of the webhook URL (WRIKE_MCP_WEBHOOK_URL may name a host of its own)."""
    return public_hosts(url) if url else frozenset()


def _access_token(ctx: ServerRequestContext[Any]) -> AccessToken | None:
    """The token of the HTTP request that carried this message (for SSE: the POST, not the GET that
    opened the stream, so a client that refreshed its token is served with the new grant)."""
    request = ctx.request
    if isinstance(request, HTTPConnection):
        user = request.scope.get("user")
        if isinstance(user, AuthenticatedUser):
            return user.access_token
    return get_access_token()


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
