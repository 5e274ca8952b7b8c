"""Timelog categories, timelog lock periods and timesheets. [C] wrike-api.md §4.7

Lock periods: the reference does not show the key names inside `period`. [I] our choice, by analogy
with Wrike's other range objects: `{"start": "yyyy-MM-dd", "end": "yyyy-MM-dd"}` (both inclusive) or
`{"equal": "yyyy-MM-dd"}` for one day. Items are `{start, end, source: {id, type}}` where `source` names
the folder/space that owns the lock (type `Folder` or `Space`) [I]. A lock on a folder or space covers
every task below it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from wrike_mcp.sandbox.activity_common import (
    container,
    day_range,
    is_admin,
    person,
    shift_day,
    today,
    within,
)
from wrike_mcp.sandbox.activity_records import (
    add_lock,
    locks_over,
    overlapping,
    places_of,
    remove_lock,
    render_lock,
    set_category,
)
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity, Workspace
from wrike_mcp.sandbox.wire import (
    DATE_RE,
    access_forbidden,
    envelope,
    invalid_parameter,
    not_found,
    parameter_required,
)

router = Router()

CATEGORY_READ = frozenset(
    {"Default", "amReadOnlyTimelogCategory", "amReadWriteTimelogCategory", "wsReadOnly", "wsReadWrite"}
)


@router.route("GET", "/timelog_categories", scopes=CATEGORY_READ)
async def list_categories(call: Call) -> dict[str, Any]:
    categories = sorted(call.ws["timelog_categories"].values(), key=lambda c: c["order"])
    # kind string not confirmed [I]
    return envelope("timelogCategories", [dict(c) for c in categories])


# ---------------------------------------------------------------- lock periods


def _lock_target(call: Call, kind: str) -> tuple[Entity, dict[str, str]]:
    """The folder, task or space a lock call is about, and the `source` a new lock on it would carry."""
    key = {"folders": "folderId", "tasks": "taskId", "spaces": "spaceId"}[kind]
    entity = container(call, kind, call.path[key])
    if kind == "spaces":
        entity = call.ws["folders"].get(entity["id"], entity)  # a space's folder carries its place
    source_type = "Space" if entity["id"] in call.ws["spaces"] else "Folder"
    return entity, {"id": entity["id"], "type": source_type}


def _period(call: Call, required: bool) -> tuple[str, str] | None:
    value = call.params.obj("period", required)
    if value is None:
        return None
    start, end = day_range(value, "period", both=True)
    assert start is not None and end is not None
    return start, end


def _default_window(ws: Workspace) -> tuple[str, str]:
    """Six months back and six months forward from today. [C] REF"""
    now = today(ws)
    return (now - timedelta(days=183)).isoformat(), (now + timedelta(days=183)).isoformat()


def _locks_answer(call: Call, entity: Entity, window: tuple[str, str]) -> dict[str, Any]:
    periods = overlapping(locks_over(call.ws, places_of(call.ws, entity)), window)
    return envelope("timelogLockPeriods", [render_lock(p) for p in periods])  # kind [I]


def _get_locks(kind: str) -> Any:
    async def get_locks(call: Call) -> dict[str, Any]:
        entity, _source = _lock_target(call, kind)
        return _locks_answer(call, entity, _period(call, False) or _default_window(call.ws))

    return get_locks


def _post_locks(kind: str) -> Any:
    async def post_locks(call: Call) -> dict[str, Any]:
        entity, source = _lock_target(call, kind)
        window = _period(call, True)
        assert window is not None
        add_lock(call.ws, source, *window)
        return _locks_answer(call, entity, window)  # all active periods in the range [C] REF

    return post_locks


def _delete_locks(kind: str) -> Any:
    async def delete_locks(call: Call) -> dict[str, Any]:
        entity, source = _lock_target(call, kind)
        window = _period(call, True)
        assert window is not None
        remove_lock(call.ws, source["id"], *window)
        return _locks_answer(call, entity, window)  # what remains in the range [C] REF

    return delete_locks


for _kind, _key in (("folders", "folderId"), ("tasks", "taskId"), ("spaces", "spaceId")):
    _path = f"/{_kind}/{{{_key}}}/timelog_lock_periods"
    router.route("GET", _path, scopes=WS_READ, params=("period",))(_get_locks(_kind))
    if _kind != "tasks":
        router.route("POST", _path, scopes=WS_WRITE, params=("period",))(_post_locks(_kind))
        router.route("DELETE", _path, scopes=WS_WRITE, params=("period",))(_delete_locks(_kind))


# ---------------------------------------------------------------- timesheets
# Scopes are not visible in our sources: [I] workspace read/write like timelogs.

TIMEFRAMES = ("Weekly", "Monthly")
SHEET_STATUSES = ("NotSubmitted", "Pending", "Approved", "Rejected")
# What a timesheet decision does to its timelogs' approvalStatus. [I] our choice
TIMELOG_STATUS = {
    "NotSubmitted": "Draft",
    "Pending": "Pending",
    "Approved": "Approved",
    "Rejected": "Rejected",
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _period_end(ws: Workspace, start: str, timeframe: str) -> str:
    """The last day of a period; its first day must start a week (account firstDayOfWeek) or a month."""
    first = date.fromisoformat(start)
    if timeframe == "Weekly":
        if _WEEKDAYS[first.weekday()] != ws.account.get("firstDayOfWeek", "Mon"):
            raise invalid_parameter("periodStartDate")
        return shift_day(start, 6)
    if first.day != 1:
        raise invalid_parameter("periodStartDate")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).isoformat()


def _render_sheet(ws: Workspace, sheet: Entity) -> Entity:
    """The timesheet model with rows filled from the user's timelogs in the period. [C] OAS154 field set;
    `weeklyEntries` items `{date, hours}` and row `type: Task` are [I]"""
    logs = _sheet_logs(ws, sheet)
    _add_rows(ws, sheet, [(log["taskId"], log.get("categoryId")) for log in logs])
    rows = []
    for row in sheet["_rows"]:
        days: dict[str, float] = {}
        for log in logs:
            if log["taskId"] == row["taskId"] and log.get("categoryId") == row.get("categoryId"):
                days[log["trackedDate"]] = days.get(log["trackedDate"], 0.0) + log["hours"]
        task = ws["tasks"].get(row["taskId"], {})
        entries = [{"date": d, "hours": h} for d, h in sorted(days.items())]
        rows.append({"rowId": row["rowId"], "taskId": row["taskId"], "categoryId": row.get("categoryId"),
                     "parentIds": list(task.get("parentIds", [])), "type": "Task",
                     "weeklyEntries": entries})  # fmt: skip
    out = {k: v for k, v in sheet.items() if not k.startswith("_")}
    out["rows"] = rows
    return out


def _sheet_logs(ws: Workspace, sheet: Entity) -> list[Entity]:
    """The timelogs a timesheet covers: its user's, tracked inside its period."""
    first, last = sheet["periodStartDate"], sheet["periodEndDate"]
    return [
        log
        for log in ws["timelogs"].values()
        if log["userId"] == sheet["userId"] and first <= log["trackedDate"] <= last
    ]


