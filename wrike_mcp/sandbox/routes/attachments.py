"""Attachments: upload (raw body), list, download, new versions, delete. [C] wrike-api.md §4.8

Uploads send the file as the raw request body with its url-encoded name in `X-File-Name` [C3] (TAVI,
WRIKEGO); a multipart/form-data body with a `file` part is accepted too [C3] (COFF). The bytes are kept
in the record's private `_content`; downloads return them with the stored content type.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from wrike_mcp.sandbox.activity_common import (
    DAY,
    by_ids,
    check_access,
    container,
    owner_of,
    public,
    timestamp_range,
    visible,
    within,
)
from wrike_mcp.sandbox.activity_records import new_attachment, sync_attachment_flags
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.wire import WrikeError, envelope, invalid_parameter, not_found

router = Router()

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # [I] our cap; Wrike's per-file limit depends on the plan
MAX_RANGE = 31 * DAY  # account-wide listing covers less than 31 days [C] DOC2020
LIST_PARAMS = ("versions", "createdDate", "withUrls")
PREVIEW_SIZES = ("w44", "w100", "w200", "w300", "w400", "h400")


def _api_base(call: Call) -> str:
    return str(call.request.base_url).rstrip("/") + "/api/v4"


def render(call: Call, attachment: Entity, with_url: bool) -> Entity:
    out = public(attachment)
    if with_url:
        # URLs are valid 24 h in Wrike; the sandbox's never expire. [I]
        out["url"] = f"{_api_base(call)}/attachments/{attachment['id']}/download/{quote(attachment['name'])}"
    return out


def _answer(call: Call, attachments: list[Entity], created: tuple[float | None, float | None] | None) -> Any:
    """Apply `versions` (earlier versions listed after their current one) and `withUrls`."""
    versions = call.params.flag("versions", False)
    with_urls = bool(call.params.flag("withUrls", False))
    chosen = []
    for attachment in attachments:
        if within(attachment["_created"], created):
            chosen.append(attachment)
            chosen.extend(reversed(attachment.get("_versions", [])) if versions else ())
    return envelope("attachments", [render(call, a, with_urls) for a in chosen])


@router.route("GET", "/attachments", scopes=WS_READ, params=LIST_PARAMS)
async def list_attachments(call: Call) -> dict[str, Any]:
    # DOC2020 makes createdDate required here; NANGO saw the call work without it, so the sandbox
    # defaults to the last 31 days. [I]
    now = call.ws.clock.now()
    start, end = timestamp_range(call.params, "createdDate") or (None, None)
    end = end if end is not None else max(now, start or now)
    start = start if start is not None else end - MAX_RANGE
    if end - start > MAX_RANGE:
        raise invalid_parameter("createdDate")
    result: dict[str, Any] = _answer(call, visible(call, call.ws["attachments"].values()), (start, end))
    return result


def _attached_to(call: Call, key: str, parent_id: str) -> dict[str, Any]:
    items = [a for a in call.ws["attachments"].values() if a.get(key) == parent_id]
    result: dict[str, Any] = _answer(call, items, timestamp_range(call.params, "createdDate"))
    return result


@router.route("GET", "/tasks/{taskId}/attachments", scopes=WS_READ, params=LIST_PARAMS)
async def task_attachments(call: Call) -> dict[str, Any]:
    task = container(call, "tasks", call.path["taskId"])
    return _attached_to(call, "taskId", task["id"])


@router.route("GET", "/folders/{folderId}/attachments", scopes=WS_READ, params=LIST_PARAMS)
async def folder_attachments(call: Call) -> dict[str, Any]:
    folder = container(call, "folders", call.path["folderId"])
    return _attached_to(call, "folderId", folder["id"])


@router.route("GET", "/attachments/{attachmentIds}", scopes=WS_READ, params=("versions",))
async def get_attachments(call: Call) -> dict[str, Any]:
    items = by_ids(call, "attachments", call.path["attachmentIds"], "Attachment")
    return envelope("attachments", [render(call, a, False) for a in items])


def _readable(call: Call) -> Entity:
    # single-id paths share the `{attachmentIds}` placeholder with the multi-id GET (one route per shape)
    attachment_id = call.path.get("attachmentId") or call.path["attachmentIds"]
    attachment = call.entity("attachments", attachment_id, "Attachment")
    check_access(call, owner_of(call.ws, attachment))
    return attachment


def _file_response(attachment: Entity) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(attachment['name'])}"
    return Response(
        attachment["_content"],
        media_type=attachment["contentType"],
        headers={"Content-Disposition": disposition},
    )


@router.route("GET", "/attachments/{attachmentId}/download", scopes=WS_READ)
async def download(call: Call) -> Response:
    return _file_response(_readable(call))


@router.route("GET", "/attachments/{attachmentId}/download/{fileName}", scopes=WS_READ)
async def download_named(call: Call) -> Response:
    """The same bytes; the last path segment only forces the file name. [C] §4.8"""
    attachment = _readable(call)
    return _file_response({**attachment, "name": unquote(call.path["fileName"])})


@router.route("GET", "/attachments/{attachmentId}/preview", scopes=WS_READ, params=("size",))
async def preview(call: Call) -> Response:
    """Image attachments preview as themselves (no resizing); others have no preview. [I]"""
    call.params.enum("size", PREVIEW_SIZES)
    attachment = _readable(call)
    if "width" not in attachment:
        raise not_found("Preview")
    return Response(attachment["_content"], media_type=attachment["contentType"])


@router.route("GET", "/attachments/{attachmentId}/url", scopes=WS_READ)
async def public_url(call: Call) -> dict[str, Any]:
    attachment = _readable(call)
    return envelope("url", [{"url": render(call, attachment, True)["url"]}])  # kind [I]


# ---------------------------------------------------------------- writes


async def _upload(call: Call) -> tuple[str, bytes, str]:
    """The file name, bytes and content type of an upload request; 400 invalid_request when the body
    or the name is missing or the file is too large. [C] DEV-ERRORS "no attachment body" """
    content_type = call.request.headers.get("content-type", "application/octet-stream")
    if content_type.lower().startswith("multipart/form-data"):
        form = await call.request.form()
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise WrikeError(400, "invalid_request", "Attachment body is absent")
        name, body = part.filename or "", await part.read()
        content_type = part.content_type or "application/octet-stream"
    else:
        name, body = unquote(call.request.headers.get("x-file-name", "")), call.body
    if not body:
        raise WrikeError(400, "invalid_request", "Attachment body is absent")
    if not name.strip():
        raise WrikeError(400, "invalid_request", "Header 'X-File-Name' is required")
    if len(body) > MAX_UPLOAD_BYTES:
        raise WrikeError(400, "invalid_request", "Attachment is too large")
    return name, body, content_type.split(";")[0].strip() or "application/octet-stream"


def _emit(call: Call, attachment: Entity, deleted: bool) -> None:
    """AttachmentAdded/Deleted, or the Folder* pair for folder attachments. [C3] §6.5"""
    folder = "folderId" in attachment
    key = "folderId" if folder else "taskId"
    event = ("Folder" if folder else "") + ("AttachmentDeleted" if deleted else "AttachmentAdded")
    call.ws.emit(
        event, {key: attachment[key], "attachmentId": attachment["id"], "eventAuthorId": call.user_id}
    )


async def _post(call: Call, kind: str, key: str) -> dict[str, Any]:
    parent = container(call, kind, call.path[key])
    name, body, content_type = await _upload(call)
    attachment = new_attachment(
        call.ws, author_id=call.user_id, parent={key: parent["id"]}, name=name, content=body,
        content_type=content_type, created=call.ws.clock.now(),
    )  # fmt: skip
    _emit(call, attachment, deleted=False)
    return envelope("attachments", [render(call, attachment, False)])  # kind [I] by analogy


@router.route("POST", "/tasks/{taskId}/attachments", scopes=WS_WRITE, raw_body=True)
async def upload_to_task(call: Call) -> dict[str, Any]:
    return await _post(call, "tasks", "taskId")


@router.route("POST", "/folders/{folderId}/attachments", scopes=WS_WRITE, raw_body=True)
async def upload_to_folder(call: Call) -> dict[str, Any]:
    return await _post(call, "folders", "folderId")


@router.route("PUT", "/attachments/{attachmentIds}", scopes=WS_WRITE, raw_body=True)
async def new_version(call: Call) -> dict[str, Any]:
    """Upload a new version. [I] our model: the id keeps naming the latest version; earlier versions
    are kept inside it (private `_versions`) under their own ids, with `currentAttachmentId` pointing
    here, and are listed with `versions=true`."""
    current = _readable(call)
    name, body, content_type = await _upload(call)
    ws = call.ws
    earlier = current.pop("_versions", [])
    earlier.append({**current, "id": ws.new_id("attachments"), "currentAttachmentId": current["id"]})
    parent: dict[str, str] = {k: current[k] for k in ("taskId", "folderId") if k in current}
    fresh = new_attachment(
        ws, author_id=call.user_id, parent=parent, name=name, content=body, content_type=content_type,
        created=ws.clock.now(),
    )  # fmt: skip
    del ws["attachments"][fresh["id"]]
    fresh.update(id=current["id"], version=current["version"] + 1, _versions=earlier)
    current.clear()
    current.update(fresh)
    _emit(call, current, deleted=False)
    return envelope("attachments", [render(call, current, False)])


@router.route("DELETE", "/attachments/{attachmentIds}", scopes=WS_WRITE)
async def delete_attachment(call: Call) -> dict[str, Any]:
    attachment = _readable(call)
    ws = call.ws
    del ws["attachments"][attachment["id"]]
    sync_attachment_flags(ws, owner_of(ws, attachment))
    _emit(call, attachment, deleted=True)
    return envelope("attachments", [])  # [C] OAS154
