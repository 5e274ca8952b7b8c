"""The sandbox's shared behaviour: auth, envelope, errors, verb override, parameters, rate limit."""

from __future__ import annotations

import httpx

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer


def test_version_answers_in_the_wrike_envelope(api: httpx.Client) -> None:
    response = api.get("/version")
    assert response.status_code == 200
    assert response.json() == {"kind": "version", "data": [{"major": 1, "minor": 0}]}


def test_missing_or_unknown_token_is_not_authorized(sandbox_server: SandboxServer) -> None:
    for headers in ({}, {"Authorization": "bearer nope"}):
        response = httpx.get(sandbox_server.api_url + "/version", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "errorDescription": "Access token is unknown or invalid",
            "error": "not_authorized",
        }


def test_access_token_parameter_works_like_the_header(sandbox_server: SandboxServer, token: str) -> None:
    response = httpx.get(sandbox_server.api_url + "/version", params={"access_token": token})
    assert response.status_code == 200


def test_unknown_method_is_method_not_found(api: httpx.Client) -> None:
    response = api.get("/no_such_thing")
    assert response.status_code == 404
    assert response.json()["error"] == "method_not_found"


def test_state_is_echoed(api: httpx.Client) -> None:
    assert api.get("/version", params={"state": "xyz"}).json()["state"] == "xyz"


def test_undeclared_parameter_is_refused(api: httpx.Client) -> None:
    response = api.get("/version", params={"deleted": "true"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_rate_limit_answers_429_then_recovers_on_the_clock(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock
) -> None:
    sandbox.config.rate_limit_per_minute = 400
    statuses = [api.get("/version").status_code for _ in range(401)]
    assert statuses[:400] == [200] * 400
    assert statuses[400] == 429
    limited = api.get("/version")
    assert limited.json()["error"] == "rate_limit_exceeded"
    assert int(limited.headers["Retry-After"]) >= 1
    clock.advance(61)
    assert api.get("/version").status_code == 200
