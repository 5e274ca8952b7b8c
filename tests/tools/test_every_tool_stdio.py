"""Every read tool over stdio, against `wrike-mcp serve --sandbox` as a real subprocess; and the MCP
Inspector's CLI on the same command.

The subprocess's sandbox cannot be inspected from here, so the ids come from the reads themselves (as an
agent would find them), the assertions are on the results, and the writes are checked by the reads that
follow them: a batch job polled with get_async_job, the task it made read back, a lock period listed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import mcp.types as types
import pytest
from every_tool import CATALOGUE
from mcp import Client, StdioServerParameters
from mcp_harness import text_of
from test_stdio import SERVE, child_env

READS = {name for name, spec in CATALOGUE.items() if spec.access == "read"}
SANDBOX = ["--sandbox", "--sandbox-size", "40", "--webhook-receiver", "127.0.0.1:0"]


class Agent:
    """The client side of the subprocess, remembering which tools it called."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.called: set[str] = set()

    async def call(self, tool: str, **arguments: Any) -> types.CallToolResult:
        self.called.add(tool)
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, f"{tool}: {text_of(result)}"
        return result

    async def data(self, tool: str, kind: str, **arguments: Any) -> list[dict[str, Any]]:
        content = (await self.call(tool, **arguments)).structured_content
        assert content is not None and content["kind"] == kind, content
        items: list[dict[str, Any]] = content["data"]
        return items


async def test_over_stdio_the_tools_are_the_catalogue_and_every_read_answers() -> None:
    params = StdioServerParameters(command=SERVE[0], args=[*SERVE[1:], *SANDBOX], env=child_env())
    async with Client(params, mode="legacy") as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        agent = Agent(client)
        await _browse_the_workspace(agent)
        await _read_activity(agent)
        await _batch_then_poll(agent)
        await _lock_then_list(agent)
    assert listed == set(CATALOGUE)
    assert agent.called >= READS


async def _browse_the_workspace(agent: Agent) -> None:
    (account,) = await agent.data("get_account", "accounts")
    spaces = {s["title"]: s["id"] for s in await agent.data("list_spaces", "spaces")}
    assert {"Engineering", "Marketing", "Leadership", "Personal"} <= set(spaces)
    (marketing,) = await agent.data("list_spaces", "spaces", spaceId=spaces["Marketing"])
    assert marketing["title"] == "Marketing"
    tree = await agent.data("get_folder_tree", "folderTree")
    root = next(f for f in tree if f["id"] == account["rootFolderId"])
    assert set(spaces.values()) <= set(root["childIds"])
    projects = [f["id"] for f in tree if "project" in f]
    found = await agent.data("get_folders", "folders", folderIds=projects[:2])
    assert [f["id"] for f in found] == projects[:2] and all("project" in f for f in found)
    tasks = await agent.data("search_tasks", "tasks", pageSize=5)
    read = await agent.data("get_tasks", "tasks", taskIds=[t["id"] for t in tasks])
    assert {t["id"]: t["title"] for t in read} == {t["id"]: t["title"] for t in tasks}
    people = await agent.data("list_contacts", "contacts")
    me = next(p for p in people if p.get("me"))
    (user,) = await agent.data("get_user", "users", userId=me["id"])
    assert user["id"] == me["id"] and user["userTypeId"]
    fields = await agent.data("list_custom_fields", "customfields")
    assert "Story Points" in {f["title"] for f in fields}
    workflows = await agent.data("list_workflows", "workflows")
    assert {"Default Workflow", "Software Delivery"} <= {w["name"] for w in workflows}
    assert await agent.data("list_webhooks", "webhooks") == []
    waited = await agent.call("wait_for_events", timeout=0)
    assert waited.structured_content == {"events": [], "waiting": 0}