def _add_rows(ws: Workspace, sheet: Entity, wanted: list[tuple[str, str | None]]) -> None:
    have = {(r["taskId"], r.get("categoryId")) for r in sheet["_rows"]}
    for task_id, category_id in wanted:
        if (task_id, category_id) not in have:
            have.add((task_id, category_id))
            sheet["_rows"].append(
                {"rowId": ws.new_id("timesheets"), "taskId": task_id, "categoryId": category_id}
            )


def _visible_sheets(call: Call) -> list[Entity]:
    """Administrators see every timesheet, others their own. [I] our choice"""
    sheets = list(call.ws["timesheets"].values())
    if is_admin(call.ws, call.user_id):
        return sheets
    return [s for s in sheets if s["userId"] == call.user_id]


@router.route(
    "GET", "/timesheets", scopes=WS_READ,
    params=("periodStartDate", "userIds", "approvalStatuses", "timeframes"),
)  # fmt: skip
async def list_timesheets(call: Call) -> dict[str, Any]:
    # a bare day, or a {start,end}/{equal} range object [C] OAS154 "date match or range"
    raw = call.params.raw.get("periodStartDate")
    if not (isinstance(raw, str) and DATE_RE.match(raw)):
        raw = call.params.literal("periodStartDate")
    start = None
    if raw is not None:
        start = day_range(raw if isinstance(raw, dict) else {"equal": raw}, "periodStartDate")
    users = call.params.strings("userIds")
    statuses = _enum_list(call, "approvalStatuses", SHEET_STATUSES)
    timeframes = _enum_list(call, "timeframes", TIMEFRAMES)
    data = [
        _render_sheet(call.ws, s) for s in _visible_sheets(call)
        if within(s["periodStartDate"], start) and (users is None or s["userId"] in users)
        and (statuses is None or s["approval"]["status"] in statuses)
        and (timeframes is None or s["timeframe"] in timeframes)
    ]  # fmt: skip
    return envelope("timesheets", data)  # kind [I]


