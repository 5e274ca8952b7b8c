"""Workflows and custom statuses over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

STATUS_KEYS = ["standardName", "standard", "id", "name", "color", "group", "hidden"]
WORKFLOW_KEYS = ["id", "name", "standard", "hidden", "customStatuses", "description"]


@pytest.fixture
def admin(sandbox_server: SandboxServer, sandbox: Sandbox) -> Iterator[httpx.Client]:
    token = sandbox.workspace.named_tokens["workflow_admin"]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        yield c


def default_workflow(api: httpx.Client) -> dict[str, Any]:
    return next(w for w in api.get("/workflows").json()["data"] if w["standard"])


def test_default_workflow_matches_the_recording(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/workflows").json()
    assert body["kind"] == "workflows"
    workflow = default_workflow(api)
    assert list(workflow) == WORKFLOW_KEYS
    assert workflow["id"] == sandbox.workspace.account_id + "K77ZC47W"
    assert [list(s) for s in workflow["customStatuses"]] == [STATUS_KEYS] * 5
    names = [s["name"] for s in workflow["customStatuses"]]
    assert names == ["New", "In Progress", "Completed", "On Hold", "Cancelled"]


def test_every_read_scope_can_list_workflows(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    for name in ("default", "ws_read_only", "ws_read_write", "workflow_read", "workflow_admin"):
        token = sandbox.workspace.named_tokens[name]
        response = httpx.get(
            f"{sandbox_server.api_url}/workflows", headers={"Authorization": f"bearer {token}"}
        )
        assert response.status_code == 200, name
    token = sandbox.workspace.named_tokens["user_read"]
    refused = httpx.get(f"{sandbox_server.api_url}/workflows", headers={"Authorization": f"bearer {token}"})
    assert refused.status_code == 403


def test_data_usage_statistics_counts_tasks(api: httpx.Client, sandbox: Sandbox) -> None:
    data = api.get("/workflows", params={"fields": '["dataUsageStatistics"]'}).json()["data"]
    total = sum(w["dataUsageStatistics"]["tasksCount"] for w in data)
    assert total == len(sandbox.workspace["tasks"])


def test_default_token_cannot_create_or_change_workflows(api: httpx.Client) -> None:
    created = api.post("/workflows", json={"name": "Nope"})
    assert created.status_code == 403 and created.json()["error"] == "access_forbidden"
    changed = api.put(f"/workflows/{default_workflow(api)['id']}", json={"description": "x"})
    assert changed.status_code == 403


def test_create_workflow_starts_with_a_status_per_group(admin: httpx.Client) -> None:
    body = admin.post("/workflows", json={"name": "Review flow", "description": "For reviews"}).json()
    [workflow] = body["data"]
    assert list(workflow) == WORKFLOW_KEYS
    assert (workflow["name"], workflow["standard"]) == ("Review flow", False)
    assert workflow["description"] == "For reviews"
    groups = sorted(s["group"] for s in workflow["customStatuses"])
    assert groups == ["Active", "Cancelled", "Completed", "Deferred"]
    assert workflow in admin.get("/workflows").json()["data"]


def test_create_workflow_needs_a_name(admin: httpx.Client) -> None:
    missing = admin.post("/workflows", json={})
    assert missing.status_code == 400 and missing.json()["error"] == "parameter_required"
    too_long = admin.post("/workflows", json={"name": "x" * 129})
    assert too_long.json()["error"] == "invalid_parameter"


def test_status_insert_update_and_hide(admin: httpx.Client) -> None:
    workflow = admin.post("/workflows", json={"name": "Flow"}).json()["data"][0]
    path = f"/workflows/{workflow['id']}"
    insert = {"name": "Review", "group": "Active", "color": "Purple"}
    review = admin.put(path, json={"customStatus": insert}).json()["data"][0]["customStatuses"][-1]
    assert (review["name"], review["group"], review["color"]) == ("Review", "Active", "Purple")
    assert review["standard"] is False
    update = {"id": review["id"], "name": "Peer review", "hidden": True}
    updated = admin.put(path, json={"customStatus": update})
    review = next(s for s in updated.json()["data"][0]["customStatuses"] if s["id"] == review["id"])
    assert (review["name"], review["hidden"], review["group"]) == ("Peer review", True, "Active")


def test_status_rules_are_enforced(admin: httpx.Client) -> None:
    workflow = admin.post("/workflows", json={"name": "Flow"}).json()["data"][0]
    path = f"/workflows/{workflow['id']}"
    first = workflow["customStatuses"][0]
    bad = [
        {"id": first["id"], "group": "Active"},  # id and group together
        {"name": "No group"},  # insert without group
        {"name": "X", "group": "Sideways"},
        {"name": "X", "group": "Active", "color": "Chartreuse"},
        {"id": "IEAGSBX1JMNOPE00", "name": "X"},
        {"id": first["id"], "hidden": True},  # a group's standard status stays visible
    ]
    for status in bad:
        response = admin.put(path, json={"customStatus": status})
        assert response.status_code == 400 and response.json()["error"] == "invalid_parameter", status


def test_rename_and_hide_workflow(admin: httpx.Client) -> None:
    workflow = admin.post("/workflows", json={"name": "Flow"}).json()["data"][0]
    response = admin.put(f"/workflows/{workflow['id']}", json={"name": "Renamed", "hidden": True})
    changed = response.json()["data"][0]
    assert (changed["name"], changed["hidden"]) == ("Renamed", True)


def test_standard_workflow_cannot_be_renamed(admin: httpx.Client) -> None:
    response = admin.put(f"/workflows/{default_workflow(admin)['id']}", json={"name": "Mine"})
    assert response.status_code == 403 and response.json()["error"] == "not_allowed"


def test_unknown_workflow_is_404(admin: httpx.Client) -> None:
    assert admin.put("/workflows/IEAGSBX1K4NOPE00", json={"name": "x"}).status_code == 404


def test_space_workflows_are_the_ones_the_space_uses(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    standard = default_workflow(api)["id"]
    space = next(s for s in ws["spaces"].values() if s["defaultTaskWorkflowId"] != standard)
    ids = {w["id"] for w in api.get(f"/spaces/{space['id']}/workflows").json()["data"]}
    assert ids == {space["defaultTaskWorkflowId"], standard}
    assert api.get("/spaces/MQAAAANOPE00/workflows").status_code == 404


def test_private_space_workflows_are_forbidden_to_outsiders(
    sandbox_server: SandboxServer, sandbox: Sandbox
) -> None:
    ws = sandbox.workspace
    leadership = next(s for s in ws["spaces"].values() if s["title"] == "Leadership")
    members = {m["id"] for m in leadership["members"]}
    user = next(c["id"] for c in ws["contacts"].values() if c["type"] == "Person" and c["id"] not in members)
    headers = {"Authorization": f"bearer {ws.named_tokens['user:' + user]}"}
    response = httpx.get(f"{sandbox_server.api_url}/spaces/{leadership['id']}/workflows", headers=headers)
    assert response.status_code == 403 and response.json()["error"] == "access_forbidden"
