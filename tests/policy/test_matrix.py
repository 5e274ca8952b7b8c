"""Issue 5's agent matrix over the REAL catalogue (tool_manifests/): what each agent sees and may call
matches its policy exactly, for every tool; and for the project-limited agent, every tool that names a
place is refused outside the project and allowed inside it."""

from __future__ import annotations

from typing import Any

import pytest

from wrike_mcp.manifest import Catalog, ToolSpec
from wrike_mcp.policy.grants import (
    EXTRA_AREAS,
    LOCATED_PARAMS,
    RESULT_KIND_OVERRIDES,
    SUBTREE_OVERRIDES,
    AgentAccess,
    decide_agent,
    located_params,
    subtree_query,
    unclassified_params,
)
from wrike_mcp.policy.model import AREAS
from wrike_mcp.policy.subtree import EntityKind, Hierarchy, Lineage, Located, decide_subtree
from wrike_mcp.sandbox import make_sandbox

from .conftest import MakeAccess

PROJECT = "MQAAAAPZfQ6Y"  # "API Gateway Migration" in the seed-7 sandbox
MARKETING = "MQAAAAnkvdaj"  # a space (and its top-level folder) outside the project

POLICY = f"""
[agents.task-reader]
credential = "operator_token"
token_env = "WRIKE_READER_TOKEN"
areas = {{ tasks = "read" }}

[agents.commenter]
credential = "user_oauth"
areas = {{ comments = "write" }}

[agents.project-bot]
credential = "user_oauth"
subtrees = ["{PROJECT}"]

[agents.project-bot.areas]
tasks = "write"
folders = "write"
comments = "write"
timelogs = "write"
attachments = "write"

[agents.workflow-admin]
credential = "user_oauth"
areas = {{ workflows = "write" }}
"""

EXPECTED = {
    "task-reader": {"search_tasks", "get_tasks"},
    "commenter": {"list_comments", "create_comment", "update_comment", "delete_comment"},
    "project-bot": {
        "search_tasks", "get_tasks", "create_task", "update_task", "update_tasks", "delete_task",
        "get_folder_tree", "get_folders", "create_folder", "update_folder", "copy_folder", "delete_folder",
        "list_comments", "create_comment", "update_comment", "delete_comment",
        "list_timelogs", "create_timelog", "update_timelog", "delete_timelog", "list_timelog_categories",
        "list_timelog_lock_periods", "lock_timelog_period", "unlock_timelog_period",
        "list_attachments", "upload_attachment", "download_attachment", "delete_attachment",
        # not list_timesheets / create_timesheet / update_timesheet: a timesheet spans every folder
    },
    "workflow-admin": {"list_workflows", "create_workflow", "update_workflow"},
}  # fmt: skip


@pytest.mark.parametrize("agent", sorted(EXPECTED))
def test_every_tool_is_listed_and_allowed_exactly_as_the_policy_says(
    agent: str, make_access: MakeAccess, real_catalog: Catalog
) -> None:
    access = make_access(POLICY, agent, real_catalog)
    allowed = {tool.name for tool in real_catalog.tools if decide_agent(tool, access)}
    assert allowed == EXPECTED[agent]
    for tool in real_catalog.tools:
        decision = decide_agent(tool, access)
        assert decision.allowed == (tool.name in EXPECTED[agent])
        assert decision.allowed or decision.message  # a refusal always says why


def test_the_catalogue_fits_the_policy_vocabulary(real_catalog: Catalog) -> None:
    """Guards against manifests growing past the policy: every area is grantable, every id parameter
    is classified for the subtree check, and the special-case tables name real tools."""
    names = set(real_catalog.by_name())
    assert {tool.area for tool in real_catalog.tools} <= set(AREAS)
    assert [tool.name for tool in real_catalog.tools if unclassified_params(tool)] == []
    assert set(SUBTREE_OVERRIDES) | set(EXTRA_AREAS) | set(RESULT_KIND_OVERRIDES) <= names


