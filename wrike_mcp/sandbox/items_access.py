"""Where an item sits in the folder tree, and who may see it.

[I] our visibility model: items under a space whose access type is Private, Personal or Locked are
visible to that space's members only; every other item is visible to every account member. Wrike's
real sharing model (per-item sharedIds, access roles) is richer; the sandbox keeps this one rule so
tools and tests have a realistic "403 for someone else's private space" case.
"""

from __future__ import annotations

from collections.abc import Callable

from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import access_forbidden

RESTRICTED_ACCESS = frozenset({"Private", "Personal", "Locked"})


def ancestors(ws: Workspace, entity: Entity) -> set[str]:
    """Every folder id above a task or folder: its parents, their parents, and (for a subtask) the
    folders above its super tasks, transitively. The entity's own id is not included."""
    return _above(ws, entity, ("parentIds",))


def _above(ws: Workspace, entity: Entity, links: tuple[str, ...]) -> set[str]:
    folders, tasks = ws["folders"], ws["tasks"]
    found: set[str] = set()
    seen_tasks: set[str] = {entity["id"]}
    stack: list[Entity] = [entity]
    while stack:
        item = stack.pop()
        for parent_id in (p for link in links for p in item.get(link, ())):
            if parent_id not in found:
                found.add(parent_id)
                parent = folders.get(parent_id)
                if parent is not None:
                    stack.append(parent)
        for super_id in item.get("superTaskIds", ()):
            if super_id not in seen_tasks and super_id in tasks:
                seen_tasks.add(super_id)
                stack.append(tasks[super_id])
    return found


def hidden_spaces(ws: Workspace, user_id: str) -> set[str]:
    """The ids of the restricted spaces `user_id` is not a member of."""
    return {
        space["id"]
        for space in ws["spaces"].values()
        if space.get("accessType") in RESTRICTED_ACCESS
        and not any(m.get("id") == user_id for m in space.get("members", ()))
    }


def can_access(ws: Workspace, user_id: str, entity: Entity) -> bool:
    """Whether `user_id` may see this task or folder (see the module docstring)."""
    hidden = hidden_spaces(ws, user_id)
    if not hidden:
        return True
    # A trashed item keeps the privacy of the place it was trashed from.
    places = _above(ws, entity, ("parentIds", "_trashedFrom")) | {entity["id"]}
    return not places & hidden


def require_access(ws: Workspace, user_id: str, entity: Entity) -> Entity:
    """The entity, or Wrike's 403 for someone who may not see it."""
    if not can_access(ws, user_id, entity):
        raise access_forbidden()
    return entity


def hidden_folders(ws: Workspace, user_id: str) -> set[str]:
    """Every folder inside a space the user may not see (the space folders included)."""
    hidden = hidden_spaces(ws, user_id)
    if not hidden:
        return hidden
    folders = ws["folders"]
    stack = [f for f in hidden if f in folders]
    _walk_down(folders, hidden, stack)
    # A folder trashed from a hidden place stays hidden in the Recycle Bin, with what went along.
    binned = folders[ws.recycle_bin_id]["childIds"]
    trashed = [f for f in binned if hidden.intersection(folders[f].get("_trashedFrom", ()))]
    hidden.update(trashed)
    _walk_down(folders, hidden, trashed)
    return hidden


def _walk_down(folders: dict[str, Entity], hidden: set[str], stack: list[str]) -> None:
    while stack:
        for child in folders[stack.pop()].get("childIds", ()):
            if child not in hidden and child in folders:
                hidden.add(child)
                stack.append(child)


def visibility(ws: Workspace, user_id: str) -> Callable[[Entity], bool]:
    """A fast `visible(item)` for filtering whole lists: the hidden folder set is computed once and
    subtasks are resolved through their super tasks with a memo. The answer matches `can_access`."""
    hidden = hidden_folders(ws, user_id)
    if not hidden:
        return lambda _item: True
    tasks = ws["tasks"]
    memo: dict[str, bool] = {}

    def visible(item: Entity) -> bool:
        key = item["id"]
        if key in memo:
            return memo[key]
        memo[key] = True  # breaks super-task cycles
        places = [*item.get("parentIds", ()), *item.get("_trashedFrom", ()), key]
        result = not any(p in hidden for p in places) and all(
            visible(tasks[s]) for s in item.get("superTaskIds", ()) if s in tasks
        )
        memo[key] = result
        return result

    return visible
