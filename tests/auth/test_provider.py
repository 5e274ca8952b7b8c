"""The MCP authorization server in front of the sandbox's Wrike OAuth: the whole flow and its refusals."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.auth.flow import (
    ISSUER,
    REDIRECT,
    RESOURCE,
    Client,
    approve_and_get_code,
    consent_page,
    decide,
    pkce,
    query,
    register,
    registered,
)
from wrike_mcp.auth.grants import wrike_credentials_from_access_token
from wrike_mcp.auth.provider import AuthServerConfig, WrikeAuthProvider
from wrike_mcp.auth.routes import authorization_server_routes
from wrike_mcp.auth.sealing import Sealer
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.clock import FakeClock
from wrike_mcp.manifest.model import KNOWN_SCOPES
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer


@pytest.fixture
async def provider(
    oauth_settings: OAuthSettings, clock: FakeClock, sealer: Sealer
) -> AsyncIterator[WrikeAuthProvider]:
    wrike = WrikeOAuth(oauth_settings, clock)
    yield WrikeAuthProvider(AuthServerConfig(ISSUER, RESOURCE), sealer, wrike, clock)
    await wrike.aclose()


@pytest.fixture
def app(provider: WrikeAuthProvider) -> Starlette:
    return Starlette(routes=authorization_server_routes(provider, sorted(KNOWN_SCOPES)))


def new_browser(app: Starlette) -> httpx.AsyncClient:
    """Our server in-process, everything else (the sandbox) over the network; its own cookie jar."""
    return httpx.AsyncClient(mounts={ISSUER: httpx.ASGITransport(app=app)})


@pytest.fixture
async def browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with new_browser(app) as client:
        yield client


@pytest.fixture
async def client(browser: httpx.AsyncClient) -> Client:
    return await registered(browser, token_endpoint_auth_method="client_secret_post")


async def test_full_flow_issues_tokens_that_carry_the_users_wrike_grant(
    client: Client, provider: WrikeAuthProvider, sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    verifier, challenge = pkce()
    redirect = await approve_and_get_code(client, challenge, state="s-123")
    assert redirect["state"] == "s-123"
    response = await client.exchange(redirect["code"], verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "Default" and body["expires_in"] == 3540
    access = await provider.verifier.verify_token(body["access_token"])
    assert access is not None and access.resource == RESOURCE
    assert access.subject == sandbox.workspace.account["ownerId"]
    granted = wrike_credentials_from_access_token(access)
    assert granted.host == f"127.0.0.1:{sandbox_server.port}" and granted.scopes == {"Default"}
    assert sandbox.workspace.tokens[granted.token].user_id == sandbox.workspace.account["ownerId"]


async def test_refresh_grant_refreshes_the_sealed_wrike_token_and_keeps_the_rotation(
    client: Client, provider: WrikeAuthProvider, sandbox: Sandbox
) -> None:
    verifier, challenge = pkce()
    first = (await client.exchange((await approve_and_get_code(client, challenge))["code"], verifier)).json()
    old_wrike = wrike_credentials_from_access_token(
        await provider.verifier.verify_token(first["access_token"])
    )
    second = await client.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    new_wrike = wrike_credentials_from_access_token(
        await provider.verifier.verify_token(second.json()["access_token"])
    )
    assert new_wrike.token != old_wrike.token and new_wrike.token in sandbox.workspace.tokens
    third = await client.refresh(second.json()["refresh_token"])  # Wrike's rotated token was kept
    assert third.status_code == 200, third.text


async def test_wrong_pkce_verifier_is_refused_and_the_right_one_still_works(client: Client) -> None:
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    bad = await client.exchange(code, pkce()[0])
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_grant")
    assert (await client.exchange(code, verifier)).status_code == 200


async def test_a_code_is_single_use(client: Client) -> None:
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    assert (await client.exchange(code, verifier)).status_code == 200
    again = await client.exchange(code, verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


async def test_a_code_expires_after_sixty_seconds(client: Client, clock: FakeClock) -> None:
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    clock.advance(61)
    late = await client.exchange(code, verifier)
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")


async def test_wrong_redirect_uri_at_the_token_endpoint_is_refused(client: Client) -> None:
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    wrong = await client.exchange(code, verifier, redirect_uri="http://127.0.0.1:9/other")
    assert wrong.status_code == 400 and "access_token" not in wrong.text


async def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(client: Client) -> None:
    client.redirect_uri = "http://127.0.0.1:9/elsewhere"
    response = await client.authorize(pkce()[1])
    assert response.status_code == 400 and "location" not in response.headers


async def test_another_clients_code_is_refused(client: Client, browser: httpx.AsyncClient) -> None:
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    other = await registered(browser, token_endpoint_auth_method="none")
    stolen = await other.exchange(code, verifier)
    assert (stolen.status_code, stolen.json()["error"]) == (400, "invalid_grant")


async def test_denied_consent_sends_access_denied_and_no_code(client: Client) -> None:
    page = await consent_page(client.browser, await client.authorize(pkce()[1], "st"))
    assert "Test Client" in page.text and REDIRECT in page.text
    assert page.headers["x-frame-options"] == "DENY"
    denied = await decide(client.browser, page, "deny")
    assert query(denied.headers["location"]) == {"error": "access_denied", "state": "st"}


async def test_a_cross_site_consent_post_without_the_browser_cookie_is_refused(
    client: Client, sandbox: Sandbox
) -> None:
    page = await consent_page(client.browser, await client.authorize(pkce()[1]))
    client.browser.cookies.clear()  # a forged POST from another site carries no SameSite=Lax cookie
    forged = await decide(client.browser, page, "approve")
    assert forged.status_code == 403 and "location" not in forged.headers


async def test_a_forwarded_wrike_link_does_not_deliver_the_victims_code(
    client: Client, browser: httpx.AsyncClient, app: Starlette
) -> None:
    """The attacker approves in their browser and sends Wrike's authorize link to a victim."""
    page = await consent_page(browser, await client.authorize(pkce()[1]))
    to_wrike = await decide(browser, page, "approve")
    assert to_wrike.status_code == 303
    async with new_browser(app) as victim:
        at_wrike = await victim.get(to_wrike.headers["location"])
        landed = await victim.get(at_wrike.headers["location"])
    assert landed.status_code == 400 and "location" not in landed.headers


