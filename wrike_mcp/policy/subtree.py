"""The subtree check: is every item a call touches inside the folders, projects or spaces an agent is
limited to? A pure function over ancestry data, so it is exhaustively testable without a network.

Vocabulary:
- a *root* is an id from the agent's `subtrees` (a folder, project or space: spaces are top-level
  folders with the same id, [C] wrike-api.md §4.3);
- the *lineage* of an item is every folder-tree id at or above it: a folder's own id and its ancestors;
  for a task, the lineage of each of its parent folders (`parentIds`, `superParentIds`) and of its super
  tasks; for a comment, timelog or attachment, the lineage of the task or folder it belongs to; for a
  webhook, of the folder or space it watches (an account-wide hook has an empty lineage);
- an item is *inside* when its lineage meets the roots. A task tagged into several folders is inside when
  any of them is (it is visible there in Wrike too); moving it needs every added and removed parent inside.

How a call is checked (phase 2 wires the fetching):
1. `grants.subtree_query(tool, arguments)` turns the call into a `SubtreeQuery`: the ids it names, each
   with its kind and role (the target, a destination it moves or creates into, a source it leaves).
2. A resolver finds the lineage of each `(kind, id)` in `query.lookups()`; `Hierarchy` computes lineage
   from parent links, so the resolver only fetches the folder tree and the items' parent fields.
3. `decide_subtree(roots, query, lineage)`: allow, or deny with a reason naming the id. An id the resolver
   could not place (lineage None or missing) is refused: fail closed.
4. For a listing (`query.result_kind`), `filter_results` drops every item outside, so results outside the
   subtree never reach the agent; `containers_of` says which parent ids locate each result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

EntityKind = Literal["task", "folder", "space", "comment", "timelog", "attachment", "webhook"]
Role = Literal["target", "destination", "source"]
Located = tuple[EntityKind, str]
Lineage = Mapping[Located, frozenset[str] | None]


class Mode(StrEnum):
    FREE = "free"  # account metadata (contacts, workflows...): not in the folder tree, no subtree check
    CHECK = "check"  # every named id must be inside; listing results are filtered
    REFUSE = "refuse"  # the call cannot be confined to a subtree (account-wide write, batch)


@dataclass(frozen=True)
class Ref:
    """One id an argument names: what it is, which parameter, and what the call does with it."""

    kind: EntityKind
    id: str
    param: str
    role: Role = "target"

    @property
    def located(self) -> Located:
        return (self.kind, self.id)

    def describe(self) -> str:
        where = f"{self.kind} {self.id} ({self.param})"
        if self.role == "destination":
            return f"moving or creating into {where}"
        if self.role == "source":
            return f"removing from {where}"
        return where


@dataclass(frozen=True)
class SubtreeQuery:
    """What the subtree check needs to know about one call."""

    tool: str
    mode: Mode
    refs: tuple[Ref, ...] = ()
    result_kind: EntityKind | None = None  # filter the results by this kind's lineage
    why: str = ""  # for REFUSE: why the call cannot be confined

    def lookups(self) -> dict[EntityKind, frozenset[str]]:
        """The ids whose lineage the resolver must find, by kind."""
        return group_located(ref.located for ref in self.refs)


@dataclass(frozen=True)
class SubtreeDecision:
    allowed: bool
    reason: str
    denied: tuple[Ref, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class Filtered:
    kept: list[dict[str, Any]]
    dropped: int


ALLOWED = SubtreeDecision(True, "")
_CONTAINER_KEYS: dict[EntityKind, tuple[tuple[str, EntityKind], ...]] = {
    "comment": (("taskId", "task"), ("folderId", "folder")),
    "timelog": (("taskId", "task"),),
    "attachment": (("taskId", "task"), ("folderId", "folder")),
    "webhook": (("folderId", "folder"), ("spaceId", "space")),
}


def inside(roots: frozenset[str], lineage: frozenset[str] | None) -> bool:
    return lineage is not None and not roots.isdisjoint(lineage)


def decide_subtree(roots: frozenset[str] | None, query: SubtreeQuery, lineage: Lineage) -> SubtreeDecision:
    """Allow when the agent has no subtree limit, or when every id the call names is inside."""
    if roots is None or query.mode is Mode.FREE:
        return ALLOWED
    if query.mode is Mode.REFUSE:
        return SubtreeDecision(False, f"{query.tool} cannot be limited to the agent's subtrees: {query.why}")
    unknown = [ref for ref in query.refs if lineage.get(ref.located) is None]
    if unknown:
        named = ", ".join(ref.describe() for ref in unknown)
        return SubtreeDecision(False, f"could not tell where {named} lives; refused", tuple(unknown))
    outside = [ref for ref in query.refs if not inside(roots, lineage[ref.located])]
    if outside:
        named = ", ".join(ref.describe() for ref in outside)
        return SubtreeDecision(False, f"{named}: outside the folders this agent may use", tuple(outside))
    return ALLOWED


def containers_of(kind: EntityKind, item: Mapping[str, Any]) -> tuple[Located, ...] | None:
    """The folder-tree items that locate a result item, or None when the item does not say.

    A task's list result carries `parentIds` only when asked for (`fields`), so None tells the caller to
    look the task up instead of guessing.
    """
    if kind in ("folder", "space"):
        return ((kind, item["id"]),) if isinstance(item.get("id"), str) else None
    if kind == "task":
        if not isinstance(item.get("parentIds"), list):
            return None
        folders = [*item["parentIds"], *(item.get("superParentIds") or [])]
        supers = item.get("superTaskIds") or []
        return (*(("folder", f) for f in folders), *(("task", t) for t in supers))
    for key, container in _CONTAINER_KEYS.get(kind, ()):
        if isinstance(item.get(key), str):
            return ((container, item[key]),)
    # An account-wide webhook watches no folder: located nowhere, so outside every subtree.
    return () if kind == "webhook" else None


def item_lineage(kind: EntityKind, item: Mapping[str, Any], lineage: Lineage) -> frozenset[str] | None:
    """An item's lineage from its containers' lineage; None when any container is unknown."""
    if isinstance(item.get("id"), str) and (kind, item["id"]) in lineage:
        return lineage[(kind, item["id"])]
    containers = containers_of(kind, item)
    if containers is None:
        return None
    chains = [lineage.get(c) for c in containers]
    if any(chain is None for chain in chains):
        return None
    return frozenset().union(*(c for c in chains if c is not None))


def result_lookups(kind: EntityKind, items: Iterable[Mapping[str, Any]]) -> dict[EntityKind, frozenset[str]]:
    """What the resolver must locate to filter these results: each item's containers, or the item itself."""
    wanted: list[Located] = []
    for item in items:
        containers = containers_of(kind, item)
        if containers is None and isinstance(item.get("id"), str):
            wanted.append((kind, item["id"]))
        else:
            wanted.extend(containers or ())
    return group_located(wanted)


