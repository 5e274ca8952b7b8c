"""Where items live, asked of Wrike during one call, with the caller's own credentials.

The subtree check (`subtree.py`) is pure; this module fetches what it needs, read-only, through the same
`WrikeClient` the call uses (so the same credentials, host, pacing and error mapping apply):

- the folders inside each root: `GET /folders/{root}/folders` returns the root's whole subtree,
  the root included, in tree mode ([C] wrike-api.md §4.3). One request per root and call, however deep
  the tree; a folder that is not in any of these subtrees is outside (its lineage is just itself), so a
  folder never needs a lookup of its own, and an unknown folder id is refused like an outside one;
- tasks: `GET /tasks/{ids}` (up to 100 per request) carries `parentIds`, `superParentIds` and
  `superTaskIds` by default ([C] §7: single-task fields); Wrike rejects them in `fields` there, so none is
  sent. A task not placed inside by its own folders is placed through its super tasks, fetched in rounds;
- comments, timelogs, attachments, webhooks: `GET /{kind}s/{ids}`, then their task, folder or space.

Nothing is kept after the call: a `Locator` lives for one call (the server is stateless, design §2.2).
An item Wrike will not show (404, 403) gets no lineage, so the check refuses it (fail closed); any other
failure (429, 5xx, a timeout) is raised as the upstream error it is, rather than becoming a refusal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from wrike_mcp.errors import UpstreamUnavailable, WrikeApiError
from wrike_mcp.policy.subtree import EntityKind, Hierarchy, Located, containers_of, group_located, inside
from wrike_mcp.wrike.client import UpstreamRequest, WrikeResponse

Fetch = Callable[[UpstreamRequest], Awaitable[WrikeResponse]]
LineageMap = dict[Located, frozenset[str] | None]

CHUNK = 100  # [C] wrike-api.md §3.4: at most 100 ids per path
MAX_SUPER_ROUNDS = 5  # [I] our choice: subtask nesting deeper than this is refused rather than chased
ITEM_PATHS: dict[EntityKind, str] = {
    "comment": "/comments/",
    "timelog": "/timelogs/",
    "attachment": "/attachments/",
    "webhook": "/webhooks/",
}


class Locator:
    """Finds the lineage of the items one call names or returns, fetching each thing at most once."""

    def __init__(self, fetch: Fetch, roots: frozenset[str]) -> None:
        self._fetch = fetch
        self._roots = roots
        self._tree: Hierarchy | None = None
        self._task_parents: dict[str, list[str]] = {}
        self._task_supers: dict[str, list[str]] = {}
        self._unseen: set[str] = set()  # tasks Wrike would not show this caller

    async def lineage(self, wanted: Mapping[EntityKind, Iterable[str]]) -> LineageMap:
        """Lineage of every `(kind, id)` in `wanted` (as `SubtreeQuery.lookups()` groups them)."""
        answer: LineageMap = {}
        for kind, ids in wanted.items():
            ordered = sorted(ids)
            if kind in ("folder", "space", "task"):
                answer.update(await self._place_ids(kind, ordered))
            else:
                items = await self._get_items(kind, ordered)
                placed = await self.place(kind, items)
                answer.update({(kind, item_id): placed.get((kind, item_id)) for item_id in ordered})
        return answer

    async def place(self, kind: EntityKind, items: Sequence[Mapping[str, Any]]) -> LineageMap:
        """Lineage of result items, keyed `(kind, id)`, from what the items say about their place and,
        where they say nothing, from Wrike. Tasks listed with `parentIds` need no lookup."""
        items = [item for item in items if isinstance(item.get("id"), str)]
        if kind == "task":
            self._learn_tasks(item for item in items if isinstance(item.get("parentIds"), list))
        if kind in ("folder", "space", "task"):
            return await self._place_ids(kind, [item["id"] for item in items])
        unplaced = [item["id"] for item in items if containers_of(kind, item) is None]
        fetched = await self._get_items(kind, unplaced) if unplaced else []
        by_id = {item["id"]: item for item in items} | {item["id"]: item for item in fetched}
        containers = {item_id: containers_of(kind, item) for item_id, item in by_id.items()}
        known = await self.lineage(group_located(c for found in containers.values() for c in found or ()))
        return {(kind, item_id): _union(found, known) for item_id, found in containers.items()}

    async def _place_ids(self, kind: EntityKind, ids: Sequence[str]) -> LineageMap:
        tree = await self._folder_tree()
        if kind != "task":
            return {(kind, item_id): tree.folder_lineage(item_id) or frozenset({item_id}) for item_id in ids}
        await self._load_tasks(ids)
        return {("task", item_id): self._hierarchy().task_lineage(item_id) for item_id in ids}

    async def _folder_tree(self) -> Hierarchy:
        if self._tree is None:
            entries: list[Mapping[str, Any]] = []
            for root in sorted(self._roots):
                entries.extend(await self._get_list(f"/folders/{quote(root, safe='')}/folders"))
            self._tree = Hierarchy.from_folder_tree(entries)
        return self._tree

    def _hierarchy(self) -> Hierarchy:
        assert self._tree is not None
        return Hierarchy(self._tree.folder_parents, self._task_parents, self._task_supers)

    def _learn_tasks(self, tasks: Iterable[Mapping[str, Any]]) -> None:
        for task in tasks:
            self._task_parents[task["id"]] = [
                *(task.get("parentIds") or []),
                *(task.get("superParentIds") or []),
            ]
            self._task_supers[task["id"]] = list(task.get("superTaskIds") or [])

    async def _load_tasks(self, ids: Iterable[str]) -> None:
        """Fetch the tasks not known yet, then, for those their folders do not place inside, their super
        tasks, round by round."""
        todo = sorted({i for i in ids if i not in self._task_parents and i not in self._unseen})
        wanted = set(ids)
        for _ in range(MAX_SUPER_ROUNDS + 1):
            if todo:
                self._learn_tasks(await self._get_items_at("/tasks/", todo, self._unseen))
            hierarchy = self._hierarchy()
            unplaced = [i for i in wanted if not inside(self._roots, hierarchy.task_lineage(i))]
            supers = {s for i in unplaced for s in self._super_chain(i)}
            todo = sorted(s for s in supers if s not in self._task_parents and s not in self._unseen)
            if not todo:
                return

    def _super_chain(self, task_id: str) -> set[str]:
        """Every super task reachable from a task through the tasks known so far (itself excluded)."""
        found: set[str] = set()
        todo = list(self._task_supers.get(task_id, ()))
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(self._task_supers.get(current, ()))
        return found

    async def _get_items(self, kind: EntityKind, ids: Sequence[str]) -> list[Mapping[str, Any]]:
        path = ITEM_PATHS.get(kind)
        return await self._get_items_at(path, ids, set()) if path else []

    async def _get_items_at(self, path: str, ids: Sequence[str], unseen: set[str]) -> list[Mapping[str, Any]]:
        """`GET {path}{id,id,...}` in chunks. A chunk Wrike refuses (one id unknown or hidden fails the
        whole request) leaves all its ids unplaced: refused, never guessed."""
        found: list[Mapping[str, Any]] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            items = await self._get_list(path + ",".join(quote(i, safe="") for i in chunk))
            found.extend(items)
            returned = {item.get("id") for item in items}
            unseen.update(i for i in chunk if i not in returned)
        return found

    async def _get_list(self, path: str) -> list[Mapping[str, Any]]:
        """The `data` list of a GET; empty when Wrike says the caller cannot see it (403, 404, 400)."""
        try:
            response = await self._fetch(UpstreamRequest("GET", path))
        except WrikeApiError as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                return []
            raise
        body = response.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise UpstreamUnavailable("Wrike answered a lookup in an unexpected format")
        return [item for item in data if isinstance(item, dict)]


def _union(containers: tuple[Located, ...] | None, known: LineageMap) -> frozenset[str] | None:
    """An item's lineage from its containers': None when it names none or any is unknown. An item that
    names no place at all (an account-wide webhook) has an empty lineage: outside every subtree."""
    if containers is None:
        return None
    chains = [known.get(container) for container in containers]
    if any(chain is None for chain in chains):
        return None
    return frozenset().union(*(chain for chain in chains if chain is not None))
