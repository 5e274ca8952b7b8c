"""Shared fixtures: a seeded sandbox, served over real HTTP on loopback, with a fake clock."""

from __future__ import annotations

import logging
import re
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


# Every secret format this project issues or forwards: sandbox tokens (named, OAuth access and refresh),
# agent keys (the secret part), and sealed JWE tokens (five base64url segments).
SECRET_PATTERNS = re.compile(
    r"sbx_(?:oa_|rt_)?[0-9a-f]{40}"
    r"|wmcp_[0-9a-f]{12}_[A-Za-z0-9_-]{43}"
    r"|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"
)


# The HTTP client libraries' own request lines: in this process they are mostly the tests' clients
# (some send a token as `access_token=` on purpose); the product never puts a credential in a URL.
CLIENT_WIRE_LOGGERS = ("httpx", "httpcore")


class _SecretWatch(logging.Handler):
    """Sees every log record of every test, as it would be formatted for an operator."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_WIRE_LOGGERS):
            return
        text = record.getMessage() + (self.format(record) if record.exc_info else "")
        found = SECRET_PATTERNS.search(text)
        if found:
            self.leaks.append(f"{record.name}: ...{text[max(0, found.start() - 40) : found.end() + 10]}")


@pytest.fixture(autouse=True)
def no_secret_in_any_log() -> Iterator[None]:
    """design.md §6: no token, key or sealed token appears in any log line of the whole test run."""
    watch = _SecretWatch()
    root = logging.getLogger()
    quiet = [logging.getLogger(name) for name in CLIENT_WIRE_LOGGERS]
    previous = [root.level, *(logger.level for logger in quiet)]
    root.addHandler(watch)
    root.setLevel(logging.DEBUG)
    for logger in quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.removeHandler(watch)
        for logger, level in zip([root, *quiet], previous, strict=True):
            logger.setLevel(level)
    assert watch.leaks == [], f"a secret reached the logs: {watch.leaks[:3]}"
