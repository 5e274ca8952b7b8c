"""Timelogs. [C] wrike-api.md §4.6

Five list endpoints share one set of filters; without `pageSize` every match comes back at once. A
timelog whose trackedDate lies inside a lock period of its task's folder/space ancestry cannot be
created, changed or deleted: 403 not_allowed. [I] (the reference guesses the code; §4.7 lock periods)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrike_mcp.sandbox.activity_common import (
    check_access,
    container,
    day_range,
    epoch_of,
    is_admin,
    person,
    plain_from_html,
    public,
    stored_text,
    timestamp_range,
    visible,
    within,
)
from wrike_mcp.sandbox.activity_records import is_locked, new_timelog, set_category
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity, Workspace
from wrike_mcp.sandbox.wire import (
    DATE_RE,
    access_forbidden,
    envelope,
    invalid_parameter,
    not_allowed,
    paginate,
    split_ids,
)

router = Router()

TIMELOG_FIELDS = ("approvalStatus", "lockStatus", "exportStatus", "billingType", "finance")
BILLING_TYPES = ("Billable", "NonBillable")
APPROVAL_STATUSES = ("Draft", "NotSubmitted", "Pending", "Approved", "Rejected", "Cancelled")
EXPORT_STATUSES = ("NotExported", "Exported", "ReadyForExport")
LIST_PARAMS = (
    "createdDate", "updatedDate", "trackedDate", "me", "descendants", "subTasks", "plainText",
    "timelogCategories", "billingTypes", "approvalStatuses", "exportStatuses", "limit", "pageSize",
    "nextPageToken", "fields",
)  # fmt: skip
LOCKED = "Timelog is in a locked period and cannot be modified"


# ---------------------------------------------------------------- rendering


def render(ws: Workspace, log: Entity, plain: bool, fields: set[str], locks: dict[str, set[str]]) -> Entity:
    out = public(log)
    if plain:
        out["comment"] = plain_from_html(out["comment"])
    if "billingType" in fields:
        out["billingType"] = log["_billingType"]
    if "approvalStatus" in fields:
        out["approvalStatus"] = log["_approvalStatus"]
    if "lockStatus" in fields:
        task = ws["tasks"][log["taskId"]]
        out["lockStatus"] = "Locked" if is_locked(ws, task, log["trackedDate"], locks) else "Unlocked"
    if "exportStatus" in fields:
        out["exportStatus"] = log["_exportStatus"]
    if "finance" in fields:
        out["finance"] = _finance(ws, log)
    return out


def _finance(ws: Workspace, log: Entity) -> dict[str, float]:
    """Cost and fees of the entry from the user's current rates. [I] shape not in our sources"""
    user = ws["contacts"].get(log["userId"], {})
    rates = {
        key: float((user.get(key) or {}).get("rateValue", 0))
        for key in ("currentBillRate", "currentCostRate")
    }
    return {
        "actualFees": round(log["hours"] * rates["currentBillRate"], 2),
        "actualCost": round(log["hours"] * rates["currentCostRate"], 2),
    }


def _one(call: Call, log: Entity) -> dict[str, Any]:
    fields = call.params.fields(TIMELOG_FIELDS)
    return envelope("timelogs", [render(call.ws, log, False, fields, {})])


# ---------------------------------------------------------------- the shared list


def _enum_set(call: Call, name: str, allowed: tuple[str, ...]) -> set[str] | None:
    values = call.params.strings(name)
    if values is not None and not set(values) <= set(allowed):
        raise invalid_parameter(name)
    return set(values) if values is not None else None


def _filters(call: Call) -> list[Callable[[Entity], bool]]:
    """The predicates of the shared timelog filters, one per given filter. [C] OAS154"""
    checks: list[Callable[[Entity], bool]] = []
    created = timestamp_range(call.params, "createdDate")
    if created is not None:
        checks.append(lambda log: within(log["_created"], created))
    updated = timestamp_range(call.params, "updatedDate")
    if updated is not None:
        checks.append(lambda log: within(epoch_of(log["updatedDate"]), updated))
    tracked_raw = call.params.obj("trackedDate")
    if tracked_raw is not None:
        tracked = day_range(tracked_raw, "trackedDate")
        checks.append(lambda log: within(log["trackedDate"], tracked))
    if call.params.flag("me", False):
        checks.append(lambda log: log["userId"] == call.user_id)
    categories = call.params.strings("timelogCategories")
    if categories is not None:
        checks.append(lambda log: log.get("categoryId") in categories)
    for name, allowed, key in (
        ("billingTypes", BILLING_TYPES, "_billingType"),
        ("approvalStatuses", APPROVAL_STATUSES, "_approvalStatus"),
        ("exportStatuses", EXPORT_STATUSES, "_exportStatus"),
    ):
        wanted = _enum_set(call, name, allowed)
        if wanted is not None:
            checks.append(_private_in(key, wanted))
    return checks


