"""Shared fixtures: a seeded sandbox, served over real HTTP on loopback, with a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.sandbox.runner import SandboxServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    """A small seeded workspace (60 tasks) on a fake clock, with the admin routes on."""
    return make_sandbox(seed=7, size=60, clock=clock, config=SandboxConfig(admin_routes=True))


@pytest.fixture
def sandbox_server(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox) as server:
        yield server


@pytest.fixture
def token(sandbox: Sandbox) -> str:
    return sandbox.workspace.named_tokens["default"]


@pytest.fixture
def api(sandbox_server: SandboxServer, token: str) -> Iterator[httpx.Client]:
    """An HTTP client on the sandbox's `/api/v4`, authenticated with the Default-scope token."""
    with httpx.Client(
        base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}, timeout=10
    ) as client:
        yield client
