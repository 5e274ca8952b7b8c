"""Timelogs, timelog categories, lock periods and timesheets over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.runner import SandboxServer

# NANGO create-timelog, key order and types
RECORDED = {"id": str, "taskId": str, "userId": str, "hours": float, "createdDate": str, "updatedDate": str,
            "trackedDate": str, "comment": str}  # fmt: skip


def today(clock: FakeClock) -> date:
    return date.fromtimestamp(clock.now())


def days_ago(clock: FakeClock, n: int) -> str:
    return (today(clock) - timedelta(days=n)).isoformat()


@pytest.fixture
def member(sandbox_server: SandboxServer, sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A plain (non-admin) member of the public spaces."""
    ws = sandbox.workspace
    people = [c for c in ws["contacts"].values() if c["type"] == "Person"]
    user = next(c["id"] for c in people if c["userTypeId"].endswith("REGULR"))
    token = ws.named_tokens["user:" + user]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        yield c


def folder_task(sandbox: Sandbox) -> tuple[str, str]:
    """A task directly in a plain (non-space) folder of a public space, and that folder."""
    ws = sandbox.workspace
    for task in ws["tasks"].values():
        parent = task["parentIds"][0]
        if parent in ws["folders"] and parent != ws.root_id and parent not in ws["spaces"]:
            leadership = next(s["id"] for s in ws["spaces"].values() if s["title"] == "Leadership")
            if leadership not in ancestors(ws, task):
                return task["id"], parent
    raise AssertionError("no task in a folder")


def log_time(api: httpx.Client, task: str, **params: Any) -> httpx.Response:
    body = {"hours": 1.5, "trackedDate": "2026-09-10", "comment": "work", **params}
    return api.post(f"/tasks/{task}/timelogs", json=body)


def lock(api: httpx.Client, folder: str, start: str, end: str) -> httpx.Response:
    return api.post(f"/folders/{folder}/timelog_lock_periods", json={"period": {"start": start, "end": end}})


# ---------------------------------------------------------------- create, read, update, delete


def test_create_returns_the_recorded_shape_and_emits(
    api: httpx.Client, sandbox: Sandbox, events: list[Any]
) -> None:
    task, _ = folder_task(sandbox)
    body = log_time(api, task, comment="opencode dryrun validation").json()
    assert body["kind"] == "timelogs"
    [log] = body["data"]
    assert list(log) == list(RECORDED)
    assert all(isinstance(log[k], t) for k, t in RECORDED.items())
    assert (log["taskId"], log["hours"], log["trackedDate"]) == (task, 1.5, "2026-09-10")
    assert log["userId"] == sandbox.workspace.account["ownerId"]
    assert events[-1] == ("TimelogChanged", {"taskId": task, "timelogId": log["id"], "type": "Added",
                                             "eventAuthorId": log["userId"], "hours": 1.5})  # fmt: skip


def test_category_sits_after_user_and_opt_in_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    task, _ = folder_task(sandbox)
    category = next(iter(sandbox.workspace["timelog_categories"]))
    log = log_time(api, task, categoryId=category, fields='["billingType","approvalStatus"]').json()["data"][
        0
    ]
    assert list(log)[:4] == ["id", "taskId", "userId", "categoryId"]
    assert (log["billingType"], log["approvalStatus"]) == ("NonBillable", "Draft")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"hours": 0}, "invalid_parameter"),
        ({"hours": 24.5}, "invalid_parameter"),
        ({"hours": "lots"}, "invalid_parameter"),
        ({"hours": None}, "parameter_required"),
        ({"trackedDate": "2026/09/10"}, "invalid_parameter"),
        ({"trackedDate": "2026-02-30"}, "invalid_parameter"),
        ({"trackedDate": None}, "parameter_required"),
        ({"comment": None}, "parameter_required"),
        ({"categoryId": "IEAGSBX1JSNOPE00"}, "invalid_parameter"),
        ({"onBehalfOf": "KUNOPE00"}, "invalid_parameter"),
    ],
)
def test_create_validation(api: httpx.Client, sandbox: Sandbox, params: dict[str, Any], error: str) -> None:
    task, _ = folder_task(sandbox)
    response = log_time(api, task, **params)
    assert response.status_code == 400 and response.json()["error"] == error