def _private_in(key: str, wanted: set[str]) -> Callable[[Entity], bool]:
    return lambda log: log[key] in wanted


def _list(call: Call, in_scope: Callable[[Entity], bool]) -> dict[str, Any]:
    plain = bool(call.params.flag("plainText", False))
    fields = call.params.fields(TIMELOG_FIELDS)
    checks = _filters(call)
    limit = call.params.integer("limit", lo=1)
    matches = [log for log in call.ws["timelogs"].values() if in_scope(log) and all(c(log) for c in checks)]
    matches = visible(call, matches)[:limit]
    page, extra = paginate(matches, call.params, default_size=None)
    locks: dict[str, set[str]] = {}
    return envelope("timelogs", [render(call.ws, log, plain, fields, locks) for log in page], **extra)


def _subtask_closure(ws: Workspace, roots: set[str]) -> set[str]:
    """These tasks and all their subtasks, transitively."""
    found, stack = set(roots), list(roots)
    while stack:
        for child in ws["tasks"].get(stack.pop(), {}).get("subTaskIds", ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@router.route("GET", "/timelogs", scopes=WS_READ, params=LIST_PARAMS)
async def list_timelogs(call: Call) -> dict[str, Any]:
    return _list(call, lambda _log: True)


@router.route("GET", "/tasks/{taskId}/timelogs", scopes=WS_READ, params=LIST_PARAMS)
async def task_timelogs(call: Call) -> dict[str, Any]:
    task = container(call, "tasks", call.path["taskId"])
    # subTasks defaults to true: the task's subtasks' entries are included. [C] DOC2020
    ids = _subtask_closure(call.ws, {task["id"]}) if call.params.flag("subTasks", True) else {task["id"]}
    return _list(call, lambda log: log["taskId"] in ids)


@router.route("GET", "/folders/{folderId}/timelogs", scopes=WS_READ, params=LIST_PARAMS)
async def folder_timelogs(call: Call) -> dict[str, Any]:
    folder = container(call, "folders", call.path["folderId"], logical_ok=True)
    ws = call.ws
    descendants, subtasks = call.params.flag("descendants", True), call.params.flag("subTasks", True)
    if not descendants:
        direct = {t["id"] for t in ws["tasks"].values() if folder["id"] in t.get("parentIds", ())}
        ids = _subtask_closure(ws, direct) if subtasks else direct
        return _list(call, lambda log: log["taskId"] in ids)
    memo: dict[str, bool] = {}

    def in_tree(log: Entity) -> bool:
        task_id = log["taskId"]
        if task_id not in memo:
            task = ws["tasks"][task_id]
            # [I] subTasks=false leaves out entries on subtasks
            memo[task_id] = (subtasks or not task.get("superTaskIds")) and folder["id"] in ancestors(ws, task)
        return memo[task_id]

    return _list(call, in_tree)


@router.route("GET", "/contacts/{contactId}/timelogs", scopes=WS_READ, params=LIST_PARAMS)
async def contact_timelogs(call: Call) -> dict[str, Any]:
    contact = call.entity("contacts", call.path["contactId"], "Contact")
    return _list(call, lambda log: log["userId"] == contact["id"])


@router.route("GET", "/timelog_categories/{categoryId}/timelogs", scopes=WS_READ, params=LIST_PARAMS)
async def category_timelogs(call: Call) -> dict[str, Any]:
    category = call.entity("timelog_categories", call.path["categoryId"], "Timelog category")
    return _list(call, lambda log: log.get("categoryId") == category["id"])


@router.route("GET", "/timelogs/{timelogIds}", scopes=WS_READ, params=("plainText", "fields"))
async def get_timelogs(call: Call) -> dict[str, Any]:
    plain = bool(call.params.flag("plainText", False))
    fields = call.params.fields(TIMELOG_FIELDS)
    logs = [call.entity("timelogs", i, "Timelog") for i in split_ids(call.path["timelogIds"])]
    for log in logs:
        check_access(call, call.ws["tasks"][log["taskId"]])
    return envelope("timelogs", [render(call.ws, log, plain, fields, {}) for log in logs])


# ---------------------------------------------------------------- writes


def _hours(call: Call, required: bool) -> float | None:
    hours = call.params.number("hours", required)
    if hours is not None and not 0 < hours <= 24:  # (0, 24] [C] DOC2020
        raise invalid_parameter("hours")
    return hours


def _tracked(call: Call, required: bool) -> str | None:
    day = call.params.text("trackedDate", required)
    if day is not None:
        day_range({"equal": day}, "trackedDate")  # validates yyyy-MM-dd and the calendar
        if not DATE_RE.match(day):
            raise invalid_parameter("trackedDate")
    return day


def _category(call: Call) -> str | None:
    category_id = call.params.text("categoryId")
    if category_id is not None and category_id not in call.ws["timelog_categories"]:
        raise invalid_parameter("categoryId")
    return category_id


def _refuse_if_locked(call: Call, task: Entity, *days: str) -> None:
    if any(is_locked(call.ws, task, day) for day in days):
        raise not_allowed(LOCKED)


def _emit(call: Call, log: Entity, change: str) -> None:
    """TimelogChanged with type Added/Updated/Removed. [I] payload §6.5"""
    call.ws.emit("TimelogChanged", {"taskId": log["taskId"], "timelogId": log["id"], "type": change,
                                    "eventAuthorId": call.user_id, "hours": log["hours"]})  # fmt: skip


@router.route(
    "POST", "/tasks/{taskId}/timelogs", scopes=WS_WRITE,
    params=("hours", "trackedDate", "comment", "plainText", "categoryId", "onBehalfOf", "fields"),
)  # fmt: skip
async def create_timelog(call: Call) -> dict[str, Any]:
    task = container(call, "tasks", call.path["taskId"])
    call.params.fields(("approvalStatus", "billingType"))
    hours, day = _hours(call, True), _tracked(call, True)
    # `comment` is required per DOC2020/REF; an empty string is accepted. [C]/[I]
    comment = stored_text(call.params, "comment", required=True, non_empty=False)
    category_id = _category(call)
    user_id = call.user_id
    if call.params.text("onBehalfOf") is not None:
        user_id = person(call.ws, call.params.text("onBehalfOf"), "onBehalfOf")["id"]
        if user_id != call.user_id and not is_admin(call.ws, call.user_id):
            raise access_forbidden("Only administrators can log time on behalf of others")  # [I]
    assert hours is not None and day is not None and comment is not None
    _refuse_if_locked(call, task, day)
    log = new_timelog(
        call.ws, user_id=user_id, task_id=task["id"], hours=hours, tracked=day, comment=comment,
        category_id=category_id, created=call.ws.clock.now(), billing=task.get("billingType", "NonBillable"),
    )  # fmt: skip
    _emit(call, log, "Added")
    return _one(call, log)


def _editable(call: Call) -> tuple[Entity, Entity]:
    log = call.entity("timelogs", call.path["timelogIds"], "Timelog")
    task = call.ws["tasks"][log["taskId"]]
    check_access(call, task)
    if log["userId"] != call.user_id and not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only the timelog's user or an administrator can change it")  # [I]
    return log, task


@router.route(
    "PUT", "/timelogs/{timelogIds}", scopes=WS_WRITE,
    params=("comment", "hours", "trackedDate", "plainText", "categoryId", "fields"),
)  # fmt: skip
async def update_timelog(call: Call) -> dict[str, Any]:
    log, task = _editable(call)
    call.params.fields(TIMELOG_FIELDS)
    hours, day = _hours(call, False), _tracked(call, False)
    comment = stored_text(call.params, "comment", required=False, non_empty=False)
    category_id = _category(call)
    _refuse_if_locked(call, task, log["trackedDate"], day or log["trackedDate"])
    for key, value in {"hours": hours, "trackedDate": day, "comment": comment}.items():
        if value is not None:
            log[key] = value
    if category_id is not None:
        set_category(log, category_id)
    log["updatedDate"] = call.ws.now_iso()
    _emit(call, log, "Updated")
    return _one(call, log)


@router.route("DELETE", "/timelogs/{timelogIds}", scopes=WS_WRITE)
async def delete_timelog(call: Call) -> dict[str, Any]:
    log, task = _editable(call)
    _refuse_if_locked(call, task, log["trackedDate"])
    del call.ws["timelogs"][log["id"]]
    _emit(call, log, "Removed")
    return envelope("timelogs", [])  # [C] NANGO
