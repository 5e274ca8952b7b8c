"""Folders and projects over real HTTP: tree and filtered modes, get, create, update, delete, copy."""

from __future__ import annotations

import httpx

from tests.sandbox.recording import record_events
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.store import Entity

# Keys of the recorded GET /folders/{id} project (NANGO get-folder), §4.3.
RECORDED_FOLDER_KEYS = {
    "id", "accountId", "title", "createdDate", "updatedDate", "description", "sharedIds", "parentIds",
    "childIds", "superParentIds", "scope", "hasAttachments", "permalink", "workflowId", "metadata",
    "customFields", "project",
}  # fmt: skip
TREE_KEYS = {"id", "title", "childIds", "scope", "project"}
PROJECT_KEYS = {"authorId", "ownerIds", "customStatusId", "startDate", "endDate", "createdDate"}


def named(sandbox: Sandbox, title: str) -> Entity:
    return next(f for f in sandbox.workspace["folders"].values() if f["title"] == title)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def test_tree_mode_lists_root_spaces_and_the_bin(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    body = api.get("/folders").json()
    assert body["kind"] == "folderTree"
    entries = {e["id"]: e for e in body["data"]}
    assert body["data"][0] == {
        "id": ws.root_id,
        "title": "Root",
        "childIds": list(ws["spaces"]),
        "scope": "WsRoot",
    }
    assert entries[ws.recycle_bin_id]["scope"] == "RbRoot"
    assert all(set(e) <= TREE_KEYS for e in body["data"])
    assert {entries[s]["title"] for s in ws["spaces"]} == {
        "Engineering",
        "Marketing",
        "Leadership",
        "Personal",
    }
    for entry in body["data"]:
        for child in entry["childIds"]:
            assert entry["id"] in ws["folders"][child]["parentIds"]
    assert set(entries[named(sandbox, "API Gateway Migration")["id"]]["project"]) == PROJECT_KEYS
    without_bin = {e["id"] for e in api.get("/folders", params={"deleted": "false"}).json()["data"]}
    assert ws.recycle_bin_id not in without_bin and ws.root_id in without_bin


def test_folder_subtree_includes_the_folder_itself(api: httpx.Client, sandbox: Sandbox) -> None:
    platform = named(sandbox, "Platform")
    data = api.get(f"/folders/{platform['id']}/folders").json()["data"]
    assert data[0]["id"] == platform["id"]
    assert {e["title"] for e in data} == {
        "Platform",
        "API Gateway Migration",
        "Observability",
        "Design",
        "Rollout",
    }
    assert error(api.get(f"/folders/{platform['id']}/folders", params={"deleted": "true"})) == (
        400,
        "invalid_request",
    )


def test_filters_switch_to_full_folder_models(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/folders", params={"project": "true"}).json()
    assert body["kind"] == "folders"
    assert body["data"] and all(
        "project" in f and "childIds" in f and "workflowId" in f for f in body["data"]
    )
    projects = {f["id"] for f in sandbox.workspace["folders"].values() if "project" in f}
    assert {f["id"] for f in body["data"]} == projects
    folders_only = api.get(
        "/folders", params={"project": "false", "fields": '["description","space"]'}
    ).json()
    assert all("project" not in f and "description" in f for f in folders_only["data"])
    assert {f["title"] for f in folders_only["data"] if f["space"]} == {
        "Engineering",
        "Marketing",
        "Leadership",
        "Personal",
    }
    titled = api.get("/folders", params={"title": "sprint"}).json()["data"]
    assert {f["title"] for f in titled} == {"Sprints", "Sprint 14", "Sprint 15"}


def test_descendants_false_gives_direct_children(api: httpx.Client, sandbox: Sandbox) -> None:
    mobile = named(sandbox, "Mobile App")
    data = api.get(f"/folders/{mobile['id']}/folders", params={"descendants": "false"}).json()["data"]
    assert [f["id"] for f in data] == mobile["childIds"]


def test_filtered_mode_pages(api: httpx.Client) -> None:
    everything = [f["id"] for f in api.get("/folders", params={"descendants": "true"}).json()["data"]]
    page = api.get("/folders", params={"descendants": "true", "pageSize": 5}).json()
    collected = []
    while True:
        collected += [f["id"] for f in page["data"]]
        if "nextPageToken" not in page:
            break
        page = api.get(
            "/folders", params={"descendants": "true", "nextPageToken": page["nextPageToken"]}
        ).json()
    assert collected == everything and len(everything) > 10


def test_get_folders_has_the_recorded_shape_and_refuses_root(api: httpx.Client, sandbox: Sandbox) -> None:
    gateway = named(sandbox, "API Gateway Migration")
    data = api.get(f"/folders/{gateway['id']}").json()["data"]
    assert set(data[0]) == RECORDED_FOLDER_KEYS and set(data[0]["project"]) == PROJECT_KEYS
    root = api.get(f"/folders/{sandbox.workspace.root_id}")
    assert root.status_code == 403
    assert root.json() == {
        "errorDescription": "Operation is not allowed for logical folder",
        "error": "not_allowed",
    }
    assert error(api.get("/folders/MQAAAANOPE00")) == (404, "resource_not_found")


def test_private_space_is_hidden_from_other_members(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    board = named(sandbox, "Board Meetings")
    token = ws.named_tokens["user:" + people[4]]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as other:
        assert error(other.get(f"/folders/{board['id']}")) == (403, "access_forbidden")
        tree = other.get("/folders").json()["data"]
        assert board["id"] not in {e["id"] for e in tree}
        assert named(sandbox, "Leadership")["id"] not in tree[0]["childIds"]


def test_create_folder_and_project(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    owner = ws.account["ownerId"]
    seen = record_events(sandbox)
    parent = named(sandbox, "Engineering")
    folder = api.post(f"/folders/{parent['id']}/folders", json={"title": "Research"}).json()["data"][0]
    assert set(folder) == RECORDED_FOLDER_KEYS - {"project"}
    assert folder["parentIds"] == [parent["id"]] and folder["id"] in ws["folders"][parent["id"]]["childIds"]
    assert folder["workflowId"] == parent["workflowId"] and folder["sharedIds"] == [owner]
    body = {"title": "Launch", "project": {"ownerIds": [owner], "status": "Green", "startDate": "2026-10-01",
                                          "endDate": "2026-12-01"}}  # fmt: skip
    made = api.post(f"/folders/{folder['id']}/folders", json=body).json()["data"][0]
    assert made["project"]["status"] == "Green" and made["project"]["startDate"] == "2026-10-01"
    assert made["project"]["authorId"] == owner and "customStatusId" in made["project"]
    assert [kind for kind, _ in seen] == ["FolderCreated", "FolderCreated"]
    assert error(api.post(f"/folders/{folder['id']}/folders", json={})) == (400, "parameter_required")
    bad = api.post(f"/folders/{folder['id']}/folders", json={"title": "x", "project": {"status": "Purple"}})
    assert error(bad) == (400, "invalid_parameter")
    assert error(api.post(f"/folders/{ws.recycle_bin_id}/folders", json={"title": "x"})) == (
        400,
        "invalid_parameter",
    )


def test_read_only_token_cannot_create_folders(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    token = sandbox.workspace.named_tokens["ws_read_only"]
    with httpx.Client(
        base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}
    ) as reader:
        response = reader.post(f"/folders/{sandbox.workspace.root_id}/folders", json={"title": "x"})
        assert error(response) == (403, "access_forbidden")


def test_update_title_parents_and_project_conversion(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    design, rollout = named(sandbox, "Design"), named(sandbox, "Rollout")
    gateway = named(sandbox, "API Gateway Migration")
    seen = record_events(sandbox)
    body = {"title": "Design docs", "addParents": [rollout["id"]], "removeParents": [gateway["id"]]}
    updated = api.put(f"/folders/{design['id']}", json=body).json()["data"][0]
    assert updated["title"] == "Design docs" and updated["parentIds"] == [rollout["id"]]
    assert (
        design["id"] in ws["folders"][rollout["id"]]["childIds"] and design["id"] not in gateway["childIds"]
    )
    assert [kind for kind, _ in seen] == ["FolderTitleChanged", "FolderParentsAdded", "FolderParentsRemoved"]
    assert seen[0][1] == {"folderId": design["id"], "eventAuthorId": ws.account["ownerId"],
                          "oldValue": "Design", "title": "Design docs"}  # fmt: skip
    for bad in (
        {"addParents": [ws.root_id]},
        {"addParents": [design["id"]]},
        {"removeParents": [ws.recycle_bin_id]},
    ):
        assert error(api.put(f"/folders/{rollout['id']}", json=bad)) == (400, "invalid_parameter")
    as_project = api.put(f"/folders/{design['id']}", json={"project": {"ownersAdd": [ws.account["ownerId"]]}})
    assert as_project.json()["data"][0]["project"]["ownerIds"] == [ws.account["ownerId"]]
    as_folder = api.put(f"/folders/{gateway['id']}", params={"project": "null"}).json()["data"][0]
    assert "project" not in as_folder


def test_bulk_folder_update_refuses_single_only_parameters(api: httpx.Client, sandbox: Sandbox) -> None:
    blog, social = named(sandbox, "Blog"), named(sandbox, "Social")
    budget = next(f for f in sandbox.workspace["customfields"].values() if f["title"] == "Budget")["id"]
    data = api.put(
        f"/folders/{blog['id']},{social['id']}", json={"customFields": [{"id": budget, "value": "100"}]}
    )
    assert [f["customFields"] for f in data.json()["data"]] == [[{"id": budget, "value": "100"}]] * 2
    assert error(api.put(f"/folders/{blog['id']},{social['id']}", json={"title": "x"})) == (
        400,
        "invalid_request",
    )


def test_delete_trashes_the_subtree_and_restore_brings_it_back(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    gateway = named(sandbox, "API Gateway Migration")
    inside = [t["id"] for t in ws["tasks"].values() if t["parentIds"] == [gateway["id"]]]
    seen = record_events(sandbox)
    trashed = api.delete(f"/folders/{gateway['id']}").json()["data"][0]
    assert trashed["scope"] == "RbFolder" and trashed["parentIds"] == [ws.recycle_bin_id]
    assert seen == [("FolderDeleted", {"folderId": gateway["id"], "eventAuthorId": ws.account["ownerId"]})]
    assert all(ws["tasks"][t]["scope"] == "RbTask" for t in inside) and inside
    assert not {t["id"] for t in api.get("/tasks").json()["data"]} & set(inside)
    assert gateway["id"] not in named(sandbox, "Platform")["childIds"]
    bin_tree = api.get("/folders", params={"deleted": "true"}).json()["data"]
    assert {e["id"] for e in bin_tree} >= {ws.recycle_bin_id, gateway["id"], *gateway["childIds"]}
    assert error(api.delete(f"/folders/{gateway['id']}")) == (400, "invalid_request")
    restored = api.put(f"/folders/{gateway['id']}", json={"restore": True}).json()["data"][0]
    assert restored["scope"] == "WsFolder" and restored["parentIds"] == [ws.root_id]
    assert all(ws["tasks"][t]["scope"] == "WsTask" for t in inside)
    assert error(api.delete(f"/folders/{named(sandbox, 'Engineering')['id']}")) == (403, "not_allowed")


def test_copy_folder_copies_the_subtree_and_its_tasks(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    gateway = named(sandbox, "API Gateway Migration")
    originals = [t for t in ws["tasks"].values() if gateway["id"] in t["parentIds"]]
    body = {"parent": ws.root_id, "title": "Gateway v2", "titlePrefix": "[v2] ", "copyStatuses": False}
    copied = api.post(f"/copy_folder/{gateway['id']}", json=body).json()["data"][0]
    assert copied["title"] == "Gateway v2" and copied["parentIds"] == [ws.root_id] and "project" in copied
    assert [ws["folders"][c]["title"] for c in copied["childIds"]] == ["Design", "Rollout"]
    copies = [t for t in ws["tasks"].values() if copied["id"] in t["parentIds"]]
    assert sorted(t["title"] for t in copies) == sorted("[v2] " + t["title"] for t in originals)
    assert all(t["status"] == "Active" for t in copies)
    small = api.post(f"/copy_folder/{gateway['id']}", json={**body, "entryLimit": 1})
    assert error(small) == (400, "invalid_parameter")
    assert error(api.post(f"/copy_folder/{gateway['id']}", json={"title": "x"})) == (
        400,
        "parameter_required",
    )


def test_async_copy_answers_a_job_that_completes(api: httpx.Client, sandbox: Sandbox) -> None:
    gateway = named(sandbox, "API Gateway Migration")
    body = {"parent": sandbox.workspace.root_id, "title": "Async copy"}
    job = api.post(f"/copy_folder_async/{gateway['id']}", json=body).json()
    assert job["kind"] == "asyncJob" and job["data"][0]["type"] == "CopyFolder"
    done = api.get(f"/async_job/{job['data'][0]['id']}").json()["data"][0]
    assert done["status"] == "Completed"
    assert sandbox.workspace["folders"][done["result"]["folderId"]]["title"] == "Async copy"


def test_a_trashed_private_folder_stays_private(
    api: httpx.Client, sandbox_server: SandboxServer, sandbox: Sandbox
) -> None:
    ws = sandbox.workspace
    board = named(sandbox, "Board Meetings")
    inside = next(t["id"] for t in ws["tasks"].values() if board["id"] in t["parentIds"])
    assert api.delete(f"/folders/{board['id']}").status_code == 200
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    token = ws.named_tokens["user:" + people[4]]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as other:
        assert board["id"] not in {
            e["id"] for e in other.get("/folders", params={"deleted": "true"}).json()["data"]
        }
        assert error(other.get(f"/tasks/{inside}")) == (403, "access_forbidden")
        binned = other.get(f"/folders/{ws.recycle_bin_id}/tasks", params={"descendants": "true"}).json()[
            "data"
        ]
        assert inside not in {t["id"] for t in binned}
    assert api.get(f"/tasks/{inside}").json()["data"][0]["scope"] == "RbTask"
