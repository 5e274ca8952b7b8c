"""Every-tool scenarios: timelogs, timelog categories, lock periods and timesheets."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from every_tool import Ctx, editable_timelog, folder, ids, live_tasks, owner_id, scenario, space
from mcp_harness import text_of

from wrike_mcp.sandbox.activity_common import today
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.store import Entity, Workspace

# ---------------------------------------------------------------- timelogs


@scenario("list_timelogs", "/timelogs")
async def timelogs_of_the_account(ctx: Ctx) -> None:
    category = next(iter(ctx.ws["timelog_categories"].values()))
    expected = {t["id"] for t in ctx.ws["timelogs"].values() if t.get("categoryId") == category["id"]}
    found = await ctx.data("list_timelogs", "timelogs", timelogCategories=[category["id"]])
    assert expected and ids(found) == expected


@scenario("list_timelogs", "/tasks/{taskId}/timelogs")
async def timelogs_of_a_task(ctx: Ctx) -> None:
    log = next(iter(ctx.ws["timelogs"].values()))
    found = await ctx.data("list_timelogs", "timelogs", taskId=log["taskId"])
    assert log["id"] in ids(found)
    assert {t["id"]: t["hours"] for t in found if t["taskId"] == log["taskId"]} == {
        t["id"]: t["hours"] for t in ctx.ws["timelogs"].values() if t["taskId"] == log["taskId"]
    }


@scenario("list_timelogs", "/folders/{folderId}/timelogs")
async def timelogs_below_a_folder(ctx: Ctx) -> None:
    engineering = space(ctx.ws, "Engineering")
    expected = {
        t["id"]
        for t in ctx.ws["timelogs"].values()
        if engineering["id"] in ancestors(ctx.ws, ctx.ws["tasks"][t["taskId"]])
    }
    found = await ctx.data("list_timelogs", "timelogs", folderId=engineering["id"], pageSize=500)
    assert expected and ids(found) == expected


@scenario("list_timelogs", "/contacts/{contactId}/timelogs")
async def timelogs_of_a_user(ctx: Ctx) -> None:
    user_id = next(iter(ctx.ws["timelogs"].values()))["userId"]
    expected = {t["id"] for t in ctx.ws["timelogs"].values() if t["userId"] == user_id}
    found = await ctx.data("list_timelogs", "timelogs", contactId=user_id)
    assert ids(found) == expected and all(t["userId"] == user_id for t in found)


@scenario("create_timelog", legacy_too=True)
async def log_time_on_a_task(ctx: Ctx) -> None:
    task = live_tasks(ctx.ws)[0]
    category = next(c for c in ctx.ws["timelog_categories"].values() if not c["hidden"])
    day = today(ctx.ws).isoformat()
    logged = await ctx.one(
        "create_timelog", "timelogs", taskId=task["id"], hours=1.5, trackedDate=day,
        comment="Pairing on the fix", categoryId=category["id"],
    )  # fmt: skip
    stored = ctx.ws["timelogs"][logged["id"]]
    assert (stored["taskId"], stored["userId"], stored["hours"], stored["trackedDate"]) == (
        task["id"], owner_id(ctx.ws), 1.5, day
    )  # fmt: skip
    assert stored["categoryId"] == category["id"] and stored["comment"] == "Pairing on the fix"


@scenario("update_timelog")
async def change_a_time_entry(ctx: Ctx) -> None:
    log = editable_timelog(ctx.ws)
    updated = await ctx.one("update_timelog", "timelogs", timelogId=log["id"], hours=2.25, comment="Review")
    assert updated["id"] == log["id"]
    assert (log["hours"], log["comment"]) == (2.25, "Review")


@scenario("delete_timelog")
async def delete_a_time_entry(ctx: Ctx) -> None:
    log = editable_timelog(ctx.ws)
    assert await ctx.data("delete_timelog", "timelogs", timelogId=log["id"]) == []
    assert log["id"] not in ctx.ws["timelogs"]


@scenario("list_timelog_categories")
async def list_the_timelog_categories(ctx: Ctx) -> None:
    found = await ctx.data("list_timelog_categories", "timelogCategories")
    seeded = sorted(ctx.ws["timelog_categories"].values(), key=lambda c: c["order"])
    assert [(c["id"], c["name"], c["hidden"]) for c in found] == [
        (c["id"], c["name"], c["hidden"]) for c in seeded
    ]


# ---------------------------------------------------------------- lock periods


def _window(ws: Workspace, days_back: int, length: int) -> dict[str, str]:
    start = today(ws) - timedelta(days=days_back)
    return {"start": start.isoformat(), "end": (start + timedelta(days=length)).isoformat()}


def _locks_on(ws: Workspace, source_id: str) -> list[tuple[str, str]]:
    locks = ws["lock_periods"].values()
    return sorted((p["start"], p["end"]) for p in locks if p["source"]["id"] == source_id)


def _seeded_lock(ws: Workspace) -> Entity:
    return next(iter(ws["lock_periods"].values()))


@scenario("list_timelog_lock_periods", "/folders/{folderId}/timelog_lock_periods")
async def lock_periods_of_a_folder(ctx: Ctx) -> None:
    lock = _seeded_lock(ctx.ws)
    found = await ctx.data("list_timelog_lock_periods", "timelogLockPeriods", folderId=lock["source"]["id"])
    assert [(p["start"], p["end"], p["source"]["id"]) for p in found] == [
        (lock["start"], lock["end"], lock["source"]["id"])
    ]


@scenario("list_timelog_lock_periods", "/spaces/{spaceId}/timelog_lock_periods")
async def lock_periods_of_a_space(ctx: Ctx) -> None:
    marketing = space(ctx.ws, "Marketing")
    window = _window(ctx.ws, 20, 6)
    await ctx.call("lock_timelog_period", spaceId=marketing["id"], period=window)
    found = await ctx.data("list_timelog_lock_periods", "timelogLockPeriods", spaceId=marketing["id"])
    assert [(p["start"], p["end"], p["source"]) for p in found] == [
        (window["start"], window["end"], {"id": marketing["id"], "type": "Space"})
    ]


async def _lock_and_check(ctx: Ctx, where: dict[str, str], source_id: str) -> None:
    window = _window(ctx.ws, 40, 13)
    found = await ctx.data("lock_timelog_period", "timelogLockPeriods", period=window, **where)
    assert (window["start"], window["end"]) in {(p["start"], p["end"]) for p in found}
    assert (window["start"], window["end"]) in _locks_on(ctx.ws, source_id)


@scenario("lock_timelog_period", "/folders/{folderId}/timelog_lock_periods", legacy_too=True)
async def lock_a_folder_period(ctx: Ctx) -> None:
    blog = folder(ctx.ws, "Blog")
    await _lock_and_check(ctx, {"folderId": blog["id"]}, blog["id"])
    # A locked entry can no longer change: the lock is real, not just recorded.
    task = next(t for t in live_tasks(ctx.ws) if blog["id"] in t["parentIds"])
    day = (today(ctx.ws) - timedelta(days=35)).isoformat()
    refused = await ctx.client.call_tool(
        "create_timelog", {"taskId": task["id"], "hours": 1, "trackedDate": day, "comment": ""}
    )
    assert refused.is_error and "locked period" in text_of(refused)


@scenario("lock_timelog_period", "/spaces/{spaceId}/timelog_lock_periods")
async def lock_a_space_period(ctx: Ctx) -> None:
    leadership = space(ctx.ws, "Leadership")
    await _lock_and_check(ctx, {"spaceId": leadership["id"]}, leadership["id"])


@scenario("unlock_timelog_period", "/folders/{folderId}/timelog_lock_periods")
async def unlock_the_seeded_folder_lock(ctx: Ctx) -> None:
    lock = _seeded_lock(ctx.ws)
    source_id = lock["source"]["id"]
    period = {"start": lock["start"], "end": lock["end"]}
    left = await ctx.data("unlock_timelog_period", "timelogLockPeriods", folderId=source_id, period=period)
    assert left == [] and _locks_on(ctx.ws, source_id) == []


@scenario("unlock_timelog_period", "/spaces/{spaceId}/timelog_lock_periods")
async def unlock_part_of_a_space_lock(ctx: Ctx) -> None:
    marketing = space(ctx.ws, "Marketing")
    await ctx.call("lock_timelog_period", spaceId=marketing["id"], period=_window(ctx.ws, 30, 9))
    middle = _window(ctx.ws, 27, 2)
    await ctx.data("unlock_timelog_period", "timelogLockPeriods", spaceId=marketing["id"], period=middle)
    first = today(ctx.ws) - timedelta(days=30)
    day = [(first + timedelta(days=n)).isoformat() for n in range(10)]
    assert _locks_on(ctx.ws, marketing["id"]) == [(day[0], day[2]), (day[6], day[9])]  # cut in two


# ---------------------------------------------------------------- timesheets


def _monday_with_my_time(ws: Workspace) -> tuple[str, Entity]:
    """The Monday starting the week of one of the owner's seeded timelogs, and that timelog."""
    log = next(t for t in ws["timelogs"].values() if t["userId"] == owner_id(ws))
    day = date.fromisoformat(log["trackedDate"])
    return (day - timedelta(days=day.weekday())).isoformat(), log


