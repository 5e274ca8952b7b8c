"""A call the client cancels stops its upstream work: no page is requested after the cancellation."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client
from mcp_harness import MODES, mcp_server

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import SandboxConfig, make_sandbox


class Gate(httpx.AsyncBaseTransport):
    """Forwards requests to the sandbox, but holds request number `hold` until it is cancelled."""

    def __init__(self, inner: httpx.AsyncBaseTransport, hold: int) -> None:
        self.inner = inner
        self.hold = hold
        self.paths: list[str] = []
        self.held = anyio.Event()
        self.cancelled = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if len(self.paths) == self.hold:
            self.held.set()
            try:
                await anyio.sleep_forever()
            finally:
                self.cancelled.set()
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("mode", MODES)
async def test_a_cancelled_collection_stops_requesting_pages(mode: str) -> None:
    sandbox = make_sandbox(seed=7, size=2000, clock=FakeClock(), config=SandboxConfig(admin_routes=True))
    gate = Gate(httpx.ASGITransport(app=sandbox.app()), hold=3)
    options = {"manifests": None, "transport": gate, "max_result_bytes": 5_000_000}
    async with mcp_server(sandbox, **options) as server, Client(server, mode=mode) as client:
        with anyio.fail_after(10):  # a guard against a hang, not a wait
            async with anyio.create_task_group() as group:

                async def collect() -> None:
                    await client.call_tool("search_tasks", {"limit": 2000, "pageSize": 100})

                group.start_soon(collect)
                await gate.held.wait()  # page 3 is in flight
                group.cancel_scope.cancel()
            await gate.cancelled.wait()  # the server's request for page 3 was abandoned
            await anyio.wait_all_tasks_blocked()  # a handler that swallowed the cancellation would go on
    assert gate.paths == ["/api/v4/tasks"] * 3
    assert len(sandbox.request_log) == 2  # pages 1 and 2; page 3 never reached the sandbox
