"""Which events one caller may see: its own hooks' events, in areas its policy lets it read.

Three checks, all fail closed:
1. Ownership. One receiver serves every user of a hosted server, so an event is shown only to a caller
   whose Wrike user owns the hook that delivered it: Wrike's own `GET /webhooks` for that caller's token
   says which hooks those are (hooks belong to the token's user and app, [C] wrike-api.md §4.12). The
   answer is cached per caller for `ttl` seconds and updated at once when a hook is created through this
   server; an event whose hook is not (yet) known as the caller's is not shown to it.
2. Area. The event's area (a comment event is `comments`, a timelog event `timelogs`, ...) must be one
   the caller may read: it may call at least one read tool of that area under the server's one decision
   function (`policy.scopes.decide`: read-only, toolsets, scopes, and the agent's grants once issue 5 puts
   them into `Access`).
3. Subtree: for an agent limited to subtrees, only events about items inside them. Where an item lives
   takes Wrike lookups, so this check is async (`CallerView.keep`, placement.py) and runs where events
   are handed out: before `wait_for_events` returns them, before a resource read shows them, and before
   an update notification is sent. The first two checks are sync (`visible`), so the hub applies them
   as events arrive.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wrike_mcp.clock import Clock
from wrike_mcp.webhooks.events import WebhookEvent
from wrike_mcp.webhooks.placement import Inside
from wrike_mcp.wrike.client import WrikeCredentials

Hook = Mapping[str, Any]
HookFetcher = Callable[[WrikeCredentials], Awaitable[Sequence[Hook]]]

_AREA_BY_TYPE = {
    "CommentAdded": "comments", "CommentDeleted": "comments",
    "FolderCommentAdded": "comments", "FolderCommentDeleted": "comments",
    "AttachmentAdded": "attachments", "AttachmentDeleted": "attachments",
    "FolderAttachmentAdded": "attachments", "FolderAttachmentDeleted": "attachments",
    "TimelogChanged": "timelogs",
}  # fmt: skip


def event_area(event: WebhookEvent) -> str | None:
    """The policy area an event belongs to: the kind of thing it reveals. None: no subject (hidden).

    [I] our choice: an event of an unknown type belongs to its subject's area (tasks or folders)."""
    area = _AREA_BY_TYPE.get(event.eventType)
    if area is not None:
        return area
    if event.taskId:
        return "tasks"
    if event.folderId:
        return "folders"
    return None


def principal_of(credentials: WrikeCredentials) -> str:
    """A stable, non-reversible name for whose Wrike token this is (never the token itself)."""
    return hashlib.sha256(f"{credentials.host}\0{credentials.token}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class _Known:
    fetched_at: float | None  # monotonic; None when only remembered, never fetched
    hooks: Mapping[str, Hook]


class HookDirectory:
    """Which hooks each caller owns. Readers (the hub's publisher thread) see immutable snapshots."""

    def __init__(
        self, fetch: HookFetcher, clock: Clock, ttl: float = 30.0, max_principals: int = 1000
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._ttl = ttl
        self._max = max_principals
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._lock = threading.Lock()

    def snapshot(self, principal: str) -> Mapping[str, Hook]:
        with self._lock:
            known = self._known.get(principal)
        return known.hooks if known is not None else {}

    async def refresh(self, principal: str, credentials: WrikeCredentials, force: bool = False) -> None:
        """Ask Wrike for the caller's hooks unless the cached answer is fresh; errors propagate."""
        with self._lock:
            known = self._known.get(principal)
        now = self._clock.monotonic()
        fresh = known is not None and known.fetched_at is not None and now - known.fetched_at < self._ttl
        if fresh and not force:
            return
        hooks = await self._fetch(credentials)
        self._store(principal, _Known(now, {str(h["id"]): h for h in hooks if "id" in h}))

    def remember(self, principal: str, hook: Hook) -> None:
        """A hook this server just created for the caller: known at once, before the next refresh."""
        with self._lock:
            known = self._known.get(principal) or _Known(None, {})
        self._store(principal, _Known(known.fetched_at, {**known.hooks, str(hook["id"]): hook}))

    def _store(self, principal: str, known: _Known) -> None:
        with self._lock:
            self._known[principal] = known
            self._known.move_to_end(principal)
            while len(self._known) > self._max:
                self._known.popitem(last=False)


@dataclass(frozen=True)
class CallerView:
    """One caller's window on the events: `visible(event)` is the hub's visibility hook for it."""

    principal: str
    areas: frozenset[str]  # the areas the caller may read
    directory: HookDirectory
    inside: Inside | None = None  # the subtree filter of a subtree-limited agent; None: no limit

    def hooks(self) -> Mapping[str, Hook]:
        return self.directory.snapshot(self.principal)

    def visible(self, event: WebhookEvent) -> bool:
        """The sync checks: the caller's own hook, an area it may read."""
        if event.webhookId is None or event.webhookId not in self.hooks():
            return False
        return event_area(event) in self.areas

    async def keep(self, events: Sequence[WebhookEvent]) -> list[WebhookEvent]:
        """Of events already `visible`, those inside the caller's subtrees (all of them without a limit)."""
        if self.inside is None or not events:
            return list(events)
        return await self.inside(events)
