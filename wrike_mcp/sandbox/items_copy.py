"""`POST /copy_folder/{folderId}`: copy a folder's subtree and its tasks, honouring the copy flags.
[C] wrike-api.md §4.3
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from wrike_mcp.sandbox.items_dates import normalise_dates, pure_date
from wrike_mcp.sandbox.items_folders import require_folder
from wrike_mcp.sandbox.items_model import add_items, contacts, remove_items, standard_status
from wrike_mcp.sandbox.items_tasks import target_folder
from wrike_mcp.sandbox.items_tree import build_folder, build_task, make_subtask, subtree
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, invalid_parameter

COPY_PARAMS = (
    "parent", "title", "titlePrefix", "copyDescriptions", "copyResponsibles", "addResponsibles",
    "removeResponsibles", "copyCustomFields", "copyCustomStatuses", "copyStatuses", "copyParents",
    "rescheduleDate", "rescheduleMode", "entryLimit", "plainTextCustomFields",
)  # fmt: skip


@dataclass
class CopyOptions:
    """The copy flags, with Wrike's defaults."""

    title: str
    prefix: str
    descriptions: bool
    responsibles: bool
    add_responsibles: list[str]
    remove_responsibles: list[str]
    custom_fields: bool
    custom_statuses: bool
    statuses: bool
    parents: bool
    reschedule: str | None
    mode: str
    limit: int

    @classmethod
    def read(cls, ws: Workspace, params: Params) -> CopyOptions:
        reschedule = params.text("rescheduleDate")
        return cls(
            title=params.text("title", required=True, non_empty=True) or "",
            prefix=params.text("titlePrefix") or "",
            descriptions=params.flag("copyDescriptions", True) is True,
            responsibles=params.flag("copyResponsibles", True) is True,
            add_responsibles=contacts(ws, params.strings("addResponsibles"), "addResponsibles"),
            remove_responsibles=contacts(ws, params.strings("removeResponsibles"), "removeResponsibles"),
            custom_fields=params.flag("copyCustomFields", True) is True,
            custom_statuses=params.flag("copyCustomStatuses", True) is True,
            statuses=params.flag("copyStatuses", True) is True,
            parents=params.flag("copyParents", False) is True,
            reschedule=None if reschedule is None else pure_date(reschedule, "rescheduleDate"),
            mode=params.enum("rescheduleMode", ("Start", "End")) or "Start",
            limit=params.integer("entryLimit", lo=1, hi=250) or 250,
        )


def copy_folder(ws: Workspace, user_id: str, folder_id: str, params: Params) -> Entity:
    """Copy the subtree under `parent`; the copy's top folder gets `title`. Fails (400 on
    `entryLimit`) when the subtree holds more folders and tasks than the limit. [C] §4.3"""
    source = require_folder(ws, user_id, folder_id)
    parent_id = params.text("parent", required=True) or ""
    target_folder(ws, user_id, parent_id, "parent")
    options = CopyOptions.read(ws, params)
    folder_ids = [f for f in subtree(ws, source["id"]) if ws["folders"][f]["scope"] == "WsFolder"]
    tasks = _tasks_under(ws, set(folder_ids))
    if len(folder_ids) + len(tasks) > options.limit:
        raise invalid_parameter("entryLimit")
    if parent_id in folder_ids:
        raise invalid_parameter("parent")  # a folder cannot be copied into itself
    mapping = _copy_folders(ws, user_id, folder_ids, parent_id, options)
    _copy_tasks(ws, user_id, tasks, mapping, options)
    return ws["folders"][mapping[source["id"]]]


def _tasks_under(ws: Workspace, folder_ids: set[str]) -> list[Entity]:
    """Live tasks placed in these folders, and their subtasks (which may sit elsewhere)."""
    found: dict[str, Entity] = {}
    stack = [
        t for t in ws["tasks"].values() if t["scope"] == "WsTask" and folder_ids.intersection(t["parentIds"])
    ]
    while stack:
        task = stack.pop(0)
        if task["id"] not in found and task["scope"] == "WsTask":
            found[task["id"]] = task
            stack.extend(ws["tasks"][s] for s in task["subTaskIds"] if s in ws["tasks"])
    return list(found.values())


