"""Helpers shared by the activity endpoints: comments, timelogs, attachments, contacts, workflows and
custom fields.

They cover what those endpoints have in common on the wire: stripping private keys, Wrike's range
filters (`{"start","end"}` / `{"equal"}`), HTML versus plain text, metadata entries, and the access
check for the task or folder an item hangs on.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from wrike_mcp.sandbox.endpoint import Call
from wrike_mcp.sandbox.items_access import can_access, visibility
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import (
    DATE_RE,
    TIMESTAMP_Z_RE,
    Params,
    access_forbidden,
    invalid_parameter,
    not_allowed,
    split_ids,
)

DAY = 86400.0
METADATA_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,49}$")  # [C] §2.7: key < 50 chars
_TAG_RE = re.compile(r"<[^>]*>")
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)


def public(entity: Entity) -> Entity:
    """The entity as the wire shows it: private bookkeeping (`_...`) removed."""
    return {k: v for k, v in entity.items() if not k.startswith("_")}


def epoch_of(timestamp: str) -> float:
    """Epoch seconds of a Wrike `yyyy-MM-ddTHH:mm:ssZ` timestamp."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def today(ws: Workspace) -> date:
    return date.fromisoformat(ws.now_iso()[:10])


# ---------------------------------------------------------------- range filters


def timestamp_range(params: Params, name: str) -> tuple[float | None, float | None] | None:
    """A `{"start","end"}` filter of `...Z` timestamps as epoch bounds (both inclusive). [C] §2.3"""
    value = params.obj(name)
    if value is None:
        return None
    if not value or set(value) - {"start", "end"}:
        raise invalid_parameter(name)
    bounds: list[float | None] = []
    for key in ("start", "end"):
        raw = value.get(key)
        if raw is not None and (not isinstance(raw, str) or not TIMESTAMP_Z_RE.match(raw)):
            raise invalid_parameter(name)
        bounds.append(epoch_of(raw) if raw is not None else None)
    start, end = bounds
    if start is not None and end is not None and start > end:
        raise invalid_parameter(name)
    return start, end


def _day_of(value: Any, name: str) -> str:
    """A day from `yyyy-MM-dd` or a timestamp (clients send both for trackedDate). [I] §2.3"""
    if not isinstance(value, str) or not DATE_RE.match(value[:10]):
        raise invalid_parameter(name)
    if len(value) > 10 and not re.match(r"^T\d{2}:\d{2}:\d{2}Z?$", value[10:]):
        raise invalid_parameter(name)
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise invalid_parameter(name) from None
    return value[:10]


def day_range(value: Any, name: str, *, both: bool = False) -> tuple[str | None, str | None]:
    """A `{"start","end"}` or `{"equal"}` object of days, as inclusive `yyyy-MM-dd` bounds."""
    if not isinstance(value, dict) or not value:
        raise invalid_parameter(name)
    if "equal" in value:
        if set(value) != {"equal"}:
            raise invalid_parameter(name)
        day = _day_of(value["equal"], name)
        return day, day
    if set(value) - {"start", "end"} or (both and set(value) != {"start", "end"}):
        raise invalid_parameter(name)
    start = _day_of(value["start"], name) if value.get("start") is not None else None
    end = _day_of(value["end"], name) if value.get("end") is not None else None
    if start is not None and end is not None and start > end:
        raise invalid_parameter(name)
    return start, end


def within(value: Any, bounds: tuple[Any, Any] | None) -> bool:
    """Whether `value` lies in inclusive `(start, end)` bounds; `None` bounds are open."""
    if bounds is None:
        return True
    start, end = bounds
    return (start is None or value >= start) and (end is None or value <= end)


