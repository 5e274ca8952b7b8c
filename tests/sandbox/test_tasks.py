"""Tasks over real HTTP: shapes as recorded, filters, paging, fields, updates, events, bin, errors."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.sandbox.recording import record_events
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.store import Entity

# Keys of the recorded create response (NANGO create-task), §4.1.
RECORDED_TASK_KEYS = {
    "id", "accountId", "title", "description", "briefDescription", "parentIds", "superParentIds", "sharedIds",
    "responsibleIds", "status", "importance", "createdDate", "updatedDate", "dates", "scope", "authorIds",
    "customStatusId", "hasAttachments", "attachmentCount", "permalink", "priority", "followedByMe",
    "followerIds", "superTaskIds", "subTaskIds", "dependencyIds", "metadata", "customFields",
}  # fmt: skip
LIST_KEYS = {
    "id", "accountId", "title", "status", "importance", "createdDate", "updatedDate", "dates", "scope",
    "customStatusId", "permalink", "priority",
}  # fmt: skip


def project(sandbox: Sandbox, title: str = "API Gateway Migration") -> Entity:
    return next(f for f in sandbox.workspace["folders"].values() if f["title"] == title)


def client_for(server: SandboxServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.api_url, headers={"Authorization": f"bearer {token}"}, timeout=10)


def other_user_token(sandbox: Sandbox) -> str:
    """A plain member, not in the Private "Leadership" space."""
    people = [c["id"] for c in sandbox.workspace["contacts"].values() if c["type"] == "Person"]
    return sandbox.workspace.named_tokens["user:" + people[3]]


def private_task(sandbox: Sandbox) -> Entity:
    leadership = project(sandbox, "Board Meetings")
    return next(t for t in sandbox.workspace["tasks"].values() if leadership["id"] in t["parentIds"])


def create(api: httpx.Client, folder_id: str, **body: Any) -> Entity:
    response = api.post(f"/folders/{folder_id}/tasks", json={"title": "A task", **body})
    assert response.status_code == 200, response.text
    return response.json()["data"][0]  # type: ignore[no-any-return]


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def test_create_task_answers_the_recorded_shape_and_normalises_dates(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    seen = record_events(sandbox)
    owner = sandbox.workspace.account["ownerId"]
    folder = project(sandbox)
    response = api.post(
        f"/folders/{folder['id']}/tasks",
        json={"title": "Nango create-task test", "description": "Created by <b>Nango</b> dryrun",
              "responsibles": [owner], "dates": {"start": "2026-10-10", "due": "2026-10-15"}},
    )  # fmt: skip
    body = response.json()
    assert response.status_code == 200 and body["kind"] == "tasks"
    task = body["data"][0]
    assert set(task) == RECORDED_TASK_KEYS
    assert task["dates"] == {"type": "Planned", "duration": 1920, "start": "2026-10-12T09:00:00",
                             "due": "2026-10-15T17:00:00"}  # fmt: skip
    assert task["briefDescription"] == "Created by Nango dryrun"
    assert task["sharedIds"] == task["followerIds"] == task["authorIds"] == [owner]
    assert task["followedByMe"] is True and task["status"] == "Active" and task["parentIds"] == [folder["id"]]
    assert task["permalink"].startswith("https://www.wrike.com/open.htm?id=")
    workflow = sandbox.workspace["workflows"][folder["workflowId"]]
    standard = next(s for s in workflow["customStatuses"] if s["group"] == "Active" and s["standard"])
    assert task["customStatusId"] == standard["id"]
    assert seen == [("TaskCreated", {"taskId": task["id"], "eventAuthorId": owner})]


def test_create_without_dates_is_backlog_and_due_only_is_milestone(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    root = sandbox.workspace.root_id
    assert create(api, root)["dates"] == {"type": "Backlog"}
    assert create(api, root, dates={"due": "2026-10-15"})["dates"] == {
        "type": "Milestone",
        "due": "2026-10-15T17:00:00",
    }


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, (400, "parameter_required")),
        ({"title": "  "}, (400, "invalid_parameter")),
        ({"title": "t", "status": "Done"}, (400, "invalid_parameter")),
        ({"title": "t", "dates": {"start": "2026-10-10T09:00:00Z"}}, (400, "invalid_parameter")),
        ({"title": "t", "dates": {"start": "2026-10-15", "due": "2026-10-10"}}, (400, "invalid_parameter")),
        (
            {"title": "t", "customFields": [{"id": "IEAGSBX1JUNOPE00", "value": "1"}]},
            (400, "invalid_parameter"),
        ),
        ({"title": "t", "responsibles": ["KUNOBODY"]}, (400, "invalid_parameter")),
        ({"title": "t", "deleted": True}, (400, "invalid_request")),
    ],
)
def test_create_refuses_bad_parameters(
    api: httpx.Client, sandbox: Sandbox, body: Entity, expected: tuple[int, str]
) -> None:
    count = len(sandbox.workspace["tasks"])
    assert error(api.post(f"/folders/{sandbox.workspace.root_id}/tasks", json=body)) == expected
    assert len(sandbox.workspace["tasks"]) == count


def test_create_targets_root_but_not_the_bin_or_unknown_folders(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    assert create(api, ws.root_id)["parentIds"] == [ws.root_id]
    assert error(api.post(f"/folders/{ws.recycle_bin_id}/tasks", json={"title": "t"})) == (
        400,
        "invalid_parameter",
    )
    assert error(api.post("/folders/MQAAAANOPE00/tasks", json={"title": "t"})) == (404, "resource_not_found")


def test_read_only_token_cannot_create_but_can_list(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    with client_for(sandbox_server, sandbox.workspace.named_tokens["ws_read_only"]) as reader:
        refused = reader.post(f"/folders/{sandbox.workspace.root_id}/tasks", json={"title": "t"})
        assert error(refused) == (403, "access_forbidden")
        assert reader.get("/tasks").status_code == 200


def test_custom_status_and_fields_on_create(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    on_hold = ws.account_id + "JMAAAAAC"
    points = next(f for f in ws["customfields"].values() if f["title"] == "Story Points")
    task = create(api, ws.root_id, customStatus=on_hold, customFields=[{"id": points["id"], "value": 5}],
                  metadata=[{"key": "origin", "value": "test"}])  # fmt: skip
    assert (task["status"], task["customStatusId"]) == ("Deferred", on_hold)
    assert task["customFields"] == [{"id": points["id"], "value": "5"}]
    assert task["metadata"] == [{"key": "origin", "value": "test"}]


def test_list_items_have_the_default_list_fields(api: httpx.Client) -> None:
    for item in api.get("/tasks").json()["data"]:
        assert set(item) - {"completedDate"} == LIST_KEYS
        assert ("completedDate" in item) == (item["status"] == "Completed")


def test_fields_adds_optional_fields_and_refuses_unknown_ones(api: httpx.Client) -> None:
    data = api.get("/tasks", params={"fields": '["description","responsibleIds","subTaskIds"]'}).json()[
        "data"
    ]
    assert all({"description", "responsibleIds", "subTaskIds"} <= set(item) for item in data)
    assert error(api.get("/tasks", params={"fields": '["nope"]'})) == (400, "invalid_parameter")


def test_deleted_parameter_is_not_supported(api: httpx.Client) -> None:
    assert error(api.get("/tasks", params={"deleted": "false"})) == (400, "invalid_request")


def test_paging_repeats_the_query_and_covers_every_task(api: httpx.Client) -> None:
    query = {"status": '["Active","Completed"]', "sortField": "Title"}
    everything = [t["id"] for t in api.get("/tasks", params=query).json()["data"]]
    collected: list[str] = []
    page = api.get("/tasks", params={**query, "pageSize": 7}).json()
    assert page["responseSize"] == len(everything) > 14
    while True:
        collected += [t["id"] for t in page["data"]]
        if "nextPageToken" not in page:
            break
        page = api.get("/tasks", params={**query, "nextPageToken": page["nextPageToken"]}).json()
    assert collected == everything
    first = api.get("/tasks", params={**query, "pageSize": 7}).json()
    changed = api.get("/tasks", params={"status": "Active", "nextPageToken": first["nextPageToken"]})
    assert error(changed) == (400, "invalid_parameter")


def test_limit_and_page_size_bounds(api: httpx.Client) -> None:
    assert len(api.get("/tasks", params={"limit": 3}).json()["data"]) == 3
    assert error(api.get("/tasks", params={"pageSize": 1001})) == (400, "invalid_parameter")


def test_simple_filters_match_the_stored_tasks(api: httpx.Client, sandbox: Sandbox) -> None:
    live = [t for t in sandbox.workspace["tasks"].values() if not t["superTaskIds"]]
    status = live[2]["customStatusId"]
    someone = live[0]["responsibleIds"][0] if live[0]["responsibleIds"] else live[0]["authorIds"][0]
    cases: list[tuple[dict[str, str], Any]] = [
        ({"status": "Completed"}, lambda t: t["status"] == "Completed"),
        ({"status": '["Deferred","Cancelled"]'}, lambda t: t["status"] in ("Deferred", "Cancelled")),
        ({"importance": "High"}, lambda t: t["importance"] == "High"),
        ({"title": "PLAN"}, lambda t: "plan" in t["title"].lower()),
        ({"type": "Milestone"}, lambda t: t["dates"]["type"] == "Milestone"),
        ({"responsibles": f'["{someone}"]'}, lambda t: someone in t["responsibleIds"]),
        ({"authors": f'["{someone}"]'}, lambda t: someone in t["authorIds"]),
        ({"permalink": live[1]["permalink"]}, lambda t: t["id"] == live[1]["id"]),
        ({"customStatuses": f'["{status}"]'}, lambda t: t["customStatusId"] == status),
        ({"createdDate": '{"start":"2026-06-01T00:00:00Z","end":"2026-08-01T00:00:00Z"}'},
         lambda t: "2026-06-01T00:00:00Z" <= t["createdDate"] < "2026-08-01T00:00:00Z"),
        ({"dueDate": '{"start":"2026-09-01","end":"2026-09-30"}'},
         lambda t: "2026-09-01" <= t["dates"].get("due", "0")[:10] <= "2026-09-30"),
    ]  # fmt: skip
    for query, wanted in cases:
        got = {t["id"] for t in api.get("/tasks", params=query).json()["data"]}
        assert got == {t["id"] for t in live if wanted(t)}, query
        assert got, query


def test_date_filters_validate_their_formats(api: httpx.Client) -> None:
    bad = [
        ("createdDate", '{"start":"2026-06-01"}'),
        ("updatedDate", '{"start":"2026-06-01T00:00:00.000Z"}'),
        ("dueDate", '{"start":"2026-06-01T00:00:00Z"}'),
        ("startDate", '{"from":"2026-06-01"}'),
    ]
    for name, value in bad:
        response = api.get("/tasks", params={name: value})
        assert response.json() == {
            "errorDescription": f"Parameter '{name}' value is invalid",
            "error": "invalid_parameter",
        }


def test_custom_field_filters(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    points = next(f for f in ws["customfields"].values() if f["title"] == "Story Points")["id"]
    severity = next(f for f in ws["customfields"].values() if f["title"] == "Severity")["id"]
    live = [t for t in ws["tasks"].values() if not t["superTaskIds"]]

    def value(task: Entity, field: str) -> str | None:
        return next((c["value"] for c in task["customFields"] if c["id"] == field), None)

    def number(task: Entity) -> float:
        return float(value(task, points) or 0)

    cases: list[tuple[Entity, Any]] = [
        ({"id": points, "comparator": "GreaterThan", "value": "3"}, lambda t: number(t) > 3),
        ({"id": points, "comparator": "LessThan", "value": 3}, lambda t: 0 < number(t) < 3),
        ({"id": points, "comparator": "IsEmpty"}, lambda t: value(t, points) is None),
        ({"id": severity, "comparator": "IsNotEmpty"}, lambda t: value(t, severity) is not None),
        ({"id": severity, "comparator": "EqualTo", "value": "Major"}, lambda t: value(t, severity) == "Major"),  # noqa: E501
        ({"id": severity, "comparator": "Contains", "value": "maj"}, lambda t: value(t, severity) == "Major"),
    ]  # fmt: skip
    for entry, wanted in cases:
        got = {
            t["id"] for t in api.get("/tasks", params={"customFields": json.dumps([entry])}).json()["data"]
        }
        assert got == {t["id"] for t in live if wanted(t)}, entry
    unknown = api.get("/tasks", params={"customFields": '[{"id":"IEAGSBX1JUNOPE00","comparator":"IsEmpty"}]'})
    assert error(unknown) == (400, "invalid_parameter")


def test_sorting_by_title_descending(api: httpx.Client) -> None:
    titles = [
        t["title"].lower()
        for t in api.get("/tasks", params={"sortField": "Title", "sortOrder": "Desc"}).json()["data"]
    ]
    assert titles == sorted(titles, reverse=True)


def test_folder_tasks_are_direct_unless_descendants(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    folder = project(sandbox)
    below = {folder["id"], *folder["childIds"]}
    direct = {t["id"] for t in api.get(f"/folders/{folder['id']}/tasks").json()["data"]}
    deep = {
        t["id"]
        for t in api.get(f"/folders/{folder['id']}/tasks", params={"descendants": "true"}).json()["data"]
    }
    tops = [t for t in ws["tasks"].values() if not t["superTaskIds"]]
    assert direct == {t["id"] for t in tops if folder["id"] in t["parentIds"]}
    assert deep == {t["id"] for t in tops if below & set(t["parentIds"])} and direct < deep


def test_subtasks_are_listed_only_with_subtasks_true(api: httpx.Client, sandbox: Sandbox) -> None:
    parent = next(t for t in sandbox.workspace["tasks"].values() if t["subTaskIds"])
    sub_id = parent["subTaskIds"][0]
    assert sub_id not in {t["id"] for t in api.get("/tasks").json()["data"]}
    with_subs = api.get("/tasks", params={"subTasks": "true", "fields": '["superTaskIds"]'}).json()["data"]
    assert next(t for t in with_subs if t["id"] == sub_id)["superTaskIds"] == [parent["id"]]


def test_create_subtask_links_both_sides(api: httpx.Client, sandbox: Sandbox) -> None:
    parent = next(t for t in sandbox.workspace["tasks"].values() if not t["superTaskIds"])
    sub = create(api, sandbox.workspace.root_id, superTasks=[parent["id"]])
    assert sub["superTaskIds"] == [parent["id"]]
    assert sub["id"] in api.get(f"/tasks/{parent['id']}").json()["data"][0]["subTaskIds"]
    assert set(sub["superParentIds"]) == set(parent["parentIds"])


def test_get_tasks_by_ids_full_model_and_errors(
    api: httpx.Client, sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    ids = list(sandbox.workspace["tasks"])[:3]
    data = api.get(f"/tasks/{','.join(ids)}").json()["data"]
    assert [t["id"] for t in data] == ids
    assert all(set(t) - {"completedDate"} == RECORDED_TASK_KEYS - {"attachmentCount"} for t in data)
    assert error(api.get(f"/tasks/{ids[0]},MAAAAANOPE00")) == (404, "resource_not_found")
    assert error(api.get("/tasks/" + ",".join(["MAAAAANOPE00"] * 101))) == (400, "invalid_parameter")
    with client_for(sandbox_server, other_user_token(sandbox)) as other:
        assert error(other.get(f"/tasks/{private_task(sandbox)['id']}")) == (403, "access_forbidden")
        assert private_task(sandbox)["id"] not in {t["id"] for t in other.get("/tasks").json()["data"]}


def test_update_status_title_and_dates_emit_events(api: httpx.Client, sandbox: Sandbox, clock: Any) -> None:
    task = create(api, sandbox.workspace.root_id, title="Before")
    seen = record_events(sandbox)
    clock.advance(60)
    body = {"title": "After", "status": "Completed", "dates": {"due": "2026-10-16"}, "importance": "High"}
    response = api.put(f"/tasks/{task['id']}", json=body)
    updated = response.json()["data"][0]
    assert (
        updated["status"] == "Completed"
        and updated["customStatusId"] == sandbox.workspace.account_id + "JMAAAAAB"
    )
    assert updated["completedDate"] == updated["updatedDate"] > task["updatedDate"]
    kinds = [kind for kind, _ in seen]
    assert kinds == ["TaskTitleChanged", "TaskImportanceChanged", "TaskDatesChanged", "TaskStatusChanged"]
    assert seen[0][1] == {
        "taskId": task["id"],
        "eventAuthorId": task["authorIds"][0],
        "oldValue": "Before",
        "title": "After",
    }
    assert seen[3][1]["oldStatus"] == "Active" and seen[3][1]["status"] == "Completed"
    reopened = api.put(f"/tasks/{task['id']}", json={"status": "Active"}).json()["data"][0]
    assert "completedDate" not in reopened


def test_update_lists_and_custom_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    severity = next(f for f in ws["customfields"].values() if f["title"] == "Severity")["id"]
    folder = project(sandbox)
    task = create(api, ws.root_id)
    seen = record_events(sandbox)
    body = {"addParents": [folder["id"]], "removeParents": [ws.root_id], "addResponsibles": people[2:4],
            "customFields": [{"id": severity, "value": "Minor"}], "description": "<p>new</p>"}  # fmt: skip
    updated = api.put(f"/tasks/{task['id']}", json=body).json()["data"][0]
    assert updated["parentIds"] == [folder["id"]] and updated["responsibleIds"] == people[2:4]
    assert set(people[2:4]) <= set(updated["sharedIds"]) and updated["briefDescription"] == "new"
    kinds = {kind for kind, _ in seen}
    assert kinds == {"TaskParentsAdded", "TaskParentsRemoved", "TaskResponsiblesAdded", "TaskSharedsAdded",
                     "TaskDescriptionChanged", "TaskCustomFieldChanged"}  # fmt: skip
    body = {"customFields": [{"id": severity, "value": None}], "removeResponsibles": [people[2]]}
    cleared = api.put(f"/tasks/{task['id']}", json=body).json()["data"][0]
    assert cleared["customFields"] == [] and cleared["responsibleIds"] == [people[3]]
    invalid = api.put(f"/tasks/{task['id']}", json={"customFields": [{"id": severity, "value": "Bogus"}]})
    assert error(invalid) == (400, "invalid_parameter")
    assert error(api.put(f"/tasks/{task['id']}", json={"addParents": [ws.recycle_bin_id]})) == (
        400,
        "invalid_parameter",
    )


def test_bulk_update_applies_the_bulk_parameters_only(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    a, b = create(api, ws.root_id), create(api, ws.root_id)
    cancelled = ws.account_id + "JMAAAAAD"
    data = api.put(f"/tasks/{a['id']},{b['id']}", json={"customStatus": cancelled}).json()["data"]
    assert [(t["id"], t["status"]) for t in data] == [(a["id"], "Cancelled"), (b["id"], "Cancelled")]
    refused = api.put(f"/tasks/{a['id']},{b['id']}", json={"title": "same"})
    assert error(refused) == (400, "invalid_request") and ws["tasks"][a["id"]]["title"] == "A task"


def test_priority_before_orders_a_task_ahead(api: httpx.Client, sandbox: Sandbox) -> None:
    first = create(api, sandbox.workspace.root_id)
    second = create(api, sandbox.workspace.root_id, priorityBefore=first["id"])
    assert second["priority"] < first["priority"]


def test_delete_moves_to_the_bin_and_restore_brings_back(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    parent = next(t for t in ws["tasks"].values() if t["subTaskIds"] and not t["superTaskIds"])
    seen = record_events(sandbox)
    trashed = api.delete(f"/tasks/{parent['id']}").json()["data"][0]
    assert trashed["scope"] == "RbTask" and trashed["parentIds"] == [ws.recycle_bin_id]
    assert seen == [("TaskDeleted", {"taskId": parent["id"], "eventAuthorId": ws.account["ownerId"]})]
    listed = {t["id"] for t in api.get("/tasks", params={"subTasks": "true"}).json()["data"]}
    assert parent["id"] not in listed and parent["subTaskIds"][0] not in listed
    bin_ids = {t["id"] for t in api.get(f"/folders/{ws.recycle_bin_id}/tasks").json()["data"]}
    assert parent["id"] in bin_ids
    assert error(api.delete(f"/tasks/{parent['id']}")) == (400, "invalid_request")
    restored = api.put(f"/tasks/{parent['id']}", json={"restore": True}).json()["data"][0]
    assert restored["scope"] == "WsTask" and restored["parentIds"] == [ws.root_id]
    assert parent["subTaskIds"][0] in {
        t["id"] for t in api.get("/tasks", params={"subTasks": "true"}).json()["data"]
    }


def test_space_tasks_cover_the_space_subtree(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    marketing = next(s for s in ws["spaces"].values() if s["title"] == "Marketing")
    got = {t["id"] for t in api.get(f"/spaces/{marketing['id']}/tasks").json()["data"]}
    from wrike_mcp.sandbox.items_access import ancestors

    assert got == {
        t["id"] for t in ws["tasks"].values() if not t["superTaskIds"] and marketing["id"] in ancestors(ws, t)
    }
    assert got and error(api.get("/spaces/MQAAAANOPE00/tasks")) == (404, "resource_not_found")
