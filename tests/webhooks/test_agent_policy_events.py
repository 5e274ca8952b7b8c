"""Events pass through the agent policy: an agent sees only events in areas its grants let it read, and,
when limited to subtrees, only events about items inside them (placed by Wrike lookups, as the call-time
subtree check does). Over loopback against the sandbox, through a real MCP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.webhooks.agents import agent, receiving, structured
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.webhook_delivery import wait_idle
from wrike_mcp.webhooks.service import WebhookService


@pytest.fixture
def service(clock: FakeClock) -> Iterator[WebhookService]:
    with receiving(clock) as webhooks:
        yield webhooks


@pytest.fixture
def owner(sandbox: Sandbox, sandbox_server: SandboxServer) -> Iterator[httpx.Client]:
    """The account owner straight on the sandbox's API: the same Wrike user the agents act as."""
    token = sandbox.workspace.named_tokens["all"]
    headers = {"Authorization": f"bearer {token}"}
    with httpx.Client(base_url=sandbox_server.api_url, headers=headers, timeout=10) as client:
        yield client


def folder(api: httpx.Client, parent: str, title: str) -> str:
    response = api.post(f"/folders/{parent}/folders", json={"title": title})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["id"])


def task_with_comment(api: httpx.Client, folder_id: str, title: str) -> str:
    task_id = str(api.post(f"/folders/{folder_id}/tasks", json={"title": title}).json()["data"][0]["id"])
    api.post(f"/tasks/{task_id}/comments", json={"text": f"On {title}"}).raise_for_status()
    return task_id


def hook_the_user_made(api: httpx.Client, service: WebhookService, folder_id: str) -> None:
    """A recursive hook of the same Wrike user on `folder_id`, made outside the agent."""
    credentials = service.secrets.create(f"folder:{folder_id}")
    assert service.receiver_url is not None
    hook = {"hookUrl": credentials.hook_url(service.receiver_url), "secret": credentials.secret}
    response = api.post(f"/folders/{folder_id}/webhooks", json={**hook, "recursive": True})
    assert response.status_code == 200, response.text


def write_policy(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(body)
    return path


async def waited(client: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = structured(await client.call_tool("wait_for_events", {"timeout": 0}))[
        "events"
    ]
    return events


async def test_an_agent_whose_grants_skip_comments_gets_task_events_but_no_comment_events(
    sandbox: Sandbox,
    sandbox_server: SandboxServer,
    service: WebhookService,
    owner: httpx.Client,
    tmp_path: Path,
) -> None:
    policy = write_policy(
        tmp_path,
        '[agents.watcher]\ncredential = "user_oauth"\n'
        'areas = { tasks = "read", folders = "read", webhooks = "write" }\n',
    )
    watched = folder(owner, sandbox.workspace.root_id, "Watched")
    async with agent(
        sandbox, sandbox_server, service, token_name="all", policy=policy, agent_name="watcher"
    ) as me:
        await me.call_tool("create_webhook", {"folderId": watched})
        task_id = task_with_comment(owner, watched, "Visible")
        assert wait_idle(sandbox, 10)
        events = await waited(me)
        read = await me.read_resource("wrike://events/all")
    assert [(e["eventType"], e["taskId"]) for e in events] == [("TaskCreated", task_id)]
    assert "CommentAdded" not in read.contents[0].text  # type: ignore[union-attr]


async def test_a_subtree_limited_agent_sees_only_events_about_items_inside_its_subtree(
    sandbox: Sandbox,
    sandbox_server: SandboxServer,
    service: WebhookService,
    owner: httpx.Client,
    tmp_path: Path,
) -> None:
    parent = folder(owner, sandbox.workspace.root_id, "Programme")
    inside, outside = folder(owner, parent, "Ours"), folder(owner, parent, "Theirs")
    policy = write_policy(
        tmp_path,
        '[agents.project-bot]\ncredential = "user_oauth"\n'
        'areas = { tasks = "read", folders = "read", comments = "read", webhooks = "write" }\n'
        f'subtrees = ["{inside}"]\n',
    )
    hook_the_user_made(owner, service, parent)  # the bot itself may not hook the parent
    async with agent(
        sandbox, sandbox_server, service, token_name="all", policy=policy, agent_name="project-bot"
    ) as bot:
        refused = await bot.call_tool("create_webhook", {"folderId": parent})
        assert await waited(bot) == []  # opens the bot's mailbox
        ours = task_with_comment(owner, inside, "Ours")
        task_with_comment(owner, outside, "Theirs")
        assert wait_idle(sandbox, 10)
        events = await waited(bot)
        read = await bot.read_resource(f"wrike://events/folder/{parent}")
    assert refused.is_error and "outside the folders this agent may use" in refused.content[0].text  # type: ignore[union-attr]
    assert [(e["eventType"], e["taskId"]) for e in events] == [("TaskCreated", ours), ("CommentAdded", ours)]
    text = read.contents[0].text  # type: ignore[union-attr]
    assert ours in text and "Theirs" not in text and text.count('"eventType"') == 2
