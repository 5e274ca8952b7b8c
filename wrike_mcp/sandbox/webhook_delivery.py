"""Webhook delivery: from `ws.emit(...)` to a signed POST on the hook's URL. [C3] wrike-api.md §6.2, §6.3

The listener runs inside the request that changed something (on the event loop), so it only decides
which hooks match and builds the bodies; a worker thread with its own `httpx.Client` sends them. That
keeps delivery off the request path and works the same under uvicorn and under `httpx.ASGITransport`.
The thread starts on the first delivery and ends after a few idle seconds, so idle sandboxes (one per
test) do not pile up threads.

Matching: an account hook sees every item its creator can see; a folder hook sees the folder itself and
its direct children (any depth with `recursive`); a space hook sees everything under the space. Only
`Active` hooks get events, and only the `events` they asked for.

Outcome per delivery: 2xx is done; 5xx, 408, 429, timeouts and refused connections are retried up to 3
times [C3]; any other 4xx, or retries used up, suspends the hook (`status: "Suspended"`). The worker sets
that status from its thread: a single dict assignment, atomic under the GIL.

`wait_idle(sandbox, timeout)` blocks until every queued delivery is finished: tests wait on it instead
of sleeping. `SandboxConfig.webhook_delivery = False` turns delivery off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

from wrike_mcp.sandbox.app import Sandbox
from wrike_mcp.sandbox.items_access import ancestors, can_access
from wrike_mcp.sandbox.store import Entity, Workspace

RETRIES = 3
TIMEOUT = 5.0
IDLE_EXIT = 2.0  # seconds a worker waits for more work before it ends
RETRYABLE = frozenset({408, 429})
# Fields that name the subject and the author; Wrike's examples put them after the event's own fields.
_SUBJECT_KEYS = ("taskId", "folderId")


def sign(secret: str, data: bytes) -> str:
    """Wrike's signature: lower-case hex HMAC-SHA256 keyed with the hook's secret. [C3] §6.3"""
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivery:
    hook_id: str
    url: str
    secret: str | None
    body: bytes
    key: str  # Idempotency-Key: the same on every retry of this delivery


@dataclass
class Outcome:
    """What happened to one delivery; tests and the admin view read `sandbox.state["webhook_delivery"]`."""

    hook_id: str
    key: str
    status: int | None  # the last HTTP status, None when no answer came
    attempts: int
    delivered: bool


@dataclass
class DeliveryState:
    """The queue, the worker, and the record of finished deliveries."""

    sandbox: Sandbox
    jobs: queue.Queue[Delivery] = field(default_factory=queue.Queue)
    outcomes: list[Outcome] = field(default_factory=list)
    pending: int = 0
    running: bool = False
    lock: threading.Condition = field(default_factory=threading.Condition)

    def submit(self, delivery: Delivery) -> None:
        with self.lock:
            self.pending += 1
            self.jobs.put(delivery)
            if not self.running:
                self.running = True
                threading.Thread(target=self._work, name="wrike-sandbox-webhooks", daemon=True).start()

    def wait_idle(self, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: self.pending == 0, timeout)

    def _work(self) -> None:
        with httpx.Client(timeout=TIMEOUT, trust_env=False) as client:
            while True:
                try:
                    delivery = self.jobs.get(timeout=IDLE_EXIT)
                except queue.Empty:
                    with self.lock:
                        if self.jobs.empty():
                            self.running = False
                            return
                    continue
                try:
                    self._deliver(client, delivery)
                finally:
                    with self.lock:
                        self.pending -= 1
                        self.lock.notify_all()

    def _deliver(self, client: httpx.Client, delivery: Delivery) -> None:
        hook = self.sandbox.workspace["webhooks"].get(delivery.hook_id)
        if hook is None or hook["status"] != "Active":
            return  # deleted or suspended while the event waited in the queue
        status, attempts = None, 0
        while attempts <= RETRIES:
            attempts += 1
            status = _post(client, delivery)
            if status is not None and (status < 500 and status not in RETRYABLE):
                break
        delivered = status is not None and 200 <= status < 300
        if not delivered:
            hook["status"] = "Suspended"
        self.outcomes.append(Outcome(delivery.hook_id, delivery.key, status, attempts, delivered))


def _post(client: httpx.Client, delivery: Delivery) -> int | None:
    headers = {"Content-Type": "application/json", "Idempotency-Key": delivery.key}
    if delivery.secret is not None:
        # [I] §6.3: the body's signature in both headers, as receivers in the wild check either one.
        headers["X-Hook-Signature"] = headers["X-Hook-Secret"] = sign(delivery.secret, delivery.body)
    try:
        return client.post(delivery.url, content=delivery.body, headers=headers).status_code
    except httpx.HTTPError:
        return None


# --- from events to deliveries --------------------------------------------------------------------


def delivery_state(sandbox: Sandbox) -> DeliveryState:
    """The sandbox's delivery machinery, registering the listener on first use (idempotent)."""
    state = sandbox.state.get("webhook_delivery")
    if state is None:
        state = sandbox.state["webhook_delivery"] = DeliveryState(sandbox)
        sandbox.workspace.listeners.append(lambda event, payload: _on_event(state, event, payload))
    assert isinstance(state, DeliveryState)
    return state


