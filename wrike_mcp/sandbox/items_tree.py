"""Building tasks and folders and keeping the tree consistent.

The seeder and the endpoints both build entities here, so a seeded task and a created one have the
same shape. Folders' `childIds` list child folders only (never tasks) and are kept in step with every
`parentIds` change. [C] wrike-api.md §7.2
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.items_model import brief_description, priority_for
from wrike_mcp.sandbox.store import Entity, Workspace


def build_task(
    ws: Workspace,
    *,
    title: str,
    parent_ids: list[str],
    author_id: str,
    created: str,
    status: str,
    custom_status_id: str,
    dates: dict[str, Any],
    description: str = "",
    importance: str = "Normal",
    responsible_ids: list[str] | None = None,
    shared_ids: list[str] | None = None,
    follower_ids: list[str] | None = None,
) -> Entity:
    """A task in Wrike's full model (§5.1 key order) with the defaults Wrike applies on creation:
    shared with and followed by its author. [C] §4.1 "Observations" """
    serial = ws.next_serial()
    task: Entity = {
        "id": ws.new_id("tasks"), "accountId": ws.account_id, "title": title,
        "description": description, "briefDescription": brief_description(description),
        "parentIds": parent_ids, "superParentIds": [],
        "sharedIds": shared_ids if shared_ids is not None else [author_id],
        "responsibleIds": responsible_ids or [], "status": status, "importance": importance,
        "createdDate": created, "updatedDate": created, "dates": dates, "scope": "WsTask",
        "authorIds": [author_id], "customStatusId": custom_status_id, "hasAttachments": False,
        "permalink": ws.permalink(serial), "priority": priority_for(serial),
        "followerIds": follower_ids if follower_ids is not None else [author_id],
        "superTaskIds": [], "subTaskIds": [], "dependencyIds": [], "metadata": [], "customFields": [],
        "billingType": "NonBillable", "recurrent": False,
    }  # fmt: skip
    if status == "Completed":
        task["completedDate"] = created
    ws["tasks"][task["id"]] = task
    return task


def build_folder(
    ws: Workspace,
    *,
    title: str,
    parent_id: str,
    author_id: str,
    created: str,
    workflow_id: str,
    description: str = "",
    shared_ids: list[str] | None = None,
    folder_id: str | None = None,
) -> Entity:
    """A folder in Wrike's full model (§5.2), linked under its parent."""
    folder: Entity = {
        "id": folder_id or ws.new_id("folders"), "accountId": ws.account_id, "title": title,
        "createdDate": created, "updatedDate": created, "briefDescription": brief_description(description),
        "description": description, "sharedIds": shared_ids if shared_ids is not None else [author_id],
        "parentIds": [], "childIds": [], "superParentIds": [], "scope": "WsFolder", "hasAttachments": False,
        "permalink": ws.permalink(ws.next_serial()), "workflowId": workflow_id, "metadata": [],
        "customFields": [], "customColumnIds": [],
    }  # fmt: skip
    ws["folders"][folder["id"]] = folder
    link(ws, folder, parent_id)
    return folder


def project_object(
    author_id: str, owner_ids: list[str], created: str, custom_status_id: str, **extra: Any
) -> Entity:
    """The `project` object of a project folder; `status` only when a legacy status is set. [I] §4.3"""
    project: Entity = {"authorId": author_id, "ownerIds": owner_ids}
    if extra.get("status") is not None:
        project["status"] = extra["status"]
    project["customStatusId"] = custom_status_id
    for key in ("startDate", "endDate"):
        if extra.get(key) is not None:
            project[key] = extra[key]
    project["createdDate"] = created
    for key in ("completedDate", "contractType", "budget"):
        if extra.get(key) is not None:
            project[key] = extra[key]
    return project


def link(ws: Workspace, folder: Entity, parent_id: str) -> bool:
    """Put a folder under `parent_id` (both sides of the relation). False if it already was."""
    if parent_id in folder["parentIds"]:
        return False
    folder["parentIds"].append(parent_id)
    parent = ws["folders"].get(parent_id)
    if parent is not None and folder["id"] not in parent["childIds"]:
        parent["childIds"].append(folder["id"])
    return True


