"""The hosted endpoint end to end: SDK OAuth client -> our consent -> the sandbox's Wrike OAuth -> tools."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from starlette.types import ASGIApp

from tests.transports.hosting import PUBLIC, Balancer, serve
from tests.transports.oauth_user import MCP_HEADERS, User, me, owner
from wrike_mcp.auth.sealing import SealingKey, generate_key
from wrike_mcp.cli import build_parser
from wrike_mcp.clock import FakeClock
from wrike_mcp.commands.serve import settings_from_args
from wrike_mcp.errors import ConfigError
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.transports.http_serve import plan_http


async def test_sdk_oauth_client_authorizes_and_calls_tools_over_streamable_http(
    balancer: Balancer, sandbox: Sandbox
) -> None:
    user = User(balancer)
    async with user.client() as client:
        assert await me(client) == owner(sandbox)
        assert any(tool.name == "list_contacts" for tool in (await client.list_tools()).tools)
    assert user.approvals == 1 and user.tokens is not None and user.tokens.refresh_token


async def test_the_client_refreshes_and_keeps_working_after_wrike_rotated_its_refresh_token(
    balancer: Balancer, sandbox: Sandbox, clock: FakeClock
) -> None:
    user = User(balancer)
    async with user.client() as client:
        assert await me(client) == owner(sandbox)
    for _ in range(2):  # two rounds: the second uses the refresh token Wrike rotated in the first
        first = user.tokens
        clock.advance(3600)  # both our access token and the Wrike token inside it have expired
        user.token_has_expired_for_the_client()
        async with user.client() as client:
            assert await me(client) == owner(sandbox)
        assert user.tokens is not None and first is not None
        assert user.tokens.refresh_token != first.refresh_token
    assert user.approvals == 1  # refreshed, never re-authorized


async def test_the_legacy_sse_transport_serves_the_same_tools(balancer: Balancer, sandbox: Sandbox) -> None:
    user = User(balancer)

    def factory(headers: Any = None, timeout: Any = None, auth: Any = None) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            headers=headers, timeout=timeout, auth=auth, transport=balancer.transport2()
        )

    async with Client(sse_client(PUBLIC + "/sse", auth=user.auth, httpx_client_factory=factory)) as client:
        assert await me(client) == owner(sandbox)


async def test_two_replicas_sharing_a_key_serve_one_client_interchangeably(
    build: Callable[..., ASGIApp], sandbox: Sandbox
) -> None:
    for replicas in serve([build, build]):
        balancer = Balancer(replicas)
        user = User(balancer)
        async with user.client() as client:  # registration, authorize, consent, callback, token: round robin
            for _ in range(4):
                assert await me(client) == owner(sandbox)
        assert set(balancer.served) == {0, 1} and user.approvals == 1


async def bearer_status(balancer: Balancer, token: str, **headers: str) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx.AsyncClient(transport=balancer.transport()) as http:
        response = await http.post(
            PUBLIC + "/mcp", json=body, headers={**MCP_HEADERS, **headers, "Authorization": f"Bearer {token}"}
        )
    return response.status_code


async def test_key_rotation_keeps_tokens_alive_and_a_foreign_key_refuses_them(
    build: Callable[..., ASGIApp], balancer: Balancer, key: SealingKey, sandbox: Sandbox
) -> None:
    user = User(balancer)
    async with user.client() as client:
        assert await me(client) == owner(sandbox)
    assert user.tokens is not None
    token = user.tokens.access_token
    assert await bearer_status(balancer, token) == 200
    new_key = SealingKey.from_text(generate_key())
    for replicas in serve([lambda: build(keys=[new_key, key]), lambda: build(keys=[new_key])]):
        rotated, foreign = Balancer(replicas[:1]), Balancer(replicas[1:])
        assert await bearer_status(rotated, token) == 200
        assert await bearer_status(foreign, token) == 401


async def test_without_a_token_the_answer_is_401_pointing_at_the_resource_metadata(
    balancer: Balancer,
) -> None:
    async with httpx.AsyncClient(transport=balancer.transport()) as http:
        refused = await http.post(PUBLIC + "/mcp", json={}, headers=MCP_HEADERS)
        challenge = refused.headers["www-authenticate"]
        metadata_url = re.search(r'resource_metadata="([^"]+)"', challenge)
        assert refused.status_code == 401 and challenge.startswith("Bearer ") and metadata_url
        metadata = (await http.get(metadata_url.group(1))).json()
        server = (await http.get(PUBLIC + "/.well-known/oauth-authorization-server")).json()
        sse = await http.get(PUBLIC + "/sse")
    assert metadata["resource"] == PUBLIC + "/mcp" and metadata["scopes_supported"] == ["Default"]
    assert server["code_challenge_methods_supported"] == ["S256"] and server["registration_endpoint"]
    assert sse.status_code == 401


async def test_edge_checks_refuse_a_foreign_host_a_foreign_origin_and_an_oversized_body(
    build: Callable[..., ASGIApp], sandbox: Sandbox
) -> None:
    for replicas in serve([lambda: build(max_body_bytes=4096)]):
        direct = f"http://127.0.0.1:{replicas[0].port}"
        async with httpx.AsyncClient(transport=Balancer(replicas).transport()) as http:
            assert (await http.get(direct + "/healthz")).json() == {"status": "ok"}  # probes by address
            assert (await http.post(direct + "/mcp", json={})).status_code == 421
            evil = {"Host": "evil.example.com"}
            assert (
                await http.get(PUBLIC + "/.well-known/oauth-authorization-server", headers=evil)
            ).status_code == 421
            foreign = await http.post(
                PUBLIC + "/mcp", json={}, headers={**MCP_HEADERS, "Origin": "https://evil.example.com"}
            )
            assert foreign.status_code == 403
            own = await http.post(PUBLIC + "/mcp", json={}, headers={**MCP_HEADERS, "Origin": PUBLIC})
            assert own.status_code == 401  # same origin passes the edge, then needs a token
            huge = await http.post(PUBLIC + "/mcp", content=b"x" * 5000, headers=MCP_HEADERS)
            assert huge.status_code == 413


async def test_concurrent_users_each_act_as_themselves(balancer: Balancer, sandbox: Sandbox) -> None:
    people = [
        c["id"]
        for c in sandbox.workspace["contacts"].values()
        if c["type"] == "Person" and not c.get("deleted")
    ]
    users = [User(balancer, login_hint=person) for person in people]

    async def session(user: User) -> list[str]:
        async with user.client() as client:
            return [await me(client) for _ in range(3)]

    seen = await asyncio.gather(*(session(user) for user in users))
    assert seen == [[person] * 3 for person in people] and len(people) >= 10


async def test_raw_wrike_tokens_are_refused_unless_the_operator_opts_in(
    build: Callable[..., ASGIApp], balancer: Balancer, sandbox: Sandbox
) -> None:
    raw = sandbox.workspace.named_tokens["default"]
    assert await bearer_status(balancer, raw) == 401
    for replicas in serve([lambda: build(accept_wrike_tokens=True)]):
        trusting = Balancer(replicas)
        assert await bearer_status(trusting, raw) == 200
        assert await bearer_status(trusting, raw, **{"X-Wrike-Host": "evil.example.com"}) == 401


async def test_no_token_reaches_a_server_log(
    balancer: Balancer, sandbox: Sandbox, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = User(balancer)
    async with user.client() as client:
        await me(client)
    first = user.tokens
    clock.advance(3600)
    user.token_has_expired_for_the_client()
    async with user.client() as client:
        await me(client)
    assert first is not None and user.tokens is not None and user.tokens.refresh_token
    secrets = [
        first.access_token,
        first.refresh_token or "",
        user.tokens.access_token,
        user.tokens.refresh_token,
    ]
    secrets += list(sandbox.workspace.tokens)  # every Wrike token the sandbox issued
    server_side = [r for r in caplog.records if not r.name.startswith(("mcp.client", "httpx", "httpcore"))]
    assert server_side, "the server should have logged something"
    text = "\n".join(r.getMessage() for r in server_side)
    for secret in secrets:
        assert secret not in text


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {"WRIKE_CLIENT_ID": "c", "WRIKE_CLIENT_SECRET": "s"}, "WRIKE_MCP_TOKEN_KEYS"),
        ([], {"WRIKE_MCP_TOKEN_KEYS": generate_key()}, "WRIKE_CLIENT_ID"),
        (["--public-url", "http://mcp.example.com"], {}, "https"),
        (["--public-url", "https://mcp.example.com/wrike"], {}, "origin only"),
    ],
)
def test_serve_http_refuses_bad_settings_before_starting(
    argv: list[str], env: dict[str, str], message: str
) -> None:
    args = build_parser().parse_args(["serve", "--transport", "http", *argv])
    with pytest.raises(ConfigError, match=message):
        plan_http(args, settings_from_args(args, env), env)


def test_serve_http_with_the_sandbox_needs_no_settings() -> None:
    args = build_parser().parse_args(["serve", "--transport", "http", "--sandbox", "--port", "8123"])
    plan = plan_http(args, settings_from_args(args, {}), {})
    assert plan.oauth is None and len(plan.keys) == 1
    assert plan.options.resource_url == "http://127.0.0.1:8123/mcp"


def test_the_public_url_may_come_from_the_environment_and_the_flag_overrides_it() -> None:
    env = {
        "WRIKE_CLIENT_ID": "c", "WRIKE_CLIENT_SECRET": "s", "WRIKE_MCP_TOKEN_KEYS": generate_key(),
        "WRIKE_MCP_PUBLIC_URL": "https://mcp.example.com",
    }  # fmt: skip
    for argv, expected in (
        ([], "https://mcp.example.com"),
        (["--public-url", "https://b.example"], "https://b.example"),
    ):
        args = build_parser().parse_args(["serve", "--transport", "http", *argv])
        assert plan_http(args, settings_from_args(args, env), env).options.public_url == expected
