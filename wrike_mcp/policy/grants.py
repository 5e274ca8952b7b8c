"""The agent's part of the decision: pure functions over the policy and a `ToolSpec`.

`decide_agent(tool, access)` answers "may this agent see and call this tool?" from the policy alone: the
policy's `[server]` switches (an upper bound), the tool deny and allow lists, and the area grant (write
implies read). The server's one decision function (`policy/scopes.py`) combines it with the token's scopes;
a tool is listed exactly when a call to it would pass, so hiding and refusing never disagree.

`subtree_query(tool, arguments)` is the call-time half: it turns the arguments into the ids the subtree
check must place (see `subtree.py`). Which parameters name places in the folder tree is data below; a
parameter of an id type that is in neither table makes the tool refuse subtree-limited agents (fail
closed), and `unclassified_params` lets a test catch it when a manifest grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest import Catalog, ToolSpec
from wrike_mcp.manifest.model import PLACEHOLDER
from wrike_mcp.policy.model import AREAS, AgentPolicy, PolicyFile
from wrike_mcp.policy.scopes import resolve_toolsets
from wrike_mcp.policy.subtree import EntityKind, Mode, Ref, Role, SubtreeQuery

# Parameters that name an item in the folder tree, and the kind of item they name.
LOCATED_PARAMS: dict[str, EntityKind] = {
    "taskId": "task", "taskIds": "task", "superTasks": "task", "addSuperTasks": "task",
    "removeSuperTasks": "task",
    "folderId": "folder", "folderIds": "folder", "addParents": "folder", "removeParents": "folder",
    "parent": "folder", "parents": "folder",
    "spaceId": "space",
    "commentId": "comment", "commentIds": "comment",
    "timelogId": "timelog", "timelogIds": "timelog",
    "attachmentId": "attachment", "attachmentIds": "attachment",
    "webhookId": "webhook", "webhookIds": "webhook",
}  # fmt: skip
DESTINATION_PARAMS = frozenset({"addParents", "parent", "parents", "superTasks", "addSuperTasks"})
SOURCE_PARAMS = frozenset({"removeParents", "removeSuperTasks"})
# Id parameters that name account-level things (people, statuses, fields...), not places in the tree.
UNLOCATED_PARAMS = frozenset({
    "contactId", "contactIds", "userId", "userIds", "userTypeId", "responsibles", "addResponsibles",
    "removeResponsibles", "shareds", "addShareds", "removeShareds", "customStatus", "customStatuses",
    "customFieldId",
    "customFieldIds", "workflowId", "categoryId", "timelogCategories", "asyncJobId", "timesheetId",
})  # fmt: skip
# Areas of account metadata: outside the folder tree, so a subtree limit does not apply to them, and a
# `spaceId` there only narrows a listing (space-level fields and workflows) rather than naming a place.
METADATA_AREAS = frozenset({"contacts", "users", "workflows", "customfields"})
# What a listing in an area returns, to filter results by their lineage.
RESULT_KINDS: dict[str, EntityKind] = {
    "tasks": "task", "folders": "folder", "spaces": "space", "comments": "comment",
    "timelogs": "timelog", "attachments": "attachment", "webhooks": "webhook",
}  # fmt: skip
# Tools whose nature the tables above cannot tell. [I] our choices, each with its reason.
SUBTREE_OVERRIDES: dict[str, tuple[Mode, str]] = {
    "get_account": (Mode.FREE, "account metadata"),
    "list_timelog_categories": (Mode.FREE, "account metadata"),
    "run_batch": (Mode.REFUSE, "batch operations are not checked one by one"),
    "list_timesheets": (Mode.REFUSE, "a timesheet spans a person's tasks in every folder"),
    "create_timesheet": (Mode.REFUSE, "a timesheet spans a person's tasks in every folder"),
    "update_timesheet": (Mode.REFUSE, "a timesheet spans a person's tasks in every folder"),
}
# Tools whose results are not items of their area (lock periods are date ranges, not timelogs).
RESULT_KIND_OVERRIDES: dict[str, EntityKind | None] = {"list_timelog_lock_periods": None}
# Tools that act in more areas than their own: run_batch creates tasks and folders ([C] wrike-api.md
# §4.14), so a batch grant alone must not become a way around a missing tasks or folders grant.
EXTRA_AREAS: dict[str, tuple[str, ...]] = {"run_batch": ("tasks", "folders")}


class GrantReason(StrEnum):
    ALLOWED = "allowed"
    READ_ONLY = "policy_read_only"
    TOOLSET = "policy_toolset"
    DENY_LIST = "deny_list"
    ALLOW_LIST = "allow_list"
    AREA = "area_grant"
    SUBTREE = "subtree"


@dataclass(frozen=True)
class GrantDecision:
    allowed: bool
    reason: GrantReason
    message: str  # safe to show the agent: what is missing, never a credential

    def __bool__(self) -> bool:
        return self.allowed


_ALLOWED = GrantDecision(True, GrantReason.ALLOWED, "")


@dataclass(frozen=True, eq=False)
class AgentAccess:
    """One agent's policy with the server switches resolved against the catalogue: what `decide_agent`
    and the subtree check take. Build it once per agent (`agent_access`), not per call: it compares and
    hashes by identity (the policy model holds dicts), which keeps `Access` usable as a cache key."""

    name: str
    agent: AgentPolicy
    read_only: bool
    toolsets: frozenset[str] | None  # None: every area

    @property
    def subtrees(self) -> frozenset[str] | None:
        return frozenset(self.agent.subtrees) if self.agent.subtrees is not None else None

    def decide(self, tool: ToolSpec) -> GrantDecision:
        """`decide_agent` as a method, so `scopes.decide` can ask without importing this module."""
        return decide_agent(tool, self)


def agent_access(policy: PolicyFile, name: str, catalog_areas: Iterable[str]) -> AgentAccess:
    """Raises ConfigError for an unknown agent or toolset name."""
    agent = policy.agent(name)
    toolsets = resolve_toolsets(policy.server.toolsets, catalog_areas)
    return AgentAccess(name, agent, policy.server.read_only, toolsets)


def decide_agent(tool: ToolSpec, access: AgentAccess) -> GrantDecision:
    """Allowed, or refused with the reason. The order makes the message name the outermost limit."""
    agent = access.agent
    if access.read_only and tool.access == "write":
        return GrantDecision(False, GrantReason.READ_ONLY, "the policy makes this server read-only")
    if access.toolsets is not None and tool.area not in access.toolsets:
        return GrantDecision(
            False, GrantReason.TOOLSET, f"the policy does not enable the {tool.area!r} toolset"
        )
    if tool.name in agent.deny_tools:
        return GrantDecision(False, GrantReason.DENY_LIST, f"the policy denies {tool.name} to this agent")
    if agent.allow_tools is not None and tool.name not in agent.allow_tools:
        return GrantDecision(
            False, GrantReason.ALLOW_LIST, f"{tool.name} is not on this agent's list of allowed tools"
        )
    for area in (tool.area, *EXTRA_AREAS.get(tool.name, ())):
        if not agent.grants_at_least(area, tool.access):
            return GrantDecision(
                False,
                GrantReason.AREA,
                f"{tool.name} needs {tool.access} access to {area!r}; this agent has {agent.grant(area)}",
            )
    if agent.subtrees is not None and never_in_subtree(tool):
        why = subtree_query(tool, {}).why
        return GrantDecision(False, GrantReason.SUBTREE, f"{tool.name} cannot be limited to subtrees: {why}")
    return _ALLOWED


def never_in_subtree(tool: ToolSpec) -> bool:
    """True when no arguments could confine the tool to a subtree, so a limited agent never sees it."""
    return subtree_query(tool, {}).mode is Mode.REFUSE and not located_params(tool)


def visible_tools(tools: Iterable[ToolSpec], access: AgentAccess) -> tuple[ToolSpec, ...]:
    """The tools the agent's policy lets it see (before the token's scopes narrow them further)."""
    return tuple(tool for tool in tools if decide_agent(tool, access))


def subtree_query(tool: ToolSpec, arguments: Mapping[str, Any]) -> SubtreeQuery:
    """What the subtree check must place for this call. Only meaningful for subtree-limited agents."""
    override = SUBTREE_OVERRIDES.get(tool.name)
    if override is not None:
        return SubtreeQuery(tool.name, override[0], why=override[1])
    unclassified = unclassified_params(tool)
    if unclassified:
        why = f"parameter(s) {', '.join(unclassified)} cannot be placed in the folder tree"
        return SubtreeQuery(tool.name, Mode.REFUSE, why=why)
    refs: list[Ref] = []
    for name in located_params(tool):
        if name not in arguments or arguments[name] is None:
            continue
        ids = _ids(arguments[name])
        if ids is None:
            return SubtreeQuery(tool.name, Mode.REFUSE, why=f"argument {name} is not an id or a list of ids")
        role = _role(tool, name)
        refs.extend(Ref(LOCATED_PARAMS[name], item_id, name, role) for item_id in ids)
    result_kind = _result_kind(tool)
    if refs or result_kind is not None:
        return SubtreeQuery(tool.name, Mode.CHECK, tuple(refs), result_kind)
    if tool.area in METADATA_AREAS:
        return SubtreeQuery(tool.name, Mode.FREE)
    why = "without a folder, project or space inside them it would act on the whole account"
    return SubtreeQuery(tool.name, Mode.REFUSE, why=why)


def _result_kind(tool: ToolSpec) -> EntityKind | None:
    """The kind of item a read returns as a JSON list, which the listing filter places one by one."""
    if tool.access != "read" or tool.result != "json":
        return None
    if tool.name in RESULT_KIND_OVERRIDES:
        return RESULT_KIND_OVERRIDES[tool.name]
    return RESULT_KINDS.get(tool.area)


def located_params(tool: ToolSpec) -> tuple[str, ...]:
    """The tool's parameters that name places in the folder tree."""
    skip_space = tool.area in METADATA_AREAS
    return tuple(
        p.name for p in tool.params if p.name in LOCATED_PARAMS and not (skip_space and p.name == "spaceId")
    )