async def _timesheet(ctx: Ctx) -> tuple[dict[str, Any], Entity]:
    monday, log = _monday_with_my_time(ctx.ws)
    sheet = await ctx.one("create_timesheet", "timesheets", periodStartDate=monday)
    assert (sheet["periodStartDate"], sheet["userId"]) == (monday, owner_id(ctx.ws))
    assert log["taskId"] in {row["taskId"] for row in sheet["rows"]}
    return sheet, log


@scenario("create_timesheet")
async def create_a_weekly_timesheet(ctx: Ctx) -> None:
    sheet, _ = await _timesheet(ctx)
    stored = ctx.ws["timesheets"][sheet["timesheetId"]]
    assert stored["approval"]["status"] == "NotSubmitted" and stored["timeframe"] == "Weekly"


@scenario("list_timesheets")
async def list_timesheets_of_a_period(ctx: Ctx) -> None:
    sheet, log = await _timesheet(ctx)
    day = sheet["periodStartDate"]
    week_before = (date.fromisoformat(day) - timedelta(days=7)).isoformat()
    await ctx.call("create_timesheet", periodStartDate=week_before)
    found = await ctx.data("list_timesheets", "timesheets", periodStartDate={"start": day, "end": day})
    assert [s["timesheetId"] for s in found] == [sheet["timesheetId"]]
    entries = [e for r in found[0]["rows"] if r["taskId"] == log["taskId"] for e in r["weeklyEntries"]]
    assert any(e["date"] == log["trackedDate"] and e["hours"] >= log["hours"] for e in entries)


@scenario("update_timesheet")
async def submit_a_timesheet(ctx: Ctx) -> None:
    sheet, log = await _timesheet(ctx)
    updated = await ctx.one(
        "update_timesheet", "timesheets", timesheetId=sheet["timesheetId"], approvalStatus="Pending"
    )
    assert updated["approval"]["status"] == "Pending"
    assert ctx.ws["timesheets"][sheet["timesheetId"]]["approval"]["status"] == "Pending"
    assert log["_approvalStatus"] == "Pending"
