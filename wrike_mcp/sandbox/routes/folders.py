"""Folders and projects: the tree and filtered lists, get by ids, create, update, delete, copy.
[C] wrike-api.md §4.3

`create_folder` is public: the batch endpoint creates folders through it.
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_access import hidden_folders, require_access
from wrike_mcp.sandbox.items_copy import COPY_PARAMS, copy_folder
from wrike_mcp.sandbox.items_filters import folder_filters
from wrike_mcp.sandbox.items_folders import (
    BULK_PARAMS,
    create_folder,
    require_folder,
    trash_folder,
    update_folders,
)
from wrike_mcp.sandbox.items_projection import (
    FOLDER_FULL,
    FOLDER_GET_FIELDS,
    FOLDER_LIST,
    FOLDER_LIST_FIELDS,
    FOLDER_WRITE_FIELDS,
    View,
)
from wrike_mcp.sandbox.items_tree import subtree
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.wire import envelope, invalid_parameter, not_allowed, not_found, paginate, split_ids

__all__ = ["create_folder", "router"]

router = Router()

# Any of these switches a folder list from the tree to full Folder models. [C] §4.3 ("deleted" does not;
# [I] our choice: neither do `fields`, `withInvitations`, `plainTextCustomFields`; paging params do.)
FILTERS = (
    "permalink", "descendants", "metadata", "customField", "customFields", "updatedDate", "project",
    "contractTypes", "customItemTypes", "customStatuses", "authors", "owners", "startDate", "endDate",
    "completedDate", "title", "pageSize", "nextPageToken",
)  # fmt: skip
LIST_PARAMS = (*FILTERS, "withInvitations", "plainTextCustomFields", "fields")
CREATE_PARAMS = (
    "title", "description", "shareds", "metadata", "customFields", "customColumns", "project",
    "userAccessRoles", "withInvitations", "customItemTypeId", "plainTextCustomFields", "fields",
)  # fmt: skip
UPDATE_PARAMS = (
    "title", "description", "addParents", "removeParents", "addShareds", "removeShareds", "metadata",
    "restore", "customFields", "customColumns", "clearCustomColumns", "project", "addAccessRoles",
    "removeAccessRoles",
    "withInvitations", "convertToCustomItemType", "plainTextCustomFields", "fields", *sorted(BULK_PARAMS),
)  # fmt: skip


@router.route("GET", "/folders", scopes=WS_READ, params=(*LIST_PARAMS, "deleted"))
async def list_account_folders(call: Call) -> dict[str, Any]:
    """The whole account: Root and its tree, then (unless `deleted=false`) the Recycle Bin's. The
    filtered list shows live folders, or trashed ones with `deleted=true`. [I] for the filtered default"""
    ws = call.ws
    deleted = call.params.flag("deleted")
    if _filtered(call):
        top = ws.recycle_bin_id if deleted else ws.root_id
        deep = call.params.flag("descendants", True)
        return _folder_list(
            call, subtree(ws, top, include_self=False) if deep else ws["folders"][top]["childIds"]
        )
    order: list[str] = []
    if deleted is not True:
        order += subtree(ws, ws.root_id)
    if deleted is not False:
        order += subtree(ws, ws.recycle_bin_id)
    return _tree(call, order)


@router.route("GET", "/folders/{folderId}/folders", scopes=WS_READ, params=LIST_PARAMS)
async def list_child_folders(call: Call) -> dict[str, Any]:
    folder = require_access(call.ws, call.user_id, call.entity("folders", call.path["folderId"], "Folder"))
    return _below(call, folder)


@router.route("GET", "/spaces/{spaceId}/folders", scopes=WS_READ, params=LIST_PARAMS)
async def list_space_folders(call: Call) -> dict[str, Any]:
    if call.path["spaceId"] not in call.ws["spaces"]:
        raise not_found("Space")
    return _below(call, require_access(call.ws, call.user_id, call.ws["folders"][call.path["spaceId"]]))


def _below(call: Call, folder: Entity) -> dict[str, Any]:
    """A folder's subtree: the tree includes the folder itself [C]; the filtered list does not [I]."""
    if not _filtered(call):
        return _tree(call, subtree(call.ws, folder["id"]))
    deep = call.params.flag("descendants", True)
    return _folder_list(
        call, subtree(call.ws, folder["id"], include_self=False) if deep else folder["childIds"]
    )


def _filtered(call: Call) -> bool:
    return any(name in call.params for name in FILTERS)


def _tree(call: Call, order: list[str]) -> dict[str, Any]:
    """`kind: folderTree`: `{id, title, childIds, scope, [project], [space]}` per visible folder."""
    fields = call.params.fields(FOLDER_LIST_FIELDS)
    hidden = hidden_folders(call.ws, call.user_id)
    view = View(call.ws, call.user_id, fields, hidden)
    folders = call.ws["folders"]
    return envelope("folderTree", [view.tree_entry(folders[f]) for f in order if f not in hidden])


