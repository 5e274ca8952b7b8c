"""The webhook receiver: Wrike POSTs here, verified events go to the hub.

    routes = receiver_routes(hub, HookSecrets(server_key), path="/webhooks/wrike")

serves `POST {path}` and `POST {path}/{label}` (the label picks the hook's secret, see hook_secrets.py):
- the secure-hook handshake [C3] wrike-api.md §6.3: body `{"requestType":"WebHook secret verification"}`
  with an `X-Hook-Secret` challenge -> 200 with `X-Hook-Secret: hex(HMAC(secret, challenge))`;
- a delivery (a JSON array of events [C] §6.2): size cap (413), signature check against the raw body
  (401 when unsigned or forged; a delivery for which no secret is known is refused unless
  `allow_unsigned`, fail closed), JSON shape (400), then a fast 200 after handing the events to the hub.
  Redelivered or replayed events (same content, or same Idempotency-Key and position) are ignored, and
  so are events older than `max_event_age`, so a captured delivery cannot be replayed once forgotten.

Every refusal is logged at WARNING with a reason, the label, the size and the peer: never the body, a
signature or a secret. The order matters: authenticity is checked before the body is parsed as events.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.webhooks.dedupe import SeenKeys
from wrike_mcp.webhooks.events import DeliveryFormatError, WebhookEvent, dedupe_key, parse_delivery
from wrike_mcp.webhooks.hook_secrets import valid_label
from wrike_mcp.webhooks.hub import EventHub
from wrike_mcp.webhooks.signature import (
    HANDSHAKE_REQUEST_TYPE,
    SECRET_HEADER,
    SIGNATURE_HEADER,
    handshake_reply,
    verify_signature,
)

log = logging.getLogger("wrike_mcp.webhooks")

SecretsLookup = Callable[[str | None], str | None]
DEFAULT_PATH = "/webhooks/wrike"


@dataclass(frozen=True)
class ReceiverSettings:
    path: str = DEFAULT_PATH
    max_body_bytes: int = 256 * 1024  # [I] our choice: Wrike batches are a few KB
    allow_unsigned: bool = False  # accept deliveries for which no secret is known (hooks without secret)
    max_event_age: float = 3600.0  # seconds; keep <= dedupe_ttl so no replay outlives its memory
    dedupe_capacity: int = 10_000
    dedupe_ttl: float = 3600.0


class Refused(Exception):
    """A request we answer with an error status; `reason` is safe to log (no body, no secret)."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


