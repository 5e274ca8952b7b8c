"""The sandbox's OAuth 2.0 authorization-code flow: codes, tokens, refresh rotation, errors."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

CLIENT, SECRET = "sbx-client", "sbx-secret"
REDIRECT = "http://127.0.0.1:9/callback"


@pytest.fixture
def oauth(sandbox: Sandbox, sandbox_server: SandboxServer) -> Iterator[httpx.Client]:
    sandbox.config.oauth_clients = {CLIENT: SECRET}
    with httpx.Client(base_url=sandbox_server.base_url, timeout=10) as client:
        yield client


def authorize(client: httpx.Client, **extra: str) -> httpx.Response:
    params = {"client_id": CLIENT, "response_type": "code", "redirect_uri": REDIRECT, "state": "s1", **extra}
    return client.get("/oauth2/authorize/v4", params=params)


def get_code(client: httpx.Client, **extra: str) -> str:
    response = authorize(client, **extra)
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def exchange(client: httpx.Client, code: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    return client.post("/oauth2/token", data={"client_id": CLIENT, "client_secret": SECRET, **form, **extra})


def refresh(client: httpx.Client, token: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    return client.post("/oauth2/token", data=form, auth=(CLIENT, SECRET))


def version(server: SandboxServer, access_token: str) -> int:
    headers = {"Authorization": f"bearer {access_token}"}
    return httpx.get(server.api_url + "/version", headers=headers).status_code


def test_authorize_redirects_with_code_and_state(oauth: httpx.Client) -> None:
    response = authorize(oauth)
    location = urlsplit(response.headers["location"])
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s1"]
    assert query["code"][0]


def test_unknown_client_gets_an_error_page_not_a_redirect(oauth: httpx.Client) -> None:
    response = authorize(oauth, client_id="stranger")
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "Unknown client_id" in response.text


def test_code_exchange_issues_a_token_that_works_then_expires(
    oauth: httpx.Client, sandbox_server: SandboxServer, sandbox: Sandbox, clock: FakeClock
) -> None:
    response = exchange(oauth, get_code(oauth))
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["host"] == f"127.0.0.1:{sandbox_server.port}"
    assert sandbox.workspace.tokens[body["access_token"]].scopes == {"Default"}
    assert version(sandbox_server, body["access_token"]) == 200
    clock.advance(3599)
    assert version(sandbox_server, body["access_token"]) == 200
    clock.advance(1)
    assert version(sandbox_server, body["access_token"]) == 401


def test_code_is_single_use(oauth: httpx.Client) -> None:
    code = get_code(oauth)
    assert exchange(oauth, code).status_code == 200
    again = exchange(oauth, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_code_expires_after_ten_minutes(oauth: httpx.Client, clock: FakeClock) -> None:
    code = get_code(oauth)
    clock.advance(601)
    response = exchange(oauth, code)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired",
    }


def test_redirect_uri_must_match(oauth: httpx.Client) -> None:
    response = exchange(oauth, get_code(oauth), redirect_uri="http://127.0.0.1:9/elsewhere")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(oauth: httpx.Client) -> None:
    response = exchange(oauth, get_code(oauth), client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_refresh_rotates_and_the_old_refresh_token_stops_working(
    oauth: httpx.Client, sandbox_server: SandboxServer
) -> None:
    first = exchange(oauth, get_code(oauth)).json()
    second = refresh(oauth, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert version(sandbox_server, second.json()["access_token"]) == 200
    reused = refresh(oauth, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert refresh(oauth, second.json()["refresh_token"]).status_code == 200


def test_refresh_scope_may_narrow_but_not_widen(oauth: httpx.Client, sandbox: Sandbox) -> None:
    first = exchange(oauth, get_code(oauth, scope="wsReadOnly,amReadOnlyUser")).json()
    widened = refresh(oauth, first["refresh_token"], scope="wsReadWrite")
    assert widened.json()["error"] == "invalid_scope"
    narrowed = refresh(oauth, first["refresh_token"], scope="wsReadOnly").json()
    assert sandbox.workspace.tokens[narrowed["access_token"]].scopes == {"wsReadOnly"}


def test_requested_scopes_are_granted_and_unknown_scopes_refused(
    oauth: httpx.Client, sandbox: Sandbox
) -> None:
    body = exchange(oauth, get_code(oauth, scope="wsReadOnly,amReadOnlyUser")).json()
    assert sandbox.workspace.tokens[body["access_token"]].scopes == {"wsReadOnly", "amReadOnlyUser"}
    refused = authorize(oauth, scope="wsReadOnly,everything")
    assert parse_qs(urlsplit(refused.headers["location"]).query) == {
        "error": ["invalid_scope"],
        "state": ["s1"],
    }


def test_login_hint_signs_in_as_another_person(oauth: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    other = next(
        c["id"] for c in ws["contacts"].values() if c["type"] == "Person" and c["id"] != ws.account["ownerId"]
    )
    body = exchange(oauth, get_code(oauth, login_hint=other)).json()
    assert ws.tokens[body["access_token"]].user_id == other
    owner_body = exchange(oauth, get_code(oauth)).json()
    assert ws.tokens[owner_body["access_token"]].user_id == ws.account["ownerId"]


def test_unknown_grant_type_and_missing_code_are_refused(oauth: httpx.Client) -> None:
    odd = oauth.post("/oauth2/token", data={"grant_type": "password"}, auth=(CLIENT, SECRET))
    assert (odd.status_code, odd.json()["error"]) == (400, "unsupported_grant_type")
    missing = oauth.post("/oauth2/token", data={"grant_type": "authorization_code"}, auth=(CLIENT, SECRET))
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
