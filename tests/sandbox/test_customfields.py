"""Custom fields and cascading switches over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

# NANGO recorded field set (GET /customfields item); spaceId only for space-level fields.
FIELD_KEYS = [
    "id",
    "accountId",
    "title",
    "type",
    "sharedIds",
    "sharing",
    "settings",
    "description",
    "archived",
]
FIELD_TYPES = {"id": str, "accountId": str, "title": str, "type": str, "sharedIds": list, "sharing": dict,
               "settings": dict, "description": str, "archived": bool}  # fmt: skip


def create(api: httpx.Client, **params: Any) -> httpx.Response:
    return api.post("/customfields", json=params)


def test_list_has_the_seeded_fields_in_the_recorded_shape(api: httpx.Client, sandbox: Sandbox) -> None:
    body = api.get("/customfields").json()
    assert body["kind"] == "customfields"
    assert len(body["data"]) == len(sandbox.workspace["customfields"])
    for field in body["data"]:
        assert [k for k in field if k != "spaceId"] == FIELD_KEYS
        assert all(isinstance(field[k], t) for k, t in FIELD_TYPES.items())


def test_create_fills_type_defaults(api: httpx.Client) -> None:
    response = create(api, title="Budget 2", type="Currency", settings={"aggregation": "Sum"})
    [field] = response.json()["data"]
    assert list(field) == FIELD_KEYS
    assert field["settings"] == {
        "inheritanceType": "All", "applicableEntityTypes": ["WorkItem"], "readOnly": False,
        "decimalPlaces": 2, "useThousandsSeparator": False, "aggregation": "Sum", "currency": "USD",
    }  # fmt: skip
    assert api.get(f"/customfields/{field['id']}").json()["data"] == [field]


def test_dropdown_values_and_options_stay_in_step(api: httpx.Client) -> None:
    options = [{"value": "A", "color": "Blue"}, {"value": "B"}]
    field = create(api, title="Pick", type="DropDown", settings={"options": options}).json()["data"][0]
    assert field["settings"]["values"] == ["A", "B"]
    changed = api.put(f"/customfields/{field['id']}", json={"settings": {"values": ["A", "C"]}}).json()[
        "data"
    ][0]
    assert changed["settings"]["options"] == [{"value": "A", "color": "Blue"}, {"value": "C"}]


def test_create_validation(api: httpx.Client) -> None:
    assert create(api, type="Text").json()["error"] == "parameter_required"
    assert create(api, title="x").json()["error"] == "parameter_required"
    assert create(api, title="x", type="Hologram").json()["error"] == "invalid_parameter"
    assert (
        create(api, title="x", type="Text", settings={"currency": "USD"}).json()["error"]
        == "invalid_parameter"
    )
    assert create(api, title="x", type="Numeric", settings={"decimalPlaces": "2"}).status_code == 400
    assert create(api, title="x", type="Text", spaceId="MQAAAANOPE00").json()["error"] == "invalid_parameter"


def test_filters_by_type_inheritance_title_and_entity(api: httpx.Client) -> None:
    create(api, title="Zeta Contact Field", type="Contacts", settings={"applicableEntityTypes": ["User"]})
    create(api, title="Folder only", type="Text", settings={"inheritanceType": "Folders"})

    def titles(**params: str) -> set[str]:
        return {f["title"] for f in api.get("/customfields", params=params).json()["data"]}

    assert "Zeta Contact Field" in titles(types='["Contacts"]')
    assert all(t != "Folder only" for t in titles(types='["Contacts"]'))
    assert titles(applicableEntityTypes='["User"]') == {"Zeta Contact Field"}
    assert titles(inheritanceTypes='["Folders"]') == {"Folder only"}
    assert titles(title="zeta contact") == {"Zeta Contact Field"}
    assert api.get("/customfields", params={"types": '["Nope"]'}).status_code == 400


def test_update_title_type_and_shareds(api: httpx.Client, sandbox: Sandbox) -> None:
    field = create(api, title="Old", type="Text").json()["data"][0]
    person = next(c["id"] for c in sandbox.workspace["contacts"].values() if c["type"] == "Person")
    body = {"title": "New", "type": "Numeric", "addShareds": [person], "description": "numbers"}
    changed = api.put(f"/customfields/{field['id']}", json=body).json()["data"][0]
    assert (changed["title"], changed["type"], changed["sharedIds"]) == ("New", "Numeric", [person])
    assert changed["settings"]["decimalPlaces"] == 2 and changed["description"] == "numbers"
    removed = api.put(f"/customfields/{field['id']}", json={"removeShareds": [person]}).json()["data"][0]
    assert removed["sharedIds"] == []


def test_no_conversion_to_link_to_database(api: httpx.Client) -> None:
    field = create(api, title="Old", type="Text").json()["data"][0]
    response = api.put(f"/customfields/{field['id']}", json={"type": "LinkToDatabase"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_parameter"


def test_space_scope_change_and_space_listing(api: httpx.Client, sandbox: Sandbox) -> None:
    space = next(iter(sandbox.workspace["spaces"]))
    field = create(api, title="Scoped", type="Text").json()["data"][0]
    moved = api.put(f"/customfields/{field['id']}", json={"changeScope": "Space", "spaceId": space}).json()
    assert list(moved["data"][0])[:5] == ["id", "accountId", "title", "type", "spaceId"]
    in_space = {f["id"] for f in api.get(f"/spaces/{space}/customfields").json()["data"]}
    assert field["id"] in in_space
    assert all(f["spaceId"] == space for f in api.get(f"/spaces/{space}/customfields").json()["data"])
    back = api.put(f"/customfields/{field['id']}", json={"changeScope": "Account"}).json()["data"][0]
    assert "spaceId" not in back
    assert api.put(f"/customfields/{field['id']}", json={"changeScope": "Space"}).status_code == 400


def test_data_usage_statistics_counts_items_with_values(api: httpx.Client, sandbox: Sandbox) -> None:
    data = api.get("/customfields", params={"fields": '["dataUsageStatistics"]'}).json()["data"]
    ws = sandbox.workspace
    for field in data:
        expected = sum(any(v["id"] == field["id"] for v in t["customFields"]) for t in ws["tasks"].values())
        assert field["dataUsageStatistics"]["tasksCount"] == expected


def test_get_by_ids_404s_unknown(api: httpx.Client) -> None:
    assert api.get("/customfields/IEAGSBX1JUNOPE00").status_code == 404


def test_read_only_token_cannot_create(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    token = sandbox.workspace.named_tokens["ws_read_only"]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        assert c.get("/customfields").status_code == 200
        assert create(c, title="x", type="Text").status_code == 403


def test_cascading_enable_and_disable_on_task_and_folder(api: httpx.Client, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    field = create(api, title="Region", type="DropDown", settings={"values": ["EU", "US"]}).json()["data"][0]
    task = next(iter(ws["tasks"]))
    on = api.post(f"/tasks/{task}/cascading_field_settings", json={"customFieldId": field["id"]}).json()
    assert on == {"kind": "cascadingFieldSettings", "data": [{"customFieldId": field["id"]}]}
    assert ws["tasks"][task]["_cascadingFieldSettings"] == [{"customFieldId": field["id"]}]
    off = api.delete(f"/tasks/{task}/cascading_field_settings", params={"customFieldId": field["id"]})
    assert off.json()["data"] == []
    folder = next(f for f in ws["folders"].values() if f["scope"] == "WsFolder")["id"]
    assert (
        api.post(
            f"/folders/{folder}/cascading_field_settings", json={"customFieldId": field["id"]}
        ).status_code
        == 200
    )


def test_cascading_refuses_non_choice_fields_and_logical_folders(api: httpx.Client, sandbox: Sandbox) -> None:
    text = create(api, title="Free", type="Text").json()["data"][0]
    task = next(iter(sandbox.workspace["tasks"]))
    bad = api.post(f"/tasks/{task}/cascading_field_settings", json={"customFieldId": text["id"]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_parameter"
    missing = api.post(f"/tasks/{task}/cascading_field_settings")
    assert missing.json()["error"] == "parameter_required"
    root = sandbox.workspace.root_id
    refused = api.post(f"/folders/{root}/cascading_field_settings", json={"customFieldId": text["id"]})
    assert refused.status_code == 403 and refused.json()["error"] == "not_allowed"