@pytest.fixture(scope="module")
def lineage() -> Lineage:
    """Where everything lives: the sandbox's real tree, plus one item of each dependent kind inside
    the project and one outside it (placed through their task or folder, as a resolver would)."""
    ws = make_sandbox(seed=7, size=60).workspace
    tree = Hierarchy.from_items(ws["folders"].values(), ws["tasks"].values())
    known: dict[Located, frozenset[str] | None] = {}
    known.update(
        tree.lineage({"task": list(ws["tasks"]), "folder": list(ws["folders"]), "space": [MARKETING]})
    )
    inside_task = next(t for (k, t), chain in known.items() if k == "task" and chain and PROJECT in chain)
    outside_task = next(
        t for (k, t), chain in known.items() if k == "task" and chain and PROJECT not in chain
    )
    for kind in ("comment", "timelog", "attachment"):
        items = [{"id": f"{kind}-in", "taskId": inside_task}, {"id": f"{kind}-out", "taskId": outside_task}]
        known.update(tree.lineage_of_items(kind, items))
    hooks = [{"id": "webhook-in", "folderId": PROJECT}, {"id": "webhook-out"}]
    known.update(tree.lineage_of_items("webhook", hooks))
    aliases: dict[Located, Located] = {
        ("task", "task-in"): ("task", inside_task), ("task", "task-out"): ("task", outside_task),
        ("folder", "folder-in"): ("folder", PROJECT), ("folder", "folder-out"): ("folder", MARKETING),
        ("space", "space-out"): ("space", MARKETING),
    }  # fmt: skip
    known.update({alias: known[real] for alias, real in aliases.items()})
    return known


def _argument(tool: ToolSpec, param: str, kind: EntityKind, where: str) -> Any:
    value = f"{kind}-{where}"
    spec = tool.param(param)
    assert spec is not None
    return [value] if spec.type == "ids" or spec.type == "array" else value


def _project_bot(make_access: MakeAccess, catalog: Catalog) -> AgentAccess:
    return make_access(POLICY, "project-bot", catalog)


def test_every_place_a_visible_tool_names_is_checked_against_the_subtree(
    make_access: MakeAccess, real_catalog: Catalog, lineage: Lineage
) -> None:
    access = _project_bot(make_access, real_catalog)
    roots = access.subtrees
    checked = 0
    for tool in real_catalog.tools:
        if not decide_agent(tool, access):
            continue
        for param in located_params(tool):
            kind = LOCATED_PARAMS[param]
            outside = subtree_query(tool, {param: _argument(tool, param, kind, "out")})
            assert not decide_subtree(roots, outside, lineage), f"{tool.name}({param}) outside was allowed"
            if (kind, f"{kind}-in") in lineage:
                inside = subtree_query(tool, {param: _argument(tool, param, kind, "in")})
                assert decide_subtree(roots, inside, lineage), f"{tool.name}({param}) inside was refused"
            checked += 1
    assert checked >= 30


def test_escalation_attempts_by_the_project_bot_fail(
    make_access: MakeAccess, real_catalog: Catalog, lineage: Lineage
) -> None:
    access = _project_bot(make_access, real_catalog)
    tools = real_catalog.by_name()

    def call(name: str, arguments: dict[str, Any]) -> bool:
        tool = tools[name]
        return bool(decide_agent(tool, access)) and bool(
            decide_subtree(access.subtrees, subtree_query(tool, arguments), lineage)
        )

    assert call("update_task", {"taskId": "task-in", "title": "ok"})
    assert not call("get_tasks", {"taskIds": ["task-in", "task-out"]})  # an outside task by id
    assert not call("update_tasks", {"taskIds": ["task-in"], "addParents": ["folder-out"]})  # a move out
    assert not call("create_task", {"folderId": "folder-out", "title": "x"})  # creation outside
    assert not call("create_comment", {"taskId": "task-out", "text": "x"})
    assert not call("update_comment", {"commentId": "comment-out", "text": "x"})
    assert not call("delete_attachment", {"attachmentId": "attachment-out"})
    assert not call("search_tasks", {"spaceId": MARKETING})  # a listing of a space outside
    assert not call("create_workflow", {"name": "x"})  # an area it was not granted
    assert not call("run_batch", {"operations": []})  # a hidden tool called by name
    assert not call("list_timesheets", {})