def test_empty_comment_is_accepted(api: httpx.Client, sandbox: Sandbox) -> None:
    assert log_time(api, folder_task(sandbox)[0], comment="").json()["data"][0]["comment"] == ""


def test_on_behalf_of_is_for_admins(api: httpx.Client, member: httpx.Client, sandbox: Sandbox) -> None:
    task, _ = folder_task(sandbox)
    other = [c["id"] for c in sandbox.workspace["contacts"].values() if c["type"] == "Person"][5]
    assert log_time(api, task, onBehalfOf=other).json()["data"][0]["userId"] == other
    refused = log_time(member, task, onBehalfOf=other)
    assert refused.status_code == 403 and refused.json()["error"] == "access_forbidden"


def test_update_changes_fields_and_emits(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock, events: list[Any]
) -> None:
    log = log_time(api, folder_task(sandbox)[0]).json()["data"][0]
    clock.advance(60)
    category = next(iter(sandbox.workspace["timelog_categories"]))
    body = {"hours": 3, "comment": "a & b", "plainText": True, "categoryId": category}
    changed = api.put(f"/timelogs/{log['id']}", json=body).json()["data"][0]
    assert (changed["hours"], changed["comment"], changed["categoryId"]) == (3, "a &amp; b", category)
    assert list(changed)[3] == "categoryId" and changed["updatedDate"] > changed["createdDate"]
    assert events[-1][1]["type"] == "Updated"
    plain = api.get(f"/timelogs/{log['id']}", params={"plainText": "true"}).json()["data"][0]
    assert plain["comment"] == "a & b"


def test_only_the_owner_or_an_admin_changes_a_timelog(
    api: httpx.Client, member: httpx.Client, sandbox: Sandbox
) -> None:
    log = log_time(api, folder_task(sandbox)[0]).json()["data"][0]
    assert member.put(f"/timelogs/{log['id']}", json={"hours": 2}).status_code == 403
    own = log_time(member, folder_task(sandbox)[0]).json()["data"][0]
    assert member.put(f"/timelogs/{own['id']}", json={"hours": 2}).status_code == 200
    assert api.put(f"/timelogs/{own['id']}", json={"hours": 4}).status_code == 200


def test_delete_answers_empty_and_emits(api: httpx.Client, sandbox: Sandbox, events: list[Any]) -> None:
    log = log_time(api, folder_task(sandbox)[0]).json()["data"][0]
    assert api.delete(f"/timelogs/{log['id']}").json() == {"kind": "timelogs", "data": []}
    assert events[-1][1] == {**events[-1][1], "timelogId": log["id"], "type": "Removed"}
    assert api.get(f"/timelogs/{log['id']}").status_code == 404


def test_get_by_ids(api: httpx.Client, sandbox: Sandbox) -> None:
    ids = list(sandbox.workspace["timelogs"])[:3]
    assert [t["id"] for t in api.get(f"/timelogs/{','.join(ids)}").json()["data"]] == ids


# ---------------------------------------------------------------- lists and filters


