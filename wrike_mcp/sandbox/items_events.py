"""Webhook events shared by task and folder updates: list fields that gained or lost ids, and custom
field values that changed. [C3] wrike-api.md §6.5 (`addedParents`, `removedShareds`, `customFieldId`...)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wrike_mcp.sandbox.store import Entity, Workspace


def emit_list_changes(
    ws: Workspace,
    prefix: str,
    base: dict[str, Any],
    before: Entity,
    after: Entity,
    fields: Iterable[tuple[str, str]],
) -> None:
    """`{prefix}{Noun}Added` / `Removed` for each (list key, noun) whose ids changed."""
    for key, noun in fields:
        added = [i for i in after[key] if i not in before[key]]
        removed = [i for i in before[key] if i not in after[key]]
        if added:
            ws.emit(f"{prefix}{noun}Added", {**base, f"added{noun}": added})
        if removed:
            ws.emit(f"{prefix}{noun}Removed", {**base, f"removed{noun}": removed})


def emit_custom_field_changes(
    ws: Workspace, event: str, base: dict[str, Any], before: Entity, after: Entity
) -> None:
    """One `event` per custom field whose value changed, appeared or was cleared."""
    old = {c["id"]: c["value"] for c in before["customFields"]}
    new = {c["id"]: c["value"] for c in after["customFields"]}
    for field_id in dict.fromkeys([*old, *new]):
        if old.get(field_id) != new.get(field_id):
            ws.emit(event, {
                **base, "customFieldId": field_id, "oldValue": old.get(field_id), "value": new.get(field_id),
            })  # fmt: skip
