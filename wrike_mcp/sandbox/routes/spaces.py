"""Spaces (list, get, create, update, delete) and the account (`GET/PUT /account`).
[C] wrike-api.md §4.4, §4.9 "Account"

A space is also a folder directly under Root with the same id; title changes and deletion keep the two
in step. Restricted spaces (Private, Personal, Locked) are seen by their members only (items_access).
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_access import hidden_spaces
from wrike_mcp.sandbox.items_folders import trash_folder
from wrike_mcp.sandbox.items_model import apply_metadata, metadata_filter, metadata_matches
from wrike_mcp.sandbox.items_spaces import apply_space_changes, new_space, space_view
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.wire import access_forbidden, envelope, invalid_parameter, not_allowed, not_found

router = Router()

ACCESS_TYPES = ("Locked", "Personal", "Private", "Public")
WORKFLOW_PARAMS = ("defaultProjectWorkflowId", "defaultTaskWorkflowId", "guestRoleId", "workScheduleId")
CREATE_PARAMS = (
    "title", "accessType", "description", "members", "suggestedProjectWorkflows", "suggestedTaskWorkflows",
    "withInvitations", "fields", *WORKFLOW_PARAMS,
)  # fmt: skip
UPDATE_PARAMS = (
    "accessType", "title", "description", "membersAdd", "membersUpdate", "membersRemove",
    "suggestedProjectWorkflowsAdd", "suggestedProjectWorkflowsRemove", "suggestedTaskWorkflowsAdd",
    "suggestedTaskWorkflowsRemove", "withInvitations", "fields", *WORKFLOW_PARAMS,
)  # fmt: skip
LIST_FIELDS = frozenset({"members", "workScheduleId"})
GET_FIELDS = LIST_FIELDS | {"suggestedTaskWorkflows", "suggestedProjectWorkflows"}


def _is_member(space: Entity, user_id: str) -> bool:
    return any(m["id"] == user_id for m in space.get("members", ()))


@router.route(
    "GET", "/spaces", scopes=WS_READ,
    params=("withArchived", "userIsMember", "withInvitations", "title", "accessTypes", "fields"),
)  # fmt: skip
async def list_spaces(call: Call) -> dict[str, Any]:
    params = call.params
    fields = params.fields(LIST_FIELDS)
    archived = params.flag("withArchived", False)
    member = params.flag("userIsMember")
    title = (params.text("title") or "").lower()
    types = params.strings("accessTypes")
    if types is not None and not set(types) <= set(ACCESS_TYPES):
        raise invalid_parameter("accessTypes")
    hidden = hidden_spaces(call.ws, call.user_id)
    found = [
        s for s in call.ws["spaces"].values()
        if s["id"] not in hidden and (archived or not s["archived"]) and title in s["title"].lower()
        and (types is None or s["accessType"] in types)
        and (member is None or _is_member(s, call.user_id) == member)
    ]  # fmt: skip
    return envelope("spaces", [space_view(s, fields) for s in found])


def _space(call: Call) -> Entity:
    """The space in the path: 404 if unknown, 403 if it is restricted and the caller is no member."""
    space = call.ws["spaces"].get(call.path["spaceId"])
    if space is None:
        raise not_found("Space")
    if space["id"] in hidden_spaces(call.ws, call.user_id):
        raise access_forbidden()
    return space


@router.route("GET", "/spaces/{spaceId}", scopes=WS_READ, params=("withInvitations", "fields"))
async def get_space(call: Call) -> dict[str, Any]:
    return envelope("spaces", [space_view(_space(call), call.params.fields(GET_FIELDS))])


@router.route("POST", "/spaces", scopes=WS_WRITE, params=CREATE_PARAMS)
async def post_space(call: Call) -> dict[str, Any]:
    fields = call.params.fields(GET_FIELDS)
    space = new_space(call.ws, call.user_id, call.params)
    call.ws.emit("FolderCreated", {"folderId": space["id"], "eventAuthorId": call.user_id})
    return envelope("spaces", [space_view(space, fields)])


@router.route("PUT", "/spaces/{spaceId}", scopes=WS_WRITE, params=UPDATE_PARAMS)
async def put_space(call: Call) -> dict[str, Any]:
    fields = call.params.fields(GET_FIELDS)
    space = apply_space_changes(call.ws, call.user_id, _space(call), call.params)
    return envelope("spaces", [space_view(space, fields)])


@router.route("DELETE", "/spaces/{spaceId}", scopes=WS_WRITE)
async def delete_space(call: Call) -> dict[str, Any]:
    """The space goes; its folder tree goes to the Recycle Bin. [C] returns `data: []` §3.1"""
    space = _space(call)
    if space["accessType"] == "Personal":
        raise not_allowed("The personal space cannot be deleted")  # [I] our choice
    folder = call.ws["folders"].get(space["id"])
    if folder is not None and folder["scope"] == "WsFolder":
        trash_folder(call.ws, call.user_id, folder)
    del call.ws["spaces"][space["id"]]
    return envelope("spaces", [])


# --- account ----------------------------------------------------------------------------------

ACCOUNT_ORDER = (
    "id", "name", "dateFormat", "firstDayOfWeek", "workDays", "rootFolderId", "recycleBinId", "createdDate",
    "subscription", "joinedDate", "metadata", "customFields",
)  # fmt: skip
ACCOUNT_FIELDS = frozenset({"subscription", "metadata", "customFields"})


def _account_view(account: Entity, fields: set[str]) -> Entity:
    return {k: account[k] for k in ACCOUNT_ORDER if k in account and (k not in ACCOUNT_FIELDS or k in fields)}


@router.route("GET", "/account", scopes=WS_READ, params=("metadata", "fields"))
async def get_account(call: Call) -> dict[str, Any]:
    """[I] our choice: a `metadata` filter that does not match answers an empty list."""
    fields = call.params.fields(ACCOUNT_FIELDS)
    wanted = metadata_filter(call.params.literal("metadata"))
    account = call.ws.account
    return envelope("accounts", [_account_view(account, fields)] if metadata_matches(account, wanted) else [])


@router.route("PUT", "/account", scopes=WS_WRITE, params=("metadata",))
async def put_account(call: Call) -> dict[str, Any]:
    """Account metadata; writing it is for admins only. [C] §4.9"""
    me = call.ws["contacts"].get(call.user_id, {})
    if not any(p.get("admin") for p in me.get("profiles", ())):
        raise access_forbidden("Only account administrators can change the account")
    apply_metadata(call.ws.account, call.params.array("metadata", required=True))
    return envelope("accounts", [_account_view(call.ws.account, {"metadata"})])
