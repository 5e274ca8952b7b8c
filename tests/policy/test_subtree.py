"""The subtree check over the sandbox's seeded workspace (seed 7): a project-limited agent reaches items
inside its project, and nothing outside it by id, by moving, by creating or through a listing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from wrike_mcp.manifest import Catalog
from wrike_mcp.policy.grants import subtree_query
from wrike_mcp.policy.subtree import (
    Hierarchy,
    Mode,
    SubtreeDecision,
    decide_subtree,
    filter_results,
    result_lookups,
)
from wrike_mcp.sandbox import make_sandbox
from wrike_mcp.sandbox.items_tree import subtree
from wrike_mcp.sandbox.store import Workspace

PROJECT = "MQAAAAPZfQ6Y"  # "API Gateway Migration", in Engineering
ROOTS = frozenset({PROJECT})


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return make_sandbox(seed=7, size=60).workspace


@pytest.fixture(scope="module")
def tree(ws: Workspace) -> Hierarchy:
    return Hierarchy.from_items(ws["folders"].values(), ws["tasks"].values())


@pytest.fixture(scope="module")
def project_folders(ws: Workspace) -> set[str]:
    return set(subtree(ws, PROJECT))


def _inside_task(
    ws: Workspace, task: Mapping[str, Any], folders: set[str], seen: frozenset[str] = frozenset()
) -> bool:
    """The oracle, walking down from the project with the sandbox's own tree code."""
    if folders & {*task["parentIds"], *task["superParentIds"]}:
        return True
    return any(
        _inside_task(ws, ws["tasks"][s], folders, seen | {task["id"]})
        for s in task["superTaskIds"]
        if s not in seen
    )


@pytest.fixture(scope="module")
def inside_ids(ws: Workspace, project_folders: set[str]) -> list[str]:
    ids = [t["id"] for t in ws["tasks"].values() if _inside_task(ws, t, project_folders)]
    assert ids, "the seeded project should hold tasks"
    return ids


@pytest.fixture(scope="module")
def outside_ids(ws: Workspace, inside_ids: list[str]) -> list[str]:
    return [t for t in ws["tasks"] if t not in inside_ids]


@pytest.fixture(scope="module")
def foreign_folder(ws: Workspace) -> str:
    return str(next(f["id"] for f in ws["folders"].values() if f["title"] == "Marketing"))


def _check(tree: Hierarchy, catalog: Catalog, tool: str, arguments: dict[str, Any]) -> SubtreeDecision:
    query = subtree_query(catalog.by_name()[tool], arguments)
    return decide_subtree(ROOTS, query, tree.lineage(query.lookups()))


def test_reading_tasks_inside_the_project_is_allowed(
    tree: Hierarchy, real_catalog: Catalog, inside_ids: list[str]
) -> None:
    assert _check(tree, real_catalog, "get_tasks", {"taskIds": inside_ids[:5]})


def test_reaching_a_task_outside_by_id_is_refused_and_named(
    tree: Hierarchy, real_catalog: Catalog, inside_ids: list[str], outside_ids: list[str]
) -> None:
    decision = _check(tree, real_catalog, "get_tasks", {"taskIds": [inside_ids[0], outside_ids[0]]})
    assert not decision
    assert decision.reason == f"task {outside_ids[0]} (taskIds): outside the folders this agent may use"
    assert [ref.id for ref in decision.denied] == [outside_ids[0]]
    assert not _check(tree, real_catalog, "update_task", {"taskId": outside_ids[0], "title": "x"})
    assert not _check(tree, real_catalog, "delete_task", {"taskId": outside_ids[0]})


def test_moving_a_task_into_a_forbidden_folder_is_refused(
    tree: Hierarchy,
    real_catalog: Catalog,
    inside_ids: list[str],
    foreign_folder: str,
    project_folders: set[str],
) -> None:
    task = inside_ids[0]
    decision = _check(tree, real_catalog, "update_tasks", {"taskIds": [task], "addParents": [foreign_folder]})
    assert not decision
    assert decision.reason == f"moving or creating into folder {foreign_folder} (addParents): " + (
        "outside the folders this agent may use"
    )
    sub_folder = next(iter(project_folders - {PROJECT}))
    assert _check(tree, real_catalog, "update_tasks", {"taskIds": [task], "addParents": [sub_folder]})


def test_taking_a_task_out_of_a_foreign_folder_is_refused(
    tree: Hierarchy, real_catalog: Catalog, inside_ids: list[str], foreign_folder: str
) -> None:
    decision = _check(
        tree, real_catalog, "update_tasks", {"taskIds": [inside_ids[0]], "removeParents": [foreign_folder]}
    )
    assert not decision and decision.reason.startswith(
        f"removing from folder {foreign_folder} (removeParents)"
    )


def test_creating_in_a_forbidden_folder_is_refused(
    tree: Hierarchy, real_catalog: Catalog, foreign_folder: str, project_folders: set[str]
) -> None:
    for tool in ("create_task", "create_folder"):
        refused = _check(tree, real_catalog, tool, {"folderId": foreign_folder, "title": "t"})
        assert refused.reason.startswith(f"moving or creating into folder {foreign_folder} (folderId)")
        assert _check(tree, real_catalog, tool, {"folderId": PROJECT, "title": "t"})
    copy = {"folderId": next(iter(project_folders - {PROJECT})), "parent": foreign_folder, "title": "copy"}
    assert not _check(tree, real_catalog, "copy_folder", copy)
    assert _check(tree, real_catalog, "copy_folder", {**copy, "parent": PROJECT})


