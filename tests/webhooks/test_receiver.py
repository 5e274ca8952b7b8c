"""The receiver at unit level (httpx.ASGITransport): handshake, verification, caps, de-duplication, and
refusals logged without their body or the secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from wrike_mcp.clock import FakeClock, iso_utc
from wrike_mcp.webhooks import (
    EventHub,
    HookSecrets,
    ReceiverSettings,
    Subscription,
    WebhookReceiver,
    receiver_app,
)

KEY = b"server-key-for-webhook-tests-32b"
PATH = "/webhooks/wrike"
MARKER = "BODY-MARKER-do-not-log"  # appears in every test body; must never reach the log


@pytest.fixture
def hub() -> EventHub:
    return EventHub()


@pytest.fixture
def secrets() -> HookSecrets:
    return HookSecrets(KEY)


@pytest.fixture
def receiver(hub: EventHub, secrets: HookSecrets, clock: FakeClock) -> WebhookReceiver:
    return WebhookReceiver(hub, secrets, clock, ReceiverSettings(path=PATH, max_body_bytes=4096))


@pytest.fixture
async def client(receiver: WebhookReceiver) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=receiver_app(receiver))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


@pytest.fixture
def inbox(hub: EventHub) -> Iterator[Subscription]:
    with hub.subscribe() as subscription:
        yield subscription


@pytest.fixture
def label(secrets: HookSecrets) -> str:
    return secrets.create("folder:MQAAAAF1").label


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(clock: FakeClock, **fields: Any) -> bytes:
    event = {"taskId": "MAAAAAT1", "webhookId": "IEAGSBX1JAAAAAAB", "eventAuthorId": "KUAZR5CO",
             "eventType": "TaskCreated", "lastUpdatedDate": iso_utc(clock.now()), "note": MARKER}  # fmt: skip
    event.update(fields)
    return json.dumps([event], indent=2).encode()


def assert_logged_safely(caplog: pytest.LogCaptureFixture, reason: str, *secrets: str) -> None:
    assert reason in caplog.text
    assert MARKER not in caplog.text
    for secret in secrets:
        assert secret not in caplog.text


async def post(client: httpx.AsyncClient, label: str | None, body: bytes, **headers: str) -> httpx.Response:
    url = PATH if label is None else f"{PATH}/{label}"
    return await client.post(url, content=body, headers={"Content-Type": "application/json", **headers})


async def test_handshake_answers_with_the_hmac_of_the_challenge(
    client: httpx.AsyncClient, secrets: HookSecrets, label: str
) -> None:
    body = json.dumps({"requestType": "WebHook secret verification"}).encode()
    response = await post(client, label, body, **{"X-Hook-Secret": "0f1e2d3c4b5a69788796a5b4c3d2e1f0"})
    assert response.status_code == 200
    secret = secrets(label)
    assert secret is not None
    assert response.headers["X-Hook-Secret"] == sign(secret, b"0f1e2d3c4b5a69788796a5b4c3d2e1f0")


async def test_handshake_cannot_be_used_to_sign_a_forged_delivery(
    client: httpx.AsyncClient,
    inbox: Subscription,
    clock: FakeClock,
    label: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    forged = json.dumps(json.loads(delivery(clock)), separators=(",", ":"))
    body = json.dumps({"requestType": "WebHook secret verification"}).encode()
    response = await post(client, label, body, **{"X-Hook-Secret": forged})
    assert response.status_code == 400 and "X-Hook-Secret" not in response.headers
    assert inbox.pending == 0
    assert "handshake challenge" in caplog.text


async def test_handshake_for_an_unknown_secret_is_refused(hub: EventHub, clock: FakeClock) -> None:
    receiver = WebhookReceiver(hub, HookSecrets(derive=False), clock, ReceiverSettings(path=PATH))
    transport = httpx.ASGITransport(app=receiver_app(receiver))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        body = json.dumps({"requestType": "WebHook secret verification"}).encode()
        response = await post(http, "unknown", body, **{"X-Hook-Secret": "abc123"})
    assert response.status_code == 401


async def test_signed_delivery_is_accepted_and_published(
    client: httpx.AsyncClient, inbox: Subscription, secrets: HookSecrets, clock: FakeClock, label: str
) -> None:
    body = delivery(clock)
    secret = secrets(label) or ""
    response = await post(client, label, body, **{"X-Hook-Signature": sign(secret, body)})
    assert response.status_code == 200
    [event] = inbox.drain()
    assert (event.eventType, event.taskId) == ("TaskCreated", "MAAAAAT1")


async def test_signature_in_x_hook_secret_is_accepted_too(
    client: httpx.AsyncClient, inbox: Subscription, secrets: HookSecrets, clock: FakeClock, label: str
) -> None:
    body = delivery(clock)
    response = await post(client, label, body, **{"X-Hook-Secret": sign(secrets(label) or "", body)})
    assert response.status_code == 200 and inbox.pending == 1


@pytest.mark.parametrize(
    ("signer", "reason"),
    [
        (lambda body: sign("not-the-secret", body), "signature does not match"),
        (lambda body: sign("not-the-secret", body + b" ").upper(), "signature does not match"),
        (lambda body: "", "unsigned delivery"),
    ],
)
async def test_forged_or_unsigned_delivery_is_refused_and_logged_without_body(
    client: httpx.AsyncClient,
    inbox: Subscription,
    secrets: HookSecrets,
    clock: FakeClock,
    label: str,
    caplog: pytest.LogCaptureFixture,
    signer: Any,
    reason: str,
) -> None:
    body = delivery(clock)
    signature = signer(body)
    headers = {"X-Hook-Signature": signature} if signature else {}
    response = await post(client, label, body, **headers)
    assert response.status_code == 401 and MARKER not in response.text
    assert inbox.pending == 0
    assert_logged_safely(caplog, reason, secrets(label) or "", *([signature] if signature else []))


async def test_delivery_without_a_known_secret_is_refused_unless_unsigned_is_allowed(
    hub: EventHub, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    for allow, status in ((False, 401), (True, 200)):
        settings = ReceiverSettings(path=PATH, allow_unsigned=allow)
        receiver = WebhookReceiver(hub, HookSecrets(derive=False), clock, settings)
        transport = httpx.ASGITransport(app=receiver_app(receiver))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            response = await post(http, None, delivery(clock, taskId=f"MAAAAA{status}"))
        assert response.status_code == status
    assert_logged_safely(caplog, "secret is unknown")


async def test_oversized_delivery_is_refused_declared_or_streamed(
    client: httpx.AsyncClient,
    inbox: Subscription,
    secrets: HookSecrets,
    clock: FakeClock,
    label: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = delivery(clock, padding="x" * 5000)
    signature = sign(secrets(label) or "", body)
    declared = await post(client, label, body, **{"X-Hook-Signature": signature})

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    streamed = await client.post(f"{PATH}/{label}", content=chunks(), headers={"X-Hook-Signature": signature})
    assert declared.status_code == streamed.status_code == 413
    assert inbox.pending == 0
    assert_logged_safely(caplog, "size cap", secrets(label) or "")


@pytest.mark.parametrize("body", [b"{not json " + MARKER.encode(), json.dumps({"x": MARKER}).encode(),
                                  json.dumps([{"note": MARKER}]).encode()])  # fmt: skip
async def test_malformed_signed_delivery_is_refused(
    client: httpx.AsyncClient,
    inbox: Subscription,
    secrets: HookSecrets,
    label: str,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await post(client, label, body, **{"X-Hook-Signature": sign(secrets(label) or "", body)})
    assert response.status_code == 400 and inbox.pending == 0
    assert_logged_safely(caplog, "webhook request refused", secrets(label) or "")


async def test_replayed_delivery_is_ignored_even_with_a_new_idempotency_key(
    client: httpx.AsyncClient,
    inbox: Subscription,
    receiver: WebhookReceiver,
    secrets: HookSecrets,
    clock: FakeClock,
    label: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="wrike_mcp.webhooks")
    body = delivery(clock)
    signature = sign(secrets(label) or "", body)
    answers = [
        await post(client, label, body, **{"X-Hook-Signature": signature, "Idempotency-Key": key})
        for key in ("k1", "k1", "k2")
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]  # a 4xx would make Wrike suspend the hook
    assert [a.json()["accepted"] for a in answers] == [1, 0, 0]
    assert len(inbox.drain()) == 1 and receiver.stats["duplicate"] == 2
    assert_logged_safely(caplog, "duplicate", secrets(label) or "", signature)


async def test_replay_after_the_dedupe_memory_expired_is_ignored_as_stale(
    client: httpx.AsyncClient,
    inbox: Subscription,
    receiver: WebhookReceiver,
    secrets: HookSecrets,
    clock: FakeClock,
    label: str,
) -> None:
    body = delivery(clock)
    headers = {"X-Hook-Signature": sign(secrets(label) or "", body)}
    assert (await post(client, label, body, **headers)).json()["accepted"] == 1
    clock.advance(receiver.settings.dedupe_ttl + 1)
    assert (await post(client, label, body, **headers)).json()["accepted"] == 0
    assert inbox.pending == 1 and receiver.stats["stale"] == 1


async def test_invalid_label_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.post(f"{PATH}/bad%20label", content=b"[]")).status_code == 404
