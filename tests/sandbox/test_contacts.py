"""Contacts, users and groups over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.store import TokenGrant

RECORDED_ME = {
    "id": str,
    "firstName": str,
    "lastName": str,
    "type": str,
    "profiles": list,
    "avatarUrl": str,
    "timezone": str,
    "locale": str,
    "deleted": bool,
    "me": bool,
    "title": str,
    "companyName": str,
    "primaryEmail": str,
}  # fmt: skip  (NANGO get-current-user, minus `phone` which our seed people do not have)
PROFILE_KEYS = {"accountId", "email", "role", "external", "admin", "owner", "active"}


def client(server: SandboxServer, token: str) -> httpx.Client:
    return httpx.Client(base_url=server.api_url, headers={"Authorization": f"bearer {token}"}, timeout=10)


@pytest.fixture
def named(sandbox_server: SandboxServer, sandbox: Sandbox) -> Iterator[Any]:
    """Open a client with one of the workspace's named tokens."""
    opened: list[httpx.Client] = []

    def open_client(name: str) -> httpx.Client:
        opened.append(client(sandbox_server, sandbox.workspace.named_tokens[name]))
        return opened[-1]

    yield open_client
    for c in opened:
        c.close()


def people(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [c for c in sandbox.workspace["contacts"].values() if c["type"] == "Person"]


def test_me_filter_returns_the_caller_in_the_recorded_shape(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/contacts", params={"me": "true"}).json()
    assert body["kind"] == "contacts"
    [me] = body["data"]
    assert me["id"] == sandbox.workspace.account["ownerId"]
    assert list(me) == list(RECORDED_ME)
    assert all(isinstance(me[k], t) for k, t in RECORDED_ME.items())
    assert set(me["profiles"][0]) == PROFILE_KEYS


def test_me_flag_is_computed_per_caller(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    other = people(sandbox)[3]
    with client(sandbox_server, sandbox.workspace.named_tokens["user:" + other["id"]]) as as_other:
        data = as_other.get("/contacts").json()["data"]
    flagged = [c["id"] for c in data if c.get("me")]
    assert flagged == [other["id"]]
    assert "me" not in sandbox.workspace["contacts"][other["id"]]


def test_list_has_people_and_the_my_team_group(api: httpx.Client) -> None:
    data = api.get("/contacts").json()["data"]
    assert sum(c["type"] == "Person" for c in data) == 12
    [group] = [c for c in data if c["type"] == "Group"]
    assert group["myTeam"] is True and len(group["memberIds"]) == 12
    assert "metadata" not in group and "userTypeId" not in data[0]


def test_filters_by_type_email_name_and_deleted(api: httpx.Client, sandbox: Sandbox) -> None:
    assert [c["type"] for c in api.get("/contacts", params={"types": '["Group"]'}).json()["data"]] == [
        "Group"
    ]
    found = api.get("/contacts", params={"emails": '["grace@sandbox.example"]'}).json()["data"]
    assert [c["lastName"] for c in found] == ["Hopper"]
    assert [c["firstName"] for c in api.get("/contacts", params={"name": "turing"}).json()["data"]] == [
        "Alan"
    ]
    sandbox.workspace["contacts"][people(sandbox)[5]["id"]]["deleted"] = True
    deleted = api.get("/contacts", params={"deleted": "true"}).json()["data"]
    assert [c["id"] for c in deleted] == [people(sandbox)[5]["id"]]


def test_bad_filter_values_are_invalid_parameter(api: httpx.Client) -> None:
    for params in ({"types": '["Alien"]'}, {"me": "maybe"}, {"fields": '["nope"]'}, {"metadata": "[1]"}):
        response = api.get("/contacts", params=params)
        assert response.status_code == 400, params
        assert response.json()["error"] == "invalid_parameter"


def test_get_by_ids_keeps_order_and_404s_unknown(api: httpx.Client, sandbox: Sandbox) -> None:
    a, b = people(sandbox)[2]["id"], people(sandbox)[1]["id"]
    data = api.get(f"/contacts/{a},{b}").json()["data"]
    assert [c["id"] for c in data] == [a, b]
    missing = api.get(f"/contacts/{a},KUNOPE99")
    assert missing.status_code == 404 and missing.json()["error"] == "resource_not_found"


def test_own_metadata_can_be_set_filtered_and_deleted(api: httpx.Client, sandbox: Sandbox) -> None:
    me = sandbox.workspace.account["ownerId"]
    put = api.put(f"/contacts/{me}", json={"metadata": [{"key": "team", "value": "core"}]})
    assert put.status_code == 200
    assert put.json()["data"][0]["metadata"] == [{"key": "team", "value": "core"}]
    found = api.get(
        "/contacts", params={"metadata": '{"key":"team","value":"core"}', "fields": '["metadata"]'}
    )
    assert [c["id"] for c in found.json()["data"]] == [me]
    api.put(f"/contacts/{me}", json={"metadata": [{"key": "team", "value": None}]})
    assert api.get(f"/contacts/{me}", params={"fields": '["metadata"]'}).json()["data"][0]["metadata"] == []


def test_bad_metadata_key_is_invalid_parameter(api: httpx.Client, sandbox: Sandbox) -> None:
    me = sandbox.workspace.account["ownerId"]
    response = api.put(f"/contacts/{me}", json={"metadata": [{"key": "no spaces", "value": "x"}]})
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"


def test_someone_elses_contact_cannot_be_modified(api: httpx.Client, sandbox: Sandbox) -> None:
    other = people(sandbox)[4]["id"]
    response = api.put(f"/contacts/{other}", json={"metadata": [{"key": "k", "value": "v"}]})
    assert response.status_code == 403 and response.json()["error"] == "access_forbidden"


def test_contact_write_needs_a_write_scope(named: Any, sandbox: Sandbox) -> None:
    me = sandbox.workspace.account["ownerId"]
    response = named("ws_read_only").put(f"/contacts/{me}", json={"metadata": []})
    assert response.status_code == 403


def test_users_need_a_user_scope(api: httpx.Client, named: Any, sandbox: Sandbox) -> None:
    user = people(sandbox)[2]["id"]
    assert api.get(f"/users/{user}").status_code == 403
    body = named("user_read").get(f"/users/{user}").json()
    assert body["kind"] == "users"
    assert body["data"][0]["userTypeId"].endswith("UTREGULR")


def test_user_update_deactivates_and_changes_type(named: Any, sandbox: Sandbox) -> None:
    admin = named("user_admin")
    user = people(sandbox)[2]["id"]
    assert named("user_read").put(f"/users/{user}", json={"active": False}).status_code == 403
    assert (
        admin.put(f"/users/{user}", json={"active": False}).json()["data"][0]["profiles"][0]["active"]
        is False
    )
    changed = admin.put(f"/users/{user}", json={"userTypeId": sandbox.workspace.account_id + "UTADMIN"})
    assert changed.json()["data"][0]["profiles"][0]["admin"] is True
    profile = admin.put(
        f"/users/{user}",
        json={"profile": {"accountId": sandbox.workspace.account_id, "role": "Collaborator"}},
    )
    assert profile.json()["data"][0]["profiles"][0]["role"] == "Collaborator"


def test_user_update_params_are_mutually_exclusive(named: Any, sandbox: Sandbox) -> None:
    user = people(sandbox)[2]["id"]
    both = named("user_admin").put(f"/users/{user}", json={"active": False, "userTypeId": "x"})
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"
    none = named("user_admin").put(f"/users/{user}")
    assert none.status_code == 400 and none.json()["error"] == "parameter_required"
    bad = named("user_admin").put(f"/users/{user}", json={"userTypeId": "IEAGSBX1UTNOPE"})
    assert bad.json()["error"] == "invalid_parameter"


def test_user_update_is_for_admins_only(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    plain = people(sandbox)[2]["id"]
    sandbox.workspace.tokens["plain-admin-scope"] = TokenGrant(plain, frozenset({"amReadWriteUser"}))
    with client(sandbox_server, "plain-admin-scope") as c:
        response = c.put(f"/users/{people(sandbox)[3]['id']}", json={"active": False})
    assert response.status_code == 403 and response.json()["error"] == "access_forbidden"


def test_account_owner_cannot_be_deactivated(named: Any, sandbox: Sandbox) -> None:
    owner = sandbox.workspace.account["ownerId"]
    response = named("user_admin").put(f"/users/{owner}", json={"active": False})
    assert response.status_code == 403 and response.json()["error"] == "not_allowed"


def test_user_endpoint_404s_for_groups(named: Any, sandbox: Sandbox) -> None:
    group = next(c["id"] for c in sandbox.workspace["contacts"].values() if c["type"] == "Group")
    assert named("user_read").get(f"/users/{group}").status_code == 404


def test_groups_list_and_get_in_the_group_model(named: Any, sandbox: Sandbox) -> None:
    groups = named("all")
    body = groups.get("/groups").json()
    assert body["kind"] == "groups"
    [group] = body["data"]
    assert list(group) == [
        "id",
        "accountId",
        "title",
        "memberIds",
        "childIds",
        "parentIds",
        "avatarUrl",
        "myTeam",
    ]
    assert groups.get(f"/groups/{group['id']}").json()["data"] == [group]
    person = people(sandbox)[0]["id"]
    assert groups.get(f"/groups/{person}").status_code == 404
    assert named("default").get("/groups").status_code == 403


def test_group_create_update_and_delete(named: Any, sandbox: Sandbox) -> None:
    groups = named("all")
    a, b, c = (p["id"] for p in people(sandbox)[2:5])
    parent = groups.post("/groups", json={"title": "Engineering", "members": [a, b]}).json()["data"][0]
    assert (parent["title"], parent["memberIds"], parent["metadata"]) == ("Engineering", [a, b], [])
    child = groups.post("/groups", json={"title": "Backend", "parent": parent["id"]}).json()["data"][0]
    assert child["parentIds"] == [parent["id"]]
    assert groups.get(f"/groups/{parent['id']}").json()["data"][0]["childIds"] == [child["id"]]
    body = {"addMembers": [c], "removeMembers": [a], "avatar": {"letters": "EN", "color": "#00aaff"}}
    changed = groups.put(f"/groups/{parent['id']}", json=body).json()["data"][0]
    assert changed["memberIds"] == [b, c] and changed["avatarUrl"].endswith("/EN/00AAFF.png")
    contact = named("default").get(f"/contacts/{parent['id']}").json()["data"][0]
    assert (contact["type"], contact["firstName"], contact["memberIds"]) == ("Group", "Engineering", [b, c])
    assert groups.delete(f"/groups/{parent['id']}", params={"test": "true"}).json()["data"] == []
    assert groups.get(f"/groups/{parent['id']}").status_code == 200
    groups.delete(f"/groups/{parent['id']}")
    assert groups.get(f"/groups/{parent['id']}").status_code == 404
    assert groups.get(f"/groups/{child['id']}").json()["data"][0]["parentIds"] == []


def test_group_writes_are_checked_before_anything_changes(named: Any, sandbox: Sandbox) -> None:
    groups = named("all")
    group = groups.post("/groups", json={"title": "Ops"}).json()["data"][0]
    refused = groups.put(f"/groups/{group['id']}", json={"title": "Renamed", "addMembers": ["KUNOPE00"]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_parameter"
    assert groups.get(f"/groups/{group['id']}").json()["data"][0]["title"] == "Ops"
    cycle = groups.put(f"/groups/{group['id']}", json={"parent": group["id"]})
    assert cycle.json()["error"] == "invalid_parameter"
    assert groups.post("/groups", json={"members": []}).json()["error"] == "parameter_required"
    before = len(sandbox.workspace["contacts"])
    assert groups.post("/groups", json={"title": "X", "avatar": {"letters": "TOO"}}).status_code == 400
    assert len(sandbox.workspace["contacts"]) == before


def test_my_team_cannot_be_renamed_or_deleted(named: Any, sandbox: Sandbox) -> None:
    team = next(c["id"] for c in sandbox.workspace["contacts"].values() if c.get("myTeam"))
    assert named("all").put(f"/groups/{team}", json={"title": "Mine"}).json()["error"] == "not_allowed"
    assert named("all").delete(f"/groups/{team}").json()["error"] == "not_allowed"


def test_group_writes_need_the_group_scope_and_an_admin(
    named: Any, sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    assert named("default").post("/groups", json={"title": "x"}).status_code == 403
    plain = people(sandbox)[2]["id"]
    sandbox.workspace.tokens["plain-group-scope"] = TokenGrant(plain, frozenset({"amReadWriteGroup"}))
    with client(sandbox_server, "plain-group-scope") as c:
        response = c.post("/groups", json={"title": "x"})
    assert response.status_code == 403 and response.json()["error"] == "access_forbidden"
