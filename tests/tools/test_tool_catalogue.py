"""The real catalogue (tool_manifests/) against the sandbox's seeded workspace, through a real MCP client.

Reads and writes with their effect checked in the sandbox's state, Wrike's errors from real endpoints,
scope gating for every scope set, and the catalogue's size budget.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import mcp.types as types
import pytest
from mcp_harness import MODES, Recorder, open_mcp, text_of

from wrike_mcp.clock import FakeClock
from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.tools.native import native_specs

CATALOGUE = (*load_catalog().tools, *native_specs(load_catalog()))  # as serve lists them
BUDGET = 24_000  # bytes of the complete compact tools/list answer (issue #3)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    content: dict[str, Any] = result.structured_content
    return content


def live_tasks(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [t for t in sandbox.workspace["tasks"].values() if t.get("scope") != "RbTask"]


@pytest.mark.parametrize("mode", MODES)
async def test_search_tasks_pages_through_the_seeded_tasks(sandbox: Sandbox, mode: str) -> None:
    async with open_mcp(sandbox, manifests=None, mode=mode) as client:
        first = structured(await client.call_tool("search_tasks", {"pageSize": 25}))
        token = first["nextPageToken"]
        second = structured(await client.call_tool("search_tasks", {"pageSize": 25, "nextPageToken": token}))
    assert first["kind"] == "tasks" and len(first["data"]) == 25
    total = first["responseSize"]  # the tasks this user can see
    assert 25 < total <= len(live_tasks(sandbox))
    ids = [task["id"] for task in first["data"] + second["data"]]
    assert len(set(ids)) == len(ids) == min(50, total)
    assert all(task_id in sandbox.workspace["tasks"] for task_id in ids)


async def test_search_tasks_in_a_folder_uses_the_folder_path_variant(sandbox: Sandbox) -> None:
    task = live_tasks(sandbox)[0]
    folder_id = task["parentIds"][0]
    async with open_mcp(sandbox, manifests=None) as client:
        found = structured(await client.call_tool("search_tasks", {"folderId": folder_id}))
    assert sandbox.request_log[-1] == ("GET", f"/api/v4/folders/{folder_id}/tasks")
    assert task["id"] in {t["id"] for t in found["data"]}


async def test_get_tasks_reads_several_tasks_by_id(sandbox: Sandbox) -> None:
    wanted = live_tasks(sandbox)[:2]
    async with open_mcp(sandbox, manifests=None) as client:
        found = structured(await client.call_tool("get_tasks", {"taskIds": [t["id"] for t in wanted]}))
    assert {t["id"]: t["title"] for t in found["data"]} == {t["id"]: t["title"] for t in wanted}
    assert sandbox.request_log[-1] == ("GET", f"/api/v4/tasks/{wanted[0]['id']},{wanted[1]['id']}")


@pytest.mark.parametrize("mode", MODES)
async def test_create_update_and_delete_a_task_change_the_workspace(sandbox: Sandbox, mode: str) -> None:
    ws = sandbox.workspace
    async with open_mcp(sandbox, manifests=None, mode=mode) as client:
        created = structured(
            await client.call_tool(
                "create_task", {"folderId": ws.root_id, "title": "Write the release notes"}
            )
        )
        task_id = created["data"][0]["id"]
        assert ws["tasks"][task_id]["title"] == "Write the release notes"
        await client.call_tool("update_task", {"taskId": task_id, "status": "Completed"})
        assert ws["tasks"][task_id]["status"] == "Completed"
        deleted = structured(await client.call_tool("delete_task", {"taskId": task_id}))
    assert deleted["data"][0]["id"] == task_id
    assert ws["tasks"][task_id]["scope"] == "RbTask"
    assert [entry[0] for entry in sandbox.request_log] == ["POST", "PUT", "DELETE"]


async def test_text_written_by_users_reaches_the_agent_without_invisible_characters(sandbox: Sandbox) -> None:
    task = live_tasks(sandbox)[0]
    task["title"] = "Ship\u202e it\u200b now\u2066!\u2069"
    async with open_mcp(sandbox, manifests=None) as client:
        result = await client.call_tool("get_tasks", {"taskIds": [task["id"]]})
    assert structured(result)["data"][0]["title"] == "Ship it now!"
    assert "\u202e" not in text_of(result) and "\u200b" not in text_of(result)


async def test_404_resource_not_found_says_check_the_id(sandbox: Sandbox) -> None:
    async with open_mcp(sandbox, manifests=None) as client:
        result = await client.call_tool("get_tasks", {"taskIds": ["MAAAAAZZZZZZ"]})
    assert result.is_error
    assert "Wrike error 404 resource_not_found" in text_of(result)
    assert "Check the id(s)" in text_of(result)


async def test_400_invalid_parameter_says_correct_the_named_parameter(sandbox: Sandbox) -> None:
    task = live_tasks(sandbox)[0]
    async with open_mcp(sandbox, manifests=None) as client:
        result = await client.call_tool("update_task", {"taskId": task["id"], "dates": {"due": "next week"}})
    assert result.is_error
    assert "Wrike error 400 invalid_parameter: Parameter 'dates' value is invalid" in text_of(result)
    assert "Correct the parameter Wrike names" in text_of(result)


async def test_400_parameter_required_says_add_it(sandbox: Sandbox) -> None:
    user_id = sandbox.workspace.account["ownerId"]
    async with open_mcp(sandbox, manifests=None, token_name="user_admin") as client:
        result = await client.call_tool("update_user", {"userId": user_id})
    assert "Wrike error 400 parameter_required: Parameter 'userTypeId' is required" in text_of(result)
    assert "Add the parameter Wrike says is missing" in text_of(result)


async def test_403_access_forbidden_names_the_scopes_the_method_needs(sandbox: Sandbox) -> None:
    """The operator claimed Default, but the token only holds wsReadOnly: Wrike itself refuses."""
    async with open_mcp(
        sandbox, manifests=None, token_name="ws_read_only", scopes=frozenset({"Default"})
    ) as c:
        result = await c.call_tool("create_task", {"folderId": sandbox.workspace.root_id, "title": "x"})
    assert "Wrike error 403 access_forbidden" in text_of(result)
    assert "the scope this method needs (Default or wsReadWrite)" in text_of(result)


async def test_403_not_allowed_says_do_not_retry_unchanged(sandbox: Sandbox, clock: FakeClock) -> None:
    task = live_tasks(sandbox)[0]
    async with open_mcp(sandbox, manifests=None) as client:
        posted = structured(
            await client.call_tool("create_comment", {"taskId": task["id"], "text": "Looks good"})
        )
        clock.advance(6 * 60)
        result = await client.call_tool(
            "update_comment", {"commentId": posted["data"][0]["id"], "text": "Edit"}
        )
    assert "Wrike error 403 not_allowed: Comment is available for updates only during the 5 minutes" in (
        text_of(result)
    )
    assert "Do not retry unchanged" in text_of(result)


def _allowed(tool: ToolSpec, scopes: set[str]) -> bool:
    return bool(scopes & set(tool.scopes))


# Wrike's rules, stated independently of the manifests (wrike-api.md §1.4).
SCOPE_SETS: dict[str, Any] = {
    "ws_read_only": lambda t: t.access == "read" and t.area != "users",
    "ws_read_write": lambda t: t.area != "users" and set(t.scopes) != {"amReadWriteWorkflow"},
    "default": lambda t: t.area != "users" and set(t.scopes) != {"amReadWriteWorkflow"},
    "workflow_read": lambda t: t.area == "workflows" and t.access == "read",
    "workflow_admin": lambda t: t.area == "workflows",
    "user_read": lambda t: t.area == "users" and t.access == "read",
    "user_admin": lambda t: t.area == "users",
    "all": lambda t: True,
}


@pytest.mark.parametrize("token_name", sorted(SCOPE_SETS))
async def test_each_scope_set_lists_exactly_its_tools_and_refuses_the_rest_without_a_request(
    sandbox: Sandbox, token_name: str
) -> None:
    expected = {t.name for t in CATALOGUE if SCOPE_SETS[token_name](t)}
    hidden = [t.name for t in CATALOGUE if t.name not in expected]
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, manifests=None, token_name=token_name, recorder=recorders) as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        refusals = [await client.call_tool(name, {}) for name in hidden]
    assert listed == expected
    assert all(r.is_error and "needs the Wrike scope" in text_of(r) for r in refusals)
    assert recorders[0].requests == [] and sandbox.request_log == []


async def test_the_complete_tools_list_fits_the_catalogue_budget(sandbox: Sandbox) -> None:
    async with open_mcp(sandbox, manifests=None, token_name="all") as client:
        tools = (await client.list_tools()).tools
    assert len(tools) == len(CATALOGUE)
    wire = json.dumps(
        {"tools": [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]},
        separators=(",", ":"),
    )
    assert len(wire.encode()) < BUDGET, f"tools/list is {len(wire.encode())} bytes for {len(tools)} tools"


async def test_an_upload_then_download_round_trips_the_bytes_and_the_name(sandbox: Sandbox) -> None:
    task = live_tasks(sandbox)[0]
    data = bytes(range(256)) * 3
    async with open_mcp(sandbox, manifests=None) as client:
        uploaded = structured(
            await client.call_tool(
                "upload_attachment",
                {
                    "taskId": task["id"],
                    "content": base64.b64encode(data).decode(),
                    "fileName": "plan ü.pdf",
                    "contentType": "application/pdf",
                },
            )
        )
        attachment = uploaded["data"][0]
        downloaded = await client.call_tool("download_attachment", {"attachmentId": attachment["id"]})
    assert attachment["name"] == "plan ü.pdf"
    assert sandbox.workspace["attachments"][attachment["id"]]["taskId"] == task["id"]
    blob = downloaded.content[-1]
    assert isinstance(blob, types.EmbeddedResource) and isinstance(blob.resource, types.BlobResourceContents)
    assert blob.resource.mime_type == "application/pdf"
    assert base64.b64decode(blob.resource.blob) == data
