"""The Wrike client and its settings: allow-listed hosts, no redirects, errors mapped at the boundary."""

from __future__ import annotations

import logging

import httpx
import pytest
from mcp_harness import Recorder

from wrike_mcp.commands.serve import RedactSecrets
from wrike_mcp.config import Settings
from wrike_mcp.errors import ConfigError, RateLimited, WrikeApiError
from wrike_mcp.sandbox import Sandbox, SandboxConfig, make_sandbox
from wrike_mcp.wrike.client import UpstreamRequest, WrikeClient, WrikeCredentials
from wrike_mcp.wrike.hosts import api_base_url, check_base_url


@pytest.mark.parametrize(
    "host", ["www.wrike.com", "app-eu.wrike.com", "app-us2.wrike.com", "app-eu2.wrike.com"]
)
def test_wrike_data_centres_are_allowed(host: str) -> None:
    assert api_base_url(host) == f"https://{host}/api/v4"


@pytest.mark.parametrize(
    "host",
    ["evil.com", "wrike.com.evil.com", "www.wrike.com.", "login.wrike.com", "app-eu.wrike.com:8443",
     "x.app-eu.wrike.com", "app-e.wrike.com", "127.0.0.1", "www.wrike.com/api", "WWW.WRIKE.COM"],
)  # fmt: skip
def test_any_other_host_is_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="not a Wrike data centre"):
        api_base_url(host)


@pytest.mark.parametrize(
    "url", ["ftp://x/api/v4", "127.0.0.1:8765/api/v4", "http://u:p@127.0.0.1/api/v4", "http://h/api/v4?x=1"]
)
def test_an_operator_base_url_must_be_plain_http(url: str) -> None:
    with pytest.raises(ConfigError, match="WRIKE_BASE_URL"):
        check_base_url(url)


def test_settings_come_from_the_environment_and_flags_override() -> None:
    env = {
        "WRIKE_ACCESS_TOKEN": "tok", "WRIKE_HOST": "app-eu.wrike.com", "WRIKE_SCOPES": "wsReadOnly, Default",
        "WRIKE_READ_ONLY": "0", "WRIKE_TOOLSETS": "tasks,comments", "WRIKE_MCP_MAX_RESULT_BYTES": "5000",
    }  # fmt: skip
    settings = Settings.from_env(env, read_only=True)
    assert settings.access_token == "tok" and settings.host == "app-eu.wrike.com"
    assert settings.scopes == {"wsReadOnly", "Default"}
    assert settings.read_only is True and settings.toolsets == ("tasks", "comments")
    assert settings.max_result_bytes == 5000
    assert "tok" not in repr(settings)


def test_settings_default_to_the_default_scope_on_www() -> None:
    settings = Settings.from_env({})
    assert (
        settings.scopes == {"Default"} and settings.host == "www.wrike.com" and settings.access_token is None
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [({"WRIKE_READ_ONLY": "maybe"}, "WRIKE_READ_ONLY"), ({"WRIKE_MCP_TIMEOUT": "soon"}, "WRIKE_MCP_TIMEOUT"),
     ({"WRIKE_BASE_URL": "file:///etc"}, "WRIKE_BASE_URL")],
)  # fmt: skip
def test_bad_settings_are_config_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_credentials_never_show_the_token() -> None:
    assert "secret-token" not in repr(WrikeCredentials("secret-token"))


async def test_a_redirect_is_never_followed() -> None:
    """A token must not travel to wherever a 3xx points; the sandbox's OAuth authorize redirects."""
    sandbox = make_sandbox(seed=7, size=0, config=SandboxConfig(oauth_clients={"app": "s"}))
    recorder = Recorder(httpx.ASGITransport(app=sandbox.app()))
    query = (
        ("client_id", "app"),
        ("redirect_uri", "https://elsewhere.example/cb"),
        ("response_type", "code"),
    )
    async with WrikeClient(base_url="http://sandbox.wrike.invalid/oauth2", transport=recorder) as client:
        with pytest.raises(WrikeApiError) as caught:
            await client.send(UpstreamRequest("GET", "/authorize/v4", query), WrikeCredentials("t"))
    assert 300 <= caught.value.status < 400
    assert [request.url.host for request in recorder.requests] == ["sandbox.wrike.invalid"]


async def test_rate_limit_carries_retry_after(sandbox: Sandbox) -> None:
    sandbox.config.rate_limit_per_minute = 1
    token = sandbox.workspace.named_tokens["default"]
    transport = httpx.ASGITransport(app=sandbox.app())
    async with WrikeClient(base_url="http://sandbox.wrike.invalid/api/v4", transport=transport) as client:
        await client.send(UpstreamRequest("GET", "/version"), WrikeCredentials(token))
        with pytest.raises(RateLimited) as caught:
            await client.send(UpstreamRequest("GET", "/version"), WrikeCredentials(token))
    assert caught.value.retry_after == 60.0


async def test_credentials_are_per_call_so_one_client_serves_many_users(sandbox: Sandbox) -> None:
    transport = httpx.ASGITransport(app=sandbox.app())
    people = [name for name in sandbox.workspace.named_tokens if name.startswith("user:")][:3]
    async with WrikeClient(base_url="http://sandbox.wrike.invalid/api/v4", transport=transport) as client:
        for name in people:
            token = sandbox.workspace.named_tokens[name]
            response = await client.send(
                UpstreamRequest("GET", "/contacts", (("me", "true"),)), WrikeCredentials(token)
            )
            assert response.json()["data"][0]["id"] == name.removeprefix("user:")


def test_the_log_filter_redacts_secrets() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "token %s leaked", ("abc123secret",), None)
    RedactSecrets(["abc123secret"]).filter(record)
    assert record.getMessage() == "token [redacted] leaked"
