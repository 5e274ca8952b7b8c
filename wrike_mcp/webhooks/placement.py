"""The subtree part of event visibility: for an agent limited to folders, projects or spaces, only the
events about items inside them.

An event names its subject (a task or a folder, [C3] wrike-api.md §6.5); where that lives is asked of
Wrike with the caller's own credentials through the policy's `Locator` (the subtree's folder tree, the
task's parents and super tasks), the same lookups the call-time subtree check makes. Unlike a call,
events keep coming, so the locator is kept per caller for `ttl` seconds ([I] our choice: 60): a task
moved out of the subtree may still show for that long. A subject Wrike will not place (deleted, hidden,
or an event without one) is outside: fail closed. A deleted task is in the Recycle Bin, so its
`TaskDeleted` is not shown to a subtree-limited agent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from wrike_mcp.clock import Clock
from wrike_mcp.policy.resolver import Fetch, Locator
from wrike_mcp.policy.subtree import EntityKind, Located, group_located, inside
from wrike_mcp.webhooks.events import WebhookEvent

# An async filter over a batch of events: those inside the caller's subtrees, in order.
Inside = Callable[[Sequence[WebhookEvent]], Awaitable[list[WebhookEvent]]]


def subject_of(event: WebhookEvent) -> Located | None:
    if event.taskId:
        return ("task", event.taskId)
    if event.folderId:
        return ("folder", event.folderId)
    return None


class SubtreePlacer:
    """Locators per caller and subtree set, reused for `ttl` seconds, bounded in number."""

    def __init__(self, clock: Clock, ttl: float = 60.0, max_callers: int = 256) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_callers
        self._locators: OrderedDict[tuple[str, frozenset[str]], tuple[float, Locator]] = OrderedDict()
        self._lock = threading.Lock()

    def filter_for(self, principal: str, roots: frozenset[str], fetch: Fetch) -> Inside:
        """The subtree filter of one caller (`fetch` sends with its credentials)."""

        async def keep_inside(events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
            subjects = {id(event): subject_of(event) for event in events}
            wanted = group_located(s for s in subjects.values() if s is not None)
            if not wanted:
                return []
            lineage = await self._locator(principal, roots, fetch).lineage(_as_lookups(wanted))
            return [
                event
                for event in events
                if (subject := subjects[id(event)]) is not None and inside(roots, lineage.get(subject))
            ]

        return keep_inside

    def _locator(self, principal: str, roots: frozenset[str], fetch: Fetch) -> Locator:
        key = (principal, roots)
        now = self._clock.monotonic()
        with self._lock:
            cached = self._locators.get(key)
            if cached is None or now - cached[0] >= self._ttl:
                cached = self._locators[key] = (now, Locator(fetch, roots))
            self._locators.move_to_end(key)
            while len(self._locators) > self._max:
                self._locators.popitem(last=False)
            return cached[1]


def _as_lookups(wanted: dict[EntityKind, frozenset[str]]) -> dict[EntityKind, frozenset[str]]:
    return {kind: ids for kind, ids in wanted.items() if kind in ("task", "folder")}
