"""The sandbox's in-memory workspace.

Entities are kept as the JSON objects Wrike returns (full models), one dict per kind keyed by id, so
endpoints only project fields on the way out. Keys starting with `_` are the sandbox's own bookkeeping
(the creation epoch, the trashed parents, the attachment bytes) and never reach the wire.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wrike_mcp.clock import Clock, SystemClock, iso_utc

Entity = dict[str, Any]
EventListener = Callable[[str, Entity], None]

# Every collection the sandbox keeps; routes address them by these names.
KINDS = (
    "contacts", "tasks", "folders", "spaces", "comments", "timelogs", "timelog_categories",
    "lock_periods", "timesheets", "attachments", "workflows", "customfields", "webhooks",
    "dependencies", "async_jobs", "groups",
)  # fmt: skip

WS_READ = frozenset({"Default", "wsReadOnly", "wsReadWrite"})
WS_WRITE = frozenset({"Default", "wsReadWrite"})
ALL_SCOPES = (
    "Default", "wsReadOnly", "wsReadWrite", "amReadOnlyWorkflow", "amReadWriteWorkflow",
    "amReadOnlyInvitation", "amReadWriteInvitation", "amReadOnlyGroup", "amReadWriteGroup",
    "amReadOnlyUser", "amReadWriteUser", "amReadOnlyTimelogCategory", "amReadWriteTimelogCategory",
)  # fmt: skip


@dataclass(frozen=True)
class TokenGrant:
    """What one access token may do: whose it is, its scopes, and when it stops working."""

    user_id: str
    scopes: frozenset[str]
    expires_at: float | None = None  # epoch seconds; None for permanent tokens


@dataclass
class Workspace:
    """One Wrike account: its entities, its tokens, and the listeners told about every change."""

    account: Entity
    clock: Clock = field(default_factory=SystemClock)
    seed: int = 0
    collections: dict[str, dict[str, Entity]] = field(default_factory=lambda: {k: {} for k in KINDS})
    tokens: dict[str, TokenGrant] = field(default_factory=dict)
    named_tokens: dict[str, str] = field(default_factory=dict)  # "default", "ws_read_only", ... -> token
    listeners: list[EventListener] = field(default_factory=list)
    _serial: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    @property
    def account_id(self) -> str:
        return str(self.account["id"])

    @property
    def root_id(self) -> str:
        return str(self.account["rootFolderId"])

    @property
    def recycle_bin_id(self) -> str:
        return str(self.account["recycleBinId"])

    def __getitem__(self, kind: str) -> dict[str, Entity]:
        return self.collections[kind]

    def now_iso(self) -> str:
        return iso_utc(self.clock.now())

    def next_serial(self) -> int:
        """A monotonically increasing number: the legacy numeric id behind permalinks. [I] §7.8"""
        self._serial += 1
        return 4_580_000_000 + self._serial

    def permalink(self, serial: int) -> str:
        return f"https://www.wrike.com/open.htm?id={serial}"

    def new_id(self, kind: str) -> str:
        """A fresh id in Wrike's formats for that kind. [C] §3.4, generator [I]"""
        prefix = _ID_PREFIXES[kind]
        while True:
            suffix = "".join(self._rng.choices(_ID_ALPHABET[kind], k=_ID_LENGTH[kind]))
            new = (self.account_id if prefix.startswith("@") else "") + prefix.lstrip("@") + suffix
            if all(new not in c for c in self.collections.values()):
                return new

    def emit(self, event_type: str, entity: Entity) -> None:
        """Tell listeners (webhook delivery) that something changed."""
        for listener in list(self.listeners):
            listener(event_type, entity)


_UPPER = string.ascii_uppercase + string.digits
_B64 = string.ascii_letters + string.digits + "_-"
_ID_PREFIXES = {
    "contacts": "KU", "groups": "KX", "tasks": "MAAAAA", "folders": "MQAAAA", "spaces": "MQAAAA",
    "comments": "@IM", "timelogs": "@JQ", "attachments": "@IY", "customfields": "@JU",
    "workflows": "@K4", "custom_statuses": "@JM", "webhooks": "@JA", "timelog_categories": "@JS",
    "lock_periods": "@JL", "timesheets": "@JT", "dependencies": "MgAAAA", "async_jobs": "@JB",
    "tokens": "",
}  # fmt: skip
_ID_ALPHABET = {k: (_B64 if not v.startswith("@") and k not in ("contacts", "groups") else _UPPER)
                for k, v in _ID_PREFIXES.items()}  # fmt: skip
_ID_LENGTH = {k: (6 if k not in ("tokens",) else 32) for k in _ID_PREFIXES}
