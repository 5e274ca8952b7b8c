"""Tasks: list (account, folder, space), get by ids, create, update (single and bulk), delete.
[C] wrike-api.md §4.1

`create_task` is public: the batch endpoint and folder copy create tasks through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_access import require_access, visibility
from wrike_mcp.sandbox.items_filters import sort_tasks, task_filters
from wrike_mcp.sandbox.items_projection import (
    TASK_FULL,
    TASK_GET_FIELDS,
    TASK_LIST,
    TASK_LIST_FIELDS,
    TASK_WRITE_FIELDS,
    View,
)
from wrike_mcp.sandbox.items_tasks import BULK_PARAMS, create_task, trash_task, update_tasks
from wrike_mcp.sandbox.items_tree import subtree
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity, Workspace
from wrike_mcp.sandbox.wire import envelope, invalid_parameter, not_found, paginate, split_ids

__all__ = ["create_task", "router"]

router = Router()

LIST_PARAMS = (
    "title",
    "status",
    "importance",
    "startDate",
    "dueDate",
    "scheduledDate",
    "createdDate",
    "updatedDate",
    "completedDate",
    "authors",
    "responsibles",
    "responsiblePlaceholders",
    "permalink",
    "type",
    "limit",
    "sortField",
    "sortOrder",
    "subTasks",
    "pageSize",
    "nextPageToken",
    "metadata",
    "customField",
    "customFields",
    "customStatuses",
    "withInvitations",
    "billingTypes",
    "plainTextCustomFields",
    "customItemTypes",
    "fields",
)
CREATE_PARAMS = (
    "title",
    "description",
    "status",
    "importance",
    "dates",
    "shareds",
    "parents",
    "responsibles",
    "responsiblePlaceholders",
    "followers",
    "follow",
    "priorityBefore",
    "priorityAfter",
    "superTasks",
    "metadata",
    "customFields",
    "customStatus",
    "effortAllocation",
    "billingType",
    "withInvitations",
    "plainTextCustomFields",
    "customItemTypeId",
    "workScheduleId",
    "fields",
)
UPDATE_PARAMS = (
    "title",
    "description",
    "status",
    "importance",
    "dates",
    "addParents",
    "removeParents",
    "addShareds",
    "removeShareds",
    "addResponsibles",
    "removeResponsibles",
    "addResponsiblePlaceholders",
    "removeResponsiblePlaceholders",
    "addFollowers",
    "follow",
    "priorityBefore",
    "priorityAfter",
    "addSuperTasks",
    "removeSuperTasks",
    "metadata",
    "customFields",
    "customStatus",
    "restore",
    "effortAllocation",
    "setResponsibleAllocation",
    "billingType",
    "withInvitations",
    "plainTextCustomFields",
    "convertToCustomItemType",
    "workScheduleId",
    "fields",
    *sorted(BULK_PARAMS),
)


@router.route("GET", "/tasks", scopes=WS_READ, params=LIST_PARAMS)
async def list_account_tasks(call: Call) -> dict[str, Any]:
    return list_tasks(call, lambda t: t["scope"] == "WsTask")


@router.route("GET", "/folders/{folderId}/tasks", scopes=WS_READ, params=(*LIST_PARAMS, "descendants"))
async def list_folder_tasks(call: Call) -> dict[str, Any]:
    folder = require_access(call.ws, call.user_id, call.entity("folders", call.path["folderId"], "Folder"))
    deep = bool(call.params.flag("descendants", False))
    if folder["id"] == call.ws.recycle_bin_id:
        # [I] our choice: the bin's own listing shows what was trashed (directly, or everything).
        return list_tasks(call, lambda t: t["scope"] == "RbTask" and (deep or folder["id"] in t["parentIds"]))
    return list_tasks(call, _inside(call.ws, subtree(call.ws, folder["id"]) if deep else [folder["id"]]))


@router.route("GET", "/spaces/{spaceId}/tasks", scopes=WS_READ, params=(*LIST_PARAMS, "descendants"))
async def list_space_tasks(call: Call) -> dict[str, Any]:
    space_id = call.path["spaceId"]
    if space_id not in call.ws["spaces"]:
        raise not_found("Space")
    require_access(call.ws, call.user_id, call.ws["folders"][space_id])
    # [I] our choice: tasks rarely sit on a space itself, so the space variant includes descendants.
    deep = bool(call.params.flag("descendants", True))
    return list_tasks(call, _inside(call.ws, subtree(call.ws, space_id) if deep else [space_id]))


def _inside(ws: Workspace, folder_ids: list[str]) -> Callable[[Entity], bool]:
    """Live tasks placed in one of these folders, or (for subtasks) under a super task that is."""
    places = frozenset(folder_ids)
    tasks = ws["tasks"]
    memo: dict[str, bool] = {}

    def inside(task: Entity) -> bool:
        key = task["id"]
        if key not in memo:
            memo[key] = False  # breaks cycles
            memo[key] = task["scope"] == "WsTask" and (
                not places.isdisjoint(task["parentIds"])
                or any(inside(tasks[s]) for s in task["superTaskIds"] if s in tasks)
            )
        return memo[key]

    return inside


def list_tasks(call: Call, in_scope: Callable[[Entity], bool]) -> dict[str, Any]:
    """Filter, sort and page tasks; default list fields plus `fields`. [C] §4.1, §2.5"""
    params = call.params
    extra = params.fields(TASK_LIST_FIELDS)
    checks = task_filters(call.ws, params)
    with_subtasks = params.flag("subTasks", False)
    limit = params.integer("limit", lo=1)
    visible = visibility(call.ws, call.user_id)
    found = [
        t for t in call.ws["tasks"].values()
        if (with_subtasks or not t["superTaskIds"]) and in_scope(t) and visible(t)
        and all(c(t) for c in checks)
    ]  # fmt: skip
    found = sort_tasks(found, params)
    if limit is not None:
        found = found[:limit]
    page, extras = paginate(found, params, default_size=1000)
    view = View(call.ws, call.user_id, TASK_LIST | extra)
    return envelope("tasks", [view.task(t) for t in page], **extras)


def _full_view(call: Call, allowed: frozenset[str], *always: str) -> View:
    return View(call.ws, call.user_id, TASK_FULL | call.params.fields(allowed) | set(always))


def _tasks_by_ids(call: Call, raw: str) -> list[Entity]:
    """The tasks named in the path: 404 for an unknown id, 403 for one the caller may not see."""
    found = []
    for task_id in split_ids(raw):
        task = call.ws["tasks"].get(task_id)
        if task is None:
            raise not_found("Task")
        found.append(require_access(call.ws, call.user_id, task))
    return found


@router.route(
    "GET", "/tasks/{taskIds}", scopes=WS_READ, params=("withInvitations", "plainTextCustomFields", "fields")
)
async def get_tasks(call: Call) -> dict[str, Any]:
    view = _full_view(call, TASK_GET_FIELDS)
    return envelope("tasks", [view.task(t) for t in _tasks_by_ids(call, call.path["taskIds"])])


@router.route("POST", "/folders/{folderId}/tasks", scopes=WS_WRITE, params=CREATE_PARAMS)
async def post_task(call: Call) -> dict[str, Any]:
    view = _full_view(call, TASK_WRITE_FIELDS, "attachmentCount")
    task = create_task(call.ws, call.user_id, call.path["folderId"], call.params)
    return envelope("tasks", [view.task(task)])


@router.route("PUT", "/tasks/{taskIds}", scopes=WS_WRITE, params=UPDATE_PARAMS)
async def put_tasks(call: Call) -> dict[str, Any]:
    view = _full_view(call, TASK_WRITE_FIELDS, "attachmentCount")
    tasks = update_tasks(call.ws, call.user_id, _tasks_by_ids(call, call.path["taskIds"]), call.params)
    return envelope("tasks", [view.task(t) for t in tasks])


# Same path parameter name as GET/PUT: one route per path pattern. DELETE takes a single id.
@router.route("DELETE", "/tasks/{taskIds}", scopes=WS_WRITE)
async def delete_task(call: Call) -> dict[str, Any]:
    tasks = _tasks_by_ids(call, call.path["taskIds"])
    if len(tasks) != 1:
        raise invalid_parameter("taskId")
    view = View(call.ws, call.user_id, TASK_FULL)
    return envelope("tasks", [view.task(trash_task(call.ws, call.user_id, tasks[0]))])
