"""`serve` without WRIKE_ACCESS_TOKEN acts with the sign-in `wrike-mcp login` saved, kept fresh."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from mcp import Client

from tests.auth.test_login import login
from wrike_mcp.auth.token_store import decode_record, default_store
from wrike_mcp.clock import FakeClock
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.server import build_server, connect, open_client


def _settings(sandbox_server: SandboxServer) -> Settings:
    return Settings(base_url=sandbox_server.api_url)


async def _my_name(settings: Settings, environment: dict[str, str], clock: FakeClock) -> tuple[str, str]:
    connection = connect(settings, env=environment, clock=clock)
    assert connection.login is not None
    await connection.login.ensure_fresh()
    async with (
        open_client(settings, connection) as client,
        Client(build_server(settings, client, connection=connection)) as mcp,
    ):
        result = await mcp.call_tool("list_contacts", {"me": True})
    await connection.login.aclose()
    assert not result.is_error, result.content
    me = result.structured_content["data"][0]  # type: ignore[index]
    return me["id"], connection.login.current.token


def test_without_a_token_or_a_saved_login_serve_says_how_to_sign_in(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="wrike-mcp login"):
        connect(Settings(), env={"XDG_CONFIG_HOME": str(tmp_path)}, clock=FakeClock())


async def test_serve_acts_as_the_signed_in_user_and_refreshes_an_expired_login(
    env: dict[str, str],
    clock: FakeClock,
    sandbox: Sandbox,
    sandbox_server: SandboxServer,
) -> None:
    await asyncio.to_thread(login, env, clock)  # the login command runs its own event loop
    owner = str(sandbox.workspace.account["ownerId"])
    first_id, first_token = await _my_name(_settings(sandbox_server), env, clock)
    assert first_id == owner

    clock.advance(3700)  # Wrike's access token (and the saved one) has expired
    second_id, second_token = await _my_name(_settings(sandbox_server), env, clock)
    assert second_id == owner
    assert second_token != first_token, "the expired token was refreshed before the first call"
    saved = decode_record(default_store(env).read() or "", env["WRIKE_OAUTH_BASE"])
    assert saved is not None and saved.access_token == second_token, "the rotated tokens were saved"


async def test_the_refresher_waits_until_just_before_expiry(
    env: dict[str, str],
    clock: FakeClock,
    sandbox_server: SandboxServer,
) -> None:
    await asyncio.to_thread(login, env, clock)  # the login command runs its own event loop
    connection = connect(_settings(sandbox_server), env=env, clock=clock)
    assert connection.login is not None
    wait = connection.login.seconds_until_refresh()
    assert 3500 < wait < 3600
    clock.advance(wait)
    before = connection.login.current.token
    await connection.login.ensure_fresh()
    assert connection.login.current.token != before
    assert connection.login.seconds_until_refresh() > 3500
    await connection.login.aclose()
