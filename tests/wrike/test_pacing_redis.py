"""One token's budget across processes, through a real Redis server.

Skipped unless WRIKE_MCP_TEST_REDIS_URL names a Redis to use (`.ci/run` starts one). Each test paces a
token made up for it, so tests never share a bucket.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
from bisect import bisect_left
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest

from wrike_mcp.clock import FakeClock, SystemClock
from wrike_mcp.wrike.pacing import Budget, token_key

REDIS_URL = os.environ.get("WRIKE_MCP_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="WRIKE_MCP_TEST_REDIS_URL is not set")
ROOT = Path(__file__).resolve().parents[2]

if REDIS_URL:
    from redis.asyncio import Redis

    from wrike_mcp.wrike.pacing_redis import RedisPacer


def busiest_window(times: Sequence[float], window: float) -> int:
    ordered = sorted(times)
    return max((bisect_left(ordered, start + window) - i for i, start in enumerate(ordered)), default=0)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.mark.parametrize("concurrent", [False, True])
async def test_two_limiters_sharing_redis_never_exceed_one_budget_together(concurrent: bool) -> None:
    """Two pacers, each with its own connection as two replicas would have, taking turns or all at once,
    on one fake clock. Taking turns also shows the budget is used: alone, each would admit 50 a minute."""
    clock = FakeClock()
    budget = Budget(limit=50, window=60)
    pacers = [RedisPacer(Redis.from_url(REDIS_URL), budget, clock, clock_time=True) for _ in range(2)]
    key = token_key(secrets.token_hex(8))
    try:
        if concurrent:
            grants = await asyncio.gather(*(pacers[i % 2].acquire(key) for i in range(80)))
        else:
            grants = [await pacers[i % 2].acquire(key) for i in range(200)]
    finally:
        for pacer in pacers:
            await pacer.aclose()
    busiest = busiest_window([grant.at for grant in grants], 60.0)
    assert busiest <= 50
    assert concurrent or busiest >= 48


async def test_the_redis_key_is_the_tokens_hash_and_expires(redis: Redis) -> None:
    token = "permanent-" + secrets.token_hex(16)
    pacer = RedisPacer(redis, Budget(limit=10, window=60), SystemClock())
    await pacer.acquire(token_key(token))
    keys = [key.decode() async for key in redis.scan_iter(match="wrike-mcp:pace:*")]
    assert token_key(token) in keys
    assert not any(token in key for key in keys)
    assert 0 < await redis.pttl(token_key(token)) <= 60_000 / 10 + 1000


async def test_an_unreachable_redis_falls_back_to_pacing_in_process() -> None:
    clock = FakeClock()
    pacer = RedisPacer(Redis.from_url("redis://127.0.0.1:9/0"), Budget(limit=5, window=60), clock)
    try:
        grants = [await pacer.acquire("k") for _ in range(10)]
    finally:
        await pacer.aclose()
    assert busiest_window([g.at for g in grants], 60.0) <= 5


SERVER_SCRIPT = """
import anyio, os, sys
from mcp import Client, StdioServerParameters

async def calls(count):
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "wrike_mcp", "serve"], env=dict(os.environ)
    )
    async with Client(params) as client:
        async def one():
            result = await client.call_tool("get_account", {})
            assert not result.is_error, result
        async with anyio.create_task_group() as group:
            for _ in range(count):
                group.start_soon(one)

async def main():
    async with anyio.create_task_group() as group:  # two server processes at once
        for _ in range(2):
            group.start_soon(calls, int(sys.argv[1]))

anyio.run(main)
"""


def test_two_server_processes_sharing_redis_keep_one_tokens_budget(sandbox_server_timed: TimedServer) -> None:
    """Two `wrike-mcp serve` processes, 20 concurrent calls each, one token, a budget of 20 per second:
    the sandbox sees the two together keep it, so the 40 calls take two seconds, not one."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WRIKE_BASE_URL": sandbox_server_timed.api_url,
        "WRIKE_ACCESS_TOKEN": sandbox_server_timed.token,
        "WRIKE_MCP_LOG_LEVEL": "WARNING",
        "WRIKE_MCP_RATE_LIMIT": "20/1",
        "WRIKE_MCP_REDIS_URL": REDIS_URL,
    }
    driver = subprocess.run(
        [sys.executable, "-c", SERVER_SCRIPT, "20"], env=env, capture_output=True, timeout=120, check=False
    )
    assert driver.returncode == 0, driver.stderr.decode()[-3000:]
    arrivals = sandbox_server_timed.arrivals
    assert len(arrivals) == 40
    # Grants are spaced 50 ms apart; a window shorter by 0.2 s absorbs loopback and scheduling jitter.
    assert busiest_window(arrivals, 0.8) <= 20
    assert max(arrivals) - min(arrivals) >= 1.8


class TimedServer:
    """A loopback sandbox that notes when each API request arrives (time.monotonic)."""

    def __init__(self, api_url: str, token: str, arrivals: list[float]) -> None:
        self.api_url = api_url
        self.token = token
        self.arrivals = arrivals


@pytest.fixture
def sandbox_server_timed() -> Iterator[TimedServer]:
    from wrike_mcp.sandbox import make_sandbox
    from wrike_mcp.sandbox.runner import SandboxServer

    sandbox = make_sandbox(seed=7, size=10)
    arrivals: list[float] = []
    server = SandboxServer(sandbox)
    app = server._server.config.app

    async def timed(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith("/api/v4/"):
            arrivals.append(time.monotonic())
        await app(scope, receive, send)  # type: ignore[operator]

    server._server.config.app = timed
    with server:
        yield TimedServer(server.api_url, sandbox.workspace.named_tokens["default"], arrivals)
