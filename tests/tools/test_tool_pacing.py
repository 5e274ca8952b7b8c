"""Pacing through the real server: several MCP sessions of one token share one budget."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from contextlib import AsyncExitStack

from mcp import Client
from mcp_harness import mcp_server

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import SandboxConfig, make_sandbox


async def test_concurrent_sessions_of_one_token_stay_under_wrikes_limit_so_none_sees_a_429() -> None:
    """Four MCP sessions, 150 calls each, on one server: the sandbox answers 429 past 400 requests per
    minute on the same fake clock, and never has to."""
    clock = FakeClock()
    sandbox = make_sandbox(seed=7, size=10, clock=clock, config=SandboxConfig(admin_routes=True))
    arrivals: list[float] = []

    async def session(client: Client) -> list[bool]:
        errors = []
        for _ in range(150):
            result = await client.call_tool("get_account", {})
            arrivals.append(clock.monotonic())
            errors.append(result.is_error)
        return errors

    async with mcp_server(sandbox, manifests=None, max_attempts=1) as server, AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(server)) for _ in range(4)]
        results = await asyncio.gather(*(session(client) for client in clients))
    assert not any(any(errors) for errors in results)
    assert len(sandbox.request_log) == 600
    ordered = sorted(arrivals)
    busiest = max(bisect_left(ordered, start + 60.0) - i for i, start in enumerate(ordered))
    assert 390 <= busiest <= 400