def test_account_list_returns_everything_without_page_size(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/timelogs").json()
    assert len(body["data"]) == len(sandbox.workspace["timelogs"]) and "nextPageToken" not in body


def test_pages_follow_the_token(api: httpx.Client, sandbox: Sandbox) -> None:
    first = api.get("/timelogs", params={"pageSize": 10, "me": "false"}).json()
    assert len(first["data"]) == 10 and first["responseSize"] == len(sandbox.workspace["timelogs"])
    params = {"nextPageToken": first["nextPageToken"], "me": "false"}
    second = api.get("/timelogs", params=params).json()
    assert {t["id"] for t in first["data"]}.isdisjoint({t["id"] for t in second["data"]})
    assert api.get("/timelogs", params={"nextPageToken": first["nextPageToken"]}).status_code == 400


def test_filters(api: httpx.Client, sandbox: Sandbox, clock: FakeClock) -> None:
    ws = sandbox.workspace
    me = ws.account["ownerId"]

    def ids(**params: Any) -> set[str]:
        query = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
        response = api.get("/timelogs", params=query)
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["data"]}

    logs = list(ws["timelogs"].values())
    assert ids(me="true") == {t["id"] for t in logs if t["userId"] == me}
    day = logs[0]["trackedDate"]
    assert ids(trackedDate={"equal": day}) == {t["id"] for t in logs if t["trackedDate"] == day}
    week = {"start": days_ago(clock, 7), "end": days_ago(clock, 0)}
    assert ids(trackedDate=week) == {
        t["id"] for t in logs if week["start"] <= t["trackedDate"] <= week["end"]
    }
    category = logs[0].get("categoryId") or next(iter(ws["timelog_categories"]))
    assert ids(timelogCategories=[category]) == {t["id"] for t in logs if t.get("categoryId") == category}
    assert ids(billingTypes=["Billable", "NonBillable"]) == {t["id"] for t in logs}
    assert ids(approvalStatuses=["Approved"]) == set()
    assert len(ids(limit=3)) == 3
    for bad in ({"billingTypes": '["Free"]'}, {"trackedDate": '{"start":"yesterday"}'}, {"fields": '["x"]'}):
        assert api.get("/timelogs", params=bad).status_code == 400, bad