def unclassified_params(tool: ToolSpec) -> tuple[str, ...]:
    """Id parameters in neither table: the tool refuses subtree-limited agents until they are classified."""
    return tuple(
        p.name
        for p in tool.params
        if (p.type in ("id", "ids") or p.items == "id")
        and p.name not in LOCATED_PARAMS
        and p.name not in UNLOCATED_PARAMS
    )


def _role(tool: ToolSpec, name: str) -> Role:
    if name in DESTINATION_PARAMS:
        return "destination"
    if name in SOURCE_PARAMS:
        return "source"
    if tool.method == "POST" and any(_names_container(t, name) for t in (tool.path, *tool.alt_paths)):
        return "destination"  # POST /folders/{folderId}/tasks creates inside folderId
    return "target"


def _names_container(template: str, name: str) -> bool:
    """True when `{name}` is followed by a collection segment: `/folders/{folderId}/tasks`."""
    match = next((m for m in PLACEHOLDER.finditer(template) if m.group(1) == name), None)
    return match is not None and template[match.end() :].startswith("/")


def _ids(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(part for part in value.split(",") if part)
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def check_policy(policy: PolicyFile, catalog: Catalog) -> list[str]:
    """Problems that need the catalogue: unknown tool names and toolsets, tools in no policy area."""
    problems: list[str] = []
    known = catalog.by_name()
    try:
        resolve_toolsets(policy.server.toolsets, catalog.areas)
    except ConfigError as exc:
        problems.append(f"server.toolsets: {exc}")
    for name, agent in policy.agents.items():
        for key, tools in (("allow_tools", agent.allow_tools or ()), ("deny_tools", agent.deny_tools)):
            unknown = sorted(set(tools) - set(known))
            if unknown:
                problems.append(f"agent {name!r}: {key}: unknown tool(s) {', '.join(unknown)}")
    stray = sorted({tool.area for tool in catalog.tools} - set(AREAS))
    if stray:
        problems.append(f"catalogue area(s) {', '.join(stray)} match no policy area: no agent can use them")
    return problems
