"""Creating, changing, trashing and restoring folders and projects. [C] wrike-api.md §4.3

Like tasks, every update is validated on a copy first; tree links (`parentIds` and the parents'
`childIds`) are only touched once the whole request is known to be valid.
"""

from __future__ import annotations

import copy
from typing import Any

from wrike_mcp.sandbox.items_access import require_access
from wrike_mcp.sandbox.items_dates import pure_date
from wrike_mcp.sandbox.items_events import emit_custom_field_changes, emit_list_changes
from wrike_mcp.sandbox.items_model import (
    BILLING_TYPES,
    add_items,
    apply_custom_fields,
    apply_metadata,
    contacts,
    remove_items,
    resolve_status,
    set_description,
    workflow_of_status,
)
from wrike_mcp.sandbox.items_tasks import parent_folders, target_folder
from wrike_mcp.sandbox.items_tree import build_folder, link, project_object, subtree, unlink
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, WrikeError, invalid_parameter

# Legacy project status -> the status group it stands for. [I] our mapping; §5.2
PROJECT_STATUSES = {
    "Green": "Active", "Yellow": "Active", "Red": "Active", "Completed": "Completed",
    "OnHold": "Deferred", "Cancelled": "Cancelled", "Custom": None,
}  # fmt: skip
_PROJECT_VALUES = ("startDate", "endDate", "contractType", "budget")
BULK_PARAMS = frozenset(
    {
        "customFields",
        "convertToCustomItemType",
        "project",
        "fields",
        "withInvitations",
        "plainTextCustomFields",
    }
)


def create_folder(ws: Workspace, user_id: str, parent_id: str, params: Params) -> Entity:
    """`POST /folders/{folderId}/folders`: a folder, or a project when `project` is given; emits
    FolderCreated and returns the stored folder."""
    parent = target_folder(ws, user_id, parent_id)
    title = params.text("title", required=True, non_empty=True) or ""
    shareds = contacts(ws, params.strings("shareds"), "shareds")
    scratch: Entity = {"metadata": [], "customFields": []}
    apply_metadata(scratch, params.array("metadata"))
    apply_custom_fields(ws, scratch, params.array("customFields"))
    columns = _columns(ws, params.strings("customColumns"))
    raw_project = params.obj("project")
    now = ws.now_iso()
    project = None
    if raw_project is not None:
        project = _new_project(ws, user_id, parent.get("workflowId"), raw_project, now)
    extra = _folder_options(params)
    folder = build_folder(
        ws, title=title, parent_id=parent_id, author_id=user_id, created=now,
        workflow_id=parent.get("workflowId") or "", description=params.text("description") or "",
        shared_ids=list(dict.fromkeys([user_id, *shareds])),
    )  # fmt: skip
    folder.update(scratch, customColumnIds=columns, **extra)
    if project is not None:
        folder["project"] = project
    ws.emit("FolderCreated", {"folderId": folder["id"], "eventAuthorId": user_id})
    return folder


def _folder_options(params: Params) -> Entity:
    options: Entity = {}
    for name, key in (
        ("customItemTypeId", "customItemTypeId"),
        ("convertToCustomItemType", "customItemTypeId"),
    ):
        value = params.text(name)
        if value is not None:
            options[key] = value
    return options


def _columns(ws: Workspace, ids: list[str] | None) -> list[str]:
    for field_id in ids or ():
        if field_id not in ws["customfields"]:
            raise invalid_parameter("customColumns")
    return list(dict.fromkeys(ids or ()))


def _new_project(ws: Workspace, user_id: str, workflow_id: str | None, raw: Entity, now: str) -> Entity:
    if set(raw) - {"ownerIds", "status", "customStatusId", "startDate", "endDate", "contractType", "budget"}:
        raise invalid_parameter("project")
    owners = contacts(ws, _id_list(raw.get("ownerIds"), "project"), "project") or [user_id]
    project = project_object(user_id, owners, now, "", **_project_values(raw))
    _project_status(ws, project, workflow_id, raw, now)
    return project


def _id_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_parameter(name)
    return value


def _project_values(raw: Entity) -> Entity:
    """Dates, contract type and budget of a `project` object, validated (null means "remove")."""
    values: Entity = {}
    for key in ("startDate", "endDate"):
        if raw.get(key) is not None:
            values[key] = pure_date(raw[key], "project")
    if values.get("startDate") and values.get("endDate") and values["endDate"] < values["startDate"]:
        raise invalid_parameter("project")
    if raw.get("contractType") is not None:
        if raw["contractType"] not in BILLING_TYPES:
            raise invalid_parameter("project")
        values["contractType"] = raw["contractType"]
    if raw.get("budget") is not None:
        if isinstance(raw["budget"], bool) or not isinstance(raw["budget"], int | float):
            raise invalid_parameter("project")
        values["budget"] = raw["budget"]
    return values


