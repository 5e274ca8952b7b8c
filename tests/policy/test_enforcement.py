"""Issue 5 end to end: a real MCP client on the real server acts as each agent of the matrix policy
(read-only on tasks; write on comments only; write inside one project; workflow admin), against the
sandbox, over every tool of the real catalogue, in both protocol eras.

For each agent: tools/list is exactly the expected set; every hidden tool called by name is refused with
zero upstream requests; every listed tool, called with valid arguments, goes through; and every call
writes exactly one audit record, in a chain that `audit verify` accepts.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wrike_mcp.audit import verify_files
from wrike_mcp.manifest import load_catalog
from wrike_mcp.sandbox import Sandbox

from .agent_harness import MANIFESTS, AgentSession, open_agent, text_of
from .test_matrix import EXPECTED, POLICY, PROJECT

DESIGN = "MQAAAA_QwJia"  # a folder inside the project
ROLLOUT = "MQAAAA_PH7B3"  # another one
EVERY_TOOL = [tool.name for tool in load_catalog(MANIFESTS).tools]
MODES = ["legacy", "auto"]

Ctx = dict[str, Any]
Step = tuple[str, dict[str, Any] | Callable[[Ctx], dict[str, Any]]]


def made(ctx: Ctx, tool: str) -> str:
    """The id of the first item an earlier step returned."""
    return str(ctx[tool]["data"][0]["id"])


B64 = base64.b64encode(b"hello").decode()
PERIOD = {"start": "2026-01-01", "end": "2026-01-31"}
# Each agent's listed tools, every one called with valid arguments, deletes last.
SCENARIOS: dict[str, list[Step]] = {
    "task-reader": [
        ("search_tasks", {"pageSize": 5}),
        ("get_tasks", lambda c: {"taskIds": [made(c, "search_tasks")]}),
    ],
    "commenter": [
        ("list_comments", {}),
        ("create_comment", lambda c: {"taskId": c["task"], "text": "Looks good"}),
        ("update_comment", lambda c: {"commentId": made(c, "create_comment"), "text": "Looks fine"}),
        ("delete_comment", lambda c: {"commentId": made(c, "create_comment")}),
    ],
    "project-bot": [
        ("search_tasks", {"folderId": PROJECT}),
        ("get_tasks", lambda c: {"taskIds": [made(c, "search_tasks")]}),
        ("create_task", {"folderId": DESIGN, "title": "Policy check"}),
        ("update_task", lambda c: {"taskId": made(c, "create_task"), "addParents": [ROLLOUT]}),
        ("update_tasks", lambda c: {"taskIds": [made(c, "create_task")], "removeParents": [ROLLOUT]}),
        ("get_folder_tree", {"folderId": PROJECT}),
        ("get_folders", {"folderIds": [DESIGN]}),
        ("create_folder", {"folderId": PROJECT, "title": "Sub"}),
        ("update_folder", lambda c: {"folderId": made(c, "create_folder"), "title": "Sub 2"}),
        ("copy_folder", lambda c: {"folderId": made(c, "create_folder"), "parent": PROJECT, "title": "Copy"}),
        ("list_comments", lambda c: {"taskId": made(c, "create_task")}),
        ("create_comment", lambda c: {"taskId": made(c, "create_task"), "text": "On it"}),
        ("update_comment", lambda c: {"commentId": made(c, "create_comment"), "text": "Done"}),
        ("list_timelogs", lambda c: {"taskId": made(c, "create_task")}),
        (
            "create_timelog",
            lambda c: {
                "taskId": made(c, "create_task"),
                "hours": 1,
                "trackedDate": "2026-09-01",
                "comment": "review",
            },
        ),
        ("update_timelog", lambda c: {"timelogId": made(c, "create_timelog"), "hours": 2}),
        ("list_timelog_categories", {}),
        ("list_timelog_lock_periods", {"folderId": PROJECT}),
        ("lock_timelog_period", {"folderId": PROJECT, "period": PERIOD}),
        ("unlock_timelog_period", {"folderId": PROJECT, "period": PERIOD}),
        ("list_attachments", lambda c: {"taskId": made(c, "create_task")}),
        (
            "upload_attachment",
            lambda c: {"taskId": made(c, "create_task"), "content": B64, "fileName": "a.txt"},
        ),
        ("download_attachment", lambda c: {"attachmentId": made(c, "upload_attachment")}),
        ("delete_attachment", lambda c: {"attachmentId": made(c, "upload_attachment")}),
        ("delete_timelog", lambda c: {"timelogId": made(c, "create_timelog")}),
        ("delete_comment", lambda c: {"commentId": made(c, "create_comment")}),
        ("delete_folder", lambda c: {"folderId": made(c, "create_folder")}),
        ("delete_task", lambda c: {"taskId": made(c, "create_task")}),
    ],
    "workflow-admin": [
        ("list_workflows", {}),
        ("create_workflow", {"name": "Review"}),
        ("update_workflow", lambda c: {"workflowId": made(c, "create_workflow"), "name": "Review 2"}),
    ],
}


@pytest.fixture
def policy_file(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The task reader acts with an operator token of its own: the sandbox's read-only one.
    monkeypatch.setenv("WRIKE_READER_TOKEN", sandbox.workspace.named_tokens["ws_read_only"])
    path = tmp_path / "policy.toml"
    path.write_text(POLICY)
    return path


async def call(session: AgentSession, tool: str, arguments: dict[str, Any]) -> tuple[Any, list[str]]:
    """Call a tool; return the result and the requests it sent."""
    before = len(session.recorder.requests)
    result = await session.client.call_tool(tool, arguments)
    return result, session.recorder.lines(before)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("agent", sorted(EXPECTED))
async def test_each_agent_sees_calls_and_is_refused_exactly_as_its_policy_says(
    agent: str, mode: str, sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    audit_path = tmp_path / "audit.log"
    any_task = next(iter(sandbox.workspace["tasks"]))
    calls = 0
    async with open_agent(sandbox, policy_file, agent, audit_path, mode=mode) as session:
        listed = {tool.name for tool in (await session.client.list_tools()).tools}
        assert listed == EXPECTED[agent]

        for tool in EVERY_TOOL:
            if tool in listed:
                continue
            result, sent = await call(session, tool, {})
            calls += 1
            assert result.is_error and text_of(result).startswith("Refused:"), tool
            assert sent == [], f"{tool} was refused but sent {sent}"
            record = session.records()[-1]
            assert (record["tool"], record["decision"], record["attempts"]) == (tool, "deny", 0)
            assert record["upstream_status"] is None and record["reason"]

        ctx: Ctx = {"task": any_task}
        for tool, arguments in SCENARIOS[agent]:
            args = arguments(ctx) if callable(arguments) else arguments
            result, sent = await call(session, tool, args)
            calls += 1
            assert not result.is_error, f"{tool}: {text_of(result)}"
            ctx[tool] = result.structured_content
            record = session.records()[-1]
            assert (record["tool"], record["decision"]) == (tool, "allow")
            assert record["upstream_status"] == 200 and record["attempts"] == len(sent) >= 1
    assert {tool for tool, _ in SCENARIOS[agent]} == listed  # every listed tool was called
    assert len(session.records()) == calls  # exactly one record per call and per refusal
    report = verify_files([audit_path])
    assert report.ok and report.records == calls


async def test_an_operator_token_agent_acts_with_its_own_token(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    async with open_agent(sandbox, policy_file, "task-reader", tmp_path / "audit.log") as session:
        result, _ = await call(session, "search_tasks", {"pageSize": 1})
    assert not result.is_error
    reader = sandbox.workspace.named_tokens["ws_read_only"]
    assert {r.headers["authorization"] for r in session.recorder.requests} == {f"bearer {reader}"}
