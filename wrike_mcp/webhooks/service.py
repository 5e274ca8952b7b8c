"""The webhook machinery of one server process: hub, secrets, receiver, recent events, where hooks point.

    service = WebhookService(settings.webhooks, receiver_url="https://mcp.example.com/webhooks/wrike")
    app.routes.extend(service.routes())          # the hosted app; or EmbeddedReceiver for stdio
    server = build_server(settings, client, connection=connection, webhooks=service)

`receiver_url` is the public URL hooks are created with: WRIKE_MCP_WEBHOOK_URL when set (a proxy or tunnel
in front), else what the transport knows (the hosted app's public URL + the receiver path, or the stdio
receiver's loopback address). None means this process receives no webhooks: agents are told so, and a hook
can then only point at an operator-allowed URL.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from starlette.routing import BaseRoute

from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.webhooks.events import WebhookEvent
from wrike_mcp.webhooks.hook_secrets import HookSecrets
from wrike_mcp.webhooks.hook_urls import HookUrlPolicy
from wrike_mcp.webhooks.hub import EventHub
from wrike_mcp.webhooks.receiver import ReceiverSettings, WebhookReceiver
from wrike_mcp.webhooks.settings import WebhookSettings

RECENT_EVENTS = 500  # [I] our choice: what resources/read can show, for every caller together


class RecentEvents:
    """The last verified events with a sequence number each, for `resources/read` (filtered per caller)."""

    def __init__(self, hub: EventHub, cap: int = RECENT_EVENTS) -> None:
        self._events: deque[tuple[int, WebhookEvent]] = deque(maxlen=cap)
        self._sequence = 0
        self._lock = threading.Lock()
        hub.subscribe(cap=0, on_events=self._add)  # inline in the publisher's thread: short and locked

    def select(self, match: Callable[[WebhookEvent], bool], limit: int) -> list[tuple[int, WebhookEvent]]:
        """The newest `limit` events that match, oldest first."""
        with self._lock:
            items = list(self._events)
        picked: list[tuple[int, WebhookEvent]] = []
        for item in reversed(items):
            if len(picked) >= limit:
                break
            if match(item[1]):
                picked.append(item)
        return picked[::-1]

    def _add(self, events: list[WebhookEvent]) -> None:
        with self._lock:
            for event in events:
                self._sequence += 1
                self._events.append((self._sequence, event))


class WebhookService:
    def __init__(
        self,
        settings: WebhookSettings | None = None,
        *,
        receiver_url: str | None = None,
        clock: Clock | None = None,
        receiver_settings: ReceiverSettings | None = None,
    ) -> None:
        settings = settings or WebhookSettings()
        self.clock: Clock = clock or SystemClock()
        self.hub = EventHub()
        self.secrets = HookSecrets(settings.server_key)
        self.receiver = WebhookReceiver(self.hub, self.secrets, self.clock, receiver_settings)
        self.recent = RecentEvents(self.hub)
        self.urls = HookUrlPolicy(settings.receiver_url or receiver_url, settings.allow_urls)

    @property
    def receiver_url(self) -> str | None:
        return self.urls.receiver_url

    @property
    def path(self) -> str:
        return self.receiver.settings.path

    def routes(self) -> list[BaseRoute]:
        """`POST {path}` and `POST {path}/{label}`, for the app that serves the receiver."""
        return self.receiver.routes()
