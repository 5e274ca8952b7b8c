"""Webhooks through the hosted app: the receiver at /webhooks/wrike (no bearer, no Origin check; the
signature authenticates), and agents over streamable HTTP getting their events: wait_for_events in both
eras, a 2026-07-28 listen stream on stateless HTTP, and a clear refusal of legacy resources/subscribe,
which stateless HTTP cannot serve."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import httpx2
import mcp.types as types
import pytest
from mcp import Client
from mcp.client.session import IncomingMessage
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourceUpdated
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.transports.hosting import Replica
from tests.webhooks.agents import structured
from wrike_mcp.auth.provider import AuthServerConfig, WrikeAuthProvider
from wrike_mcp.auth.sealing import Sealer, SealingKey, generate_key
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.auth.wrike_oauth import WrikeOAuth
from wrike_mcp.clock import FakeClock, iso_utc
from wrike_mcp.config import Settings
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.webhook_delivery import wait_idle
from wrike_mcp.transports.http import HttpOptions, build_http_app
from wrike_mcp.webhooks.receiver import DEFAULT_PATH
from wrike_mcp.webhooks.service import WebhookService
from wrike_mcp.webhooks.signature import hook_signature
from wrike_mcp.wrike.client import WrikeClient

MARKER = "HOSTED-BODY-MARKER"


class LateApp:
    """An ASGI app whose target is set once the replica's port (and so the public URL) is known."""

    target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.target is not None
        await self.target(scope, receive, send)


@dataclass
class Hosted:
    url: str
    service: WebhookService
    sandbox: Sandbox
    sandbox_server: SandboxServer

    def client(self, mode: str = "auto", **options: Any) -> Client:
        http = httpx2.AsyncClient(headers=self.bearer, timeout=30)
        return Client(streamable_http_client(self.url + "/mcp", http_client=http), mode=mode, **options)

    def sse_client(self, **options: Any) -> Client:
        return Client(sse_client(self.url + "/sse", headers=self.bearer), mode="legacy", **options)

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sandbox.workspace.named_tokens['default']}"}


@pytest.fixture
def hosted(sandbox: Sandbox, sandbox_server: SandboxServer, clock: FakeClock) -> Iterator[Hosted]:
    sandbox.config.oauth_clients = {"cid": "secret"}
    late = LateApp()
    replica = Replica(late)
    url = f"http://127.0.0.1:{replica.port}"
    service = WebhookService(receiver_url=url + DEFAULT_PATH, clock=clock)
    wrike = WrikeOAuth(OAuthSettings("cid", "secret", sandbox_server.base_url), clock)
    sealer = Sealer([SealingKey.from_text(generate_key())], clock)
    provider = WrikeAuthProvider(AuthServerConfig(url, url + "/mcp"), sealer, wrike, clock)
    late.target = build_http_app(
        Settings(base_url=sandbox_server.api_url),
        WrikeClient(base_url=sandbox_server.api_url),
        provider,
        HttpOptions(url, accept_wrike_tokens=True),
        webhooks=service,
    )
    with replica:
        yield Hosted(url, service, sandbox, sandbox_server)


@pytest.fixture
async def http(hosted: Hosted) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=hosted.url) as client:
        yield client


async def hooked_folder(client: Client, sandbox: Sandbox) -> tuple[str, str]:
    folder = await client.call_tool(
        "create_folder", {"folderId": sandbox.workspace.root_id, "title": "Hooked"}
    )
    folder_id = structured(folder)["data"][0]["id"]
    hook = structured(await client.call_tool("create_webhook", {"folderId": folder_id}))["data"][0]
    return folder_id, hook["id"]


def task_and_comment(hosted: Hosted, folder_id: str) -> None:
    """Another client, straight on the sandbox's API."""
    token = hosted.sandbox.workspace.named_tokens["ws_read_write"]
    with httpx.Client(
        base_url=hosted.sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}
    ) as api:
        task = api.post(f"/folders/{folder_id}/tasks", json={"title": "Hosted"}).json()["data"][0]
        api.post(f"/tasks/{task['id']}/comments", json={"text": "Noted"}).raise_for_status()
    assert wait_idle(hosted.sandbox, 10)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_hosted_agent_creates_a_hook_and_waits_for_its_events(hosted: Hosted, mode: str) -> None:
    async with hosted.client(mode) as agent:
        folder_id, hook_id = await hooked_folder(agent, hosted.sandbox)
        task_and_comment(hosted, folder_id)
        events = structured(await agent.call_tool("wait_for_events", {"timeout": 0}))["events"]
    assert hosted.service.receiver.stats["handshakes"] == 1
    assert [(e["eventType"], e["webhookId"]) for e in events] == [
        ("TaskCreated", hook_id),
        ("CommentAdded", hook_id),
    ]


