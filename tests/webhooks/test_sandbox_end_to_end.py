"""End to end over real HTTP: the sandbox creates a secure hook pointing at our receiver (handshake),
then its signed deliveries for a new task and a comment arrive through the hub as typed events."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.webhook_delivery import delivery_state, wait_idle
from wrike_mcp.webhooks import (
    DEFAULT_PATH,
    EventHub,
    HookSecrets,
    Subscription,
    WebhookReceiver,
    receiver_app,
)
from wrike_mcp.webhooks.events import CommentAdded, TaskCreated


class ServedApp:
    """Any ASGI app on a free loopback port, in a thread (the receiver side of these tests)."""

    def __init__(self, app: ASGIApp) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:  # the same readiness poll as SandboxServer.start
            assert self._thread.is_alive() and time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.005)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}{DEFAULT_PATH}"

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def secrets() -> HookSecrets:
    return HookSecrets(b"end-to-end-server-key-0123456789")


@pytest.fixture
def receiver(hub: EventHub, secrets: HookSecrets, clock: FakeClock) -> WebhookReceiver:
    return WebhookReceiver(hub, secrets, clock)  # the sandbox's clock: events are never "stale"


@pytest.fixture
def receiver_url(receiver: WebhookReceiver) -> Iterator[str]:
    with ServedApp(receiver_app(receiver)) as url:
        yield url


@pytest.fixture
def inbox(hub: EventHub) -> Iterator[Subscription]:
    with hub.subscribe() as subscription:
        yield subscription


@pytest.fixture
def other_client(sandbox: Sandbox, sandbox_server: SandboxServer) -> Iterator[httpx.Client]:
    """A second client (the ws_read_write token) that makes the changes the hook reports."""
    token = sandbox.workspace.named_tokens["ws_read_write"]
    headers = {"Authorization": f"bearer {token}"}
    with httpx.Client(base_url=sandbox_server.api_url, headers=headers, timeout=10) as client:
        yield client


def _new_folder(api: httpx.Client, sandbox: Sandbox) -> str:
    response = api.post(f"/folders/{sandbox.workspace.root_id}/folders", json={"title": "Hooked"})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["id"])


def test_task_created_and_comment_added_arrive_through_the_hub(
    api: httpx.Client,
    other_client: httpx.Client,
    sandbox: Sandbox,
    secrets: HookSecrets,
    receiver: WebhookReceiver,
    receiver_url: str,
    inbox: Subscription,
) -> None:
    folder_id = _new_folder(api, sandbox)
    credentials = secrets.create(f"folder:{folder_id}")
    created = api.post(
        f"/folders/{folder_id}/webhooks",
        json={"hookUrl": credentials.hook_url(receiver_url), "secret": credentials.secret},
    )
    assert created.status_code == 200, created.text
    hook_id = created.json()["data"][0]["id"]
    assert receiver.stats["handshakes"] == 1

    task = other_client.post(f"/folders/{folder_id}/tasks", json={"title": "Reported by webhook"})
    task_id = task.json()["data"][0]["id"]
    comment = other_client.post(f"/tasks/{task_id}/comments", json={"text": "Looks good"})
    comment_id = comment.json()["data"][0]["id"]
    assert wait_idle(sandbox, 10)

    task_created, comment_added = inbox.drain()
    assert isinstance(task_created, TaskCreated) and isinstance(comment_added, CommentAdded)
    assert task_created.taskId == comment_added.taskId == task_id
    assert comment_added.commentId == comment_id
    assert comment_added.comment is not None and "Looks good" in (comment_added.comment.text or "")
    assert task_created.webhookId == comment_added.webhookId == hook_id
    assert all(o.delivered for o in delivery_state(sandbox).outcomes)
    assert receiver.stats["refused:bad_signature"] == 0


def test_a_hook_whose_secret_the_receiver_does_not_hold_fails_the_handshake(
    api: httpx.Client, sandbox: Sandbox, secrets: HookSecrets, receiver_url: str
) -> None:
    folder_id = _new_folder(api, sandbox)
    label = secrets.create(f"folder:{folder_id}").label
    response = api.post(
        f"/folders/{folder_id}/webhooks", json={"hookUrl": f"{receiver_url}/{label}", "secret": "guessed"}
    )
    assert response.status_code == 400
    assert api.get("/webhooks").json()["data"] == []


def test_deliveries_of_a_hook_without_secret_are_refused_and_it_is_suspended(
    api: httpx.Client, sandbox: Sandbox, receiver: WebhookReceiver, receiver_url: str, inbox: Subscription
) -> None:
    folder_id = _new_folder(api, sandbox)
    created = api.post(f"/folders/{folder_id}/webhooks", json={"hookUrl": f"{receiver_url}/unlabelled"})
    hook_id = created.json()["data"][0]["id"]
    api.post(f"/folders/{folder_id}/tasks", json={"title": "Unsigned"})
    assert wait_idle(sandbox, 10)
    assert inbox.pending == 0
    assert receiver.stats["refused:unsigned"] == 1
    assert api.get(f"/webhooks/{hook_id}").json()["data"][0]["status"] == "Suspended"
