"""A tool outside the grant's scopes: 403 insufficient_scope over streamable HTTP (so the client steps up),
the tool layer's error result over SSE and stdio."""

from __future__ import annotations

import re
import sys
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp.client.sse import sse_client

from tests.test_stdio import child_env
from tests.transports.hosting import PUBLIC, Balancer
from tests.transports.oauth_user import MCP_HEADERS, User, me, owner
from wrike_mcp.auth.sealing import Sealer, SealingKey
from wrike_mcp.auth.wrike_oauth import WrikeTokens
from wrike_mcp.clock import FakeClock
from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.transports.scope_challenge import step_up_scope

NEEDS_USER_SCOPE = "needs the Wrike scope amReadOnlyUser or amReadWriteUser"


def sealed_token(key: SealingKey, clock: FakeClock, sandbox: Sandbox, token_name: str) -> str:
    """Our access token for a grant of one of the sandbox's named Wrike tokens (as /token would issue)."""
    wrike_token = sandbox.workspace.named_tokens[token_name]
    scopes = sorted(sandbox.workspace.tokens[wrike_token].scopes)
    wrike = WrikeTokens(wrike_token, "refresh", "sandbox.invalid", clock.now() + 3600, tuple(scopes))
    claims = {"cref": "client", "scp": scopes, "sub": None, "w": wrike.to_claims()}
    return Sealer([key], clock).seal("access", PUBLIC + "/mcp", claims, 3000)


async def post_call(balancer: Balancer, token: str, tool: str, arguments: dict[str, Any]) -> httpx.Response:
    body = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments},
    }
    async with httpx.AsyncClient(transport=balancer.transport()) as http:
        return await http.post(
            PUBLIC + "/mcp", json=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {token}"}
        )


def challenge(response: httpx.Response) -> dict[str, str]:
    header = response.headers["www-authenticate"]
    assert header.startswith("Bearer ")
    return dict(re.findall(r'(\w+)="([^"]*)"', header))


@pytest.mark.parametrize(
    ("token_name", "tool", "arguments", "scope"),
    [
        ("default", "get_user", {"userId": "KUAAAAAA"}, "Default amReadOnlyUser"),
        (
            "ws_read_only",
            "create_task",
            {"folderId": "IEAGSBX1I7777777", "title": "x"},
            "wsReadOnly wsReadWrite",
        ),
        ("user_read", "update_user", {"userId": "KUAAAAAA"}, "amReadOnlyUser amReadWriteUser"),
    ],
)
async def test_a_call_outside_the_grant_is_a_403_insufficient_scope_challenge_naming_the_scopes_to_ask_for(
    balancer: Balancer,
    key: SealingKey,
    clock: FakeClock,
    sandbox: Sandbox,
    token_name: str,
    tool: str,
    arguments: dict[str, Any],
    scope: str,
) -> None:
    refused = await post_call(balancer, sealed_token(key, clock, sandbox, token_name), tool, arguments)
    params = challenge(refused)
    assert refused.status_code == 403 and params["error"] == "insufficient_scope"
    assert params["scope"] == scope
    assert params["resource_metadata"] == PUBLIC + "/.well-known/oauth-protected-resource/mcp"
    assert "needs the Wrike scope" in params["error_description"]
    error = refused.json()
    assert error["id"] == 7 and error["error"]["data"] == {"error": "insufficient_scope", "scope": scope}
    assert sandbox.request_log == []  # nothing reached Wrike


async def test_calls_inside_the_grant_unknown_tools_and_other_requests_pass_through(
    balancer: Balancer, key: SealingKey, clock: FakeClock, sandbox: Sandbox
) -> None:
    token = sealed_token(key, clock, sandbox, "default")
    allowed = await post_call(balancer, token, "list_contacts", {"me": True})
    unknown = await post_call(balancer, token, "no_such_tool", {})
    async with httpx.AsyncClient(transport=balancer.transport()) as http:
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        garbled = await http.post(PUBLIC + "/mcp", content=b'{"method": "tools/call", ', headers=headers)
    assert allowed.status_code == 200 and owner(sandbox) in allowed.text
    assert unknown.status_code == 200 and "Unknown tool" in unknown.text  # the protocol error, as before
    assert garbled.status_code == 400  # the transport's own answer to a malformed body


async def test_the_sdk_client_steps_up_on_the_challenge_and_the_call_then_succeeds(
    balancer: Balancer, sandbox: Sandbox
) -> None:
    user = User(balancer)
    async with user.client() as client:
        assert await me(client) == owner(sandbox)  # signed in with the advertised scope, Default
        assert user.tokens is not None and user.tokens.scope == "Default"
        result = await client.call_tool("get_user", {"userId": owner(sandbox)})
        assert not result.is_error, result
        assert result.structured_content is not None
        assert result.structured_content["data"][0]["id"] == owner(sandbox)
        assert await me(client) == owner(sandbox)  # the Default grant was kept, not replaced
    assert user.approvals == 2  # consent and Wrike sign-in once more, for the wider scope
    assert set(user.tokens.scope.split()) == {"Default", "amReadOnlyUser"}


async def test_over_sse_the_same_call_is_the_tool_layers_error_result(
    balancer: Balancer, sandbox: Sandbox
) -> None:
    user = User(balancer)

    def factory(headers: Any = None, timeout: Any = None, auth: Any = None) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            headers=headers, timeout=timeout, auth=auth, transport=balancer.transport2()
        )

    async with Client(sse_client(PUBLIC + "/sse", auth=user.auth, httpx_client_factory=factory)) as client:
        result = await client.call_tool("get_user", {"userId": owner(sandbox)})
    assert result.is_error and NEEDS_USER_SCOPE in str(result.content)
    assert user.approvals == 1


async def test_over_stdio_the_same_call_is_the_tool_layers_error_result() -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "wrike_mcp", "serve", "--sandbox", "--sandbox-size", "0", "--sandbox-token", "default"],
        env=child_env(),
    )
    async with Client(stdio_client(params)) as client:
        result = await client.call_tool("get_user", {"userId": "KUAAAAAA"})
    assert result.is_error and NEEDS_USER_SCOPE in str(result.content)


@pytest.mark.parametrize(
    ("tool", "scope"),
    [
        ("search_tasks", "wsReadOnly"),
        ("create_task", "wsReadWrite"),
        ("get_user", "amReadOnlyUser"),
        ("update_user", "amReadWriteUser"),
        ("create_workflow", "amReadWriteWorkflow"),
        ("list_workflows", "amReadOnlyWorkflow"),
    ],
)
def test_a_step_up_asks_for_the_narrowest_scope_that_lets_the_tool_run(tool: str, scope: str) -> None:
    assert step_up_scope(load_catalog().by_name()[tool]) == scope
