"""Helpers for the tools tests: tool specs built in code, and an MCP client on a sandbox.

`open_mcp` is an async context manager used inside the test body (a pytest-asyncio yield-fixture that
holds a Client breaks at teardown, mcp-sdk.md §4).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from mcp import Client
from mcp.server import Server

from wrike_mcp.audit import AuditLog
from wrike_mcp.clock import Clock
from wrike_mcp.config import Settings
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.server import SANDBOX_BASE_URL, Connection, build_server, open_client
from wrike_mcp.wrike.client import WrikeCredentials

FIXTURE_MANIFESTS = Path(__file__).parent / "fixtures" / "manifests"
MODES = ["legacy", "auto"]
READ = {"read_only": True, "destructive": False, "idempotent": True, "open_world": True}
WRITE = {"read_only": False, "destructive": False, "idempotent": False, "open_world": True}


class Recorder(httpx.AsyncBaseTransport):
    """Sees every request that leaves the server process, before the network or the sandbox does.

    An observer, not a mock: it forwards to the real transport (the sandbox in-process, or loopback).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def lines(self, since: int = 0) -> list[str]:
        """`METHOD /path` of each request from index `since` on (the path below /api/v4)."""
        return [f"{r.method} {r.url.path.removeprefix('/api/v4')}" for r in self.requests[since:]]


def make_spec(**fields: Any) -> ToolSpec:
    """A valid read tool unless told otherwise; `params` as the manifest's dicts (with `in`)."""
    base: dict[str, Any] = {
        "name": "probe_tool",
        "description": "A tool made in a test.",
        "method": "GET",
        "path": "/version",
        "access": "read",
        "scopes": ["Default"],
        "annotations": READ,
        "params": [],
    }
    if fields.get("access") == "write":
        base["annotations"] = WRITE
        base["method"] = "POST"
    base.update(fields)
    return ToolSpec.model_validate(base)


@asynccontextmanager
async def open_mcp(sandbox: Sandbox, *, mode: str = "auto", **options: Any) -> AsyncIterator[Client]:
    """An MCP client on a server that talks to `sandbox` as one of its named tokens (see `mcp_server`)."""
    async with mcp_server(sandbox, **options) as server, Client(server, mode=mode) as client:
        yield client


@asynccontextmanager
async def mcp_server(
    sandbox: Sandbox,
    *,
    token_name: str = "default",
    token: str | None = None,
    scopes: frozenset[str] | None = None,
    manifests: Path | None = FIXTURE_MANIFESTS,
    base_url: str | None = None,
    recorder: list[Recorder] | None = None,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    audit: AuditLog | None = None,
    **settings: Any,
) -> AsyncIterator[Server[Any]]:
    """A server that talks to `sandbox`; open several `Client(server)` on it for concurrent sessions.

    In-process through httpx.ASGITransport by default; with `base_url` (a SandboxServer's api_url) over
    real HTTP on loopback instead, or through `transport`. Pass `recorder=[]` to get the `Recorder` that
    sees every request. The server's pacing, retry backoff and job polling wait on `clock` (by default
    the sandbox's own, a FakeClock in tests), so retries cost no real time.
    """
    token = token or sandbox.workspace.named_tokens[token_name]
    grant = sandbox.workspace.tokens.get(token)
    granted = scopes or (grant.scopes if grant else frozenset({"Default"}))
    inner = transport or (httpx.AsyncHTTPTransport() if base_url else httpx.ASGITransport(app=sandbox.app()))
    recording = Recorder(inner)
    if recorder is not None:
        recorder.append(recording)
    base_url = base_url or SANDBOX_BASE_URL
    config = Settings(scopes=granted, manifest_dir=manifests, base_url=base_url, **settings)
    connection = Connection(WrikeCredentials(token), granted, base_url, recording)
    clock = clock or sandbox.clock
    async with open_client(config, connection, clock=clock) as wrike:
        yield build_server(config, wrike, connection=connection, clock=clock, audit=audit)


def text_of(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)
