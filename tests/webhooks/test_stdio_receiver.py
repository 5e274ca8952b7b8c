"""`wrike-mcp serve --sandbox --webhook-receiver 127.0.0.1:0` as a real subprocess: the embedded receiver
on loopback takes the sandbox's deliveries, and an agent on stdio gets the events with wait_for_events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters, stdio_client

from tests.test_stdio import SERVE, child_env
from wrike_mcp.errors import ConfigError
from wrike_mcp.sandbox import make_sandbox
from wrike_mcp.webhooks.embedded import parse_address

SIZE = "5"


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def test_a_stdio_agent_receives_the_events_of_its_hook_through_the_embedded_receiver(
    tmp_path: Path,
) -> None:
    root = make_sandbox(seed=7, size=int(SIZE)).workspace.root_id  # the child seeds the same workspace
    args = [*SERVE[1:], "--sandbox", "--sandbox-size", SIZE, "--webhook-receiver", "127.0.0.1:0"]
    params = StdioServerParameters(command=SERVE[0], args=args, env=child_env())
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode="auto") as agent:
            folder = (await call(agent, "create_folder", folderId=root, title="Watched"))["data"][0]["id"]
            hook = (await call(agent, "create_webhook", folderId=folder))["data"][0]
            task = (await call(agent, "create_task", folderId=folder, title="Hello"))["data"][0]["id"]
            await call(agent, "create_comment", taskId=task, text="First!")
            events: list[dict[str, Any]] = []
            for _ in range(2):  # each delivery may arrive on its own; a call returns what has arrived
                if len(events) < 2:
                    events += (await call(agent, "wait_for_events", timeout=30))["events"]
    assert [(e["eventType"], e["taskId"], e["webhookId"]) for e in events] == [
        ("TaskCreated", task, hook["id"]), ("CommentAdded", task, hook["id"])
    ]  # fmt: skip
    assert "receiving webhooks at http://127.0.0.1:" in stderr.read_text()


def test_a_receiver_address_must_be_host_and_port() -> None:
    assert parse_address("127.0.0.1:8787") == ("127.0.0.1", 8787)
    assert parse_address("[::1]:0") == ("::1", 0)
    for bad in ("8787", "localhost", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(ConfigError):
            parse_address(bad)
