"""The one decision: may this caller see and call this tool?

Listing and calling ask the same function, so a tool is hidden exactly when a call to it would be
refused. The inputs are the operator's switches (read-only, toolsets), which are an upper bound, and the
scopes the Wrike token was granted, and, when an agent policy applies, the agent's grants (`Access.agent`,
checked by `grants.decide_agent`): effective access = token scopes ∩ agent grants ∩ the switches.

Order of the checks: read-only beats everything, then the toolset, then the agent's policy (so a refusal
names the operator's intent before a credential detail), then the scopes ("at least one of the scopes
required by this method", [C] wrike-api.md §1.4). The subtree check needs the call's arguments and
Wrike's answers, so it runs at call time (`tools/subtree_guard.py`) after this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.model import ToolSpec

if TYPE_CHECKING:  # grants.py imports this module; at run time `decide` only calls `agent.decide`
    from wrike_mcp.policy.grants import AgentAccess

ALL_TOOLSETS = "all"
DEFAULT_TOOLSET = "default"
# Our choice: the named default set is the everyday work of a team (find, create and update tasks,
# navigate the folder tree, which also shows spaces, discuss, look up people), kept under 10,000 bytes of
# tools/list (bench/RESULTS.md). Time tracking, files and account administration are opt-in.
DEFAULT_AREAS = ("tasks", "folders", "comments", "contacts")


class Reason(StrEnum):
    ALLOWED = "allowed"
    READ_ONLY = "read_only"
    TOOLSET = "toolset"
    AGENT = "agent_policy"
    SCOPE = "scope"


@dataclass(frozen=True)
class Access:
    """What one caller may do: the token's granted scopes under the operator's switches, and the agent's
    policy when one applies (None: no agent policy, the token's scopes alone)."""

    scopes: frozenset[str]
    read_only: bool = False
    toolsets: frozenset[str] | None = None  # resolved area names; None: every area
    agent: AgentAccess | None = None

    @property
    def subtrees(self) -> frozenset[str] | None:
        """The folder, project or space ids the agent is limited to; None: no limit."""
        return self.agent.subtrees if self.agent is not None else None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: Reason
    message: str  # safe to show the agent: names what is missing, never a credential
    detail: str = ""  # for an agent refusal, which part of the policy refused (grants.GrantReason)

    def __bool__(self) -> bool:
        return self.allowed


_ALLOWED = Decision(True, Reason.ALLOWED, "")


def decide(tool: ToolSpec, access: Access) -> Decision:
    """Allowed, or refused with the reason and what would change the answer."""
    if access.read_only and tool.access == "write":
        return Decision(False, Reason.READ_ONLY, "this server runs read-only; write tools are disabled")
    if access.toolsets is not None and tool.area not in access.toolsets:
        return Decision(
            False, Reason.TOOLSET, f"the {tool.area!r} toolset is not enabled on this server (see --toolsets)"
        )
    if access.agent is not None:
        grant = access.agent.decide(tool)
        if not grant:
            return Decision(False, Reason.AGENT, grant.message, grant.reason.value)
    if not access.scopes.intersection(tool.scopes):
        needed = " or ".join(tool.scopes)
        return Decision(
            False,
            Reason.SCOPE,
            f"this tool needs the Wrike scope {needed}, which the token was not granted; "
            "re-authorise with that scope",
        )
    return _ALLOWED


def resolve_toolsets(requested: Sequence[str] | None, areas: Iterable[str]) -> frozenset[str] | None:
    """Turn `--toolsets` names into area names: `all`, `default`, or areas of the catalogue.

    Unknown names are an error rather than silently ignored, so a typo cannot hide (or expose) a toolset.
    """
    if not requested:
        return None
    known = set(areas)
    chosen: set[str] = set()
    for name in requested:
        if name == ALL_TOOLSETS:
            return None
        if name == DEFAULT_TOOLSET:
            chosen.update(area for area in DEFAULT_AREAS if area in known)
        elif name in known:
            chosen.add(name)
        else:
            choices = ", ".join(sorted(known | {ALL_TOOLSETS, DEFAULT_TOOLSET}))
            raise ConfigError(f"unknown toolset {name!r}; choose from: {choices}")
    return frozenset(chosen)
