"""User groups: the records behind `/groups`. [C] wrike-api.md §4.9

Groups are contacts of type `Group` (so `GET /contacts` lists them too); their hierarchy lives in the
private `_parentIds` / `_childIds` keys and their title in `firstName`, as Wrike's contact model has it.
"""

from __future__ import annotations

import re
from typing import Any

from wrike_mcp.sandbox.activity_common import apply_metadata
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, invalid_parameter

HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def render_group(ws: Workspace, group: Entity, fields: set[str]) -> Entity:
    """`{id, accountId, title, memberIds, childIds, parentIds, avatarUrl, [myTeam], [metadata]}`.
    [C] DOC2020, OAS154"""
    out: Entity = {
        "id": group["id"], "accountId": ws.account_id, "title": group["firstName"],
        "memberIds": list(group.get("memberIds", [])), "childIds": list(group.get("_childIds", [])),
        "parentIds": list(group.get("_parentIds", [])), "avatarUrl": group.get("avatarUrl", ""),
    }  # fmt: skip
    if group.get("myTeam"):
        out["myTeam"] = True
    if "metadata" in fields:
        out["metadata"] = group.get("metadata", [])
    return out


def people(ws: Workspace, params: Params, name: str) -> list[str]:
    ids = params.strings(name) or []
    if not all(ws["contacts"].get(i, {}).get("type") == "Person" for i in ids):
        raise invalid_parameter(name)
    return ids


def _avatar_url(avatar: dict[str, Any]) -> str:
    """`avatar {letters (≤2), color (#hex)}` drawn as an avatar URL. [C] params; URL shape [I]"""
    letters, color = avatar.get("letters"), avatar.get("color")
    if (
        set(avatar) - {"letters", "color"}
        or not isinstance(letters, str)
        or not 0 < len(letters) <= 2
        or not isinstance(color, str)
        or not HEX_COLOR.match(color)
    ):
        raise invalid_parameter("avatar")
    return f"https://www.wrike.com/avatars/group/{letters}/{color[1:].upper()}.png"


def new_group(ws: Workspace, title: str) -> Entity:
    group_id = ws.new_id("groups")
    group: Entity = {
        "id": group_id, "firstName": title, "lastName": "", "type": "Group", "profiles": [],
        "avatarUrl": "", "timezone": "", "locale": "", "deleted": False, "memberIds": [], "metadata": [],
        "_parentIds": [], "_childIds": [],
    }  # fmt: skip
    ws["contacts"][group_id] = group
    return group


def check_parent(ws: Workspace, group: Entity, parent_id: str | None) -> None:
    """A parent must be another group, and not one below this group (no cycles)."""
    if parent_id is None:
        return
    parent = ws["contacts"].get(parent_id)
    if parent is None or parent.get("type") != "Group" or parent_id in descendants(ws, group):
        raise invalid_parameter("parent")


def set_parent(ws: Workspace, group: Entity, parent_id: str | None) -> None:
    """Move a group under another (or to the top with `None`)."""
    check_parent(ws, group, parent_id)
    for old in group.get("_parentIds", []):
        old_parent = ws["contacts"][old]
        old_parent["_childIds"] = [c for c in old_parent.get("_childIds", []) if c != group["id"]]
    group["_parentIds"] = [parent_id] if parent_id else []
    if parent_id is not None:
        ws["contacts"][parent_id].setdefault("_childIds", []).append(group["id"])


def descendants(ws: Workspace, group: Entity) -> set[str]:
    found, stack = {group["id"]}, [group["id"]]
    while stack:
        for child in ws["contacts"][stack.pop()].get("_childIds", []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def apply_changes(ws: Workspace, group: Entity, params: Params, *, creating: bool) -> None:
    """The parameters `POST /groups` and `PUT /groups/{id}` share: all are checked before any is
    applied, so a refused request changes nothing."""
    title = params.text("title", creating, non_empty=True)
    added = people(ws, params, "members" if creating else "addMembers")
    removed = set() if creating else set(people(ws, params, "removeMembers"))
    raw_parent = params.raw.get("parent")
    parent = raw_parent if isinstance(raw_parent, str) and raw_parent not in ("", "null") else None
    check_parent(ws, group, parent)
    avatar = params.obj("avatar")
    avatar_url = _avatar_url(avatar) if avatar is not None else None
    metadata = params.array("metadata", max_items=100)
    scratch: Entity = {"metadata": list(group.get("metadata", []))}
    apply_metadata(scratch, metadata or [])
    if title is not None:
        group["firstName"] = title
    kept = [m for m in group["memberIds"] if m not in removed]
    group["memberIds"] = kept + [m for m in added if m not in kept]
    if "parent" in params:
        set_parent(ws, group, parent)
    if avatar_url is not None:
        group["avatarUrl"] = avatar_url
    group["metadata"] = scratch["metadata"]


def delete_group(ws: Workspace, group: Entity) -> None:
    """Remove a group; its child groups move up to its parent."""
    parent = (group.get("_parentIds") or [None])[0]
    for child in list(group.get("_childIds", [])):
        set_parent(ws, ws["contacts"][child], parent)
    set_parent(ws, group, None)
    del ws["contacts"][group["id"]]