async def test_a_client_cannot_skip_consent(client: Client, browser: httpx.AsyncClient) -> None:
    """Going straight to the callback with a made-up state never yields a code."""
    response = await browser.get(ISSUER + "/oauth/callback", params={"code": "x", "state": "forged"})
    assert response.status_code == 400 and "location" not in response.headers


async def test_registration_refuses_unsafe_redirect_uris(browser: httpx.AsyncClient) -> None:
    for uri in ("http://evil.example.com/cb", "javascript:alert(1)", "https://ok.example.com/cb#frag"):
        response = await register(browser, redirect_uris=[uri])
        assert response.status_code == 400, uri
    assert (await register(browser, redirect_uris=["https://ok.example.com/cb"])).status_code == 201


async def test_registered_client_ids_are_sealed_and_reopen_anywhere(
    client: Client, provider: WrikeAuthProvider
) -> None:
    info = await provider.get_client(client.client_id)
    assert info is not None and info.client_name == "Test Client" and str(info.redirect_uris[0]) == REDIRECT
    assert "Test Client" not in client.client_id
    assert await provider.get_client(client.client_id[:-4] + "AAAA") is None


async def test_access_tokens_for_another_resource_or_of_another_type_are_refused(
    client: Client, provider: WrikeAuthProvider, sealer: Sealer
) -> None:
    verifier, challenge = pkce()
    body = (await client.exchange((await approve_and_get_code(client, challenge))["code"], verifier)).json()
    assert await provider.verifier.verify_token(body["refresh_token"]) is None
    foreign = sealer.seal("access", "https://other.example.com/mcp", {"scp": [], "w": {}})
    assert await provider.verifier.verify_token(foreign) is None
    assert await provider.verifier.verify_token(body["access_token"]) is not None


async def test_a_resource_indicator_for_another_server_is_refused(client: Client) -> None:
    response = await client.authorize(pkce()[1], resource="https://other.example.com/mcp")
    assert query(response.headers["location"])["error"] == "invalid_target"


async def test_no_token_or_code_appears_in_the_logs(
    client: Client, provider: WrikeAuthProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    verifier, challenge = pkce()
    code = (await approve_and_get_code(client, challenge))["code"]
    await client.exchange(code, pkce()[0])  # a refused attempt logs too
    body = (await client.exchange(code, verifier)).json()
    await client.exchange(code, verifier)  # replay
    refreshed = (await client.refresh(body["refresh_token"])).json()
    granted = wrike_credentials_from_access_token(await provider.verifier.verify_token(body["access_token"]))
    secrets = [code, body["access_token"], body["refresh_token"], refreshed["access_token"], granted.token]
    assert caplog.records, "the flow should have logged something"
    for secret in secrets:
        assert secret not in caplog.text