async def test_a_2026_listen_stream_pushes_updates_over_stateless_http(hosted: Hosted) -> None:
    async with hosted.client("auto") as agent:
        folder_id, hook_id = await hooked_folder(agent, hosted.sandbox)
        uri = f"wrike://events/webhook/{hook_id}"
        async with agent.listen(resource_subscriptions=[uri]) as subscription:
            task_and_comment(hosted, folder_id)
            with anyio.fail_after(10):
                update = await subscription.__anext__()
        read = await agent.read_resource(uri)
    assert update == ResourceUpdated(uri=uri)
    text = read.contents[0].text  # type: ignore[union-attr]
    assert [item["event"]["eventType"] for item in json.loads(text)["events"]] == [
        "TaskCreated",
        "CommentAdded",
    ]


LEGACY_SUBSCRIBE = "ignore:resources/subscribe is removed"  # the 2025 API, used on purpose here


@pytest.mark.filterwarnings(LEGACY_SUBSCRIBE)
async def test_a_legacy_sse_subscriber_is_notified_on_its_stream(hosted: Hosted) -> None:
    updates: list[str] = []
    arrived = anyio.Event()

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updates.append(str(message.params.uri))
            arrived.set()

    async with hosted.sse_client(message_handler=on_message) as agent:
        folder_id, hook_id = await hooked_folder(agent, hosted.sandbox)
        await agent.session.subscribe_resource(f"wrike://events/folder/{folder_id}")
        task_and_comment(hosted, folder_id)
        with anyio.fail_after(10):
            await arrived.wait()
        events = structured(await agent.call_tool("wait_for_events", {"timeout": 0}))["events"]
    assert set(updates) == {f"wrike://events/folder/{folder_id}"}
    assert [e["webhookId"] for e in events] == [hook_id, hook_id]


@pytest.mark.filterwarnings(LEGACY_SUBSCRIBE)
async def test_legacy_resources_subscribe_on_stateless_http_is_refused_with_the_alternatives(
    hosted: Hosted,
) -> None:
    async with hosted.client("legacy") as agent:
        with pytest.raises(MCPError) as refused:
            await agent.session.subscribe_resource("wrike://events/all")
    assert "wait_for_events" in str(refused.value) and "subscriptions/listen" in str(refused.value)


def delivery(clock: FakeClock, **fields: Any) -> bytes:
    event = {"taskId": "IEAGSBX1KTASK", "webhookId": "IEAGSBX1WHOOK", "eventType": "TaskCreated",
             "lastUpdatedDate": iso_utc(clock.now()), "note": MARKER, **fields}  # fmt: skip
    return json.dumps([event]).encode()


async def test_the_hosted_receiver_refuses_bad_deliveries_and_logs_none_of_their_bodies(
    hosted: Hosted, http: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wrike_mcp.webhooks")
    label = hosted.service.secrets.create("folder:IEAGSBX1F").label
    secret = hosted.service.secrets(label)
    assert secret is not None
    path = f"{DEFAULT_PATH}/{label}"
    body = delivery(clock)
    signed = {"X-Hook-Signature": hook_signature(secret, body), "Origin": "https://elsewhere.example"}

    forged = await http.post(path, content=body, headers={"X-Hook-Signature": "0" * 64})
    unsigned = await http.post(path, content=body)
    oversized = await http.post(path, content=b"[" + b" " * 300_000 + b"]", headers=signed)
    junk = b"{" + MARKER.encode()
    malformed = await http.post(
        path, content=junk, headers={"X-Hook-Signature": hook_signature(secret, junk)}
    )
    first = await http.post(path, content=body, headers=signed)  # a foreign Origin does not matter here
    replayed = await http.post(path, content=body, headers=signed)

    assert (forged.status_code, forged.json()) == (401, {"error": "bad_signature"})
    assert (unsigned.status_code, unsigned.json()) == (401, {"error": "unsigned"})
    assert oversized.status_code == 413 and malformed.status_code == 400
    assert first.json() == {"received": 1, "accepted": 1}
    assert replayed.status_code == 200 and replayed.json() == {"received": 1, "accepted": 0}
    assert "www-authenticate" not in forged.headers  # no bearer challenge: this route takes no bearer
    assert "refused" in caplog.text and MARKER not in caplog.text and secret not in caplog.text