def shift_day(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


# ---------------------------------------------------------------- text


def html_from_plain(text: str) -> str:
    """Plain text as Wrike stores it: escaped, newlines as `<br />`. [I] §7.6"""
    return html.escape(text.replace("\r\n", "\n"), quote=False).replace("\n", "<br />")


def plain_from_html(markup: str) -> str:
    """What `plainText=true` returns: tags stripped, entities decoded, `<br />` as newlines. [C] §4.5"""
    return html.unescape(_TAG_RE.sub("", _BR_RE.sub("\n", markup)))


def stored_text(params: Params, name: str, *, required: bool, non_empty: bool) -> str | None:
    """A text parameter as stored (HTML): escaped first when the caller says `plainText=true`."""
    value = params.text(name, required, non_empty=non_empty)
    if value is None:
        return None
    return html_from_plain(value) if params.flag("plainText", False) else value


# ---------------------------------------------------------------- metadata


def metadata_filter(params: Params) -> Callable[[Entity], bool]:
    """`metadata={"key":"k"}` or `{"key":"k","value":"v"}`: exact match. [C] §2.7"""
    wanted = params.obj("metadata")
    if wanted is None:
        return lambda _entity: True
    key, value = wanted.get("key"), wanted.get("value")
    if not isinstance(key, str) or set(wanted) - {"key", "value"}:
        raise invalid_parameter("metadata")

    def matches(entity: Entity) -> bool:
        return any(
            m["key"] == key and ("value" not in wanted or m["value"] == value)
            for m in entity.get("metadata", [])
        )

    return matches


def apply_metadata(entity: Entity, entries: list[Any]) -> None:
    """Set, replace or (with `value: null`) delete metadata entries, at most 100 per update. [C] §2.7"""
    if len(entries) > 100:
        raise invalid_parameter("metadata")
    current = {m["key"]: m["value"] for m in entity.get("metadata", [])}
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - {"key", "value"}:
            raise invalid_parameter("metadata")
        key, value = entry.get("key"), entry.get("value")
        if not isinstance(key, str) or not METADATA_KEY_RE.match(key):
            raise invalid_parameter("metadata")
        if value is None:
            current.pop(key, None)
        elif isinstance(value, str) and len(value) < 1000:
            current[key] = value
        else:
            raise invalid_parameter("metadata")
    entity["metadata"] = [{"key": k, "value": v} for k, v in current.items()]


# ---------------------------------------------------------------- people and access


def is_admin(ws: Workspace, user_id: str) -> bool:
    contact = ws["contacts"].get(user_id) or {}
    return any(p.get("admin") for p in contact.get("profiles", []))


def person(ws: Workspace, contact_id: Any, name: str) -> Entity:
    """A Person contact named by a parameter, or 400 for that parameter."""
    contact = ws["contacts"].get(contact_id) if isinstance(contact_id, str) else None
    if contact is None or contact.get("type") != "Person":
        raise invalid_parameter(name)
    return contact


def check_access(call: Call, entity: Entity) -> None:
    """403 unless the caller can see the task or folder. [C] §3.2 access_forbidden"""
    if not can_access(call.ws, call.user_id, entity):
        raise access_forbidden()


def logical_folder(ws: Workspace, folder_id: str) -> bool:
    return folder_id in (ws.root_id, ws.recycle_bin_id)


def container(call: Call, kind: str, entity_id: str, *, logical_ok: bool = False) -> Entity:
    """The task or folder (or space) an item hangs on: 404 if unknown, 403 if not visible, and
    403 not_allowed for the logical root and recycle bin. [C] NODKZ "logical folder" """
    what = {"tasks": "Task", "folders": "Folder", "spaces": "Space"}[kind]
    entity = call.entity(kind, entity_id, what)
    if kind == "folders" and not logical_ok and logical_folder(call.ws, entity_id):
        raise not_allowed("Operation is not allowed for logical folder")
    check_access(call, entity)
    return entity


def owner_of(ws: Workspace, item: Entity) -> Entity:
    """The task or folder an item (comment, attachment) belongs to."""
    if "taskId" in item:
        return ws["tasks"][item["taskId"]]
    return ws["folders"][item["folderId"]]


def visible(call: Call, items: Iterable[Entity]) -> list[Entity]:
    """Items whose task or folder the caller can see (lists silently skip the rest)."""
    sees = visibility(call.ws, call.user_id)
    tasks, folders = call.ws["tasks"], call.ws["folders"]
    out = []
    for item in items:
        parent_id = item.get("taskId") or item.get("folderId") or ""
        parent = tasks.get(parent_id) or folders.get(parent_id)
        if parent is not None and sees(parent):
            out.append(item)
    return out


def by_ids(call: Call, kind: str, raw_ids: str, what: str) -> list[Entity]:
    """Items named in a comma-separated path, in the order asked: 404 for an unknown one, 403 for one
    the caller cannot see. [C] §2.2 (≤100 ids); mixed-visibility behaviour [I]"""
    items = [call.entity(kind, item_id, what) for item_id in split_ids(raw_ids)]
    for item in items:
        check_access(call, owner_of(call.ws, item))
    return items
