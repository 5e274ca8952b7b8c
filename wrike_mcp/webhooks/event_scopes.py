"""What an agent watches: an MCP resource URI per scope, and the query of `wait_for_events`.

    wrike://events/all                      every event the caller may see
    wrike://events/webhook/{webhookId}      the events one hook delivered
    wrike://events/folder/{folderId}        events about that folder, or delivered by the caller's hooks
                                            on that folder, project or space (a space is a folder, §4.3)
    wrike://events/task/{taskId}            events about that task

[I] our choice: "in a folder" means "delivered by a hook on that folder" (which is how Wrike itself scopes
events, §6.1), not "a task whose parents include it": that would cost a Wrike read per event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wrike_mcp.webhooks.events import WebhookEvent

Kind = Literal["all", "webhook", "folder", "task"]
Hooks = Mapping[str, Mapping[str, Any]]
URI_ROOT = "wrike://events"
TEMPLATES: dict[Kind, str] = {
    "webhook": URI_ROOT + "/webhook/{webhookId}",
    "folder": URI_ROOT + "/folder/{folderId}",
    "task": URI_ROOT + "/task/{taskId}",
}
_ID = re.compile(r"[A-Za-z0-9._:=-]{1,256}")  # Wrike's id rule, [C] wrike-api.md §3.4
_URI = re.compile(re.escape(URI_ROOT) + r"/(?:(all)|(webhook|folder|task)/([^/?#]+))")


def watched_folder(hook: Mapping[str, Any]) -> str | None:
    """The folder, project or space a hook watches; None for an account hook."""
    value = hook.get("folderId") or hook.get("spaceId")
    return str(value) if value else None


def in_folders(event: WebhookEvent, folder_ids: frozenset[str], hooks: Hooks) -> bool:
    """About one of the folders, or delivered by a hook on one of them."""
    if event.folderId in folder_ids:
        return True
    hook = hooks.get(event.webhookId or "")
    return hook is not None and watched_folder(hook) in folder_ids


@dataclass(frozen=True)
class EventScope:
    kind: Kind
    id: str | None = None

    @property
    def uri(self) -> str:
        return f"{URI_ROOT}/all" if self.kind == "all" else f"{URI_ROOT}/{self.kind}/{self.id}"

    @classmethod
    def parse(cls, uri: str) -> EventScope | None:
        """The scope a URI names, or None for anything else (including an id breaking Wrike's rule)."""
        match = _URI.fullmatch(uri)
        if match is None:
            return None
        if match.group(1):
            return cls("all")
        kind, ident = match.group(2), match.group(3)
        if _ID.fullmatch(ident) is None:
            return None
        return cls(kind, ident)  # type: ignore[arg-type]  # the regex allows only the three kinds

    def matches(self, event: WebhookEvent, hooks: Hooks) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "webhook":
            return event.webhookId == self.id
        if self.kind == "task":
            return event.taskId == self.id
        return in_folders(event, frozenset({self.id or ""}), hooks)


@dataclass(frozen=True)
class EventQuery:
    """The `wait_for_events` filter: every given criterion must hold; task and folder ids are alternatives
    (an event about one of the tasks OR in one of the folders)."""

    event_types: frozenset[str] | None = None
    task_ids: frozenset[str] | None = None
    folder_ids: frozenset[str] | None = None

    @classmethod
    def build(
        cls,
        event_types: Iterable[str] | None = None,
        task_ids: Iterable[str] | None = None,
        folder_ids: Iterable[str] | None = None,
    ) -> EventQuery:
        def frozen(values: Iterable[str] | None) -> frozenset[str] | None:
            return frozenset(values) if values else None

        return cls(frozen(event_types), frozen(task_ids), frozen(folder_ids))

    def matches(self, event: WebhookEvent, hooks: Hooks) -> bool:
        if self.event_types is not None and event.eventType not in self.event_types:
            return False
        if self.task_ids is None and self.folder_ids is None:
            return True
        if self.task_ids is not None and event.taskId in self.task_ids:
            return True
        return self.folder_ids is not None and in_folders(event, self.folder_ids, hooks)
