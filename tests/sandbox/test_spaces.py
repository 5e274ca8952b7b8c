"""Spaces and the account over real HTTP."""

from __future__ import annotations

import httpx

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.store import Entity

# Keys of the Appendix A GET /spaces example (a Public space).
RECORDED_SPACE_KEYS = {
    "id", "title", "avatarUrl", "accessType", "archived", "guestRoleId", "defaultProjectWorkflowId",
    "defaultTaskWorkflowId",
}  # fmt: skip
ACCOUNT_KEYS = {
    "id", "name", "dateFormat", "firstDayOfWeek", "workDays", "rootFolderId", "recycleBinId", "createdDate",
    "joinedDate",
}  # fmt: skip


def space(sandbox: Sandbox, title: str) -> Entity:
    return next(s for s in sandbox.workspace["spaces"].values() if s["title"] == title)


def error(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]


def as_user(server: SandboxServer, sandbox: Sandbox, index: int) -> httpx.Client:
    people = [c["id"] for c in sandbox.workspace["contacts"].values() if c["type"] == "Person"]
    token = sandbox.workspace.named_tokens["user:" + people[index]]
    return httpx.Client(base_url=server.api_url, headers={"Authorization": f"bearer {token}"}, timeout=10)


def test_list_spaces_has_the_recorded_shape(api: httpx.Client) -> None:
    body = api.get("/spaces").json()
    assert body["kind"] == "spaces"
    by_title = {s["title"]: s for s in body["data"]}
    assert set(by_title) == {"Engineering", "Marketing", "Leadership", "Personal"}
    assert set(by_title["Engineering"]) - {"description"} == RECORDED_SPACE_KEYS
    assert by_title["Leadership"]["accessType"] == "Private" and "guestRoleId" not in by_title["Leadership"]


def test_space_filters_and_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    public = api.get("/spaces", params={"accessTypes": '["Public"]'}).json()["data"]
    assert {s["title"] for s in public} == {"Engineering", "Marketing"}
    assert [s["title"] for s in api.get("/spaces", params={"title": "mark"}).json()["data"]] == ["Marketing"]
    members = api.get("/spaces", params={"fields": '["members"]'}).json()["data"]
    leadership = next(s for s in members if s["title"] == "Leadership")
    assert [m["id"] for m in leadership["members"]] == [
        m["id"] for m in space(sandbox, "Leadership")["members"]
    ]
    assert error(api.get("/spaces", params={"accessTypes": '["Secret"]'})) == (400, "invalid_parameter")
    one = api.get(
        f"/spaces/{space(sandbox, 'Engineering')['id']}", params={"fields": '["suggestedTaskWorkflows"]'}
    )
    assert one.json()["data"][0]["suggestedTaskWorkflowIds"] == [
        space(sandbox, "Engineering")["defaultTaskWorkflowId"]
    ]


def test_private_space_is_only_for_its_members(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    leadership = space(sandbox, "Leadership")
    with as_user(sandbox_server, sandbox, 5) as other:
        assert "Leadership" not in {s["title"] for s in other.get("/spaces").json()["data"]}
        assert error(other.get(f"/spaces/{leadership['id']}")) == (403, "access_forbidden")
        assert error(other.get(f"/spaces/{leadership['id']}/folders")) == (403, "access_forbidden")
    with as_user(sandbox_server, sandbox, 1) as admin:
        assert admin.get(f"/spaces/{leadership['id']}").status_code == 200


def test_unknown_space_is_not_found(api: httpx.Client) -> None:
    assert error(api.get("/spaces/MQAAAANOPE00")) == (404, "resource_not_found")


def test_create_update_and_delete_a_space(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    owner = ws.account["ownerId"]
    created = api.post("/spaces", json={"title": "Research", "accessType": "Private"}).json()["data"][0]
    assert created["accessType"] == "Private" and created["id"] in ws["folders"][ws.root_id]["childIds"]
    assert ws["spaces"][created["id"]]["members"][0]["id"] == owner
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    body = {"title": "Research Lab", "accessType": "Public", "membersAdd": [{"id": people[3]}]}
    updated = api.put(f"/spaces/{created['id']}", json={**body, "fields": '["members"]'}).json()["data"][0]
    assert updated["title"] == ws["folders"][created["id"]]["title"] == "Research Lab"
    assert [m["id"] for m in updated["members"]] == [owner, people[3]]
    folder = api.post(f"/folders/{created['id']}/folders", json={"title": "Inside"}).json()["data"][0]
    assert api.delete(f"/spaces/{created['id']}").json() == {"kind": "spaces", "data": []}
    assert created["id"] not in ws["spaces"] and ws["folders"][folder["id"]]["scope"] == "RbFolder"
    assert error(api.post("/spaces", json={"title": "x"})) == (400, "parameter_required")
    assert error(api.post("/spaces", json={"title": "x", "accessType": "Personal"})) == (
        400,
        "invalid_parameter",
    )


def test_read_only_token_cannot_create_a_space(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    token = sandbox.workspace.named_tokens["ws_read_only"]
    with httpx.Client(
        base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}
    ) as reader:
        assert error(reader.post("/spaces", json={"title": "x", "accessType": "Public"})) == (
            403,
            "access_forbidden",
        )
        assert reader.get("/spaces").status_code == 200


def test_account_default_and_optional_fields(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/account").json()
    assert body["kind"] == "accounts" and set(body["data"][0]) == ACCOUNT_KEYS
    assert body["data"][0]["rootFolderId"] == sandbox.workspace.root_id
    rich = api.get("/account", params={"fields": '["subscription","metadata","customFields"]'}).json()[
        "data"
    ][0]
    assert set(rich) == ACCOUNT_KEYS | {"subscription", "metadata", "customFields"}
    assert error(api.get("/account", params={"fields": '["owner"]'})) == (400, "invalid_parameter")


def test_account_metadata_is_written_by_admins_only(
    api: httpx.Client, sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    written = api.put("/account", json={"metadata": [{"key": "team", "value": "core"}]}).json()["data"][0]
    assert written["metadata"] == [{"key": "team", "value": "core"}]
    assert len(api.get("/account", params={"metadata": '{"key":"team","value":"core"}'}).json()["data"]) == 1
    assert api.get("/account", params={"metadata": '{"key":"team","value":"other"}'}).json()["data"] == []
    removed = api.put("/account", json={"metadata": [{"key": "team", "value": None}]}).json()["data"][0]
    assert removed["metadata"] == []
    assert error(api.put("/account", json={"metadata": [{"key": "bad key!", "value": "x"}]})) == (
        400,
        "invalid_parameter",
    )
    with as_user(sandbox_server, sandbox, 4) as member:
        assert error(member.put("/account", json={"metadata": []})) == (403, "access_forbidden")
