"""Mailboxes: what `wait_for_events` reads, one per caller, so that no event is lost between two calls.

A mailbox subscribes to the hub with the caller's visibility and keeps what arrives (bounded: the oldest
go first, counted in `dropped`). Each `wait_for_events` call takes the events matching its own query and
leaves the rest for later calls with other queries. Mailboxes are in memory only.

Why per caller rather than per MCP session: on the 2026-07-28 protocol and on stateless HTTP there is no
session (every request is its own connection), yet an agent polling in a loop must not miss what happens
between two polls. [I] our choice: the key is the caller (its Wrike credentials, its policy agent and its
access), a mailbox opens on the first `wait_for_events` or when the caller creates a hook through this
server, and closes after `idle_ttl` seconds without a call. Two clients acting as the same user and agent
share a mailbox (each event goes to whichever asks first).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Awaitable, Hashable

from wrike_mcp.clock import Clock
from wrike_mcp.webhooks.event_scopes import EventQuery
from wrike_mcp.webhooks.events import WebhookEvent
from wrike_mcp.webhooks.hub import EventFilter, EventHub
from wrike_mcp.webhooks.visibility import CallerView


class Mailbox:
    """One caller's queue. Lives on the server's event loop: the hub hands events over thread-safely."""

    def __init__(self, hub: EventHub, view: CallerView, clock: Clock, cap: int) -> None:
        self.view = view
        self.cap = cap
        self.dropped = 0
        self.closed = False
        self.last_used = clock.monotonic()
        self._clock = clock
        self._events: deque[WebhookEvent] = deque()
        self._changed = asyncio.Event()
        self._subscription = hub.subscribe(
            EventFilter(visible=view.visible), cap=0, on_events=self._arrive, loop=asyncio.get_running_loop()
        )

    @property
    def pending(self) -> int:
        return len(self._events)

    def touch(self) -> None:
        self.last_used = self._clock.monotonic()

    def take(self, query: EventQuery, max_events: int) -> list[WebhookEvent]:
        """The oldest events matching `query` (at most `max_events`), removed; the others stay."""
        hooks = self.view.hooks()
        taken: list[WebhookEvent] = []
        kept: deque[WebhookEvent] = deque()
        for event in self._events:
            if len(taken) < max_events and query.matches(event, hooks):
                taken.append(event)
            else:
                kept.append(event)
        self._events = kept
        return taken

    def put_back(self, events: list[WebhookEvent]) -> None:
        """Return taken events to the front of the queue, in order (an answer could not hold them)."""
        self._events.extendleft(reversed(events))

    async def wait(self, query: EventQuery, max_events: int, timeout: float) -> list[WebhookEvent]:  # noqa: ASYNC109 - the tool's own argument
        """Matching events as soon as there are any, or [] once `timeout` seconds have passed."""
        deadline = self._clock.monotonic() + timeout
        # Hand-overs from the receiver's thread are queued on this loop: let those already queued land
        # first, so that "what has arrived" includes them even with a timeout of 0 (a yield, not a wait).
        await asyncio.sleep(0)
        while True:
            taken = self.take(query, max_events)
            remaining = deadline - self._clock.monotonic()
            if taken or remaining <= 0 or self.closed:
                return taken
            self._changed.clear()
            await _first(self._changed.wait(), self._clock.sleep(remaining))

    def close(self) -> None:
        self.closed = True
        self._subscription.close()
        self._changed.set()

    def _arrive(self, events: list[WebhookEvent]) -> None:
        for event in events:
            if len(self._events) >= self.cap:
                self._events.popleft()
                self.dropped += 1
            self._events.append(event)
        self._changed.set()


async def _first(*waits: Awaitable[object]) -> None:
    """Return when the first of `waits` finishes; cancel the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class Mailboxes:
    """The mailboxes of one server: bounded in number, closed when idle."""

    def __init__(
        self, hub: EventHub, clock: Clock, *, idle_ttl: float = 600.0, cap: int = 500, max_boxes: int = 256
    ) -> None:
        self.hub = hub
        self.idle_ttl = idle_ttl
        self.cap = cap
        self.max_boxes = max_boxes
        self._clock = clock
        self._boxes: OrderedDict[Hashable, Mailbox] = OrderedDict()

    def __len__(self) -> int:
        return len(self._boxes)

    def open(self, key: Hashable, view: CallerView) -> Mailbox:
        """The caller's mailbox, opened if needed (must run on the server's event loop)."""
        self._close_idle()
        box = self._boxes.get(key)
        if box is None or box.closed:
            box = self._boxes[key] = Mailbox(self.hub, view, self._clock, self.cap)
        self._boxes.move_to_end(key)
        box.touch()
        while len(self._boxes) > self.max_boxes:
            _, oldest = self._boxes.popitem(last=False)
            oldest.close()
        return box

    def close(self) -> None:
        for box in self._boxes.values():
            box.close()
        self._boxes.clear()

    def _close_idle(self) -> None:
        now = self._clock.monotonic()
        for key in [k for k, box in self._boxes.items() if now - box.last_used > self.idle_ttl]:
            self._boxes.pop(key).close()
