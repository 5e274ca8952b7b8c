"""Receiving Wrike webhooks: verify, type, de-duplicate, and hand events to subscribers in memory.

hub = EventHub()
secrets = HookSecrets(server_key)            # derived per-hook secrets; see hook_secrets.py
app.routes.extend(receiver_routes(hub, secrets, clock=clock))
creds = secrets.create("folder:IEAAB2C3I4")  # for a new hook: creds.hook_url(public_receiver_url)
with hub.subscribe(EventFilter.build(event_types={"TaskCreated"})) as sub:
    events = await sub.next(timeout=30)
"""

from __future__ import annotations

from wrike_mcp.webhooks.events import (
    EVENT_MODELS,
    DeliveryFormatError,
    GenericEvent,
    WebhookEvent,
    dedupe_key,
    parse_delivery,
    parse_event,
)
from wrike_mcp.webhooks.hook_secrets import HookCredentials, HookSecrets
from wrike_mcp.webhooks.hub import EventFilter, EventHub, Subscription, TooManySubscribers
from wrike_mcp.webhooks.receiver import (
    DEFAULT_PATH,
    ReceiverSettings,
    WebhookReceiver,
    receiver_app,
    receiver_routes,
)
from wrike_mcp.webhooks.signature import handshake_reply, hook_signature, verify_signature

__all__ = [
    "DEFAULT_PATH",
    "EVENT_MODELS",
    "DeliveryFormatError",
    "EventFilter",
    "EventHub",
    "GenericEvent",
    "HookCredentials",
    "HookSecrets",
    "ReceiverSettings",
    "Subscription",
    "TooManySubscribers",
    "WebhookEvent",
    "WebhookReceiver",
    "dedupe_key",
    "handshake_reply",
    "hook_signature",
    "parse_delivery",
    "parse_event",
    "receiver_app",
    "receiver_routes",
    "verify_signature",
]
