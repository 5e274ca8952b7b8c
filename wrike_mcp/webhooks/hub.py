"""The in-memory event hub between the receiver and whoever listens (MCP sessions, `webhooks listen`).

Subscribers register an `EventFilter`; `publish` hands each subscriber the events its filter lets
through, into a bounded queue (oldest dropped and counted), and/or to a callback (for MCP
resource-updated notifications). `Subscription.next` waits for the next matching events with a
timeout: the `wait_for_events` tool. Nothing is persisted; events published before a subscription
exists are not replayed to it.

Thread-safe: the receiver may run under uvicorn in one thread while consumers await on another event
loop; waiters are woken with `loop.call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType

from wrike_mcp.errors import WrikeMcpError
from wrike_mcp.webhooks.events import WebhookEvent

log = logging.getLogger("wrike_mcp.webhooks")

Visibility = Callable[[WebhookEvent], bool]
EventsCallback = Callable[[list[WebhookEvent]], None]


class TooManySubscribers(WrikeMcpError):
    """The hub's subscriber cap is reached (bounded memory)."""


def _frozen(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


@dataclass(frozen=True)
class EventFilter:
    """Which events a subscriber gets. Every given criterion must hold; None means "any".

    `task_ids` and `folder_ids` together name the subjects of interest: an event matches when its taskId
    is in one or its folderId in the other. `visible` is the agent policy's hook (issue 5: areas and
    subtrees): it runs last, and an exception counts as "not visible" (fail closed).
    """

    event_types: frozenset[str] | None = None
    task_ids: frozenset[str] | None = None
    folder_ids: frozenset[str] | None = None
    webhook_ids: frozenset[str] | None = None
    visible: Visibility | None = None

    @classmethod
    def build(
        cls,
        event_types: Iterable[str] | None = None,
        task_ids: Iterable[str] | None = None,
        folder_ids: Iterable[str] | None = None,
        webhook_ids: Iterable[str] | None = None,
        visible: Visibility | None = None,
    ) -> EventFilter:
        """Like the constructor, from any iterables."""
        sets = (_frozen(event_types), _frozen(task_ids), _frozen(folder_ids), _frozen(webhook_ids))
        return cls(*sets, visible)

    def matches(self, event: WebhookEvent) -> bool:
        if self.event_types is not None and event.eventType not in self.event_types:
            return False
        if self.webhook_ids is not None and event.webhookId not in self.webhook_ids:
            return False
        if (self.task_ids is not None or self.folder_ids is not None) and not self._subject_matches(event):
            return False
        return self._visible(event)

    def _subject_matches(self, event: WebhookEvent) -> bool:
        by_task = self.task_ids is not None and event.taskId in self.task_ids
        return by_task or (self.folder_ids is not None and event.folderId in self.folder_ids)

    def _visible(self, event: WebhookEvent) -> bool:
        if self.visible is None:
            return True
        try:
            return self.visible(event) is True
        except Exception:
            log.exception("webhook event visibility check failed; event withheld")
            return False


class Subscription:
    """One subscriber's queue and waiters. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        hub: EventHub,
        event_filter: EventFilter,
        cap: int,
        on_events: EventsCallback | None,
        loop: asyncio.AbstractEventLoop | None,
    ) -> None:
        self.filter = event_filter
        self.cap = cap
        self.dropped = 0  # events pushed out of a full queue
        self.delivered = 0  # events that matched this subscription
        self._hub = hub
        self._queue: deque[WebhookEvent] = deque()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._on_events = on_events
        self._loop = loop
        self._lock = threading.Lock()
        self.closed = False

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def drain(self, max_events: int = 100) -> list[WebhookEvent]:
        """The queued events (oldest first, at most `max_events`), without waiting."""
        with self._lock:
            return self._take(max_events)

    # The timeout is the caller's own argument (the `wait_for_events` tool's), hence a parameter.
    async def next(self, timeout: float, max_events: int = 100) -> list[WebhookEvent]:  # noqa: ASYNC109
        """The next matching events (at most `max_events`), or [] after `timeout` seconds.

        Events already queued return at once. Cancelling the wait loses nothing: they stay queued.
        """
        if max_events < 1:
            raise ValueError("max_events must be >= 1")
        wake = asyncio.Event()
        waiter = (asyncio.get_running_loop(), wake)
        with self._lock:
            batch = self._take(max_events)
            if batch or timeout <= 0 or self.closed:
                return batch
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(wake.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.remove(waiter)
        return self.drain(max_events)

    def close(self) -> None:
        self._hub._remove(self)
        with self._lock:
            self.closed = True
            waiters = list(self._waiters)
        _wake(waiters)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _offer(self, events: list[WebhookEvent]) -> None:
        """Queue (bounded) and announce the events that matched this subscription."""
        with self._lock:
            self.delivered += len(events)
            if self.cap > 0:
                for event in events:
                    if len(self._queue) >= self.cap:
                        self._queue.popleft()
                        self.dropped += 1
                    self._queue.append(event)
            waiters = list(self._waiters)
        _wake(waiters)
        if self._on_events is not None:
            self._announce(events)

    def _announce(self, events: list[WebhookEvent]) -> None:
        callback = self._on_events
        assert callback is not None
        try:
            if self._loop is not None:
                self._loop.call_soon_threadsafe(callback, events)
            else:
                callback(events)
        except Exception:
            log.exception("webhook event callback failed")

    def _take(self, max_events: int) -> list[WebhookEvent]:
        count = min(max_events, len(self._queue))
        return [self._queue.popleft() for _ in range(count)]


def _wake(waiters: Sequence[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
    for loop, wake in waiters:
        with contextlib.suppress(RuntimeError):  # that loop is closed: its waiter is gone
            loop.call_soon_threadsafe(wake.set)


class EventHub:
    """Fan-out of verified events to subscribers, in memory, bounded."""

    def __init__(self, queue_cap: int = 1000, max_subscribers: int = 1000) -> None:
        if queue_cap < 1 or max_subscribers < 1:
            raise ValueError("queue_cap and max_subscribers must be >= 1")
        self.queue_cap = queue_cap
        self.max_subscribers = max_subscribers
        self.published = 0
        self._subscribers: list[Subscription] = []
        self._lock = threading.Lock()

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def subscribe(
        self,
        event_filter: EventFilter | None = None,
        *,
        cap: int | None = None,
        on_events: EventsCallback | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Subscription:
        """A new subscription. `cap` bounds its queue (default `queue_cap`; 0 = callback only, no queue).
        `on_events(events)` runs for each published batch that matched: on `loop` via
        `call_soon_threadsafe` when given, else inline in the publisher's thread (keep it short)."""
        size = self.queue_cap if cap is None else cap
        if size < 0 or (size == 0 and on_events is None):
            raise ValueError("cap must be >= 1, or 0 with an on_events callback")
        subscription = Subscription(self, event_filter or EventFilter(), size, on_events, loop)
        with self._lock:
            if len(self._subscribers) >= self.max_subscribers:
                raise TooManySubscribers("too many event subscribers; close some first")
            self._subscribers.append(subscription)
        return subscription

    def publish(self, events: Sequence[WebhookEvent]) -> int:
        """Give each subscriber the events its filter lets through; returns how many hand-overs happened."""
        with self._lock:
            self.published += len(events)
            subscribers = list(self._subscribers)
        handed = 0
        for subscription in subscribers:
            matched = [event for event in events if subscription.filter.matches(event)]
            if matched:
                subscription._offer(matched)
                handed += len(matched)
        return handed

    async def wait(
        self,
        event_filter: EventFilter | None,
        timeout: float,  # noqa: ASYNC109 - see Subscription.next
        max_events: int = 100,
    ) -> list[WebhookEvent]:
        """The next events matching `event_filter` published from now on, or [] after `timeout`.
        A client polling in a loop should keep one `subscribe()`d Subscription instead, so events that
        arrive between two calls are not missed."""
        with self.subscribe(event_filter) as subscription:
            return await subscription.next(timeout, max_events)

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)
