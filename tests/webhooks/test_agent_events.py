"""End to end through real MCP clients: an agent creates a hook on a folder with create_webhook (no hookUrl:
it points at our receiver, and the sandbox's secure handshake succeeds), another client creates a task and
comments on it there, and the agent receives TaskCreated and CommentAdded through MCP, by wait_for_events
and by a resource subscription followed by resources/read, in both protocol eras."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import mcp.types as types
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated

from tests.tools.mcp_harness import Recorder, text_of
from tests.webhooks.agents import agent, person_token, receiving, structured
from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.webhook_delivery import wait_idle
from wrike_mcp.webhooks.service import WebhookService

MODES = ["legacy", "auto"]


@pytest.fixture
def service(clock: FakeClock) -> Iterator[WebhookService]:
    with receiving(clock) as webhooks:
        yield webhooks


async def new_folder(client: Client, sandbox: Sandbox) -> str:
    created = await client.call_tool(
        "create_folder", {"folderId": sandbox.workspace.root_id, "title": "Hooked"}
    )
    return str(structured(created)["data"][0]["id"])


async def hook_on(client: Client, folder_id: str, **arguments: Any) -> dict[str, Any]:
    hook: dict[str, Any] = structured(
        await client.call_tool("create_webhook", {"folderId": folder_id, **arguments})
    )
    return hook["data"][0]


async def task_and_comment(client: Client, folder_id: str) -> tuple[str, str]:
    """What the other client does in the hooked folder."""
    task = structured(await client.call_tool("create_task", {"folderId": folder_id, "title": "Reported"}))
    task_id = task["data"][0]["id"]
    comment = structured(await client.call_tool("create_comment", {"taskId": task_id, "text": "Looks good"}))
    return task_id, comment["data"][0]["id"]


async def wait_for(client: Client, **arguments: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = structured(await client.call_tool("wait_for_events", arguments))["events"]
    return events


@pytest.mark.parametrize("mode", MODES)
async def test_an_agent_hooks_a_folder_and_waits_for_what_another_client_does_there(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService, mode: str
) -> None:
    async with (
        agent(sandbox, sandbox_server, service, mode=mode) as me,
        agent(sandbox, sandbox_server, service, token_name="ws_read_write") as other,
    ):
        folder_id = await new_folder(me, sandbox)
        hook = await hook_on(me, folder_id)
        assert hook["hookUrl"].startswith(f"{service.receiver_url}/folder-{folder_id}.")
        assert service.receiver.stats["handshakes"] == 1  # the sandbox verified the secret we sent
        assert sandbox.workspace["webhooks"][hook["id"]]["_secret"] == service.secrets(
            hook["hookUrl"].rsplit("/", 1)[1]
        )
        task_id, comment_id = await task_and_comment(other, folder_id)
        assert wait_idle(sandbox, 10)
        events = await wait_for(me, timeout=0)
        later = await wait_for(me, timeout=0)
    assert [e["eventType"] for e in events] == ["TaskCreated", "CommentAdded"]
    assert {e["taskId"] for e in events} == {task_id} and events[1]["commentId"] == comment_id
    assert events[1]["comment"]["text"] == "Looks good"
    assert all(e["webhookId"] == hook["id"] for e in events)
    assert later == []


async def test_wait_for_events_filters_by_type_and_keeps_the_rest_for_later_calls(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with agent(sandbox, sandbox_server, service) as me:
        folder_id = await new_folder(me, sandbox)
        await hook_on(me, folder_id)
        task_id, _ = await task_and_comment(me, folder_id)
        assert wait_idle(sandbox, 10)
        comments = await wait_for(me, eventTypes=["CommentAdded"], timeout=0)
        other_task = await wait_for(me, taskIds=["NOSUCHTASK"], timeout=0)
        rest = await wait_for(me, folderIds=[folder_id], timeout=0)
    assert [e["eventType"] for e in comments] == ["CommentAdded"]
    assert other_task == []
    assert [(e["eventType"], e["taskId"]) for e in rest] == [("TaskCreated", task_id)]


async def test_at_the_timeout_wait_for_events_returns_an_empty_list(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService, clock: FakeClock
) -> None:
    async with agent(sandbox, sandbox_server, service) as me:
        result = structured(await me.call_tool("wait_for_events", {"timeout": 7}))
    assert result == {"events": [], "waiting": 0}
    assert clock.slept == [7]  # waited on the injected clock, not on the wall


@pytest.mark.filterwarnings("ignore:resources/subscribe is removed")  # the 2025 API, on purpose
async def test_a_legacy_subscriber_is_notified_then_reads_the_events(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    updates: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(str(message.params.uri))
            arrived.set()

    async with (
        agent(sandbox, sandbox_server, service, mode="legacy", message_handler=on_message) as me,
        agent(sandbox, sandbox_server, service, token_name="ws_read_write") as other,
    ):
        folder_id = await new_folder(me, sandbox)
        hook = await hook_on(me, folder_id)
        uri = f"wrike://events/webhook/{hook['id']}"
        listed = {str(r.uri) for r in (await me.list_resources()).resources}
        await me.session.subscribe_resource(uri)
        task_id, _ = await task_and_comment(other, folder_id)
        assert wait_idle(sandbox, 10)
        with anyio.fail_after(10):
            await arrived.wait()
        read = await me.read_resource(uri)
    assert {uri, f"wrike://events/folder/{folder_id}", "wrike://events/all"} <= listed
    assert set(updates) == {uri}
    events = _read_events(read)
    assert [(e["eventType"], e["taskId"]) for e in events] == [
        ("TaskCreated", task_id),
        ("CommentAdded", task_id),
    ]


async def test_a_2026_listener_is_notified_then_reads_the_folder_resource(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with (
        agent(sandbox, sandbox_server, service, mode="auto") as me,
        agent(sandbox, sandbox_server, service, token_name="ws_read_write") as other,
    ):
        folder_id = await new_folder(me, sandbox)
        await hook_on(me, folder_id)
        uri = f"wrike://events/folder/{folder_id}"
        async with me.listen(resource_subscriptions=[uri, "https://example.com/not-ours"]) as subscription:
            assert subscription.honored.resource_subscriptions == [uri]
            await task_and_comment(other, folder_id)
            assert wait_idle(sandbox, 10)
            with anyio.fail_after(10):
                update = await subscription.__anext__()
        read = await me.read_resource(uri)
    assert update == ResourceUpdated(uri=uri)
    assert [e["eventType"] for e in _read_events(read)] == ["TaskCreated", "CommentAdded"]


async def test_an_agent_without_read_on_comments_does_not_see_comment_added(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    no_comments = ("tasks", "folders", "webhooks")
    async with (
        agent(sandbox, sandbox_server, service, toolsets=no_comments) as me,
        agent(sandbox, sandbox_server, service, token_name="ws_read_write") as other,
    ):
        folder_id = await new_folder(me, sandbox)
        hook = await hook_on(me, folder_id)
        await task_and_comment(other, folder_id)
        assert wait_idle(sandbox, 10)
        events = await wait_for(me, timeout=0)
        read = await me.read_resource(f"wrike://events/webhook/{hook['id']}")
    assert [e["eventType"] for e in events] == ["TaskCreated"]
    assert [e["eventType"] for e in _read_events(read)] == ["TaskCreated"]


async def test_another_user_never_sees_the_events_of_my_hooks(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with (
        agent(sandbox, sandbox_server, service) as me,
        agent(sandbox, sandbox_server, service, token_name=person_token(sandbox, "Admin")) as stranger,
    ):
        assert await wait_for(stranger, timeout=0) == []  # its mailbox is open before anything happens
        folder_id = await new_folder(me, sandbox)
        await hook_on(me, folder_id)
        await task_and_comment(me, folder_id)
        assert wait_idle(sandbox, 10)
        mine = await wait_for(me, timeout=0)
        theirs = await wait_for(stranger, timeout=0)
        read = await stranger.read_resource("wrike://events/all")
    assert len(mine) == 2
    assert theirs == [] and _read_events(read) == []


async def test_a_hook_to_a_foreign_url_is_refused_before_any_request(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    recorders: list[Recorder] = []
    async with agent(sandbox, sandbox_server, service, recorder=recorders) as me:
        foreign = [
            "https://collector.example.net/hook",
            f"{service.receiver_url}.evil.example.net/x",
            f"{service.receiver_url}/../../admin",
        ]
        refusals = [
            await me.call_tool("create_webhook", {"folderId": sandbox.workspace.root_id, "hookUrl": url})
            for url in foreign
        ]
    assert all(r.is_error and "only point at this server's own receiver" in text_of(r) for r in refusals)
    assert recorders[0].requests == [] and sandbox.workspace["webhooks"] == {}


async def test_an_operator_allowed_prefix_admits_that_url_without_our_secret(
    sandbox: Sandbox, sandbox_server: SandboxServer, clock: FakeClock
) -> None:
    from wrike_mcp.webhooks.settings import WebhookSettings

    allowed = "http://127.0.0.1:9/frameworks"
    recorders: list[Recorder] = []
    with receiving(clock, WebhookSettings(allow_urls=(allowed,))) as webhooks:
        async with agent(sandbox, sandbox_server, webhooks, recorder=recorders) as me:
            folder_id = await new_folder(me, sandbox)
            hook = await hook_on(me, folder_id, hookUrl=allowed + "/agent-7")
            lookalike = await me.call_tool(
                "create_webhook", {"folderId": folder_id, "hookUrl": allowed + "x/1"}
            )
    assert hook["hookUrl"] == allowed + "/agent-7"
    sent = recorders[0].requests[-1]
    assert sent.method == "POST" and b"secret" not in sent.content
    assert lookalike.is_error


async def test_without_a_receiver_the_agent_is_told_what_the_operator_must_do(
    sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    recorders: list[Recorder] = []
    async with agent(sandbox, sandbox_server, None, recorder=recorders) as me:
        created = await me.call_tool("create_webhook", {"folderId": sandbox.workspace.root_id})
        waited = await me.call_tool("wait_for_events", {"timeout": 0})
    assert created.is_error and "--webhook-receiver" in text_of(created)
    assert waited.is_error and "no webhook receiver" in text_of(waited)
    assert recorders[0].requests == []


async def test_an_unknown_resource_is_a_protocol_error(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with agent(sandbox, sandbox_server, service) as me:
        templates = {t.uri_template for t in (await me.list_resource_templates()).resource_templates}
        with pytest.raises(MCPError):
            await me.read_resource("wrike://events/task/../../x")
    assert templates == {
        "wrike://events/webhook/{webhookId}",
        "wrike://events/folder/{folderId}",
        "wrike://events/task/{taskId}",
    }


def _read_events(result: types.ReadResourceResult) -> list[dict[str, Any]]:
    import json

    (content,) = result.contents
    assert isinstance(content, types.TextResourceContents)
    return [item["event"] for item in json.loads(content.text)["events"]]


async def test_a_listen_for_nothing_of_ours_is_acknowledged_empty_and_closed(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with (
        agent(sandbox, sandbox_server, service) as me,
        me.listen(resource_subscriptions=["https://example.com/elsewhere"]) as subscription,
    ):
        with anyio.fail_after(10):
            received = [update async for update in subscription]
    assert subscription.honored.resource_subscriptions is None and received == []


async def test_without_the_webhooks_area_an_agent_gets_no_event_tool_and_no_event_resource(
    sandbox: Sandbox, sandbox_server: SandboxServer, service: WebhookService
) -> None:
    async with agent(sandbox, sandbox_server, service, toolsets=("tasks",)) as me:
        tools = {tool.name for tool in (await me.list_tools()).tools}
        resources = (await me.list_resources()).resources
        with pytest.raises(MCPError, match="toolset is not enabled"):
            await me.read_resource("wrike://events/all")
        refused = await me.call_tool("wait_for_events", {"timeout": 0})
    assert "wait_for_events" not in tools and resources == []
    assert refused.is_error and "toolset is not enabled" in text_of(refused)