def _project_status(ws: Workspace, project: Entity, workflow_id: str | None, raw: Entity, now: str) -> None:
    """A legacy `status` and/or a `customStatusId`; with neither, the workflow's standard Active."""
    status, custom = raw.get("status"), raw.get("customStatusId")
    if status is not None and status not in PROJECT_STATUSES:
        raise invalid_parameter("project")
    if custom is not None and not isinstance(custom, str):
        raise invalid_parameter("project")
    if status is None and custom is None and project.get("customStatusId"):
        return
    group = PROJECT_STATUSES.get(status) if status else None
    try:
        group, custom_id = resolve_status(ws, workflow_id, group, custom)
    except WrikeError:
        raise invalid_parameter("project") from None
    project.pop("status", None)
    if status is not None and status != "Custom":
        project["status"] = status
    project["customStatusId"] = custom_id
    if group == "Completed":
        project.setdefault("completedDate", now)
    else:
        project.pop("completedDate", None)
    ordered = project_object(
        project["authorId"], project["ownerIds"], project["createdDate"], custom_id, **project
    )
    project.clear()
    project.update(ordered)


def update_folders(ws: Workspace, user_id: str, folders: list[Entity], params: Params) -> list[Entity]:
    """`PUT /folders/{folderIds}`: one folder takes every parameter, several the bulk set. [C] §4.3"""
    if len(folders) > 1:
        params.reject_unknown(BULK_PARAMS)  # the bulk form takes a smaller parameter set
    plans = [(folder, _plan(ws, user_id, folder, params)) for folder in folders]
    for folder, (new, add, remove) in plans:
        before = copy.deepcopy(folder)
        restored = (
            params.flag("restore", False) and folder["scope"] == "RbFolder" and "_trashedFrom" in folder
        )
        if restored:
            restore_folder(ws, folder)
        for key in ("title", "description", "briefDescription", "sharedIds", "metadata", "customFields",
                    "customColumnIds", "customItemTypeId"):  # fmt: skip
            if key in new:
                folder[key] = new[key]
        _set_project(folder, new.get("project"))
        for parent_id in add:
            link(ws, folder, parent_id)
        for parent_id in remove:
            unlink(ws, folder, parent_id)
        if before != folder:
            folder["updatedDate"] = ws.now_iso()
        emit_folder_changes(ws, user_id, before, folder)
    return folders


def _set_project(folder: Entity, project: Entity | None) -> None:
    if project is None:
        folder.pop("project", None)
    else:
        folder["project"] = project


def _plan(ws: Workspace, user_id: str, folder: Entity, params: Params) -> tuple[Entity, list[str], list[str]]:
    new = copy.deepcopy(folder)
    title = params.text("title", non_empty=True)
    if title is not None:
        new["title"] = title
    description = params.text("description")
    if description is not None:
        set_description(new, description)
    add = parent_folders(ws, user_id, params.strings("addParents"), "addParents")
    remove = params.strings("removeParents") or []
    special = {ws.root_id, ws.recycle_bin_id}
    if special & set(add) or special & set(remove) or (folder["id"] in ws["spaces"] and (add or remove)):
        raise invalid_parameter("addParents" if special & set(add) else "removeParents")
    if any(p in subtree(ws, folder["id"]) for p in add):
        raise invalid_parameter("addParents")  # no cycles
    add_items(new["sharedIds"], contacts(ws, params.strings("addShareds"), "addShareds"))
    remove_items(new["sharedIds"], contacts(ws, params.strings("removeShareds"), "removeShareds"))
    apply_metadata(new, params.array("metadata"))
    apply_custom_fields(ws, new, params.array("customFields"))
    if params.flag("clearCustomColumns", False):
        new["customColumnIds"] = []
    add_items(new.setdefault("customColumnIds", []), _columns(ws, params.strings("customColumns")))
    new.update(_folder_options(params))
    if "project" in params:
        new["project"] = _update_project(ws, user_id, new, params.literal("project"))
    return new, add, remove


