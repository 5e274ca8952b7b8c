"""The one decision function: read-only beats everything, then toolsets, then Wrike's any-of scopes."""

from __future__ import annotations

import pytest
from mcp_harness import make_spec

from wrike_mcp.errors import ConfigError
from wrike_mcp.policy.scopes import Access, Reason, decide, resolve_toolsets

READ = make_spec(name="search_tasks", area="tasks", scopes=["Default", "wsReadOnly", "wsReadWrite"])
WRITE = make_spec(name="create_task", area="tasks", access="write", scopes=["Default", "wsReadWrite"])
ADMIN = make_spec(name="create_workflow", area="workflows", access="write", scopes=["amReadWriteWorkflow"])


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        ({"Default"}, {"search_tasks", "create_task"}),
        ({"wsReadOnly"}, {"search_tasks"}),
        ({"wsReadWrite"}, {"search_tasks", "create_task"}),
        ({"amReadWriteWorkflow"}, {"create_workflow"}),
        ({"wsReadOnly", "amReadWriteWorkflow"}, {"search_tasks", "create_workflow"}),
        ({"amReadOnlyUser"}, set()),
    ],
)
def test_a_tool_is_allowed_when_any_granted_scope_is_one_it_accepts(
    scopes: set[str], allowed: set[str]
) -> None:
    access = Access(frozenset(scopes))
    assert {tool.name for tool in (READ, WRITE, ADMIN) if decide(tool, access)} == allowed


def test_read_only_beats_every_scope_and_toolset() -> None:
    decision = decide(WRITE, Access(frozenset({"Default"}), read_only=True, toolsets=frozenset({"tasks"})))
    assert not decision and decision.reason is Reason.READ_ONLY
    assert decide(READ, Access(frozenset({"Default"}), read_only=True))


def test_toolsets_are_checked_before_scopes() -> None:
    decision = decide(ADMIN, Access(frozenset({"Default"}), toolsets=frozenset({"tasks"})))
    assert decision.reason is Reason.TOOLSET and "'workflows' toolset is not enabled" in decision.message


def test_a_scope_refusal_names_every_scope_that_would_do() -> None:
    decision = decide(WRITE, Access(frozenset({"wsReadOnly"})))
    assert decision.reason is Reason.SCOPE
    assert "needs the Wrike scope Default or wsReadWrite" in decision.message


AREAS = ["tasks", "folders", "comments", "workflows", "webhooks", "users"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (None, None),
        ([], None),
        (["all"], None),
        (["tasks", "all"], None),
        (["tasks", "comments"], {"tasks", "comments"}),
        (["default"], {"tasks", "folders", "comments"}),
        (["default", "workflows"], {"tasks", "folders", "comments", "workflows"}),
    ],
)
def test_toolset_names_resolve_to_areas(requested: list[str] | None, expected: set[str] | None) -> None:
    assert resolve_toolsets(requested, AREAS) == expected


def test_an_unknown_toolset_is_an_error_listing_the_choices() -> None:
    with pytest.raises(ConfigError, match="unknown toolset 'task'; choose from: all, comments, default"):
        resolve_toolsets(["task"], AREAS)
