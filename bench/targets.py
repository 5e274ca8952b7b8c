"""The servers under test, each opened the same way: wrike-mcp and the SDK floor, per transport.

    async with ours_inprocess(wrike) as client: ...          # mcp Client(server) in this process
    async with stdio_client_for(ours_stdio(wrike)) as client: ...
    with ours_http(wrike) as target:                          # `wrike-mcp serve --transport http`
        async with http_client_for(target) as client: ...

wrike-mcp always acts against a `SandboxChild` over real HTTP on loopback, configured as for the real
Wrike (`WRIKE_BASE_URL` and a token), never with `--sandbox`, which would seed a sandbox inside the
server process and charge its time and memory to the server.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from bench.floor import HEALTH_PATH, Upstream, build_floor
from bench.harness import child_env, child_server, free_port
from bench.sandbox_child import SandboxChild
from wrike_mcp.audit import AuditLog
from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.wrike_oauth import WrikeTokens
from wrike_mcp.clock import SystemClock
from wrike_mcp.config import Settings
from wrike_mcp.server import Connection, build_server, open_client
from wrike_mcp.wrike.client import WrikeCredentials
from wrike_mcp.wrike.hosts import DEFAULT_HOST

TOKEN_NAME = "default"  # the sandbox token with Wrike's Default scope, as a permanent token has
SCOPES = frozenset({"Default"})
# Pacing off: the benchmarks send far more than Wrike's 400 requests per minute to a sandbox that does not
# limit them; they measure speed, the pacing tests measure the budget.
NO_PACING = 0


@dataclass(frozen=True)
class HttpTarget:
    url: str  # the MCP endpoint
    pid: int
    headers: dict[str, str] = field(default_factory=dict)


def wrike_env(wrike: SandboxChild, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What an operator sets to point wrike-mcp at a Wrike (here: the sandbox child)."""
    return {
        "WRIKE_ACCESS_TOKEN": wrike.token(TOKEN_NAME),
        "WRIKE_BASE_URL": wrike.api_url,
        "WRIKE_SCOPES": ",".join(sorted(SCOPES)),
        "WRIKE_MCP_RATE_LIMIT": str(NO_PACING),
        **(extra or {}),
    }


@contextlib.asynccontextmanager
async def ours_inprocess(
    wrike: SandboxChild, settings: Settings | None = None, audit: AuditLog | None = None
) -> AsyncIterator[Client]:
    """wrike-mcp's server in this process (`settings` default: as for a Default-scope token)."""
    config = settings or Settings(scopes=SCOPES, base_url=wrike.api_url, rate_limit=NO_PACING)
    connection = Connection(WrikeCredentials(wrike.token(TOKEN_NAME)), SCOPES, wrike.api_url)
    async with open_client(config, connection) as upstream:
        server = build_server(config, upstream, connection=connection, audit=audit)
        async with Client(server) as client:
            yield client


def ours_stdio(
    wrike: SandboxChild, *args: str, env: Mapping[str, str] | None = None
) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "wrike_mcp", "serve", *args], env=child_env(wrike_env(wrike, env))
    )


def floor_stdio(wrike: SandboxChild | None = None) -> StdioServerParameters:
    """The floor over stdio; with `wrike`, its `fetch` tool makes get_tasks' upstream GET."""
    args = ["-m", "bench.floor", "stdio", *_upstream_args(wrike)]
    return StdioServerParameters(command=sys.executable, args=args, env=child_env())


def floor_inprocess(wrike: SandboxChild | None = None) -> Client:
    return Client(build_floor(Upstream(wrike.api_url, wrike.token(TOKEN_NAME)) if wrike else None))


def _upstream_args(wrike: SandboxChild | None) -> list[str]:
    return [] if wrike is None else ["--upstream", wrike.api_url, "--token", wrike.token(TOKEN_NAME)]


@contextlib.asynccontextmanager
async def stdio_client_for(params: StdioServerParameters) -> AsyncIterator[Client]:
    async with Client(params) as client:
        yield client


@contextlib.contextmanager
def ours_http(wrike: SandboxChild) -> Iterator[HttpTarget]:
    """The hosted endpoint as deployed: every call carries one of its own sealed access tokens, opened
    (a JWE decryption) on every request. The token is sealed here with the key the child is given, as
    its OAuth flow would have issued it, so no browser dance is needed."""
    port = free_port()
    key = generate_key()
    env = wrike_env(wrike, {
        "WRIKE_CLIENT_ID": "bench", "WRIKE_CLIENT_SECRET": "bench", "WRIKE_OAUTH_BASE": wrike.base_url,
        "WRIKE_MCP_TOKEN_KEYS": key,
    })  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    token = sealed_access_token(key, base + "/mcp", wrike.token(TOKEN_NAME))
    args = ["serve", "--transport", "http", "--port", str(port)]
    with child_server(args, base + "/healthz", env=env) as pid:
        yield HttpTarget(base + "/mcp", pid, {"Authorization": f"Bearer {token}"})


def sealed_access_token(key: str, resource: str, wrike_token: str) -> str:
    """An access token as `WrikeAuthProvider` issues it after a sign-in (claims as in its `_issue`)."""
    grant = WrikeTokens(wrike_token, "unused", DEFAULT_HOST, time.time() + 86_400, tuple(sorted(SCOPES)))
    claims = {"cref": "bench", "scp": sorted(SCOPES), "sub": None, "w": grant.to_claims()}
    return Sealer([SealingKey.from_text(key)], SystemClock()).seal("access", resource, claims, ttl=86_400)


@contextlib.contextmanager
def floor_http(wrike: SandboxChild | None = None) -> Iterator[HttpTarget]:
    """The floor under uvicorn; with `wrike`, its `fetch` tool makes get_tasks' upstream GET."""
    port = free_port()
    args = ["http", "--port", str(port), *_upstream_args(wrike)]
    base = f"http://127.0.0.1:{port}"
    with child_server(args, base + HEALTH_PATH, module="bench.floor") as pid:
        yield HttpTarget(base + "/mcp", pid)


@contextlib.asynccontextmanager
async def http_client_for(target: HttpTarget) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=target.headers, timeout=30) as http,
        Client(streamable_http_client(target.url, http_client=http)) as client,
    ):
        yield client