def _update_project(ws: Workspace, user_id: str, folder: Entity, raw: Any) -> Entity | None:
    """`project: null` turns a project into a folder; an object on a folder makes it a project."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid_parameter("project")
    current = folder.get("project")
    if current is None:
        creation = {k: v for k, v in raw.items() if k not in ("ownersAdd", "ownersRemove")}
        creation.setdefault("ownerIds", _id_list(raw.get("ownersAdd"), "project") or None)
        return _new_project(ws, user_id, folder.get("workflowId"), creation, ws.now_iso())
    allowed = {"ownersAdd", "ownersRemove", "status", "customStatusId", *_PROJECT_VALUES}
    if set(raw) - allowed:
        raise invalid_parameter("project")
    project: Entity = copy.deepcopy(current)
    add_items(project["ownerIds"], contacts(ws, _id_list(raw.get("ownersAdd"), "project"), "project"))
    remove_items(project["ownerIds"], _id_list(raw.get("ownersRemove"), "project"))
    for key in ("startDate", "endDate", "contractType", "budget"):
        if key in raw and raw[key] is None:
            project.pop(key, None)
    project.update(_project_values({**project, **{k: v for k, v in raw.items() if k in allowed}}))
    workflow = workflow_of_status(ws, project.get("customStatusId", "")) or folder.get("workflowId")
    _project_status(ws, project, workflow, raw, ws.now_iso())
    return project


def emit_folder_changes(ws: Workspace, user_id: str, before: Entity, after: Entity) -> None:
    """Folder webhook events of one update, per the event contract. [C3] §6.5"""
    base = {"folderId": after["id"], "eventAuthorId": user_id}
    if before["title"] != after["title"]:
        ws.emit("FolderTitleChanged", {**base, "oldValue": before["title"], "title": after["title"]})
    emit_list_changes(ws, "Folder", base, before, after, (("parentIds", "Parents"), ("sharedIds", "Shareds")))
    if before["description"] != after["description"]:
        ws.emit("FolderDescriptionChanged", base)
    emit_custom_field_changes(ws, "FolderCustomFieldChanged", base, before, after)
    _emit_project_changes(ws, base, before.get("project") or {}, after.get("project") or {})


def _emit_project_changes(ws: Workspace, base: dict[str, Any], before: Entity, after: Entity) -> None:
    if not before or not after:
        return
    if (before.get("status"), before.get("customStatusId")) != (
        after.get("status"),
        after.get("customStatusId"),
    ):
        ws.emit("ProjectStatusChanged", {
            **base, "oldStatus": before.get("status"), "status": after.get("status"),
            "oldCustomStatusId": before.get("customStatusId"), "customStatusId": after.get("customStatusId"),
        })  # fmt: skip
    added = [o for o in after["ownerIds"] if o not in before["ownerIds"]]
    removed = [o for o in before["ownerIds"] if o not in after["ownerIds"]]
    if added:
        ws.emit("ProjectOwnersAdded", {**base, "addedOwners": added})
    if removed:
        ws.emit("ProjectOwnersRemoved", {**base, "removedOwners": removed})
    dates = ("startDate", "endDate")
    if any(before.get(k) != after.get(k) for k in dates):
        old = {k: before.get(k) for k in dates}
        ws.emit("ProjectDatesChanged", {**base, "oldValue": old, **{k: after.get(k) for k in dates}})


def trash_folder(ws: Workspace, user_id: str, folder: Entity) -> Entity:
    """`DELETE /folders/{folderId}`: the folder and what lies only inside it go to the Recycle Bin;
    tasks that also live elsewhere just lose the trashed parents. Trashing twice is a 400. [C] §4.3"""
    if folder["scope"] != "WsFolder":
        raise WrikeError(400, "invalid_request", "Folder is already in the Recycle Bin")
    inside = subtree(ws, folder["id"])
    inside_set = set(inside)
    folder["_trashedFrom"] = list(folder["parentIds"])
    for parent_id in list(folder["parentIds"]):
        unlink(ws, folder, parent_id)
    link(ws, folder, ws.recycle_bin_id)
    now = ws.now_iso()
    for folder_id in inside:
        item = ws["folders"][folder_id]
        item["scope"], item["updatedDate"] = "RbFolder", now
        if folder_id != folder["id"]:
            item["_trashedBy"] = folder["id"]
    for task in ws["tasks"].values():
        if task["scope"] != "WsTask" or not inside_set.intersection(task["parentIds"]):
            continue
        if inside_set.issuperset(task["parentIds"]):
            task["scope"], task["_trashedBy"] = "RbTask", folder["id"]
        else:
            task["parentIds"] = [p for p in task["parentIds"] if p not in inside_set]
    ws.emit("FolderDeleted", {"folderId": folder["id"], "eventAuthorId": user_id})
    return folder


def restore_folder(ws: Workspace, folder: Entity) -> None:
    """Back under Root (Wrike does not restore the old parents [C] §7.5), with what went along."""
    unlink(ws, folder, ws.recycle_bin_id)
    link(ws, folder, ws.root_id)
    folder.pop("_trashedFrom", None)
    folder["scope"] = "WsFolder"
    for collection, scope in (("folders", "WsFolder"), ("tasks", "WsTask")):
        for item in ws[collection].values():
            if item.get("_trashedBy") == folder["id"]:
                item["scope"] = scope
                del item["_trashedBy"]


def require_folder(ws: Workspace, user_id: str, folder_id: str) -> Entity:
    """A real folder or project the caller can see: 404 if unknown, 403 for Root, the bin, or hidden."""
    folder = ws["folders"].get(folder_id)
    if folder is None:
        raise WrikeError(404, "resource_not_found", "Folder not found")
    if folder["scope"] in ("WsRoot", "RbRoot"):
        raise WrikeError(403, "not_allowed", "Operation is not allowed for logical folder")
    return require_access(ws, user_id, folder)
