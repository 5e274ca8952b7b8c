"""The framework examples in examples/ run as users run them, over stdio and over the hosted endpoint,
and see exactly the tools and results an MCP client sees for the same configuration.

Each example is a subprocess (its framework is imported there, not into the test process); they run side by
side to keep the file quick. A framework that is not installed skips its cases with the install command.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from wrike_mcp.sandbox.seeding.bootstrap import token_for

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FRAMEWORKS = {  # example -> the distribution it needs
    "langchain": "langchain",
    "openai_agents": "openai-agents",
    "pydantic_ai": "pydantic-ai-slim",
}
CALL = ("search_tasks", {"pageSize": 3})
BEARER = token_for(7, "default")  # the sandbox's `default` token, as the examples send it by default


def installed(distribution: str) -> bool:
    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


def child_env() -> dict[str, str]:
    """No Wrike settings from the developer's shell; PYTHONPATH kept so the child runs this checkout."""
    return {k: v for k, v in os.environ.items() if not k.startswith("WRIKE_")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def hosted() -> Iterator[str]:
    """`wrike-mcp serve --transport http --sandbox --accept-wrike-tokens`, ready when uvicorn says so."""
    port = free_port()
    argv = ["serve", "--transport", "http", "--sandbox", "--accept-wrike-tokens", "--port", str(port)]
    env = child_env() | {"WRIKE_MCP_LOG_LEVEL": "INFO"}  # INFO: uvicorn announces when it listens
    server = subprocess.Popen(
        [sys.executable, "-m", "wrike_mcp", *argv], env=env, stderr=subprocess.PIPE, text=True
    )
    assert server.stderr is not None
    deadline = threading.Timer(60, server.kill)  # a server that never says it listens fails, not hangs
    deadline.start()
    wait_for_line(server.stderr, "Uvicorn running on")
    deadline.cancel()
    threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe drained
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_line(stream: IO[str], marker: str) -> None:
    seen = []
    for line in stream:
        seen.append(line)
        if marker in line:
            return
    raise AssertionError("the hosted endpoint did not start:\n" + "".join(seen))


@pytest.fixture(scope="module")
def runs(hosted: str) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """Every installed example over both transports, started together and awaited."""
    started = {}
    for example, distribution in FRAMEWORKS.items():
        if not installed(distribution):
            continue
        for transport, extra in (("stdio", []), ("http", ["--http", hosted])):
            argv = [sys.executable, str(EXAMPLES / f"{example}_example.py"), "--json", *extra]
            started[example, transport] = subprocess.Popen(argv, env=child_env(), stdout=subprocess.PIPE,
                                                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    done = {}
    for key, process in started.items():
        out, err = process.communicate(timeout=120)
        done[key] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


REFERENCES: dict[str, tuple[list[str], dict[str, Any]]] = {}


async def reference(transport: str, url: str) -> tuple[list[str], dict[str, Any]]:
    """Tools and the call's result, as the MCP SDK's own client gets them for the same configuration."""
    if transport not in REFERENCES:
        REFERENCES[transport] = await fetch_reference(transport, url)
    return REFERENCES[transport]


async def fetch_reference(transport: str, url: str) -> tuple[list[str], dict[str, Any]]:
    if transport == "stdio":
        serve = ["-m", "wrike_mcp", "serve", "--sandbox"]
        target: Any = StdioServerParameters(command=sys.executable, args=serve, env=child_env())
        async with Client(target) as client:
            return await names_and_result(client)
    headers = {"Authorization": f"Bearer {BEARER}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        return await names_and_result(client)


async def names_and_result(client: Client) -> tuple[list[str], dict[str, Any]]:
    tools = (await client.list_tools()).tools
    result = await client.call_tool(*CALL)
    assert not result.is_error and result.structured_content is not None
    return [tool.name for tool in tools], result.structured_content


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("example", sorted(FRAMEWORKS))
async def test_the_example_sees_our_tools_and_gets_the_calls_result(
    runs: dict[tuple[str, str], subprocess.CompletedProcess[str]], hosted: str, example: str, transport: str
) -> None:
    if not installed(FRAMEWORKS[example]):
        pytest.skip(f"{FRAMEWORKS[example]} is not installed: pip install -e '.[examples]'")
    run = runs[example, transport]
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    names, result = await reference(transport, hosted)
    assert shown["transport"] == transport
    assert shown["tools"] == names  # the same tools, in the same order
    assert "search_tasks" in names and "create_task" in names
    assert shown["result"]["kind"] == "tasks"
    assert [task["id"] for task in shown["result"]["data"]] == [task["id"] for task in result["data"]]
    assert len(result["data"]) == 3


@pytest.mark.parametrize("example", sorted(FRAMEWORKS))
def test_the_printed_lines_give_the_tools_count_and_the_tasks(
    runs: dict[tuple[str, str], subprocess.CompletedProcess[str]], example: str
) -> None:
    if not installed(FRAMEWORKS[example]):
        pytest.skip(f"{FRAMEWORKS[example]} is not installed: pip install -e '.[examples]'")
    lines = runs[example, "stdio"].stdout.splitlines()
    shown = json.loads(lines[-1])
    assert lines[0] == f"{shown['framework']} over stdio: {len(shown['tools'])} Wrike tools"
    assert lines[1] == 'search_tasks{"pageSize": 3} -> 3 tasks'
    assert len(lines) == 6 and all(line.startswith("  MAAAA") for line in lines[2:5])