def wait_idle(sandbox: Sandbox, timeout: float = 10.0) -> bool:
    """Block until every queued delivery is done; False if `timeout` real seconds passed first."""
    state = sandbox.state.get("webhook_delivery")
    return state.wait_idle(timeout) if isinstance(state, DeliveryState) else True


def _on_event(state: DeliveryState, event_type: str, payload: Entity) -> None:
    sandbox = state.sandbox
    if not sandbox.config.webhook_delivery:
        return
    ws = sandbox.workspace
    subject = _subject(ws, payload)
    places = _places(ws, subject) if subject is not None else set()
    for hook in list(ws["webhooks"].values()):
        if hook["status"] != "Active" or event_type not in hook.get("events", (event_type,)):
            continue
        if subject is None or not _in_scope(ws, hook, subject, places):
            continue
        body = json.dumps([event_object(ws, hook["id"], event_type, payload)], indent=2).encode()
        state.submit(Delivery(hook["id"], hook["hookUrl"], hook.get("_secret"), body, secrets.token_hex(16)))


def _subject(ws: Workspace, payload: Entity) -> Entity | None:
    """The task or folder an event is about."""
    if "taskId" in payload:
        return ws["tasks"].get(payload["taskId"])
    if "folderId" in payload:
        return ws["folders"].get(payload["folderId"])
    return None


def _places(ws: Workspace, subject: Entity) -> set[str]:
    """The folders a subject is under, including where a trashed item came from (so TaskDeleted still
    reaches the hooks of the folder it was deleted from)."""
    places = ancestors(ws, subject)
    for former in subject.get("_trashedFrom", ()):
        places.add(former)
        if former in ws["folders"]:
            places |= ancestors(ws, ws["folders"][former])
    return places


def _in_scope(ws: Workspace, hook: Entity, subject: Entity, places: set[str]) -> bool:
    if "folderId" in hook:
        folder_id = hook["folderId"]
        if subject["id"] == folder_id:
            return True
        if hook.get("recursive"):
            return folder_id in places
        direct = set(subject.get("parentIds", ())) | set(subject.get("_trashedFrom", ()))
        return folder_id in direct
    if "spaceId" in hook:
        return subject["id"] == hook["spaceId"] or hook["spaceId"] in places
    return can_access(ws, hook["_authorId"], subject)


def event_object(ws: Workspace, hook_id: str, event_type: str, payload: Entity) -> Entity:
    """One event in §6.5's order: the event's own fields, the subject id, then webhookId,
    eventAuthorId, eventType, lastUpdatedDate. [C3]"""
    common = {*_SUBJECT_KEYS, "eventAuthorId", "webhookId", "eventType", "lastUpdatedDate"}
    event: dict[str, Any] = {k: v for k, v in payload.items() if k not in common}
    event.update({k: payload[k] for k in _SUBJECT_KEYS if k in payload})
    event["webhookId"] = hook_id
    if "eventAuthorId" in payload:
        event["eventAuthorId"] = payload["eventAuthorId"]
    event["eventType"] = event_type
    event["lastUpdatedDate"] = ws.now_iso()
    return event


async def handshake(url: str, secret: str) -> bool:
    """The secure-hook check at creation: POST a random `X-Hook-Secret`; the receiver must answer 200
    with that value's HMAC under the shared secret. [C3] §6.3"""
    challenge = secrets.token_hex(16)
    body = {"requestType": "WebHook secret verification"}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, trust_env=False) as client:
            response = await client.post(url, json=body, headers={"X-Hook-Secret": challenge})
    except httpx.HTTPError:
        return False
    answer = response.headers.get("X-Hook-Secret", "")
    return response.status_code == 200 and hmac.compare_digest(answer, sign(secret, challenge.encode()))
