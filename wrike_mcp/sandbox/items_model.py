"""Rules shared by tasks and folders: statuses, people, metadata, custom-field values, ordering keys.

Each helper validates like Wrike (400 `invalid_parameter` naming the parameter) and mutates the
stored entity in place, returning what changed so the caller can emit the matching webhook events.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import DATE_RE, invalid_parameter

GROUPS = ("Active", "Completed", "Deferred", "Cancelled")
IMPORTANCE = ("High", "Normal", "Low")
BILLING_TYPES = ("Billable", "NonBillable")
METADATA_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,49}$")
NUMERIC_TYPES = frozenset({"Numeric", "Currency", "Percentage", "Duration", "CalculatedNumeric"})
PRIORITY_BASE = 0x01C9E8008000000000000000
PRIORITY_STEP = 1 << 32
BRIEF_LENGTH = 200  # [I] our choice: Wrike's exact excerpt length is not documented


# --- workflows and statuses --------------------------------------------------------------------


def status_index(ws: Workspace) -> dict[str, tuple[Entity, Entity]]:
    """custom status id -> (workflow, status). Rebuilt per call: workflows change at runtime."""
    return {s["id"]: (wf, s) for wf in ws["workflows"].values() for s in wf.get("customStatuses", ())}


def default_workflow_id(ws: Workspace) -> str:
    for wf in ws["workflows"].values():
        if wf.get("standard"):
            return str(wf["id"])
    return str(next(iter(ws["workflows"])))


def standard_status(ws: Workspace, workflow_id: str | None, group: str) -> str:
    """The standard custom status of `group` in that workflow (the Default Workflow as a fallback)."""
    workflows = ws["workflows"]
    for wf_id in (workflow_id, default_workflow_id(ws)):
        wf = workflows.get(wf_id or "")
        statuses = [s for s in (wf or {}).get("customStatuses", ()) if s["group"] == group]
        if statuses:
            return str(next((s for s in statuses if s.get("standard")), statuses[0])["id"])
    raise invalid_parameter("status")


def resolve_status(
    ws: Workspace, workflow_id: str | None, status: str | None, custom_status: str | None
) -> tuple[str, str]:
    """(status, customStatusId) from Wrike's two ways of saying it: a custom status wins and sets the
    status to its group; a bare status picks the workflow's standard status of that group. [C] §7.4"""
    if custom_status is not None:
        found = status_index(ws).get(custom_status)
        if found is None:
            raise invalid_parameter("customStatus")
        return str(found[1]["group"]), custom_status
    group = status or "Active"
    if group not in GROUPS:
        raise invalid_parameter("status")
    return group, standard_status(ws, workflow_id, group)


def workflow_of_status(ws: Workspace, custom_status_id: str) -> str | None:
    found = status_index(ws).get(custom_status_id)
    return str(found[0]["id"]) if found else None


# --- people and lists --------------------------------------------------------------------------


def contacts(ws: Workspace, ids: Iterable[str] | None, name: str) -> list[str]:
    """Contact ids that must exist (people or groups); an unknown one is a 400 on that parameter."""
    result: list[str] = []
    for contact_id in ids or ():
        if contact_id not in ws["contacts"]:
            raise invalid_parameter(name)
        if contact_id not in result:
            result.append(contact_id)
    return result


def add_items(target: list[str], items: Iterable[str]) -> list[str]:
    """Append the items not yet present; return those added."""
    added = [i for i in dict.fromkeys(items) if i not in target]
    target.extend(added)
    return added


def remove_items(target: list[str], items: Iterable[str]) -> list[str]:
    """Remove the items present; return those removed."""
    gone = [i for i in dict.fromkeys(items) if i in target]
    target[:] = [i for i in target if i not in set(gone)]
    return gone


# --- text --------------------------------------------------------------------------------------

_TAGS = re.compile(r"<[^>]+>")
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li)\s*/?>", re.IGNORECASE)


def brief_description(description: str) -> str:
    """Plain-text excerpt of an HTML description. [C] §4.1"""
    text = html.unescape(_TAGS.sub("", _BREAKS.sub(" ", description)))
    text = " ".join(text.split())
    return text if len(text) <= BRIEF_LENGTH else text[: BRIEF_LENGTH - 3].rstrip() + "..."


def set_description(entity: Entity, description: str) -> None:
    entity["description"] = description
    if "briefDescription" in entity:
        entity["briefDescription"] = brief_description(description)