class WebhookReceiver:
    """The receiving logic, with counters (`stats`) for tests and health checks."""

    def __init__(
        self,
        hub: EventHub,
        secrets_lookup: SecretsLookup,
        clock: Clock | None = None,
        settings: ReceiverSettings | None = None,
    ) -> None:
        self.hub = hub
        self.settings = settings or ReceiverSettings()
        self.clock: Clock = clock or SystemClock()
        self.stats: Counter[str] = Counter()
        self._secrets = secrets_lookup
        self._seen = SeenKeys(self.clock, self.settings.dedupe_capacity, self.settings.dedupe_ttl)

    def routes(self) -> list[BaseRoute]:
        path = "/" + self.settings.path.strip("/")
        return [
            Route(path, self.handle, methods=["POST"], name="wrike_webhook"),
            Route(path + "/{label}", self.handle, methods=["POST"], name="wrike_webhook_labelled"),
        ]

    async def handle(self, request: Request) -> Response:
        label = request.path_params.get("label")
        if label is not None and not valid_label(label):
            return JSONResponse({"error": "not_found"}, status_code=404)
        try:
            return await self._handle(request, label)
        except Refused as refusal:
            self.stats["refused:" + refusal.code] += 1
            peer = request.client.host if request.client else "?"
            size = request.headers.get("content-length", "?")
            log.warning(
                "webhook request refused: %s (status %d, hook label %s, %s bytes, from %s)",
                refusal.reason, refusal.status, label or "-", size, peer,
            )  # fmt: skip
            return JSONResponse({"error": refusal.code}, status_code=refusal.status)

    async def _handle(self, request: Request, label: str | None) -> Response:
        body = await _read_capped(request, self.settings.max_body_bytes)
        secret = self._secrets(label)
        if _is_handshake(body):
            return self._handshake(secret, request.headers.get(SECRET_HEADER))
        self._authenticate(secret, request, body)
        try:
            events = parse_delivery(body)
        except DeliveryFormatError as exc:
            raise Refused(400, "malformed", str(exc)) from None
        fresh = self._fresh(events, request.headers.get("Idempotency-Key"))
        self.hub.publish(fresh)
        self.stats["deliveries"] += 1
        self.stats["events"] += len(fresh)
        return JSONResponse({"received": len(events), "accepted": len(fresh)})

    def _handshake(self, secret: str | None, challenge: str | None) -> Response:
        if secret is None:
            raise Refused(401, "no_secret", "handshake for a hook whose secret is unknown here")
        if not challenge:
            raise Refused(400, "bad_handshake", "handshake without an X-Hook-Secret challenge")
        reply = handshake_reply(secret, challenge)
        if reply is None:
            raise Refused(400, "bad_handshake", "handshake challenge that could be a delivery body")
        self.stats["handshakes"] += 1
        return Response(status_code=200, headers={SECRET_HEADER: reply})

    def _authenticate(self, secret: str | None, request: Request, body: bytes) -> None:
        if secret is None:
            if not self.settings.allow_unsigned:
                raise Refused(401, "no_secret", "delivery for a hook whose secret is unknown here")
            return
        # [I] our choice: X-Hook-Signature, or else X-Hook-Secret, which deliveries also carry (§6.3).
        signature = request.headers.get(SIGNATURE_HEADER) or request.headers.get(SECRET_HEADER)
        if not signature:
            raise Refused(401, "unsigned", "unsigned delivery for a hook with a secret")
        if not verify_signature(secret, body, signature):
            raise Refused(401, "bad_signature", "delivery whose signature does not match its body")

    def _fresh(self, events: list[WebhookEvent], idempotency_key: str | None) -> list[WebhookEvent]:
        """The events neither too old nor already seen. The content hash is always checked as well as the
        Idempotency-Key, since that header is not covered by the signature."""
        fresh = []
        for index, event in enumerate(events):
            if self._too_old(event):
                self._ignored("stale", event)
                continue
            keys = [event.content_key]
            if idempotency_key:
                keys.append(dedupe_key(event, idempotency_key, index))
            if not self._seen.first_sighting(keys):
                self._ignored("duplicate", event)
                continue
            fresh.append(event)
        return fresh

    def _too_old(self, event: WebhookEvent) -> bool:
        when = _epoch(event.lastUpdatedDate)
        return when is not None and self.clock.now() - when > self.settings.max_event_age

    def _ignored(self, why: str, event: WebhookEvent) -> None:
        self.stats[why] += 1
        log.info("webhook event ignored: %s (%s, hook %s)", why, event.eventType, event.webhookId or "-")


def receiver_routes(
    hub: EventHub,
    secrets_lookup: SecretsLookup,
    *,
    clock: Clock | None = None,
    settings: ReceiverSettings | None = None,
) -> list[BaseRoute]:
    """Routes for the hosted app to mount (`POST {path}` and `POST {path}/{label}`)."""
    return WebhookReceiver(hub, secrets_lookup, clock, settings).routes()


def receiver_app(receiver: WebhookReceiver) -> Starlette:
    """A standalone ASGI app serving only the receiver (`webhooks listen`, tests)."""
    return Starlette(routes=receiver.routes())


async def _read_capped(request: Request, cap: int) -> bytes:
    """The raw body, refusing (413) as soon as it is known to exceed `cap`, declared or streamed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise Refused(413, "too_large", f"body over the size cap ({cap} bytes)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise Refused(413, "too_large", f"body over the size cap ({cap} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


def _is_handshake(body: bytes) -> bool:
    if not body.lstrip().startswith(b"{"):
        return False
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and data.get("requestType") == HANDSHAKE_REQUEST_TYPE


def _epoch(stamp: str | None) -> float | None:
    """Wrike's `yyyy-MM-ddTHH:mm:ssZ` as epoch seconds; None when absent or unreadable."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return None
