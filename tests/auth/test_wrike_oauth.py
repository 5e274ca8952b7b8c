"""The Wrike OAuth client against the sandbox's real OAuth endpoints over loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.auth.conftest import CountingTransport, browser_code
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth, WrikeOAuthError, WrikeTokens
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

REDIRECT = "http://127.0.0.1:9/callback"


async def sign_in(wrike: WrikeOAuth, scopes: tuple[str, ...] | None = None) -> WrikeTokens:
    code = await browser_code(wrike.authorize_url(REDIRECT, "st", scopes))
    return await wrike.exchange_code(code, REDIRECT, scopes)


def test_authorize_url_carries_client_redirect_state_and_comma_scopes(wrike: WrikeOAuth) -> None:
    url = urlsplit(wrike.authorize_url(REDIRECT, "st1", ["wsReadOnly", "amReadOnlyUser"], login_hint="X"))
    assert url.path == "/oauth2/authorize/v4"
    assert parse_qs(url.query) == {
        "response_type": ["code"], "client_id": ["cid"], "redirect_uri": [REDIRECT], "state": ["st1"],
        "scope": ["wsReadOnly,amReadOnlyUser"], "login_hint": ["X"],
    }  # fmt: skip


async def test_code_exchange_returns_tokens_host_and_expiry(
    wrike: WrikeOAuth, sandbox: Sandbox, sandbox_server: SandboxServer, clock: FakeClock
) -> None:
    tokens = await sign_in(wrike, ("wsReadOnly",))
    assert tokens.host == f"127.0.0.1:{sandbox_server.port}"
    assert tokens.expires_at == clock.now() + 3600
    assert tokens.scopes == ("wsReadOnly",)
    assert sandbox.workspace.tokens[tokens.access_token].scopes == {"wsReadOnly"}
    me = await wrike.fetch_me(tokens)
    assert me["id"] == sandbox.workspace.account["ownerId"]


async def test_refresh_keeps_the_rotated_refresh_token(wrike: WrikeOAuth, sandbox: Sandbox) -> None:
    first = await sign_in(wrike)
    second = await wrike.refresh(first)
    assert second.refresh_token != first.refresh_token
    assert second.access_token in sandbox.workspace.tokens
    assert second.scopes == first.scopes == ("Default",)
    third = await wrike.refresh(second)  # the rotated token is the one that works now
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


async def test_concurrent_refreshes_of_one_token_make_exactly_one_upstream_request(
    wrike: WrikeOAuth, transport: CountingTransport
) -> None:
    tokens = await sign_in(wrike)
    transport.requests.clear()
    results = await asyncio.gather(*(wrike.refresh(tokens) for _ in range(8)))
    assert transport.requests == [("POST", "/oauth2/token")]
    assert len({r.refresh_token for r in results}) == 1
    late = await wrike.refresh(tokens)  # a straggler inside the grace window gets the same answer
    assert late == results[0] and len(transport.requests) == 1


async def test_a_spent_refresh_token_is_refused_after_the_grace_window(
    wrike: WrikeOAuth, clock: FakeClock
) -> None:
    tokens = await sign_in(wrike)
    await wrike.refresh(tokens)
    clock.advance(31)
    with pytest.raises(WrikeOAuthError) as caught:
        await wrike.refresh(tokens)
    assert caught.value.code == "invalid_grant"


async def test_refresh_may_narrow_scopes(wrike: WrikeOAuth, sandbox: Sandbox) -> None:
    tokens = await sign_in(wrike, ("wsReadOnly", "amReadOnlyUser"))
    narrowed = await wrike.refresh(tokens, ["wsReadOnly"])
    assert narrowed.scopes == ("wsReadOnly",)
    assert sandbox.workspace.tokens[narrowed.access_token].scopes == {"wsReadOnly"}


async def test_wrong_client_secret_is_a_safe_error(
    oauth_settings: OAuthSettings, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bad = WrikeOAuth(OAuthSettings("cid", "wrong-secret", oauth_settings.oauth_base), clock)
    code = await browser_code(bad.authorize_url(REDIRECT, "s"))
    with caplog.at_level(logging.DEBUG), pytest.raises(WrikeOAuthError) as caught:
        await bad.exchange_code(code, REDIRECT)
    await bad.aclose()
    assert caught.value.code == "invalid_client"
    for text in (str(caught.value), caplog.text):
        assert code not in text and "wrong-secret" not in text


def answering(body: dict[str, object]) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=body))


@pytest.mark.parametrize("host", ["evil.example.com", "www.wrike.com.evil.net", "127.0.0.1:1", ""])
async def test_a_host_outside_the_allow_list_is_refused(
    oauth_settings: OAuthSettings, clock: FakeClock, host: str
) -> None:
    # A stand-in Wrike that names a foreign host: nothing else can make the sandbox do that.
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "host": host}
    client = WrikeOAuth(oauth_settings, clock, transport=answering(body))
    with pytest.raises(WrikeOAuthError) as caught:
        await client.exchange_code("c", REDIRECT)
    assert caught.value.code in ("unexpected_host", "server_error")


@pytest.mark.parametrize("host", ["www.wrike.com", "app-eu.wrike.com", "app-us2.wrike.com"])
async def test_wrike_data_centres_are_accepted_and_called_over_https(clock: FakeClock, host: str) -> None:
    settings = OAuthSettings("cid", "secret")
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "host": host.upper()}
    tokens = await WrikeOAuth(settings, clock, transport=answering(body)).exchange_code("c", REDIRECT)
    assert tokens.host == host
    assert settings.api_base_url(tokens.host) == f"https://{host}/api/v4"
    assert settings.authorize_url == "https://login.wrike.com/oauth2/authorize/v4"


def test_token_repr_hides_the_secrets() -> None:
    tokens = WrikeTokens("acc-secret", "ref-secret", "www.wrike.com", 1.0)
    assert "secret" not in repr(tokens)
    assert WrikeTokens.from_claims(tokens.to_claims()) == tokens
