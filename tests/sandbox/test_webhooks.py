"""Webhooks: management, the secret handshake, and signed delivery to a receiver on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.webhook_delivery import delivery_state, sign, wait_idle

SECRET = "s3cret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = json.loads(self.body)
        return events


@dataclass
class Receiver:
    """A tiny webhook receiver on loopback: records every POST, answers the handshake with
    `answer_secret`, and everything else with `status`."""

    answer_secret: str | None = SECRET
    status: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def deliveries(self) -> list[Received]:
        return [r for r in self.received if "X-Hook-Signature" in r.headers or r.body.startswith(b"[")]

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        return [e for r in self.deliveries if path in (None, r.path) for e in r.events]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            challenge = self.headers.get("X-Hook-Secret")
            if b"WebHook secret verification" in body and challenge and state.answer_secret:
                self.send_response(200)
                self.send_header("X-Hook-Secret", sign(state.answer_secret, challenge.encode()))
            else:
                self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def create_folder(api: httpx.Client, parent_id: str, title: str) -> str:
    response = api.post(f"/folders/{parent_id}/folders", json={"title": title})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["id"])


def create_task(api: httpx.Client, folder_id: str, title: str = "Hooked") -> str:
    response = api.post(f"/folders/{folder_id}/tasks", json={"title": title})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["id"])


def create_hook(api: httpx.Client, where: str = "/webhooks", **params: Any) -> dict[str, Any]:
    response = api.post(where, json=params)
    assert response.status_code == 200, response.text
    hook: dict[str, Any] = response.json()["data"][0]
    return hook


def root(sandbox: Sandbox) -> str:
    return sandbox.workspace.root_id


def space_id(sandbox: Sandbox, title: str) -> str:
    return next(s["id"] for s in sandbox.workspace["spaces"].values() if s["title"] == title)


# --- management -----------------------------------------------------------------------------------


def test_create_list_get_suspend_and_delete(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    hook = create_hook(api, hookUrl=receiver.url())
    assert hook == {"id": hook["id"], "accountId": sandbox.workspace.account_id, "hookUrl": receiver.url(),
                    "status": "Active"}  # fmt: skip
    assert api.get("/webhooks").json() == {"kind": "webhooks", "data": [hook]}
    assert api.get(f"/webhooks/{hook['id']}").json()["data"] == [hook]
    suspended = api.put(f"/webhooks/{hook['id']}", json={"status": "Suspended"}).json()["data"][0]
    assert suspended["status"] == "Suspended"
    assert api.delete(f"/webhooks/{hook['id']}").json() == {"kind": "webhooks", "data": []}
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404


def test_folder_hook_shows_its_folder_and_recursive_flag(api: httpx.Client, sandbox: Sandbox) -> None:
    folder = create_folder(api, root(sandbox), "Hooked folder")
    hook = create_hook(api, f"/folders/{folder}/webhooks", hookUrl="http://localhost:9/h", recursive=True)
    assert (hook["folderId"], hook["recursive"]) == (folder, True)
    space = space_id(sandbox, "Engineering")
    assert create_hook(api, f"/spaces/{space}/webhooks", hookUrl="http://[::1]:9/h")["spaceId"] == space


def test_hook_url_must_be_loopback(api: httpx.Client) -> None:
    for url in (
        "https://example.com/hook",
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/x",
        "http://user@127.0.0.1/",
    ):
        response = api.post("/webhooks", json={"hookUrl": url})
        assert response.status_code == 400, url
        assert response.json()["error"] == "invalid_parameter"
    assert api.post("/webhooks", json={}).json()["error"] == "parameter_required"


def test_events_accept_wrikes_unquoted_list_and_json(api: httpx.Client) -> None:
    url = "http://127.0.0.1:9/h"
    unquoted = api.post("/webhooks", params={"hookUrl": url, "events": "[TaskCreated,CommentAdded]"})
    assert unquoted.json()["data"][0]["events"] == ["TaskCreated", "CommentAdded"]
    as_json = create_hook(api, hookUrl=url, events=["FolderCreated"])
    assert as_json["events"] == ["FolderCreated"]
    assert api.post("/webhooks", json={"hookUrl": url, "events": "[TaskExploded]"}).status_code == 400


def test_another_users_hooks_are_invisible(api: httpx.Client, sandbox: Sandbox) -> None:
    hook = create_hook(api, hookUrl="http://127.0.0.1:9/h")
    ws = sandbox.workspace
    other = next(t for name, t in ws.named_tokens.items() if name.startswith("user:"))
    headers = {"Authorization": f"bearer {other}"}
    assert api.get("/webhooks", headers=headers).json()["data"] == []
    assert api.delete(f"/webhooks/{hook['id']}", headers=headers).status_code == 404


# --- handshake ------------------------------------------------------------------------------------


def test_handshake_succeeds_when_the_receiver_signs_the_challenge(
    api: httpx.Client, receiver: Receiver
) -> None:
    hook = create_hook(api, hookUrl=receiver.url(), secret=SECRET)
    assert hook["status"] == "Active"
    handshake = receiver.received[0]
    assert json.loads(handshake.body) == {"requestType": "WebHook secret verification"}
    assert handshake.headers["X-Hook-Secret"]


def test_handshake_failure_refuses_the_hook(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    receiver.answer_secret = "not-the-secret"
    response = api.post("/webhooks", json={"hookUrl": receiver.url(), "secret": SECRET})
    assert response.status_code == 400
    assert sandbox.workspace["webhooks"] == {}
    unreachable = api.post("/webhooks", json={"hookUrl": "http://127.0.0.1:9/none", "secret": SECRET})
    assert unreachable.status_code == 400


# --- delivery -------------------------------------------------------------------------------------


def test_delivery_is_signed_with_the_secret(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    hook = create_hook(api, hookUrl=receiver.url(), secret=SECRET)
    task_id = create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    [delivery] = receiver.deliveries
    assert delivery.headers["X-Hook-Signature"] == sign(SECRET, delivery.body)
    assert delivery.headers["X-Hook-Secret"] == sign(SECRET, delivery.body)
    assert delivery.headers["Idempotency-Key"]
    [event] = delivery.events
    assert event["taskId"] == task_id
    assert list(event)[-4:] == ["webhookId", "eventAuthorId", "eventType", "lastUpdatedDate"]
    assert (event["webhookId"], event["eventType"]) == (hook["id"], "TaskCreated")
    assert event["eventAuthorId"] == sandbox.workspace.account["ownerId"]


def test_unsigned_delivery_without_a_secret(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    create_hook(api, hookUrl=receiver.url())
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    [delivery] = receiver.deliveries
    assert "X-Hook-Signature" not in delivery.headers
    assert delivery.events[0]["eventType"] == "TaskCreated"


def test_events_filter_limits_what_is_delivered(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    create_hook(api, hookUrl=receiver.url(), events="[FolderCreated]")
    create_task(api, root(sandbox))
    folder = create_folder(api, root(sandbox), "Filtered")
    assert wait_idle(sandbox, 10)
    assert [(e["eventType"], e["folderId"]) for e in receiver.events()] == [("FolderCreated", folder)]


def test_folder_hook_sees_direct_children_and_recursive_sees_all(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    top = create_folder(api, root(sandbox), "Top")
    inner = create_folder(api, top, "Inner")
    create_hook(api, f"/folders/{top}/webhooks", hookUrl=receiver.url("/direct"), events=["TaskCreated"])
    create_hook(api, f"/folders/{top}/webhooks", hookUrl=receiver.url("/deep"), events=["TaskCreated"],
                recursive=True)  # fmt: skip
    direct_task = create_task(api, top)
    deep_task = create_task(api, inner)
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    assert [e["taskId"] for e in receiver.events("/direct")] == [direct_task]
    assert [e["taskId"] for e in receiver.events("/deep")] == [direct_task, deep_task]


def test_task_deleted_reaches_the_hook_of_the_folder_it_left(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    folder = create_folder(api, root(sandbox), "Doomed tasks")
    task_id = create_task(api, folder)
    create_hook(api, f"/folders/{folder}/webhooks", hookUrl=receiver.url(), events=["TaskDeleted"])
    assert api.delete(f"/tasks/{task_id}").status_code == 200
    assert wait_idle(sandbox, 10)
    assert [(e["eventType"], e["taskId"]) for e in receiver.events()] == [("TaskDeleted", task_id)]


def test_space_hook_sees_everything_under_its_space(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    space = space_id(sandbox, "Engineering")
    create_hook(api, f"/spaces/{space}/webhooks", hookUrl=receiver.url(), events=["TaskCreated"])
    inside = create_task(api, create_folder(api, space, "Deep in Engineering"))
    create_task(api, space_id(sandbox, "Marketing"))
    assert wait_idle(sandbox, 10)
    assert [e["taskId"] for e in receiver.events()] == [inside]


def test_a_4xx_answer_suspends_the_hook_at_once(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    hook = create_hook(api, hookUrl=receiver.url())
    receiver.status = 410
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    assert api.get(f"/webhooks/{hook['id']}").json()["data"][0]["status"] == "Suspended"
    assert len(receiver.deliveries) == 1
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    assert len(receiver.deliveries) == 1  # a suspended hook gets nothing
    api.put(f"/webhooks/{hook['id']}", json={"status": "Active"})
    receiver.status = 200
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    assert len(receiver.deliveries) == 2


def test_5xx_is_retried_three_times_then_suspends(
    api: httpx.Client, sandbox: Sandbox, receiver: Receiver
) -> None:
    hook = create_hook(api, hookUrl=receiver.url())
    receiver.status = 503
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    keys = {r.headers["Idempotency-Key"] for r in receiver.deliveries}
    assert len(receiver.deliveries) == 4
    assert len(keys) == 1  # every retry carries the same key
    assert sandbox.workspace["webhooks"][hook["id"]]["status"] == "Suspended"
    assert delivery_state(sandbox).outcomes[-1].attempts == 4


def test_delivery_can_be_switched_off(api: httpx.Client, sandbox: Sandbox, receiver: Receiver) -> None:
    sandbox.config.webhook_delivery = False
    create_hook(api, hookUrl=receiver.url(), secret=SECRET)  # no handshake either
    create_task(api, root(sandbox))
    assert wait_idle(sandbox, 10)
    assert receiver.received == []