def unlink(ws: Workspace, folder: Entity, parent_id: str) -> bool:
    """Take a folder out of `parent_id` (both sides). False if it was not there."""
    if parent_id not in folder["parentIds"]:
        return False
    folder["parentIds"].remove(parent_id)
    parent = ws["folders"].get(parent_id)
    if parent is not None and folder["id"] in parent["childIds"]:
        parent["childIds"].remove(folder["id"])
    return True


def subtree(ws: Workspace, folder_id: str, *, include_self: bool = True) -> list[str]:
    """The folder and every folder below it, depth-first in child order, each once."""
    folders = ws["folders"]
    order: list[str] = []
    seen: set[str] = set()
    stack = [folder_id]
    while stack:
        current = stack.pop()
        if current in seen or current not in folders:
            continue
        seen.add(current)
        order.append(current)
        stack.extend(reversed(folders[current]["childIds"]))
    return order if include_self else order[1:]


def make_subtask(ws: Workspace, task: Entity, super_task: Entity) -> bool:
    """Link `task` under `super_task` (both sides); its superParentIds inherit the super task's folders."""
    if super_task["id"] in task["superTaskIds"] or super_task["id"] == task["id"]:
        return False
    task["superTaskIds"].append(super_task["id"])
    if task["id"] not in super_task["subTaskIds"]:
        super_task["subTaskIds"].append(task["id"])
    for folder_id in [*super_task["parentIds"], *super_task["superParentIds"]]:
        if folder_id not in task["superParentIds"] and folder_id != ws.root_id:
            task["superParentIds"].append(folder_id)
    return True


def drop_subtask(ws: Workspace, task: Entity, super_task: Entity) -> bool:
    if super_task["id"] not in task["superTaskIds"]:
        return False
    task["superTaskIds"].remove(super_task["id"])
    if task["id"] in super_task["subTaskIds"]:
        super_task["subTaskIds"].remove(task["id"])
    keep = {f for t in task["superTaskIds"] for f in _folders_of(ws, t)}
    task["superParentIds"] = [f for f in task["superParentIds"] if f in keep]
    return True


def _folders_of(ws: Workspace, task_id: str) -> list[str]:
    found = ws["tasks"].get(task_id)
    return [*found["parentIds"], *found["superParentIds"]] if found else []


# Access roles are not modelled; these ids only fill the documented fields. [I] our choice
FULL_ROLE, EDITOR_ROLE, GUEST_ROLE = "ND777774", "ND777775", "ND777777"
SPACE_ICON = "https://www.wrike.com/static/spaceicons2/v3/{n}/{n}-planet.png"


def build_space(
    ws: Workspace,
    *,
    title: str,
    access_type: str,
    author_id: str,
    created: str,
    members: list[Entity],
    workflow_id: str,
    description: str = "",
) -> Entity:
    """A space and the folder that stands for it directly under Root (same id). [C] §4.3, §4.4"""
    space_id = ws.new_id("spaces")
    space: Entity = {
        "id": space_id, "title": title, "avatarUrl": SPACE_ICON.format(n=len(ws["spaces"]) % 9 + 1),
        "accessType": access_type, "archived": False, "description": description,
        "guestRoleId": ws.account_id + GUEST_ROLE if access_type == "Public" else None,
        "defaultProjectWorkflowId": workflow_id, "defaultTaskWorkflowId": workflow_id,
        "suggestedProjectWorkflowIds": [workflow_id], "suggestedTaskWorkflowIds": [workflow_id],
        "members": members, "workScheduleId": ws.account_id + "WS000001",
    }  # fmt: skip
    ws["spaces"][space_id] = space
    build_folder(
        ws, title=title, parent_id=ws.root_id, author_id=author_id, created=created,
        workflow_id=workflow_id, description=description, shared_ids=[m["id"] for m in members],
        folder_id=space_id,
    )  # fmt: skip
    return space


def member(ws: Workspace, contact_id: str, manager: bool = False) -> Entity:
    role = FULL_ROLE if manager else EDITOR_ROLE
    return {"id": contact_id, "accessRoleId": ws.account_id + role, "isManager": manager}
