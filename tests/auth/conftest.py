"""Fixtures for the auth tests: the sandbox's OAuth app, the Wrike OAuth client on it, a sealer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

CLIENT_ID, CLIENT_SECRET = "cid", "secret"


class CountingTransport(httpx.AsyncBaseTransport):
    """The real network transport, recording each request line (no mocking: requests really go out)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def oauth_settings(sandbox: Sandbox, sandbox_server: SandboxServer) -> OAuthSettings:
    """The operator's Wrike app, registered with the sandbox, whose OAuth base is the sandbox."""
    sandbox.config.oauth_clients = {CLIENT_ID: CLIENT_SECRET}
    return OAuthSettings(CLIENT_ID, CLIENT_SECRET, sandbox_server.base_url)


@pytest.fixture
def env(oauth_settings: OAuthSettings, tmp_path: Path) -> dict[str, str]:
    """The environment of a stdio user of that app, with a private config directory for the tokens."""
    return {
        "WRIKE_CLIENT_ID": oauth_settings.client_id, "WRIKE_CLIENT_SECRET": oauth_settings.client_secret,
        "WRIKE_OAUTH_BASE": oauth_settings.oauth_base, "XDG_CONFIG_HOME": str(tmp_path),
    }  # fmt: skip


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
async def wrike(
    oauth_settings: OAuthSettings, clock: FakeClock, transport: CountingTransport
) -> AsyncIterator[WrikeOAuth]:
    client = WrikeOAuth(oauth_settings, clock, transport=transport)
    yield client
    await client.aclose()


@pytest.fixture
def sealer(clock: FakeClock) -> Sealer:
    return Sealer([SealingKey.from_text(generate_key())], clock)


async def browser_code(url: str) -> str:
    """Play the user at Wrike's authorize page: follow it and read the code from the redirect."""
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url)
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
