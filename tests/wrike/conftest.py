"""Fixtures for the resilient client: the sandbox on loopback, and a client whose every wait is fake."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.wrike.breaker import Breakers
from wrike_mcp.wrike.client import WrikeClient, WrikeCredentials
from wrike_mcp.wrike.pacing import Pacer
from wrike_mcp.wrike.resilient import ResilientClient
from wrike_mcp.wrike.retry import RetryPolicy


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests that really leave the process, and can refuse the first connections."""

    def __init__(self, refuse_first: int = 0) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str]] = []
        self.refused = 0
        self.refuse_first = refuse_first

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.refused < self.refuse_first:
            self.refused += 1
            raise httpx.ConnectError("connection refused (test)", request=request)
        self.sent.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


MakeClient = Callable[..., ResilientClient]


@pytest.fixture
def credentials(sandbox: Sandbox) -> WrikeCredentials:
    return WrikeCredentials(sandbox.workspace.named_tokens["default"])


@pytest.fixture
async def make_client(sandbox_server: SandboxServer, clock: FakeClock) -> AsyncIterator[MakeClient]:
    """`make_client(transport=, timeout=, pacer=, **policy)`: a ResilientClient on the loopback sandbox."""
    made: list[ResilientClient] = []

    def make(
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
        pacer: Pacer | None = None,
        breakers: Breakers | None = None,
        **policy: Any,
    ) -> ResilientClient:
        inner = WrikeClient(base_url=sandbox_server.api_url, transport=transport, timeout=timeout)
        client = ResilientClient(
            inner,
            clock=clock,
            pacer=pacer,
            policy=RetryPolicy(**policy),
            breakers=breakers,
            rng=random.Random(6),
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