def _folder_list(call: Call, candidates: list[str]) -> dict[str, Any]:
    """`kind: folders`: full models of the matching folders, paged. [C] §4.3, §2.5"""
    fields = call.params.fields(FOLDER_LIST_FIELDS)
    checks = folder_filters(call.ws, call.params)
    hidden = hidden_folders(call.ws, call.user_id)
    folders = call.ws["folders"]
    found = [
        folders[f] for f in candidates
        if f in folders and f not in hidden and all(check(folders[f]) for check in checks)
    ]  # fmt: skip
    page, extra = paginate(found, call.params, default_size=1000)
    view = View(call.ws, call.user_id, FOLDER_LIST | fields, hidden)
    return envelope("folders", [view.folder(f) for f in page], **extra)


def _folders_by_ids(call: Call) -> list[Entity]:
    return [require_folder(call.ws, call.user_id, f) for f in split_ids(call.path["folderIds"])]


def _full_view(call: Call, allowed: frozenset[str]) -> View:
    hidden = hidden_folders(call.ws, call.user_id)
    return View(call.ws, call.user_id, FOLDER_FULL | call.params.fields(allowed), hidden)


@router.route(
    "GET",
    "/folders/{folderIds}",
    scopes=WS_READ,
    params=("withInvitations", "plainTextCustomFields", "fields"),
)
async def get_folders(call: Call) -> dict[str, Any]:
    view = _full_view(call, FOLDER_GET_FIELDS)
    return envelope("folders", [view.folder(f) for f in _folders_by_ids(call)])


@router.route("POST", "/folders/{folderId}/folders", scopes=WS_WRITE, params=CREATE_PARAMS)
async def post_folder(call: Call) -> dict[str, Any]:
    view = _full_view(call, FOLDER_WRITE_FIELDS)
    folder = create_folder(call.ws, call.user_id, call.path["folderId"], call.params)
    return envelope("folders", [view.folder(folder)])


@router.route("PUT", "/folders/{folderIds}", scopes=WS_WRITE, params=UPDATE_PARAMS)
async def put_folders(call: Call) -> dict[str, Any]:
    view = _full_view(call, FOLDER_WRITE_FIELDS)
    folders = update_folders(call.ws, call.user_id, _folders_by_ids(call), call.params)
    return envelope("folders", [view.folder(f) for f in folders])


# Same path parameter name as GET/PUT: one route per path pattern. DELETE takes a single id.
@router.route("DELETE", "/folders/{folderIds}", scopes=WS_WRITE)
async def delete_folder(call: Call) -> dict[str, Any]:
    folders = _folders_by_ids(call)
    if len(folders) != 1:
        raise invalid_parameter("folderId")
    if folders[0]["id"] in call.ws["spaces"]:
        raise not_allowed("A space is deleted with DELETE /spaces/{spaceId}")  # [I] our choice
    view = View(call.ws, call.user_id, FOLDER_FULL)
    return envelope("folders", [view.folder(trash_folder(call.ws, call.user_id, folders[0]))])


@router.route("POST", "/copy_folder/{folderId}", scopes=WS_WRITE, params=COPY_PARAMS)
async def post_copy_folder(call: Call) -> dict[str, Any]:
    copied = copy_folder(call.ws, call.user_id, call.path["folderId"], call.params)
    return envelope("folders", [_full_view(call, frozenset()).folder(copied)])


@router.route(
    "POST", "/copy_folder_async/{folderId}", scopes=WS_WRITE,
    params=tuple(p for p in COPY_PARAMS if p != "plainTextCustomFields"),
)  # fmt: skip
async def post_copy_folder_async(call: Call) -> dict[str, Any]:
    """The copy runs at once and the job is stored completed; like `POST /batch`, the answer shows it
    queued so clients poll `GET /async_job/{id}`. Bad parameters are still a synchronous 400. [I]"""
    copied = copy_folder(call.ws, call.user_id, call.path["folderId"], call.params)
    count = len(subtree(call.ws, copied["id"]))
    job: Entity = {
        "id": call.ws.new_id("async_jobs"), "status": "Completed", "progressPercent": 100,
        "totalCount": count, "processedCount": count, "type": "CopyFolder",
        "result": {"folderId": copied["id"]},
    }  # fmt: skip
    call.ws["async_jobs"][job["id"]] = job
    queued = {**job, "status": "InQueue", "progressPercent": 0, "processedCount": 0}
    del queued["result"]
    return envelope("asyncJob", [queued])