def _enum_list(call: Call, name: str, allowed: tuple[str, ...]) -> list[str] | None:
    values = call.params.strings(name)
    if values is not None and not set(values) <= set(allowed):
        raise invalid_parameter(name)
    return values


@router.route(
    "POST", "/timesheets", scopes=WS_WRITE, params=("periodStartDate", "userId", "taskIds", "timeframe")
)
async def create_timesheet(call: Call) -> dict[str, Any]:
    start = call.params.text("periodStartDate", True)
    if start is None or not DATE_RE.match(start):
        raise invalid_parameter("periodStartDate")
    day_range({"equal": start}, "periodStartDate")
    timeframe = call.params.enum("timeframe", TIMEFRAMES) or "Weekly"
    user_id = person(call.ws, call.params.text("userId") or call.user_id, "userId")["id"]
    if user_id != call.user_id and not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only administrators can create timesheets for others")  # [I]
    task_ids = call.params.strings("taskIds") or []
    for task_id in task_ids:
        if task_id not in call.ws["tasks"]:
            raise invalid_parameter("taskIds")
        container(call, "tasks", task_id)
    end = _period_end(call.ws, start, timeframe)
    key = (user_id, start, timeframe)
    sheet = next(
        (
            s
            for s in call.ws["timesheets"].values()
            if (s["userId"], s["periodStartDate"], s["timeframe"]) == key
        ),
        None,
    )
    if sheet is None:  # [I] creating an existing period adds the rows to it
        sheet_id = call.ws.new_id("timesheets")
        sheet = {"timesheetId": sheet_id, "accountId": call.ws.account_id, "userId": user_id,
                 "periodStartDate": start, "periodEndDate": end, "timeframe": timeframe,
                 "approval": {"status": "NotSubmitted", "updatedDate": call.ws.now_iso()},
                 "_rows": []}  # fmt: skip
        call.ws["timesheets"][sheet_id] = sheet
    _add_rows(call.ws, sheet, [(t, None) for t in task_ids])
    return envelope("timesheets", [_render_sheet(call.ws, sheet)])


def _sheet(call: Call, sheet_id: str) -> Entity:
    sheet = call.entity("timesheets", sheet_id, "Timesheet")
    if sheet["userId"] != call.user_id and not is_admin(call.ws, call.user_id):
        raise access_forbidden()
    return sheet


@router.route("PUT", "/timesheets/{timesheetId}", scopes=WS_WRITE, params=("approvalStatus",))
async def update_timesheet(call: Call) -> dict[str, Any]:
    sheet = _sheet(call, call.path["timesheetId"])
    status = call.params.enum("approvalStatus", SHEET_STATUSES)
    if status is None:
        raise parameter_required("approvalStatus")
    if status in ("Approved", "Rejected") and not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only administrators can approve or reject timesheets")  # [I]
    sheet["approval"] = {"status": status, "updatedDate": call.ws.now_iso(), "updatedBy": call.user_id}
    for log in _sheet_logs(call.ws, sheet):
        log["_approvalStatus"] = TIMELOG_STATUS[status]
    return envelope("timesheets", [_render_sheet(call.ws, sheet)])


@router.route("PUT", "/timesheet_rows/{rowId}", scopes=WS_WRITE, params=("categoryId",))
async def update_timesheet_row(call: Call) -> dict[str, Any]:
    row_id = call.path["rowId"]
    sheet = next(
        (s for s in call.ws["timesheets"].values() if any(r["rowId"] == row_id for r in s["_rows"])), None
    )
    if sheet is None:
        raise not_found("Timesheet row")
    _sheet(call, sheet["timesheetId"])
    category_id = call.params.text("categoryId", True)
    if category_id not in call.ws["timelog_categories"]:
        raise invalid_parameter("categoryId")
    row = next(r for r in sheet["_rows"] if r["rowId"] == row_id)
    # [I] the row's entries move to the new category with it
    for log in _sheet_logs(call.ws, sheet):
        if log["taskId"] == row["taskId"] and log.get("categoryId") == row.get("categoryId"):
            set_category(log, category_id)
    row["categoryId"] = category_id
    return envelope("timesheets", [_render_sheet(call.ws, sheet)])
