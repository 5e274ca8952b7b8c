"""Comments on tasks and folders. [C] wrike-api.md §4.5

Text is stored as HTML; `plainText=true` on input escapes it (newlines become `<br />`), on output strips
the tags. A comment can be edited for 5 minutes after it was posted (measured on the workspace clock),
then 403 not_allowed. [C] DOC2020, NANGO
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.activity_common import (
    DAY,
    by_ids,
    check_access,
    container,
    is_admin,
    owner_of,
    plain_from_html,
    public,
    stored_text,
    timestamp_range,
    visible,
    within,
)
from wrike_mcp.sandbox.activity_records import new_comment
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.wire import access_forbidden, envelope, invalid_parameter, not_allowed

router = Router()

EDIT_WINDOW = 300.0  # seconds: "available for updates only during the 5 minutes after creation" [C]
MAX_RANGE = 7 * DAY  # account-wide queries cover at most 7 days [C] OAS154
COMMENT_TYPES = ("Regular", "Email")
READ_PARAMS = ("plainText", "types", "fields")


def render(comment: Entity, plain: bool, fields: set[str]) -> Entity:
    out = public(comment)
    if plain:
        out["text"] = plain_from_html(out["text"])
    if "type" in fields:
        out["type"] = comment.get("_type", "Regular")
    return out


def _answer(call: Call, comments: list[Entity]) -> dict[str, Any]:
    """Apply the read options every comment endpoint shares: `plainText`, `types`, `fields`."""
    plain = bool(call.params.flag("plainText", False))
    fields = call.params.fields(("type",))
    types = call.params.strings("types")
    if types is not None and not set(types) <= set(COMMENT_TYPES):
        raise invalid_parameter("types")
    wanted = set(types or COMMENT_TYPES)
    return envelope(
        "comments", [render(c, plain, fields) for c in comments if c.get("_type", "Regular") in wanted]
    )


def _created_window(call: Call) -> tuple[float, float]:
    """The createdDate window of `GET /comments`: the last 7 days by default, never wider. `updatedDate`
    is deprecated and filters by creation too. [C] OAS154, DOC2020"""
    name = "createdDate" if "createdDate" in call.params else "updatedDate"
    bounds = timestamp_range(call.params, name) or (None, None)
    now = call.ws.clock.now()
    end = bounds[1] if bounds[1] is not None else max(now, bounds[0] or now)
    start = bounds[0] if bounds[0] is not None else end - MAX_RANGE
    if end - start > MAX_RANGE:
        raise invalid_parameter(name)
    return start, end


@router.route(
    "GET", "/comments", scopes=WS_READ, params=(*READ_PARAMS, "createdDate", "updatedDate", "limit")
)  # fmt: skip
async def list_comments(call: Call) -> dict[str, Any]:
    window = _created_window(call)
    limit = call.params.integer("limit", lo=1) or 1000  # [C] default 1000
    recent = [c for c in call.ws["comments"].values() if within(c["_created"], window)]
    answer = _answer(call, visible(call, recent))
    answer["data"] = answer["data"][:limit]
    return answer


def _comments_on(call: Call, key: str, parent_id: str) -> list[Entity]:
    return [c for c in call.ws["comments"].values() if c.get(key) == parent_id]


@router.route("GET", "/tasks/{taskId}/comments", scopes=WS_READ, params=READ_PARAMS)
async def task_comments(call: Call) -> dict[str, Any]:
    task = container(call, "tasks", call.path["taskId"])
    return _answer(call, _comments_on(call, "taskId", task["id"]))


@router.route("GET", "/folders/{folderId}/comments", scopes=WS_READ, params=READ_PARAMS)
async def folder_comments(call: Call) -> dict[str, Any]:
    folder = container(call, "folders", call.path["folderId"])
    return _answer(call, _comments_on(call, "folderId", folder["id"]))


@router.route("GET", "/comments/{commentIds}", scopes=WS_READ, params=READ_PARAMS)
async def get_comments(call: Call) -> dict[str, Any]:
    return _answer(call, by_ids(call, "comments", call.path["commentIds"], "Comment"))


def _emit(call: Call, comment: Entity, deleted: bool) -> None:
    """CommentAdded/Deleted for tasks, FolderCommentAdded/Deleted for folders. [C3] §6.5"""
    folder = "folderId" in comment
    event = ("Folder" if folder else "") + ("CommentDeleted" if deleted else "CommentAdded")
    key = "folderId" if folder else "taskId"
    call.ws.emit(event, {
        key: comment[key], "commentId": comment["id"], "eventAuthorId": call.user_id,
        "comment": {"text": plain_from_html(comment["text"]), "html": comment["text"]},
    })  # fmt: skip


async def _post(call: Call, kind: str, key: str, parent_id: str) -> dict[str, Any]:
    # Root and Recycle Bin cannot have comments: `container` refuses logical folders. [C]
    parent = container(call, kind, parent_id)
    text = stored_text(call.params, "text", required=True, non_empty=True)
    assert text is not None
    comment = new_comment(call.ws, call.user_id, {key: parent["id"]}, text, call.ws.clock.now())
    _emit(call, comment, deleted=False)
    return envelope("comments", [render(comment, False, set())])


@router.route("POST", "/tasks/{taskId}/comments", scopes=WS_WRITE, params=("text", "plainText"))
async def post_task_comment(call: Call) -> dict[str, Any]:
    return await _post(call, "tasks", "taskId", call.path["taskId"])


@router.route("POST", "/folders/{folderId}/comments", scopes=WS_WRITE, params=("text", "plainText"))
async def post_folder_comment(call: Call) -> dict[str, Any]:
    return await _post(call, "folders", "folderId", call.path["folderId"])


def _own_comment(call: Call) -> Entity:
    comment = call.entity("comments", call.path["commentIds"], "Comment")
    check_access(call, owner_of(call.ws, comment))
    return comment


@router.route("PUT", "/comments/{commentIds}", scopes=WS_WRITE, params=("text", "plainText"))
async def update_comment(call: Call) -> dict[str, Any]:
    comment = _own_comment(call)
    if comment["authorId"] != call.user_id:
        raise access_forbidden("Only the author can edit a comment")  # [I] our choice
    text = stored_text(call.params, "text", required=True, non_empty=True)
    if call.ws.clock.now() - comment["_created"] > EDIT_WINDOW:
        raise not_allowed("Comment is available for updates only during the 5 minutes after creation")
    comment.update({"text": text, "updatedDate": call.ws.now_iso()})
    return envelope("comments", [render(comment, False, set())])


@router.route("DELETE", "/comments/{commentIds}", scopes=WS_WRITE)
async def delete_comment(call: Call) -> dict[str, Any]:
    comment = _own_comment(call)
    if comment["authorId"] != call.user_id and not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only the author or an administrator can delete a comment")  # [I]
    del call.ws["comments"][comment["id"]]
    _emit(call, comment, deleted=True)
    return envelope("comments", [])  # [C] NANGO: data is empty
