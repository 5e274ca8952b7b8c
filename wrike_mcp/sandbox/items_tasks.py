"""Creating and changing tasks, with Wrike's validation, defaults and webhook events.

Every change is validated in full on a copy before anything is stored, so a 400 never leaves a
half-applied update behind; events are emitted after the change, by comparing before and after.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from wrike_mcp.sandbox.items_access import can_access, require_access
from wrike_mcp.sandbox.items_dates import normalise_dates
from wrike_mcp.sandbox.items_events import emit_custom_field_changes, emit_list_changes
from wrike_mcp.sandbox.items_model import (
    BILLING_TYPES,
    GROUPS,
    IMPORTANCE,
    add_items,
    apply_custom_fields,
    apply_metadata,
    contacts,
    priority_between,
    remove_items,
    resolve_status,
    set_description,
    workflow_of_status,
)
from wrike_mcp.sandbox.items_tree import build_task, drop_subtask, make_subtask
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, WrikeError, invalid_parameter, not_found

EFFORT_MODES = ("None", "FullTime", "Basic", "Flexible")
BULK_PARAMS = frozenset({
    "customFields", "effortAllocation", "setResponsibleAllocation", "convertToCustomItemType", "addParents",
    "removeParents", "addResponsibles", "removeResponsibles", "addResponsiblePlaceholders",
    "removeResponsiblePlaceholders", "customStatus", "fields", "withInvitations", "plainTextCustomFields",
})  # fmt: skip


def target_folder(ws: Workspace, user_id: str, folder_id: str, name: str = "folderId") -> Entity:
    """A folder a task may be put in: it exists (404), is visible (403), and is not in the bin (400)."""
    folder = ws["folders"].get(folder_id)
    if folder is None:
        raise not_found("Folder")
    require_access(ws, user_id, folder)
    if folder["scope"] in ("RbRoot", "RbFolder"):
        raise invalid_parameter(name)
    return folder


def parent_folders(ws: Workspace, user_id: str, ids: Iterable[str] | None, name: str) -> list[str]:
    """Folder ids given as parents: each must be a live, visible folder, else a 400 on `name`."""
    result = []
    for folder_id in ids or ():
        folder = ws["folders"].get(folder_id)
        if (
            folder is None
            or folder["scope"] not in ("WsRoot", "WsFolder")
            or not can_access(ws, user_id, folder)
        ):
            raise invalid_parameter(name)
        result.append(folder_id)
    return result


def other_tasks(ws: Workspace, user_id: str, ids: Iterable[str] | None, name: str) -> list[Entity]:
    found = []
    for task_id in ids or ():
        task = ws["tasks"].get(task_id)
        if task is None or task["scope"] != "WsTask" or not can_access(ws, user_id, task):
            raise invalid_parameter(name)
        found.append(task)
    return found


def create_task(ws: Workspace, user_id: str, folder_id: str, params: Params) -> Entity:
    """`POST /folders/{folderId}/tasks`: validate, store, emit TaskCreated; returns the stored task."""
    folder = target_folder(ws, user_id, folder_id)
    title = params.text("title", required=True, non_empty=True) or ""
    status, custom_status = resolve_status(
        ws, folder.get("workflowId"), params.enum("status", GROUPS), params.text("customStatus")
    )
    dates = normalise_dates(params.obj("dates"), ws.account["workDays"])
    responsibles = contacts(ws, params.strings("responsibles"), "responsibles")
    followers = contacts(ws, params.strings("followers"), "followers")
    follow = params.flag("follow", True)
    parents = [folder_id, *parent_folders(ws, user_id, params.strings("parents"), "parents")]
    supers = other_tasks(ws, user_id, params.strings("superTasks"), "superTasks")
    scratch: Entity = {"metadata": [], "customFields": []}
    apply_metadata(scratch, params.array("metadata"))
    apply_custom_fields(ws, scratch, params.array("customFields"))
    options = _options(ws, params)
    shareds = contacts(ws, params.strings("shareds"), "shareds")
    importance = params.enum("importance", IMPORTANCE) or "Normal"
    task = build_task(
        ws, title=title, parent_ids=list(dict.fromkeys(parents)), author_id=user_id, created=ws.now_iso(),
        status=status, custom_status_id=custom_status, dates=dates,
        description=params.text("description") or "", importance=importance, responsible_ids=responsibles,
        shared_ids=list(dict.fromkeys([user_id, *shareds, *responsibles])),
        follower_ids=list(dict.fromkeys([*([user_id] if follow else []), *followers, *responsibles])),
    )  # fmt: skip
    task.update(scratch, **options)
    for super_task in supers:
        make_subtask(ws, task, super_task)
    ws.emit("TaskCreated", {"taskId": task["id"], "eventAuthorId": user_id})
    return task


def _options(ws: Workspace, params: Params) -> Entity:
    """The less common create/update parameters, validated; only those given are returned."""
    options: Entity = {}
    billing = params.enum("billingType", BILLING_TYPES)
    if billing is not None:
        options["billingType"] = billing
    effort = params.obj("effortAllocation")
    if effort is not None:
        if effort.get("mode") not in EFFORT_MODES:
            raise invalid_parameter("effortAllocation")
        options["effortAllocation"] = effort
    for name, key in (("workScheduleId", "workScheduleId"), ("customItemTypeId", "customItemTypeId"),
                      ("convertToCustomItemType", "customItemTypeId")):  # fmt: skip
        value = params.text(name)
        if value is not None:
            options[key] = value
    placeholders = params.strings("responsiblePlaceholders")
    if placeholders is not None:
        options["responsiblePlaceholderIds"] = placeholders
    for name in ("priorityBefore", "priorityAfter"):
        anchor = params.text(name)
        if anchor is not None:
            options["priority"] = priority_between(ws, anchor, name == "priorityBefore", name)
    return options


def update_tasks(ws: Workspace, user_id: str, tasks: list[Entity], params: Params) -> list[Entity]:
    """`PUT /tasks/{taskIds}`: one task takes every parameter, several take the bulk set. [C] §4.1"""
    if len(tasks) > 1:
        params.reject_unknown(BULK_PARAMS)  # the bulk form takes a smaller parameter set
    plans = [(task, _plan(ws, user_id, task, params)) for task in tasks]
    for task, (changed, supers_add, supers_remove) in plans:
        before = copy.deepcopy(task)
        task.clear()
        task.update(changed)
        for super_task in supers_add:
            make_subtask(ws, task, super_task)
        for super_task in supers_remove:
            drop_subtask(ws, task, super_task)
        if before["scope"] == "RbTask" and task["scope"] == "WsTask":
            restore_subtasks(ws, task)
        if _differs(before, task):
            task["updatedDate"] = ws.now_iso()
        emit_task_changes(ws, user_id, before, task)
    return tasks


def _plan(
    ws: Workspace, user_id: str, task: Entity, params: Params
) -> tuple[Entity, list[Entity], list[Entity]]:
    """The task as it will be after the update, and the super tasks to link and unlink."""
    new = copy.deepcopy(task)
    if params.flag("restore", False) and new["scope"] == "RbTask":
        new["parentIds"], new["scope"] = [ws.root_id], "WsTask"  # [C] restored under Root §7.5
        new.pop("_trashedFrom", None)
    title = params.text("title", non_empty=True)
    if title is not None:
        new["title"] = title
    description = params.text("description")
    if description is not None:
        set_description(new, description)
    importance = params.enum("importance", IMPORTANCE)
    if importance is not None:
        new["importance"] = importance
    if "dates" in params:
        new["dates"] = normalise_dates(params.obj("dates"), ws.account["workDays"])
    _plan_status(ws, new, params)
    _plan_lists(ws, user_id, new, params)
    apply_metadata(new, params.array("metadata"))
    apply_custom_fields(ws, new, params.array("customFields"))
    new.update(_options(ws, params))
    supers_add = other_tasks(ws, user_id, params.strings("addSuperTasks"), "addSuperTasks")
    if any(s["id"] == task["id"] or task["id"] in _super_chain(ws, s) for s in supers_add):
        raise invalid_parameter("addSuperTasks")  # a task cannot become its own subtask
    supers_remove = [ws["tasks"][i] for i in params.strings("removeSuperTasks") or () if i in ws["tasks"]]
    return new, supers_add, supers_remove


def _super_chain(ws: Workspace, task: Entity) -> set[str]:
    chain: set[str] = set()
    stack = list(task["superTaskIds"])
    while stack:
        current = stack.pop()
        if current not in chain and current in ws["tasks"]:
            chain.add(current)
            stack.extend(ws["tasks"][current]["superTaskIds"])
    return chain


def _plan_status(ws: Workspace, new: Entity, params: Params) -> None:
    status, custom = params.enum("status", GROUPS), params.text("customStatus")
    if status is None and custom is None:
        return
    workflow = workflow_of_status(ws, new["customStatusId"])
    new["status"], new["customStatusId"] = resolve_status(ws, workflow, status, custom)
    if new["status"] == "Completed" and "completedDate" not in new:
        new["completedDate"] = ws.now_iso()
    elif new["status"] != "Completed":
        new.pop("completedDate", None)


def _plan_lists(ws: Workspace, user_id: str, new: Entity, params: Params) -> None:
    add_items(new["parentIds"], parent_folders(ws, user_id, params.strings("addParents"), "addParents"))
    removed = params.strings("removeParents") or []
    if ws.recycle_bin_id in removed:
        raise invalid_parameter("removeParents")
    remove_items(new["parentIds"], removed)
    if not new["parentIds"]:
        new["parentIds"] = [ws.root_id]  # [I] our choice: a task always sits somewhere
    for key, add, remove in (
        ("sharedIds", "addShareds", "removeShareds"),
        ("responsibleIds", "addResponsibles", "removeResponsibles"),
        ("followerIds", "addFollowers", None),
    ):
        add_items(new[key], contacts(ws, params.strings(add), add))
        if remove:
            remove_items(new[key], contacts(ws, params.strings(remove), remove))
    placeholders = new.setdefault("responsiblePlaceholderIds", [])
    add_items(placeholders, params.strings("addResponsiblePlaceholders") or [])
    remove_items(placeholders, params.strings("removeResponsiblePlaceholders") or [])
    add_items(new["sharedIds"], new["responsibleIds"])
    follow = params.flag("follow")
    if follow is True:
        add_items(new["followerIds"], [user_id])
    elif follow is False:
        remove_items(new["followerIds"], [user_id])


def _differs(before: Entity, after: Entity) -> bool:
    return any(before.get(k) != after.get(k) for k in set(before) | set(after) if k != "updatedDate")


def emit_task_changes(ws: Workspace, user_id: str, before: Entity, after: Entity) -> None:
    """The webhook events of one task update, per the event contract. [C3] §6.5"""
    base = {"taskId": after["id"], "eventAuthorId": user_id}
    for key, event, field in (("title", "TaskTitleChanged", "title"),
                              ("importance", "TaskImportanceChanged", "importance"),
                              ("dates", "TaskDatesChanged", "dates")):  # fmt: skip
        if before[key] != after[key]:
            ws.emit(event, {**base, "oldValue": before[key], field: after[key]})
    if before["customStatusId"] != after["customStatusId"] or before["status"] != after["status"]:
        ws.emit("TaskStatusChanged", {
            **base, "oldStatus": before["status"], "status": after["status"],
            "oldCustomStatusId": before["customStatusId"], "customStatusId": after["customStatusId"],
        })  # fmt: skip
    lists = (("parentIds", "Parents"), ("responsibleIds", "Responsibles"), ("sharedIds", "Shareds"))
    emit_list_changes(ws, "Task", base, before, after, lists)
    if before["description"] != after["description"]:
        ws.emit("TaskDescriptionChanged", base)
    emit_custom_field_changes(ws, "TaskCustomFieldChanged", base, before, after)


def trash_task(ws: Workspace, user_id: str, task: Entity) -> Entity:
    """`DELETE /tasks/{taskId}`: to the Recycle Bin with its subtasks; emits TaskDeleted. [C] §4.1"""
    if task["scope"] == "RbTask":
        raise WrikeError(400, "invalid_request", "Task is already in the Recycle Bin")  # [I] as for folders
    task["_trashedFrom"] = task["parentIds"]
    task["parentIds"], task["scope"], task["updatedDate"] = [ws.recycle_bin_id], "RbTask", ws.now_iso()
    for sub_id in _sub_chain(ws, task):
        sub = ws["tasks"][sub_id]
        if sub["scope"] == "WsTask":
            sub["scope"], sub["_trashedBy"] = "RbTask", task["id"]
    ws.emit("TaskDeleted", {"taskId": task["id"], "eventAuthorId": user_id})
    return task


def restore_subtasks(ws: Workspace, task: Entity) -> None:
    """Bring back the subtasks that went to the bin with `task`."""
    for sub_id in _sub_chain(ws, task):
        sub = ws["tasks"][sub_id]
        if sub.get("_trashedBy") == task["id"]:
            sub["scope"] = "WsTask"
            del sub["_trashedBy"]


def _sub_chain(ws: Workspace, task: Entity) -> list[str]:
    found: list[str] = []
    stack = list(task["subTaskIds"])
    while stack:
        current = stack.pop()
        if current not in found and current in ws["tasks"]:
            found.append(current)
            stack.extend(ws["tasks"][current]["subTaskIds"])
    return found
