"""Folders and projects: the tree and filtered lists, get by ids, create, update, delete, copy.
[C] wrike-api.md §4.3

`create_folder` is public: the batch endpoint creates folders through it.
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_folders import create_folder
from wrike_mcp.sandbox.items_projection import FOLDER_FULL, FOLDER_WRITE_FIELDS, View
from wrike_mcp.sandbox.store import WS_WRITE
from wrike_mcp.sandbox.wire import envelope

__all__ = ["create_folder", "router"]

router = Router()

CREATE_PARAMS = (
    "title",
    "description",
    "shareds",
    "metadata",
    "customFields",
    "customColumns",
    "project",
    "userAccessRoles",
    "withInvitations",
    "customItemTypeId",
    "plainTextCustomFields",
    "fields",
)


@router.route("POST", "/folders/{folderId}/folders", scopes=WS_WRITE, params=CREATE_PARAMS)
async def post_folder(call: Call) -> dict[str, Any]:
    view = View(call.ws, call.user_id, FOLDER_FULL | call.params.fields(FOLDER_WRITE_FIELDS))
    folder = create_folder(call.ws, call.user_id, call.path["folderId"], call.params)
    return envelope("folders", [view.folder(folder)])