def filter_results(
    roots: frozenset[str] | None, kind: EntityKind, items: Sequence[Mapping[str, Any]], lineage: Lineage
) -> Filtered:
    """Keep only the results inside the roots; unplaceable items are dropped (fail closed)."""
    if roots is None:
        return Filtered([dict(item) for item in items], 0)
    kept = [dict(item) for item in items if inside(roots, item_lineage(kind, item, lineage))]
    return Filtered(kept, len(items) - len(kept))


def group_located(located: Iterable[Located]) -> dict[EntityKind, frozenset[str]]:
    grouped: dict[EntityKind, set[str]] = {}
    for kind, item_id in located:
        grouped.setdefault(kind, set()).add(item_id)
    return {kind: frozenset(ids) for kind, ids in grouped.items()}


@dataclass
class Hierarchy:
    """Parent links as data, and the lineage they imply. What a resolver fills from Wrike's answers.

    `folder_parents`: every folder, project and space id -> its parent folder ids (the root has none).
    `task_parents`: task id -> its `parentIds` plus `superParentIds`; `task_supers`: task id -> its
    `superTaskIds` (a subtask sits under the root, [C] wrike-api.md §7, so its place comes from its super
    task). Cycles are tolerated; unknown ids give None.
    """

    folder_parents: Mapping[str, Sequence[str]]
    task_parents: Mapping[str, Sequence[str]] = field(default_factory=dict)
    task_supers: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def from_folder_tree(cls, entries: Iterable[Mapping[str, Any]]) -> Hierarchy:
        """From `GET /folders` in tree mode, whose entries carry `childIds` but no `parentIds`."""
        parents: dict[str, list[str]] = {}
        for entry in entries:
            parents.setdefault(entry["id"], [])
            for child in entry.get("childIds") or []:
                parents.setdefault(child, []).append(entry["id"])
        return cls(parents)

    @classmethod
    def from_items(
        cls, folders: Iterable[Mapping[str, Any]], tasks: Iterable[Mapping[str, Any]] = ()
    ) -> Hierarchy:
        """From full folder and task objects (`parentIds`, `superParentIds`, `superTaskIds`)."""
        return cls(
            {f["id"]: list(f.get("parentIds") or []) for f in folders},
            {t["id"]: [*(t.get("parentIds") or []), *(t.get("superParentIds") or [])] for t in tasks},
            {t["id"]: list(t.get("superTaskIds") or []) for t in tasks},
        )

    def folder_lineage(self, folder_id: str) -> frozenset[str] | None:
        if folder_id not in self.folder_parents:
            return None
        seen: set[str] = set()
        todo = [folder_id]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.folder_parents.get(current, ()))
        return frozenset(seen)

    def task_lineage(self, task_id: str) -> frozenset[str] | None:
        if task_id not in self.task_parents:
            return None
        chain: set[str] = set()
        seen: set[str] = set()
        todo = [task_id]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for folder in self.task_parents.get(current, ()):
                chain |= self.folder_lineage(folder) or {folder}
            todo.extend(self.task_supers.get(current, ()))
        return frozenset(chain)

    def lineage(self, wanted: Mapping[EntityKind, Iterable[str]]) -> dict[Located, frozenset[str] | None]:
        """Lineage of folders, spaces and tasks (as `SubtreeQuery.lookups()` groups them); other kinds
        are placed through their container by `lineage_of_items`, so here they are None."""
        answer: dict[Located, frozenset[str] | None] = {}
        for kind, ids in wanted.items():
            for item_id in ids:
                if kind in ("folder", "space"):
                    answer[(kind, item_id)] = self.folder_lineage(item_id)
                elif kind == "task":
                    answer[(kind, item_id)] = self.task_lineage(item_id)
                else:
                    answer[(kind, item_id)] = None
        return answer

    def lineage_of_items(
        self, kind: EntityKind, items: Iterable[Mapping[str, Any]]
    ) -> dict[Located, frozenset[str] | None]:
        """Lineage of fetched items (comments, timelogs, attachments, webhooks...) through the task,
        folder or space each one names; an item that names none is None (or empty for a webhook)."""
        answer: dict[Located, frozenset[str] | None] = {}
        for item in items:
            if isinstance(item.get("id"), str):
                containers = containers_of(kind, item)
                if containers is None:  # e.g. a task listed without parentIds: look it up by id
                    containers = ((kind, item["id"]),)
                known = self.lineage(group_located(containers))
                answer[(kind, item["id"])] = item_lineage(kind, item, known)
        return answer
