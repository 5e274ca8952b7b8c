"""Builders for comments, timelogs and attachments, and the timelog lock periods.

The endpoints and the seeder both create records through these, so seeded data has exactly the shape
the API produces.
"""

from __future__ import annotations

import struct

from wrike_mcp.clock import iso_utc
from wrike_mcp.sandbox.activity_common import shift_day
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.store import Entity, Workspace


def new_comment(ws: Workspace, author_id: str, parent: dict[str, str], text: str, created: float) -> Entity:
    """A comment on a task (`{"taskId": ...}`) or a folder (`{"folderId": ...}`). [C] §4.5 model"""
    stamp = iso_utc(created)
    comment: Entity = {"id": ws.new_id("comments"), "authorId": author_id, "text": text,
                       "updatedDate": stamp, "createdDate": stamp, **parent, "attachmentIds": [],
                       "_type": "Regular", "_created": created}  # fmt: skip
    ws["comments"][comment["id"]] = comment
    return comment


def new_timelog(
    ws: Workspace, *, user_id: str, task_id: str, hours: float, tracked: str, comment: str,
    category_id: str | None, created: float, billing: str = "NonBillable",
) -> Entity:  # fmt: skip
    """A timelog in the recorded key order; opt-in fields live in private keys. [C] §4.6 NANGO"""
    stamp = iso_utc(created)
    log: Entity = {"id": ws.new_id("timelogs"), "taskId": task_id, "userId": user_id}
    if category_id is not None:
        log["categoryId"] = category_id
    log.update(hours=hours, createdDate=stamp, updatedDate=stamp, trackedDate=tracked, comment=comment)
    log.update(_created=created, _billingType=billing, _approvalStatus="Draft", _exportStatus="NotExported")
    ws["timelogs"][log["id"]] = log
    return log


def set_category(log: Entity, category_id: str | None) -> None:
    """Set or clear a timelog's category, keeping the model's key order (categoryId before hours)."""
    log.pop("categoryId", None)
    rest = {k: log.pop(k) for k in list(log) if k not in ("id", "taskId", "userId")}
    if category_id is not None:
        log["categoryId"] = category_id
    log.update(rest)


def new_attachment(
    ws: Workspace, *, author_id: str, parent: dict[str, str], name: str, content: bytes, content_type: str,
    created: float,
) -> Entity:  # fmt: skip
    """An uploaded (`type: Wrike`) attachment; the bytes stay in the private `_content`. [C] §4.8"""
    attachment: Entity = {
        "id": ws.new_id("attachments"), "authorId": author_id, "name": name, "createdDate": iso_utc(created),
        "version": 1, "type": "Wrike", "contentType": content_type, "size": len(content), **parent,
    }  # fmt: skip
    size = png_size(content)
    if size is not None:
        attachment["width"], attachment["height"] = size
    attachment.update(_content=content, _created=created)
    ws["attachments"][attachment["id"]] = attachment
    sync_attachment_flags(ws, parent_entity(ws, attachment))
    return attachment


def parent_entity(ws: Workspace, item: Entity) -> Entity:
    """The task or folder an item hangs on."""
    if "taskId" in item:
        return ws["tasks"][item["taskId"]]
    return ws["folders"][item["folderId"]]


def sync_attachment_flags(ws: Workspace, parent: Entity) -> None:
    """Keep the task's/folder's `hasAttachments` (and `attachmentCount` where kept) true to the store."""
    key = "taskId" if parent["id"] in ws["tasks"] else "folderId"
    count = sum(1 for a in ws["attachments"].values() if a.get(key) == parent["id"])
    parent["hasAttachments"] = count > 0
    if "attachmentCount" in parent:
        parent["attachmentCount"] = count


def png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG (its IHDR chunk), for the image fields of the model. [C] §4.8"""
    if len(content) >= 24 and content[:8] == b"\x89PNG\r\n\x1a\n" and content[12:16] == b"IHDR":
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return None


# ---------------------------------------------------------------- lock periods
# A lock period is kept as {"id", "start", "end", "source": {"id", "type"}} with inclusive yyyy-MM-dd
# bounds; the id is ours (Wrike's response items carry only start, end, source). [C] REF, source [I]


def render_lock(period: Entity) -> Entity:
    return {"start": period["start"], "end": period["end"], "source": dict(period["source"])}


def locks_over(ws: Workspace, place_ids: set[str]) -> list[Entity]:
    """Lock periods owned by any of these folders/spaces, by start day."""
    found = [p for p in ws["lock_periods"].values() if p["source"]["id"] in place_ids]
    return sorted(found, key=lambda p: (p["start"], p["source"]["id"]))


def places_of(ws: Workspace, entity: Entity) -> set[str]:
    """The entity and every folder/space above it: where a lock on it can come from."""
    return ancestors(ws, entity) | {entity["id"]}


def is_locked(ws: Workspace, task: Entity, day: str, cache: dict[str, set[str]] | None = None) -> bool:
    """Whether `day` lies inside a lock period of the task's folder/space ancestry."""
    if not ws["lock_periods"]:
        return False
    if cache is None or task["id"] not in cache:
        places = places_of(ws, task)
        if cache is not None:
            cache[task["id"]] = places
    else:
        places = cache[task["id"]]
    return any(p["start"] <= day <= p["end"] for p in locks_over(ws, places))


def add_lock(ws: Workspace, source: dict[str, str], start: str, end: str) -> None:
    """Lock `[start, end]` on a folder/space, merging with its overlapping or touching periods."""
    for period in list(locks_over(ws, {source["id"]})):
        if period["start"] <= shift_day(end, 1) and start <= shift_day(period["end"], 1):
            start, end = min(start, period["start"]), max(end, period["end"])
            del ws["lock_periods"][period["id"]]
    period_id = ws.new_id("lock_periods")
    ws["lock_periods"][period_id] = {"id": period_id, "start": start, "end": end, "source": dict(source)}


def remove_lock(ws: Workspace, source_id: str, start: str, end: str) -> None:
    """Unlock `[start, end]` on a folder/space: periods are cut, split or dropped."""
    for period in list(locks_over(ws, {source_id})):
        if period["end"] < start or period["start"] > end:
            continue
        del ws["lock_periods"][period["id"]]
        pieces: list[tuple[str, str]] = []
        if period["start"] < start:
            pieces.append((period["start"], shift_day(start, -1)))
        if period["end"] > end:
            pieces.append((shift_day(end, 1), period["end"]))
        for first, last in pieces:
            piece_id = ws.new_id("lock_periods")
            ws["lock_periods"][piece_id] = {
                "id": piece_id,
                "start": first,
                "end": last,
                "source": period["source"],
            }


def overlapping(periods: list[Entity], bounds: tuple[str | None, str | None]) -> list[Entity]:
    start, end = bounds
    return [p for p in periods if (end is None or p["start"] <= end) and (start is None or p["end"] >= start)]
