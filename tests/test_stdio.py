"""`wrike-mcp serve --sandbox` as a real subprocess over stdio: what a desktop client sees.

Nothing but JSON-RPC may reach stdout, logs go to stderr, and no token appears in either.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client

from wrike_mcp.sandbox.seeding.bootstrap import token_for

SERVE = [sys.executable, "-m", "wrike_mcp", "serve"]
SANDBOX_TOKEN = token_for(7, "all")  # the token `serve --sandbox` acts with (seed 7, the "all" token)


def child_env(**extra: str) -> dict[str, str]:
    """A clean environment: no Wrike token inherited from the developer's shell."""
    env = {
        key: value for key in ("PATH", "HOME", "PYTHONPATH", "SYSTEMROOT") if (value := os.environ.get(key))
    }
    env.update(extra)
    return env


async def test_an_mcp_client_lists_the_tools_and_calls_one_over_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=SERVE[0], args=[*SERVE[1:], "--sandbox", "--sandbox-size", "20"],
        env=child_env(WRIKE_MCP_LOG_LEVEL="DEBUG"),
    )  # fmt: skip
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = (await session.list_tools()).tools
            result = await session.call_tool("search_tasks", {"pageSize": 3})
    names = {tool.name for tool in tools}
    assert {"search_tasks", "get_tasks", "create_task", "create_workflow"} <= names
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["kind"] == "tasks"
    assert len(result.structured_content["data"]) == 3
    stderr = stderr_path.read_text()
    assert "tool search_tasks ok" in stderr  # the logs went to stderr
    assert SANDBOX_TOKEN not in stderr
    assert SANDBOX_TOKEN not in result.model_dump_json()


async def test_the_2026_protocol_era_works_over_stdio_too() -> None:
    params = StdioServerParameters(
        command=SERVE[0], args=[*SERVE[1:], "--sandbox", "--sandbox-size", "5"], env=child_env()
    )
    async with Client(params, mode="auto") as client:
        assert client.protocol_version == "2026-07-28"
        result = await client.call_tool("get_account", {})
    assert not result.is_error
    assert result.structured_content is not None and result.structured_content["kind"] == "accounts"


def rpc(method: str, params: dict[str, Any], ident: int | None) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if ident is not None:
        message["id"] = ident
    return json.dumps(message) + "\n"


def test_stdout_carries_only_json_rpc() -> None:
    """Each request gets exactly one line on stdout, and every line is a JSON-RPC message."""
    requests = [
        ("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "raw", "version": "0"}}, 1),
        ("notifications/initialized", {}, None),
        ("tools/list", {}, 2),
        ("tools/call", {"name": "get_tasks", "arguments": {"taskIds": ["../../account"]}}, 3),
        ("tools/call", {"name": "no_such_tool", "arguments": {}}, 4),
        ("tools/call", {"name": "get_account", "arguments": {}}, 5),
    ]  # fmt: skip
    process = subprocess.Popen(
        [*SERVE, "--sandbox", "--sandbox-size", "5"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=child_env(WRIKE_MCP_LOG_LEVEL="DEBUG"),
    )  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    replies = []
    try:
        for method, params, ident in requests:
            process.stdin.write(rpc(method, params, ident))
            process.stdin.flush()
            if ident is not None:
                replies.append(json.loads(process.stdout.readline()))
    finally:
        _, stderr = process.communicate(timeout=30)
    assert [reply.get("id") for reply in replies] == [1, 2, 3, 4, 5]
    assert all(reply["jsonrpc"] == "2.0" for reply in replies)
    assert replies[2]["result"]["isError"] is True
    assert "not a valid Wrike id" in replies[2]["result"]["content"][0]["text"]
    assert replies[3]["error"]["code"] == -32602
    assert replies[4]["result"]["structuredContent"]["kind"] == "accounts"
    assert SANDBOX_TOKEN not in json.dumps(replies) + stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "WRIKE_ACCESS_TOKEN is not set"),
        ({"WRIKE_ACCESS_TOKEN": "t", "WRIKE_HOST": "evil.example.com"}, "is not a Wrike data centre"),
        ({"WRIKE_ACCESS_TOKEN": "t", "WRIKE_SCOPES": "wsEverything"}, "unknown Wrike scope(s): wsEverything"),
    ],
)
def test_a_missing_token_or_bad_setting_exits_2_with_a_clear_message(
    env: dict[str, str], expected: str
) -> None:
    done = subprocess.run(
        SERVE, capture_output=True, text=True, env=child_env(**env), timeout=60, check=False
    )
    assert done.returncode == 2
    assert expected in done.stderr
    assert done.stdout == ""
