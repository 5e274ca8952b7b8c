"""Escalation attempts through a real MCP client, against the sandbox: each is refused before its own
request leaves the server, the sandbox is unchanged, and the audit log has one `deny` record for it.
Subtree refusals may be preceded by read-only lookups (GETs, with the agent's own credentials): those
are allowed, and counted in the record's `attempts`; a write never goes out.

Also here: listings by a subtree-limited agent return only what lives inside its subtree.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from wrike_mcp.policy.subtree import Hierarchy
from wrike_mcp.sandbox import Sandbox

from .agent_harness import AgentSession, open_agent, text_of, wrike_get
from .test_enforcement import DESIGN, ROLLOUT, call
from .test_matrix import MARKETING, POLICY, PROJECT

INSIDE_TASK = "MAAAAAS_v1TO"  # in Design, inside the project
SUBTASK = "MAAAAAzwdieV"  # a subtask of INSIDE_TASK: its parentIds is the account root
OUTSIDE_TASK = "MAAAAAkBGvmu"  # outside the project, with comments


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(POLICY.replace('credential = "operator_token"\ntoken_env = "WRIKE_READER_TOKEN"',
                                   'credential = "user_oauth"'))  # fmt: skip
    return path


def inside_project(sandbox: Sandbox) -> Hierarchy:
    ws = sandbox.workspace
    return Hierarchy.from_items(ws["folders"].values(), ws["tasks"].values())


def snapshot(sandbox: Sandbox) -> dict[str, Any]:
    ws = sandbox.workspace
    return {kind: copy.deepcopy(dict(ws[kind])) for kind in ("tasks", "folders", "comments", "attachments")}


async def refused(session: AgentSession, tool: str, arguments: dict[str, Any], *, lookups: bool) -> str:
    """Call, and check the refusal: an error result, no write sent (no request at all unless `lookups`),
    and one deny record counting what was sent."""
    records = len(session.records())
    result, sent = await call(session, tool, arguments)
    assert result.is_error, f"{tool} {arguments} was allowed"
    assert all(line.startswith("GET ") for line in sent), sent
    assert lookups or sent == []
    (record,) = session.records()[records:]
    assert record["decision"] == "deny" and record["attempts"] == len(sent)
    assert record["upstream_status"] is None
    return text_of(result)


async def test_writing_through_a_read_grant_sends_nothing(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    before = snapshot(sandbox)
    async with open_agent(sandbox, policy_file, "task-reader", tmp_path / "audit.log") as session:
        for tool, arguments in [
            ("update_task", {"taskId": INSIDE_TASK, "title": "Hijacked"}),
            ("create_task", {"folderId": DESIGN, "title": "Sneaky"}),
            ("delete_task", {"taskId": INSIDE_TASK}),
            ("update_tasks", {"taskIds": [INSIDE_TASK], "addParents": [MARKETING]}),
        ]:
            text = await refused(session, tool, arguments, lookups=False)
            assert "needs write access to 'tasks'; this agent has read" in text
    assert snapshot(sandbox) == before


async def test_a_task_outside_the_subtree_cannot_be_reached_by_id(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    outside = sandbox.workspace["tasks"][OUTSIDE_TASK]
    outside_comment = next(
        c for c in sandbox.workspace["comments"].values() if c.get("taskId") == OUTSIDE_TASK
    )
    before = snapshot(sandbox)
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        text = await refused(session, "get_tasks", {"taskIds": [INSIDE_TASK, OUTSIDE_TASK]}, lookups=True)
        assert f"task {OUTSIDE_TASK} (taskIds): outside the folders this agent may use" in text
        assert INSIDE_TASK not in text and outside["title"] not in text
        await refused(session, "update_task", {"taskId": OUTSIDE_TASK, "title": "Mine now"}, lookups=True)
        await refused(session, "delete_task", {"taskId": OUTSIDE_TASK}, lookups=True)
        await refused(session, "list_comments", {"taskId": OUTSIDE_TASK}, lookups=True)
        await refused(
            session, "update_comment", {"commentId": outside_comment["id"], "text": "x"}, lookups=True
        )
        text = await refused(session, "get_tasks", {"taskIds": ["MAAAAAnonexistent"]}, lookups=True)
        assert "could not tell where task MAAAAAnonexistent (taskIds) lives" in text
        # Inside, the same calls go through; a subtask is placed through its super task's folders.
        result, _ = await call(session, "get_tasks", {"taskIds": [INSIDE_TASK, SUBTASK]})
        assert not result.is_error and {t["id"] for t in result.structured_content["data"]} == {
            INSIDE_TASK,
            SUBTASK,
        }
    assert snapshot(sandbox) == before
    record = session.records()[0]
    assert record["reason"].startswith(f"subtree: task {OUTSIDE_TASK}")
    assert record["target_ids"] == [INSIDE_TASK, OUTSIDE_TASK]


async def test_moving_into_a_forbidden_folder_is_refused(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    before = snapshot(sandbox)
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        for tool, arguments in [
            ("update_task", {"taskId": INSIDE_TASK, "addParents": [MARKETING]}),
            ("update_task", {"taskId": INSIDE_TASK, "addParents": [ROLLOUT, MARKETING]}),
            ("update_tasks", {"taskIds": [INSIDE_TASK], "addParents": [MARKETING]}),
            ("update_folder", {"folderId": DESIGN, "addParents": [MARKETING]}),
            ("update_task", {"taskId": OUTSIDE_TASK, "addParents": [DESIGN]}),  # pulling one in
        ]:
            text = await refused(session, tool, arguments, lookups=True)
            assert "outside the folders this agent may use" in text
        text = await refused(
            session, "update_task", {"taskId": INSIDE_TASK, "addParents": [MARKETING]}, lookups=True
        )
        assert text.startswith(f"Refused: moving or creating into folder {MARKETING} (addParents): outside")
    assert snapshot(sandbox) == before


async def test_creating_in_a_forbidden_folder_is_refused(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    before = snapshot(sandbox)
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        for tool, arguments in [
            ("create_task", {"folderId": MARKETING, "title": "Elsewhere"}),
            ("create_task", {"folderId": DESIGN, "title": "Tagged out", "parents": [MARKETING]}),
            ("create_task", {"folderId": DESIGN, "title": "Under theirs", "superTasks": [OUTSIDE_TASK]}),
            ("create_folder", {"folderId": MARKETING, "title": "Elsewhere"}),
            ("copy_folder", {"folderId": DESIGN, "parent": MARKETING, "title": "Exfiltrated"}),
            ("create_comment", {"taskId": OUTSIDE_TASK, "text": "Hello"}),
            ("upload_attachment", {"taskId": OUTSIDE_TASK, "content": "aGk=", "fileName": "x.txt"}),
            ("lock_timelog_period", {"folderId": MARKETING, "period": {"start": "2026-01-01"}}),
        ]:
            text = await refused(session, tool, arguments, lookups=True)
            assert "outside the folders this agent may use" in text, text
        text = await refused(session, "create_task", {"folderId": MARKETING, "title": "x"}, lookups=True)
        assert f"moving or creating into folder {MARKETING} (folderId)" in text
    assert snapshot(sandbox) == before


async def test_hidden_tools_called_by_name_are_refused_without_a_request(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        await refused(session, "run_batch", {"operations": []}, lookups=False)
        await refused(session, "create_workflow", {"name": "x"}, lookups=False)
        text = await refused(session, "list_timesheets", {}, lookups=False)
        assert "cannot be limited to subtrees" in text
        await refused(session, "create_webhook", {"hookUrl": "http://127.0.0.1:9/h"}, lookups=False)
        with pytest.raises(MCPError, match="Unknown tool"):
            await session.client.call_tool("drop_database", {})
    assert session.recorder.requests == []
    last = session.records()[-1]
    assert (last["tool"], last["decision"], last["reason"], last["area"]) == (
        "drop_database",
        "deny",
        "unknown_tool",
        "",
    )
    assert len(session.records()) == 5


async def test_smuggled_parameters_are_refused_and_never_logged(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    token = sandbox.workspace.named_tokens["all"]
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        for arguments in [
            {"taskId": INSIDE_TASK, "title": "x", "method": "DELETE"},
            {"taskId": INSIDE_TASK, "access_token": token},
            {"taskId": f"{INSIDE_TASK}/../../tasks/{OUTSIDE_TASK}"},
            {"taskId": f"{INSIDE_TASK},{OUTSIDE_TASK}"},
            {"taskId": INSIDE_TASK, "parents": [MARKETING]},  # not a parameter of update_task
        ]:
            text = await refused(session, "update_task", arguments, lookups=False)
            assert text.startswith("Invalid arguments for update_task")
        await refused(session, "get_tasks", {"taskIds": f"{INSIDE_TASK},{OUTSIDE_TASK}"}, lookups=False)
        await refused(session, "search_tasks", {"folderId": DESIGN, "spaceId": MARKETING}, lookups=False)
    assert session.recorder.requests == []
    log = session.audit_path.read_text()
    assert token not in log and "DELETE" not in log and "/../" not in log
    assert {r["reason"] for r in session.records()} == {"invalid_arguments"}


async def test_listings_return_only_what_lives_inside_the_subtree(
    sandbox: Sandbox, policy_file: Path, tmp_path: Path
) -> None:
    ws = sandbox.workspace
    tree = inside_project(sandbox)
    inside = {t for t in ws["tasks"] if PROJECT in (tree.task_lineage(t) or ())}
    places = inside | {f for f in ws["folders"] if PROJECT in (tree.folder_lineage(f) or ())}
    every_comment = await wrike_get(sandbox, "/comments")
    comments_inside = {c["id"] for c in every_comment if (c.get("taskId") or c.get("folderId")) in places}
    comments_outside = {c["id"] for c in every_comment} - comments_inside
    async with open_agent(sandbox, policy_file, "project-bot", tmp_path / "audit.log") as session:
        everything = await session.client.call_tool("search_tasks", {"subTasks": True, "pageSize": 1000})
        asked = await session.client.call_tool("search_tasks", {"fields": ["parentIds"], "pageSize": 1000})
        comments = await session.client.call_tool("list_comments", {})
        folders = await session.client.call_tool("get_folder_tree", {})
        spaces_tasks = await session.client.call_tool(
            "search_tasks", {"folderId": PROJECT, "descendants": True}
        )
    tasks = everything.structured_content["data"]
    assert {t["id"] for t in tasks} == inside and SUBTASK in inside and len(ws["tasks"]) > len(inside)
    assert all("parentIds" not in t and "superTaskIds" not in t for t in tasks)  # lineage not asked: gone
    assert "responseSize" not in everything.structured_content
    assert all("parentIds" in t and "superParentIds" not in t for t in asked.structured_content["data"])
    assert {c["id"] for c in comments.structured_content["data"]} == comments_inside and comments_outside
    assert {f["id"] for f in folders.structured_content["data"]} == {PROJECT, DESIGN, ROLLOUT}
    assert {t["id"] for t in spaces_tasks.structured_content["data"]} <= inside
    assert [r["decision"] for r in session.records()] == ["allow"] * 5