# --- metadata ----------------------------------------------------------------------------------


def apply_metadata(entity: Entity, entries: list[Any] | None, name: str = "metadata") -> bool:
    """`[{key, value}]`; a null value deletes the key; at most 100 entries per call. [C] §2.7"""
    if entries is None:
        return False
    if len(entries) > 100:
        raise invalid_parameter(name)
    current = {m["key"]: m["value"] for m in entity.get("metadata", [])}
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - {"key", "value"}:
            raise invalid_parameter(name)
        key, value = entry.get("key"), entry.get("value")
        if not isinstance(key, str) or not METADATA_KEY_RE.match(key):
            raise invalid_parameter(name)
        if value is None:
            current.pop(key, None)
        elif isinstance(value, str) and len(value) < 1000:
            current[key] = value
        else:
            raise invalid_parameter(name)
    entity["metadata"] = [{"key": k, "value": v} for k, v in current.items()]
    return True


def metadata_matches(entity: Entity, wanted: dict[str, Any] | None) -> bool:
    """The `metadata={key, value?}` filter: exact key, and exact value when given. [C] §2.7"""
    if wanted is None:
        return True
    key, value = wanted.get("key"), wanted.get("value")
    return any(m["key"] == key and (value is None or m["value"] == value) for m in entity.get("metadata", ()))


def metadata_filter(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) or set(raw) - {"key", "value"}:
        raise invalid_parameter("metadata")
    return raw


# --- custom fields -----------------------------------------------------------------------------


def custom_field_value(field: Entity, value: Any, name: str) -> str:
    """A value as Wrike stores it: always a string, checked against the field's type. [C] §4.11"""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or len(value) > 2000:
        raise invalid_parameter(name)
    kind, settings = field.get("type"), field.get("settings", {})
    if value == "":
        return value
    if kind in NUMERIC_TYPES:
        try:
            float(value)
        except ValueError:
            raise invalid_parameter(name) from None
    elif (
        (kind == "Checkbox" and value not in ("true", "false"))
        or (kind == "Date" and not DATE_RE.match(value))
        or (
            kind == "DropDown"
            and settings.get("allowOtherValues") is False
            and value not in settings.get("values", [])
        )
    ):
        raise invalid_parameter(name)
    return value


def apply_custom_fields(
    ws: Workspace, entity: Entity, entries: list[Any] | None, name: str = "customFields"
) -> list[tuple[str, str | None, str | None]]:
    """`[{id, value}]` onto the entity; a null or empty value removes the field. Returns
    (field id, old value, new value) for each real change. Unknown field ids are a 400. [I] §7.7"""
    if entries is None:
        return []
    if len(entries) > 100:
        raise invalid_parameter(name)
    current = {c["id"]: c["value"] for c in entity.get("customFields", [])}
    changes: list[tuple[str, str | None, str | None]] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise invalid_parameter(name)
        field = ws["customfields"].get(entry["id"])
        if field is None:
            raise invalid_parameter(name)
        raw = entry.get("value")
        new = None if raw is None else custom_field_value(field, raw, name) or None
        old = current.get(field["id"])
        if new is None:
            current.pop(field["id"], None)
        else:
            current[field["id"]] = new
        if old != new:
            changes.append((field["id"], old, new))
    entity["customFields"] = [{"id": k, "value": v} for k, v in current.items()]
    return changes


# --- ordering ----------------------------------------------------------------------------------


def priority_for(serial: int) -> str:
    """A 24-hex-digit ordering key; later serials sort later, with room between them. [I] §7.9"""
    return f"{PRIORITY_BASE + (serial % 10**9) * PRIORITY_STEP:024x}"


def priority_between(ws: Workspace, anchor_id: str, before: bool, name: str) -> str:
    """A key right before or right after the task `anchor_id` (`priorityBefore`/`priorityAfter`)."""
    anchor = ws["tasks"].get(anchor_id)
    if anchor is None:
        raise invalid_parameter(name)
    key = int(anchor["priority"], 16)
    others = [int(t["priority"], 16) for t in ws["tasks"].values() if t["id"] != anchor_id]
    if before:
        lower = max((p for p in others if p < key), default=key - 2 * PRIORITY_STEP)
        return f"{(lower + key) // 2:024x}"
    upper = min((p for p in others if p > key), default=key + 2 * PRIORITY_STEP)
    return f"{(key + upper) // 2:024x}"