def test_an_id_that_cannot_be_placed_is_refused(tree: Hierarchy, real_catalog: Catalog) -> None:
    decision = _check(tree, real_catalog, "get_tasks", {"taskIds": ["MAAAAANOSUCH"]})
    assert decision.reason == "could not tell where task MAAAAANOSUCH (taskIds) lives; refused"


def test_an_account_wide_write_is_refused_but_a_folder_scoped_one_is_checked(
    tree: Hierarchy, real_catalog: Catalog, foreign_folder: str
) -> None:
    account_wide = _check(tree, real_catalog, "create_webhook", {"hookUrl": "https://example.com/h"})
    assert account_wide.reason.startswith("create_webhook cannot be limited to the agent's subtrees")
    assert _check(tree, real_catalog, "create_webhook", {"folderId": PROJECT, "hookUrl": "https://x"})
    assert not _check(
        tree, real_catalog, "create_webhook", {"folderId": foreign_folder, "hookUrl": "https://x"}
    )


def test_account_metadata_is_not_limited_by_subtrees(tree: Hierarchy, real_catalog: Catalog) -> None:
    for tool in ("list_workflows", "list_contacts", "get_account"):
        assert subtree_query(real_catalog.by_name()[tool], {}).mode is Mode.FREE
        assert _check(tree, real_catalog, tool, {})


def test_without_a_subtree_limit_nothing_is_looked_up(real_catalog: Catalog) -> None:
    query = subtree_query(real_catalog.by_name()["get_tasks"], {"taskIds": ["MAAAAANOSUCH"]})
    assert decide_subtree(None, query, {})


def test_a_task_listing_keeps_exactly_the_tasks_inside(
    ws: Workspace, tree: Hierarchy, inside_ids: list[str], real_catalog: Catalog
) -> None:
    query = subtree_query(real_catalog.by_name()["search_tasks"], {})
    assert query.mode is Mode.CHECK and query.result_kind == "task" and not query.refs
    items = list(ws["tasks"].values())
    lineage = tree.lineage(result_lookups("task", items))
    filtered = filter_results(ROOTS, "task", items, lineage)
    assert [t["id"] for t in filtered.kept] == inside_ids
    assert filtered.dropped == len(items) - len(inside_ids) > 0
    assert filter_results(None, "task", items, {}).dropped == 0


def test_tasks_listed_without_parent_fields_are_placed_by_id_or_dropped(
    ws: Workspace, tree: Hierarchy, inside_ids: list[str]
) -> None:
    bare = [{"id": t["id"], "title": t["title"]} for t in ws["tasks"].values()]  # default list fields
    assert result_lookups("task", bare) == {"task": frozenset(ws["tasks"])}
    kept = filter_results(ROOTS, "task", bare, tree.lineage(result_lookups("task", bare))).kept
    assert [t["id"] for t in kept] == inside_ids
    assert filter_results(ROOTS, "task", bare, {}).kept == []  # nothing resolved: nothing shown


def test_a_folder_tree_listing_keeps_the_project_and_below(ws: Workspace, project_folders: set[str]) -> None:
    entries = [
        {"id": f["id"], "title": f["title"], "childIds": f["childIds"]} for f in ws["folders"].values()
    ]
    tree = Hierarchy.from_folder_tree(entries)
    kept = filter_results(ROOTS, "folder", entries, tree.lineage(result_lookups("folder", entries))).kept
    assert {f["id"] for f in kept} == project_folders


def test_comments_are_placed_through_their_task_or_folder(
    ws: Workspace, tree: Hierarchy, inside_ids: list[str], project_folders: set[str]
) -> None:
    comments = list(ws["comments"].values())
    expected = {
        c["id"] for c in comments if c.get("taskId") in inside_ids or c.get("folderId") in project_folders
    }
    assert expected, "the seeded project should have comments"
    lineage = tree.lineage(result_lookups("comment", comments))
    filtered = filter_results(ROOTS, "comment", comments, lineage)
    assert {c["id"] for c in filtered.kept} == expected and filtered.dropped > 0
    by_id = tree.lineage_of_items("comment", comments)  # what get_comments(commentIds) needs
    assert {cid for (_, cid), chain in by_id.items() if chain and PROJECT in chain} == expected


def test_an_account_wide_webhook_is_outside_every_subtree(tree: Hierarchy) -> None:
    hooks = [{"id": "H1", "folderId": PROJECT}, {"id": "H2"}, {"id": "H3", "spaceId": "MQAAAAnkvdaj"}]
    kept = filter_results(ROOTS, "webhook", hooks, tree.lineage(result_lookups("webhook", hooks))).kept
    assert [h["id"] for h in kept] == ["H1"]


def test_a_task_in_two_folders_is_inside_when_either_is_and_subtasks_follow_their_parent() -> None:
    tree = Hierarchy(
        {"root": [], "P": ["root"], "F": ["root"], "loop": ["loop2"], "loop2": ["loop"]},
        task_parents={"tagged": ["F", "P"], "foreign": ["F"], "sub": ["root"], "cyclic": ["loop"]},
        task_supers={"sub": ["tagged"]},
    )
    lineage = tree.lineage({"task": ["tagged", "foreign", "sub", "cyclic"], "folder": ["loop", "nowhere"]})
    assert lineage[("task", "tagged")] == frozenset({"F", "P", "root"})
    assert lineage[("task", "sub")] == frozenset({"F", "P", "root"})
    assert lineage[("task", "foreign")] == frozenset({"F", "root"})
    assert lineage[("task", "cyclic")] == frozenset({"loop", "loop2"})
    assert lineage[("folder", "nowhere")] is None
