"""Space model rules: the wire view, creation and updates (members, workflows, access type). [C] §4.4"""

from __future__ import annotations

import copy
from typing import Any

from wrike_mcp.sandbox.items_model import default_workflow_id, remove_items
from wrike_mcp.sandbox.items_tree import EDITOR_ROLE, build_space, member
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, invalid_parameter

SPACE_ORDER = (
    "id", "title", "avatarUrl", "accessType", "archived", "description", "guestRoleId",
    "defaultProjectWorkflowId", "defaultTaskWorkflowId", "suggestedProjectWorkflowIds",
    "suggestedTaskWorkflowIds", "members", "workScheduleId",
)  # fmt: skip
OPT_IN = {
    "suggestedProjectWorkflowIds": "suggestedProjectWorkflows",
    "suggestedTaskWorkflowIds": "suggestedTaskWorkflows",
    "members": "members", "workScheduleId": "workScheduleId",
}  # fmt: skip


def space_view(space: Entity, fields: set[str]) -> Entity:
    """Default space fields plus the opted-in ones; empty description and guest role are omitted. [I]"""
    out: Entity = {}
    for key in SPACE_ORDER:
        if key in OPT_IN and OPT_IN[key] not in fields:
            continue
        if space.get(key) not in (None, "") or key in ("archived",):
            out[key] = copy.deepcopy(space[key])
    return out


def _members(ws: Workspace, raw: Any, name: str) -> list[Entity]:
    """`[{id, accessRoleId?, isManager?}]` with known contact ids."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_parameter(name)
    result = []
    for entry in raw:
        if not isinstance(entry, dict) or entry.get("id") not in ws["contacts"]:
            raise invalid_parameter(name)
        manager = entry.get("isManager", False)
        role = entry.get("accessRoleId", ws.account_id + EDITOR_ROLE)
        if not isinstance(manager, bool) or not isinstance(role, str):
            raise invalid_parameter(name)
        result.append({"id": entry["id"], "accessRoleId": role, "isManager": manager})
    return result


def _workflow(ws: Workspace, params: Params, name: str) -> str | None:
    value = params.text(name)
    if value is not None and value not in ws["workflows"]:
        raise invalid_parameter(name)
    return value


def _workflows(ws: Workspace, params: Params, name: str) -> list[str]:
    ids = params.strings(name) or []
    if not set(ids) <= set(ws["workflows"]):
        raise invalid_parameter(name)
    return ids


def new_space(ws: Workspace, user_id: str, params: Params) -> Entity:
    """`POST /spaces`: the creator is always a managing member. [I] our choice"""
    title = params.text("title", required=True, non_empty=True) or ""
    access = params.enum("accessType", ("Locked", "Private", "Public"), required=True) or "Public"
    members = _members(ws, params.literal("members"), "members")
    if not any(m["id"] == user_id for m in members):
        members.insert(0, member(ws, user_id, True))
    guest = params.text("guestRoleId")
    if guest is not None and access != "Public":
        raise invalid_parameter("guestRoleId")
    task_wf = _workflow(ws, params, "defaultTaskWorkflowId") or default_workflow_id(ws)
    project_wf = _workflow(ws, params, "defaultProjectWorkflowId") or task_wf
    suggested = {
        "suggestedTaskWorkflowIds": _workflows(ws, params, "suggestedTaskWorkflows") or [task_wf],
        "suggestedProjectWorkflowIds": _workflows(ws, params, "suggestedProjectWorkflows") or [project_wf],
    }
    space = build_space(
        ws, title=title, access_type=access, author_id=user_id, created=ws.now_iso(), members=members,
        workflow_id=task_wf, description=params.text("description") or "",
    )  # fmt: skip
    space.update(defaultProjectWorkflowId=project_wf, **suggested)
    if guest is not None:
        space["guestRoleId"] = guest
    schedule = params.text("workScheduleId")
    if schedule is not None:
        space["workScheduleId"] = schedule
    return space


def apply_space_changes(ws: Workspace, user_id: str, space: Entity, params: Params) -> Entity:
    """`PUT /spaces/{spaceId}`: validated on a copy, then stored; the space folder follows its title."""
    new = copy.deepcopy(space)
    access = params.enum("accessType", ("Private", "Public"))
    if access is not None:
        if space["accessType"] == "Personal":
            raise invalid_parameter("accessType")
        new["accessType"] = access
    for name in ("title", "description", "guestRoleId", "workScheduleId"):
        value = params.text(name, non_empty=name == "title")
        if value is not None:
            new[name] = value
    for name in ("defaultProjectWorkflowId", "defaultTaskWorkflowId"):
        new[name] = _workflow(ws, params, name) or new[name]
    for key, stem in (("suggestedProjectWorkflowIds", "suggestedProjectWorkflows"),
                      ("suggestedTaskWorkflowIds", "suggestedTaskWorkflows")):  # fmt: skip
        new[key] = list(dict.fromkeys([*new[key], *_workflows(ws, params, stem + "Add")]))
        remove_items(new[key], _workflows(ws, params, stem + "Remove"))
    _change_members(ws, new, params)
    space.clear()
    space.update(new)
    folder = ws["folders"].get(space["id"])
    if folder is not None and folder["title"] != space["title"]:
        old_title, folder["title"] = folder["title"], space["title"]
        folder["updatedDate"] = ws.now_iso()
        ws.emit("FolderTitleChanged", {"folderId": space["id"], "eventAuthorId": user_id,
                                       "oldValue": old_title, "title": space["title"]})  # fmt: skip
    return space


def _change_members(ws: Workspace, space: Entity, params: Params) -> None:
    current = {m["id"]: m for m in space["members"]}
    for entry in _members(ws, params.literal("membersAdd"), "membersAdd"):
        current.setdefault(entry["id"], entry)
    for entry in _members(ws, params.literal("membersUpdate"), "membersUpdate"):
        if entry["id"] not in current:
            raise invalid_parameter("membersUpdate")
        current[entry["id"]] = entry
    for member_id in params.strings("membersRemove") or []:
        current.pop(member_id, None)
    space["members"] = list(current.values())
