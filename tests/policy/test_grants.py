"""The agent part of the decision over the small fixture catalogue: area grants (write implies read),
allow and deny lists, the policy's server switches as an upper bound, and hiding == refusing."""

from __future__ import annotations

from wrike_mcp.manifest import Catalog
from wrike_mcp.policy.grants import GrantReason, check_policy, decide_agent, visible_tools

from .conftest import MakeAccess, MakePolicy

AGENTS = """
[agents.reader]
credential = "user_oauth"
areas = { tasks = "read" }

[agents.commenter]
credential = "user_oauth"
areas = { comments = "write" }

[agents.project]
credential = "user_oauth"
areas = { tasks = "write", folders = "write", comments = "write", batch = "write", webhooks = "write" }
subtrees = ["MQAAAAPZfQ6Y"]

[agents.workflows]
credential = "user_oauth"
areas = { workflows = "write", contacts = "read" }

[agents.nobody]
credential = "user_oauth"
"""


def _visible(make_access: MakeAccess, text: str, name: str, catalog: Catalog) -> set[str]:
    return {tool.name for tool in visible_tools(catalog.tools, make_access(text, name, catalog))}


def test_each_agent_sees_exactly_what_its_grants_allow(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    def seen(name: str) -> set[str]:
        return _visible(make_access, AGENTS, name, fixture_catalog)

    assert seen("reader") == {"search_tasks", "get_tasks"}
    assert seen("commenter") == {"list_comments", "create_comment", "delete_comment"}
    # run_batch and an account-wide-only tool would escape the subtree: hidden although granted.
    assert seen("project") == {
        "search_tasks", "get_tasks", "create_task", "update_task", "delete_task",
        "get_folder_tree", "create_folder", "copy_folder",
        "list_comments", "create_comment", "delete_comment", "create_webhook",
    }  # fmt: skip
    assert seen("workflows") == {"list_workflows", "create_workflow", "update_workflow", "list_contacts"}
    assert seen("nobody") == set()


def test_listing_and_calling_agree_for_every_tool(make_access: MakeAccess, fixture_catalog: Catalog) -> None:
    for name in ("reader", "commenter", "project", "workflows", "nobody"):
        access = make_access(AGENTS, name, fixture_catalog)
        listed = set(visible_tools(fixture_catalog.tools, access))
        for tool in fixture_catalog.tools:
            decision = decide_agent(tool, access)
            assert bool(decision) == (tool in listed)
            assert decision.allowed or decision.message


def test_writing_through_a_read_grant_is_refused_with_the_reason(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    tools = fixture_catalog.by_name()
    decision = decide_agent(tools["update_task"], make_access(AGENTS, "reader", fixture_catalog))
    assert decision.reason is GrantReason.AREA
    assert decision.message == "update_task needs write access to 'tasks'; this agent has read"


def test_deny_wins_over_a_write_grant_and_the_allow_list(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    text = """
[agents.a]
credential = "user_oauth"
areas = { comments = "write" }
allow_tools = ["list_comments", "delete_comment"]
deny_tools = ["delete_comment"]
"""
    assert _visible(make_access, text, "a", fixture_catalog) == {"list_comments"}
    decision = decide_agent(
        fixture_catalog.by_name()["delete_comment"], make_access(text, "a", fixture_catalog)
    )
    assert decision.reason is GrantReason.DENY_LIST


def test_the_allow_list_narrows_but_never_widens(make_access: MakeAccess, fixture_catalog: Catalog) -> None:
    text = """
[agents.a]
credential = "user_oauth"
areas = { tasks = "read" }
allow_tools = ["get_tasks", "delete_task", "create_workflow"]
"""
    assert _visible(make_access, text, "a", fixture_catalog) == {"get_tasks"}
    tools = fixture_catalog.by_name()
    access = make_access(text, "a", fixture_catalog)
    assert decide_agent(tools["search_tasks"], access).reason is GrantReason.ALLOW_LIST
    assert decide_agent(tools["delete_task"], access).reason is GrantReason.AREA


def test_server_switches_are_an_upper_bound_for_every_agent(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    read_only = "[server]\nread_only = true\n" + AGENTS
    assert _visible(make_access, read_only, "commenter", fixture_catalog) == {"list_comments"}
    assert _visible(make_access, read_only, "workflows", fixture_catalog) == {
        "list_workflows",
        "list_contacts",
    }
    decision = decide_agent(
        fixture_catalog.by_name()["create_comment"], make_access(read_only, "commenter", fixture_catalog)
    )
    assert decision.reason is GrantReason.READ_ONLY
    only_tasks = '[server]\ntoolsets = ["tasks"]\n' + AGENTS
    assert _visible(make_access, only_tasks, "commenter", fixture_catalog) == set()
    assert _visible(make_access, only_tasks, "reader", fixture_catalog) == {"search_tasks", "get_tasks"}
    default = '[server]\ntoolsets = ["default"]\n' + AGENTS  # everyday areas: no workflows
    assert _visible(make_access, default, "workflows", fixture_catalog) == {"list_contacts"}


def test_a_batch_grant_alone_cannot_create_tasks_or_folders(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    text = """
[agents.batcher]
credential = "user_oauth"
areas = { batch = "write", tasks = "write" }

[agents.builder]
credential = "user_oauth"
areas = { batch = "write", tasks = "write", folders = "write" }
"""
    run_batch = fixture_catalog.by_name()["run_batch"]
    refused = decide_agent(run_batch, make_access(text, "batcher", fixture_catalog))
    assert refused.reason is GrantReason.AREA and "'folders'" in refused.message
    assert decide_agent(run_batch, make_access(text, "builder", fixture_catalog))


def test_a_subtree_agent_never_sees_tools_that_cannot_be_confined(
    make_access: MakeAccess, fixture_catalog: Catalog
) -> None:
    access = make_access(AGENTS, "project", fixture_catalog)
    decision = decide_agent(fixture_catalog.by_name()["run_batch"], access)
    assert decision.reason is GrantReason.SUBTREE
    assert "batch operations are not checked one by one" in decision.message


def test_check_policy_reports_unknown_tools_and_toolsets(
    make_policy: MakePolicy, fixture_catalog: Catalog
) -> None:
    text = """
[server]
toolsets = ["tasks", "calendars"]

[agents.a]
credential = "user_oauth"
allow_tools = ["get_tasks", "get_taskz"]
deny_tools = ["drop_everything"]
"""
    problems = check_policy(make_policy(text), fixture_catalog)
    assert len(problems) == 3
    assert problems[0].startswith("server.toolsets: unknown toolset 'calendars'")
    assert problems[1] == "agent 'a': allow_tools: unknown tool(s) get_taskz"
    assert problems[2] == "agent 'a': deny_tools: unknown tool(s) drop_everything"
    assert check_policy(make_policy(AGENTS), fixture_catalog) == []
