"""The subtree limit at call time, for an agent limited to folders, projects or spaces.

`ToolHandler` asks this after the grant decision and the argument checks, and before the call's own
request: every id the call names (a target, a folder it moves or creates into, one it leaves) must live
inside the agent's subtrees (`grants.subtree_query` says which, `resolver.Locator` asks Wrike where they
live, `subtree.decide_subtree` decides). A refused call never sends its own request; the lookups that
found the refusal are reads made with the caller's credentials, and the audit record counts them.

Listings are filtered after the call, so results outside the subtrees never reach the agent. Task lists
only say where a task lives when asked (`parentIds` is not a default list field, [C] wrike-api.md §7), so
the guard adds the lineage fields the caller did not ask for to `fields`, and strips them again from what
it returns. `responseSize` (a count over the whole account) is dropped from a filtered listing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.policy.grants import subtree_query
from wrike_mcp.policy.resolver import Fetch, Locator
from wrike_mcp.policy.subtree import (
    EntityKind,
    Mode,
    SubtreeDecision,
    SubtreeQuery,
    decide_subtree,
    filter_results,
)
from wrike_mcp.tools.arguments import ValidArguments

# What a listing of each kind must carry for its items to be placed without a lookup each.
LINEAGE_FIELDS: dict[EntityKind, tuple[str, ...]] = {"task": ("parentIds", "superParentIds", "superTaskIds")}
FIELDS_PARAM = "fields"


@dataclass
class SubtreeGuard:
    """One call of a subtree-limited agent: check it, widen its `fields`, filter its results."""

    tool: ToolSpec
    roots: frozenset[str]
    query: SubtreeQuery
    locator: Locator
    added_fields: tuple[str, ...] = ()

    @classmethod
    def for_call(
        cls, tool: ToolSpec, roots: frozenset[str], arguments: dict[str, Any], fetch: Fetch
    ) -> SubtreeGuard:
        return cls(tool, roots, subtree_query(tool, arguments), Locator(fetch, roots))

    async def check(self) -> SubtreeDecision:
        """Allowed, or refused with a reason naming the ids outside (or that could not be placed)."""
        lineage = {}
        if self.query.mode is Mode.CHECK and self.query.refs:
            lineage = await self.locator.lineage(self.query.lookups())
        return decide_subtree(self.roots, self.query, lineage)

    def with_lineage_fields(self, valid: ValidArguments) -> ValidArguments:
        """The arguments with the lineage fields added to `fields`, when the listing needs them."""
        kind = self.query.result_kind
        needed = LINEAGE_FIELDS.get(kind, ()) if kind is not None else ()
        if not needed or self.tool.param(FIELDS_PARAM) is None:
            return valid
        asked = list(valid.values.get(FIELDS_PARAM) or [])
        self.added_fields = tuple(name for name in needed if name not in asked)
        if not self.added_fields:
            return valid
        return replace(valid, values={**valid.values, FIELDS_PARAM: [*asked, *self.added_fields]})

    async def filter(self, body: dict[str, Any]) -> dict[str, Any]:
        """The envelope with only the items inside the subtrees, as the caller asked for them."""
        kind = self.query.result_kind
        items = body.get("data")
        if kind is None or not isinstance(items, list):
            return body
        items = [item for item in items if isinstance(item, dict)]
        lineage = await self.locator.place(kind, items)
        kept = filter_results(self.roots, kind, items, lineage).kept
        data = [{k: v for k, v in item.items() if k not in self.added_fields} for item in kept]
        return {key: value for key, value in body.items() if key != "responseSize"} | {"data": data}