def test_task_list_includes_subtasks_unless_asked_not_to(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    parent = next(t for t in ws["tasks"].values() if t["subTaskIds"])
    child = parent["subTaskIds"][0]
    own = log_time(api, parent["id"]).json()["data"][0]["id"]
    sub = log_time(api, child).json()["data"][0]["id"]
    assert {own, sub} <= {t["id"] for t in api.get(f"/tasks/{parent['id']}/timelogs").json()["data"]}
    only = {
        t["id"]
        for t in api.get(f"/tasks/{parent['id']}/timelogs", params={"subTasks": "false"}).json()["data"]
    }
    assert own in only and sub not in only


def test_folder_list_covers_descendants_by_default(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    task, folder = folder_task(sandbox)
    space = next(s for s in ws["spaces"] if s in ancestors(ws, ws["tasks"][task]))
    log = log_time(api, task).json()["data"][0]["id"]
    assert log in {t["id"] for t in api.get(f"/folders/{space}/timelogs").json()["data"]}
    direct = api.get(f"/folders/{space}/timelogs", params={"descendants": "false"}).json()["data"]
    assert log not in {t["id"] for t in direct}
    assert log in {
        t["id"]
        for t in api.get(f"/folders/{folder}/timelogs", params={"descendants": "false"}).json()["data"]
    }


def test_contact_and_category_lists(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    someone = next(iter(ws["timelogs"].values()))["userId"]
    data = api.get(f"/contacts/{someone}/timelogs").json()["data"]
    assert data and all(t["userId"] == someone for t in data)
    category = next(
        c for c in ws["timelog_categories"] if any(t.get("categoryId") == c for t in ws["timelogs"].values())
    )
    data = api.get(f"/timelog_categories/{category}/timelogs").json()["data"]
    assert data and all(t["categoryId"] == category for t in data)
    assert api.get("/contacts/KUNOPE00/timelogs").status_code == 404
    assert api.get("/timelog_categories/IEAGSBX1JSNOPE00/timelogs").status_code == 404


# ---------------------------------------------------------------- categories


def test_categories_list(api: httpx.Client, sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    body = api.get("/timelog_categories").json()
    assert body["kind"] == "timelogCategories"
    assert [list(c) for c in body["data"]] == [["id", "name", "order", "hidden"]] * len(body["data"])
    assert [c["order"] for c in body["data"]] == sorted(c["order"] for c in body["data"])
    token = sandbox.workspace.named_tokens["user_read"]
    refused = httpx.get(
        f"{sandbox_server.api_url}/timelog_categories", headers={"Authorization": f"bearer {token}"}
    )
    assert refused.status_code == 403


# ---------------------------------------------------------------- lock periods


def test_locked_period_blocks_create_update_and_delete(api: httpx.Client, sandbox: Sandbox) -> None:
    task, folder = folder_task(sandbox)
    open_log = log_time(api, task, trackedDate="2026-09-01").json()["data"][0]
    inside = log_time(api, task, trackedDate="2026-09-03").json()["data"][0]
    assert lock(api, folder, "2026-09-02", "2026-09-05").status_code == 200
    for response in (
        log_time(api, task, trackedDate="2026-09-02"),
        api.put(f"/timelogs/{inside['id']}", json={"hours": 2}),
        api.put(f"/timelogs/{open_log['id']}", json={"trackedDate": "2026-09-04"}),
        api.delete(f"/timelogs/{inside['id']}"),
    ):
        assert response.status_code == 403 and response.json()["error"] == "not_allowed"
    assert log_time(api, task, trackedDate="2026-09-06").status_code == 200
    statuses = api.get(
        f"/timelogs/{open_log['id']},{inside['id']}", params={"fields": '["lockStatus"]'}
    ).json()
    assert [t["lockStatus"] for t in statuses["data"]] == ["Unlocked", "Locked"]


def test_seeded_lock_period_covers_a_seeded_timelog(api: httpx.Client, sandbox: Sandbox) -> None:
    data = api.get("/timelogs", params={"fields": '["lockStatus"]'}).json()["data"]
    locked = [t for t in data if t["lockStatus"] == "Locked"]
    assert locked
    assert api.delete(f"/timelogs/{locked[0]['id']}").json()["error"] == "not_allowed"


def test_lock_periods_merge_split_and_inherit(api: httpx.Client, sandbox: Sandbox) -> None:
    task, folder = folder_task(sandbox)
    lock(api, folder, "2026-04-01", "2026-04-10")
    merged = lock(api, folder, "2026-04-11", "2026-04-20").json()
    assert merged["kind"] == "timelogLockPeriods"
    assert merged["data"] == [
        {"start": "2026-04-01", "end": "2026-04-20", "source": {"id": folder, "type": "Folder"}}
    ]
    window = {"period": json.dumps({"start": "2026-04-01", "end": "2026-04-30"})}
    inherited = api.get(f"/tasks/{task}/timelog_lock_periods", params=window).json()["data"]
    assert {
        "start": "2026-04-01",
        "end": "2026-04-20",
        "source": {"id": folder, "type": "Folder"},
    } in inherited
    unlock = {"period": {"start": "2026-04-05", "end": "2026-04-06"}}
    remaining = api.request("DELETE", f"/folders/{folder}/timelog_lock_periods", json=unlock).json()["data"]
    assert remaining == []  # what is still locked inside the unlocked range [C] REF
    split = api.get(f"/folders/{folder}/timelog_lock_periods", params=window).json()["data"]
    assert [(p["start"], p["end"]) for p in split] == [
        ("2026-04-01", "2026-04-04"),
        ("2026-04-07", "2026-04-20"),
    ]
    one_day = {"period": json.dumps({"equal": "2026-04-05"})}
    assert api.get(f"/folders/{folder}/timelog_lock_periods", params=one_day).json()["data"] == []


def test_space_locks_cover_their_tasks(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    task, _ = folder_task(sandbox)
    space = next(s for s in ws["spaces"] if s in ancestors(ws, ws["tasks"][task]))
    body = {"period": {"equal": "2026-09-15"}}
    added = api.post(f"/spaces/{space}/timelog_lock_periods", json=body).json()["data"]
    assert {"start": "2026-09-15", "end": "2026-09-15", "source": {"id": space, "type": "Space"}} in added
    assert api.get(f"/spaces/{space}/timelog_lock_periods").json()["data"]
    assert log_time(api, task, trackedDate="2026-09-15").json()["error"] == "not_allowed"


def test_lock_period_parameter_rules(api: httpx.Client, sandbox: Sandbox) -> None:
    task, folder = folder_task(sandbox)
    path = f"/folders/{folder}/timelog_lock_periods"
    assert api.post(path).json()["error"] == "parameter_required"
    for period in (
        {"start": "2026-09-05", "end": "2026-09-01"},
        {"start": "2026-09-05"},
        {"from": "2026-09-01"},
    ):
        assert api.post(path, json={"period": period}).json()["error"] == "invalid_parameter", period
    assert (
        api.post(f"/tasks/{task}/timelog_lock_periods", json={"period": {"equal": "2026-09-01"}}).status_code
        == 404
    )
    root = sandbox.workspace.root_id
    assert lock(api, root, "2026-09-01", "2026-09-02").json()["error"] == "not_allowed"


def test_read_only_token_reads_but_cannot_lock(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    _, folder = folder_task(sandbox)
    token = sandbox.workspace.named_tokens["ws_read_only"]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        assert c.get(f"/folders/{folder}/timelog_lock_periods").status_code == 200
        assert lock(c, folder, "2026-09-01", "2026-09-02").status_code == 403


# ---------------------------------------------------------------- timesheets


def test_timesheet_create_list_and_approve(api: httpx.Client, sandbox: Sandbox, clock: FakeClock) -> None:
    task, _ = folder_task(sandbox)
    monday = (today(clock) - timedelta(days=today(clock).weekday() + 7)).isoformat()
    log = log_time(api, task, trackedDate=monday, hours=2).json()["data"][0]
    sheet = api.post("/timesheets", json={"periodStartDate": monday}).json()["data"][0]
    model = ["timesheetId", "accountId", "userId", "periodStartDate", "periodEndDate", "timeframe"]
    assert list(sheet) == [*model, "approval", "rows"]
    assert sheet["periodEndDate"] == (date.fromisoformat(monday) + timedelta(days=6)).isoformat()
    row = next(r for r in sheet["rows"] if r["taskId"] == task)
    assert {"date": monday, "hours": 2.0} in row["weeklyEntries"]
    listed = api.get(
        "/timesheets", params={"periodStartDate": monday, "approvalStatuses": '["NotSubmitted"]'}
    ).json()
    assert [s["timesheetId"] for s in listed["data"]] == [sheet["timesheetId"]]
    approved = api.put(f"/timesheets/{sheet['timesheetId']}", json={"approvalStatus": "Approved"}).json()[
        "data"
    ][0]
    assert approved["approval"]["status"] == "Approved"
    status = api.get(f"/timelogs/{log['id']}", params={"fields": '["approvalStatus"]'}).json()["data"][0]
    assert status["approvalStatus"] == "Approved"


def test_timesheet_rules(api: httpx.Client, member: httpx.Client, clock: FakeClock) -> None:
    monday = (today(clock) - timedelta(days=today(clock).weekday())).isoformat()
    tuesday = (date.fromisoformat(monday) + timedelta(days=1)).isoformat()
    assert api.post("/timesheets", json={"periodStartDate": tuesday}).json()["error"] == "invalid_parameter"
    assert api.post("/timesheets", json={}).json()["error"] == "parameter_required"
    monthly = api.post("/timesheets", json={"periodStartDate": monday[:8] + "01", "timeframe": "Monthly"})
    assert monthly.status_code == 200
    own = member.post("/timesheets", json={"periodStartDate": monday}).json()["data"][0]
    path = f"/timesheets/{own['timesheetId']}"
    assert member.put(path, json={"approvalStatus": "Pending"}).status_code == 200
    assert member.put(path, json={"approvalStatus": "Approved"}).json()["error"] == "access_forbidden"
    assert member.put(path, json={"approvalStatus": "Done"}).json()["error"] == "invalid_parameter"
    assert member.get("/timesheets").json()["data"] == [member.get("/timesheets").json()["data"][0]]


def test_timesheet_row_category_moves_its_entries(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock
) -> None:
    task, _ = folder_task(sandbox)
    monday = (today(clock) - timedelta(days=today(clock).weekday())).isoformat()
    log = log_time(api, task, trackedDate=monday).json()["data"][0]
    sheet = api.post("/timesheets", json={"periodStartDate": monday, "taskIds": [task]}).json()["data"][0]
    row = next(r for r in sheet["rows"] if r["taskId"] == task and r["categoryId"] is None)
    category = next(iter(sandbox.workspace["timelog_categories"]))
    changed = api.put(f"/timesheet_rows/{row['rowId']}", json={"categoryId": category}).json()["data"][0]
    assert next(r for r in changed["rows"] if r["rowId"] == row["rowId"])["categoryId"] == category
    assert api.get(f"/timelogs/{log['id']}").json()["data"][0]["categoryId"] == category
    assert api.put("/timesheet_rows/NOPE", json={"categoryId": category}).status_code == 404