def _copy_folders(
    ws: Workspace, user_id: str, folder_ids: list[str], parent_id: str, options: CopyOptions
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    now = ws.now_iso()
    for index, old_id in enumerate(folder_ids):
        old = ws["folders"][old_id]
        new_parent = parent_id if index == 0 else next(mapping[p] for p in old["parentIds"] if p in mapping)
        folder = build_folder(
            ws, title=options.title if index == 0 else old["title"], parent_id=new_parent, author_id=user_id,
            created=now, workflow_id=old["workflowId"], description=old["description"],
            shared_ids=list(old["sharedIds"]),
        )  # fmt: skip
        if options.custom_fields:
            folder["customFields"] = copy.deepcopy(old["customFields"])
        folder["customColumnIds"] = list(old.get("customColumnIds", []))
        if "project" in old:
            project = {**copy.deepcopy(old["project"]), "authorId": user_id, "createdDate": now}
            project.pop("completedDate", None)
            folder["project"] = project
        mapping[old_id] = folder["id"]
        ws.emit("FolderCreated", {"folderId": folder["id"], "eventAuthorId": user_id})
    return mapping


def _copy_tasks(
    ws: Workspace, user_id: str, tasks: list[Entity], mapping: dict[str, str], options: CopyOptions
) -> None:
    shift = _reschedule_shift(tasks, options)
    copies: dict[str, Entity] = {}
    for old in tasks:
        parents = [mapping[p] for p in old["parentIds"] if p in mapping]
        if options.parents:
            add_items(parents, [p for p in old["parentIds"] if p not in mapping])
        status, custom = _status_of(ws, old, mapping, options)
        responsibles = list(old["responsibleIds"]) if options.responsibles else []
        add_items(responsibles, options.add_responsibles)
        remove_items(responsibles, options.remove_responsibles)
        task = build_task(
            ws, title=options.prefix + old["title"], parent_ids=parents or [ws.root_id], author_id=user_id,
            created=ws.now_iso(), status=status, custom_status_id=custom,
            dates=_shifted(ws, old["dates"], shift if status == "Active" else 0),
            description=old["description"] if options.descriptions else "", importance=old["importance"],
            responsible_ids=responsibles, shared_ids=list(dict.fromkeys([user_id, *responsibles])),
        )  # fmt: skip
        if options.custom_fields:
            task["customFields"] = copy.deepcopy(old["customFields"])
        copies[old["id"]] = task
    for old in tasks:
        for super_id in old["superTaskIds"]:
            if super_id in copies:
                make_subtask(ws, copies[old["id"]], copies[super_id])
    for task in copies.values():
        ws.emit("TaskCreated", {"taskId": task["id"], "eventAuthorId": user_id})


def _status_of(ws: Workspace, old: Entity, mapping: dict[str, str], options: CopyOptions) -> tuple[str, str]:
    """Keep the custom status, or only its group (the target workflow's standard one), or reset to Active."""
    group = old["status"] if options.statuses else "Active"
    if options.statuses and options.custom_statuses:
        return group, old["customStatusId"]
    folder = ws["folders"].get(next((mapping[p] for p in old["parentIds"] if p in mapping), ws.root_id))
    return group, standard_status(ws, (folder or {}).get("workflowId"), group)


def _reschedule_shift(tasks: list[Entity], options: CopyOptions) -> int:
    """Days to move active tasks so the earliest start (or latest due) lands on `rescheduleDate`."""
    if options.reschedule is None:
        return 0
    key = "start" if options.mode == "Start" else "due"
    anchors = [t["dates"].get(key) or t["dates"].get("due") for t in tasks if t["status"] == "Active"]
    anchors = [a for a in anchors if a]
    if not anchors:
        return 0
    anchor = min(anchors) if options.mode == "Start" else max(anchors)
    return (date.fromisoformat(options.reschedule) - date.fromisoformat(anchor[:10])).days


def _shifted(ws: Workspace, dates: Entity, days: int) -> dict[str, Any]:
    if not days or dates["type"] == "Backlog":
        return copy.deepcopy(dates)
    moved = {k: _move(v, days) if k in ("start", "due") else v for k, v in dates.items()}
    if moved["type"] == "Planned":
        moved.pop("due")
    return normalise_dates(moved, ws.account["workDays"])


def _move(stamp: str, days: int) -> str:
    return (date.fromisoformat(stamp[:10]) + timedelta(days=days)).isoformat() + stamp[10:]