async def _read_activity(agent: Agent) -> None:
    comments = await agent.data("list_comments", "comments")
    assert comments and all(c["text"] for c in comments)
    now = datetime.now(UTC).replace(microsecond=0)
    month = {"start": _z(now - timedelta(days=30)), "end": _z(now)}
    attachments = await agent.data("list_attachments", "attachments", createdDate=month)
    png = next(a for a in attachments if a["contentType"] == "image/png")
    blob = (await agent.call("download_attachment", attachmentId=png["id"])).content[-1]
    assert isinstance(blob, types.EmbeddedResource) and isinstance(blob.resource, types.BlobResourceContents)
    assert blob.resource.mime_type == "image/png" and blob.resource.blob.startswith("iVBORw0KGgo")
    logs = await agent.data("list_timelogs", "timelogs", pageSize=10)
    assert len(logs) == 10 and all(0 < log["hours"] <= 24 for log in logs)
    categories = await agent.data("list_timelog_categories", "timelogCategories")
    assert "Development" in {c["name"] for c in categories}
    assert await agent.data("list_timesheets", "timesheets") == []


async def _batch_then_poll(agent: Agent) -> None:
    folders = await agent.data("get_folder_tree", "folderTree")
    backlog = next(f["id"] for f in folders if f["title"] == "Engineering Backlog")
    operation = {"type": "TaskCreation", "parentId": backlog, "params": {"title": "Made over stdio"}}
    (queued,) = await agent.data("run_batch", "asyncJob", operations=[operation])
    (job,) = await agent.data("get_async_job", "asyncJob", asyncJobId=queued["id"])
    assert job["status"] == "Completed"
    (made,) = job["result"]["operations"]
    (task,) = await agent.data("get_tasks", "tasks", taskIds=[made["id"]])
    assert (task["title"], task["parentIds"]) == ("Made over stdio", [backlog])


async def _lock_then_list(agent: Agent) -> None:
    spaces = {s["title"]: s["id"] for s in await agent.data("list_spaces", "spaces")}
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=9), today - timedelta(days=3)
    period = {"start": start.isoformat(), "end": end.isoformat()}
    await agent.call("lock_timelog_period", spaceId=spaces["Marketing"], period=period)
    locks = await agent.data("list_timelog_lock_periods", "timelogLockPeriods", spaceId=spaces["Marketing"])
    assert [(p["start"], p["end"]) for p in locks] == [(period["start"], period["end"])]


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the MCP Inspector (Node)

INSPECTOR = ["npx", "-y", "@modelcontextprotocol/inspector@2.12.0", "--cli", *SERVE, *SANDBOX]


def _inspector(*arguments: str) -> subprocess.CompletedProcess[str]:
    env = child_env()
    env.update({k: v for k, v in os.environ.items() if k.startswith(("NPM_", "npm_"))})
    return subprocess.run(
        [*INSPECTOR, *arguments], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.skipif(
    shutil.which("npx") is None or os.environ.get("WRIKE_MCP_TEST_INSPECTOR") != "1",
    reason="needs npx on PATH and WRIKE_MCP_TEST_INSPECTOR=1",
)
def test_the_mcp_inspector_lists_strictly_and_calls_a_tool() -> None:
    """Runs `npx @modelcontextprotocol/inspector@2.12.0 --cli` on `serve --sandbox`: tools/list with
    --strict (schema portability lint: exit 6 on an error) and one tools/call.

    Skipped unless npx is on PATH and WRIKE_MCP_TEST_INSPECTOR=1 is set: the first run downloads the
    inspector from the npm registry. With it cached, both commands take 3 to 8 s together.
    """
    listing = _inspector("--method", "tools/list", "--strict")
    assert listing.returncode == 0, listing.stderr
    assert "error" not in listing.stderr.lower()
    assert {t["name"] for t in json.loads(listing.stdout)["tools"]} == set(CATALOGUE)
    call = _inspector("--method", "tools/call", "--tool-name", "search_tasks", "--tool-arg", "pageSize=2")
    assert call.returncode == 0, call.stderr
    result = json.loads(call.stdout)
    assert result["isError"] is False
    assert result["structuredContent"]["kind"] == "tasks" and len(result["structuredContent"]["data"]) == 2
