"""Webhook management: account, folder and space hooks. [C] wrike-api.md §4.12, §6.1

Model `{id, accountId, folderId | spaceId, hookUrl, status, events?, recursive?}`: `events` (only when a
filter was given) and `recursive` (folder hooks only) are our additions. [I] §9.4
Delivery itself is in `wrike_mcp/sandbox/webhook_delivery.py`.

[I] our choices:
- `hookUrl` must be http(s) on a loopback address: the sandbox delivers to nothing else, so a hook
  can never turn it into a way to reach other hosts.
- A hook belongs to the user who created it: `GET /webhooks` lists the caller's hooks, and another
  user's hook id is a 404, as Wrike ties hooks to the token's user and app.
- With `SandboxConfig.webhook_delivery` off the sandbox makes no outbound call, so the secret handshake
  is skipped too.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from wrike_mcp.sandbox.app import Sandbox
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.items_access import hidden_spaces, require_access
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.webhook_delivery import delivery_state, handshake
from wrike_mcp.sandbox.wire import (
    Params,
    WrikeError,
    access_forbidden,
    envelope,
    invalid_parameter,
    not_found,
    split_ids,
)

router = Router()

# [C] §6.4: every event type a hook may subscribe to.
EVENT_TYPES = frozenset({
    "TaskCreated", "TaskDeleted", "TaskTitleChanged", "TaskImportanceChanged", "TaskStatusChanged",
    "TaskDatesChanged", "TaskParentsAdded", "TaskParentsRemoved", "TaskResponsiblesAdded",
    "TaskResponsiblesRemoved", "TaskSharedsAdded", "TaskSharedsRemoved", "TaskDescriptionChanged",
    "TaskCustomFieldChanged", "TaskApprovalStatusChanged", "TaskApprovalDecisionChanged",
    "TaskApprovalDecisionReset", "AttachmentAdded", "AttachmentDeleted", "CommentAdded", "CommentDeleted",
    "TimelogChanged", "FolderCreated", "FolderDeleted", "FolderTitleChanged", "FolderParentsAdded",
    "FolderParentsRemoved", "FolderSharedsAdded", "FolderSharedsRemoved", "FolderDescriptionChanged",
    "FolderCommentAdded", "FolderCommentDeleted", "FolderAttachmentAdded", "FolderAttachmentDeleted",
    "FolderCustomFieldChanged", "FolderApprovalStatusChanged", "FolderApprovalDecisionChanged",
    "FolderApprovalDecisionReset", "ProjectDatesChanged", "ProjectOwnersAdded", "ProjectOwnersRemoved",
    "ProjectStatusChanged", "WorkItemTypeChanged", "CreateFromBlueprintCompleted", "ImportFromFileCompleted",
})  # fmt: skip
CREATE_PARAMS = ("hookUrl", "secret", "events")


@router.route("POST", "/webhooks", scopes=WS_WRITE, params=CREATE_PARAMS)
async def create_account_hook(call: Call) -> dict[str, Any]:
    return await _create(call, {})


@router.route("POST", "/folders/{folderId}/webhooks", scopes=WS_WRITE, params=(*CREATE_PARAMS, "recursive"))
async def create_folder_hook(call: Call) -> dict[str, Any]:
    folder = require_access(call.ws, call.user_id, call.entity("folders", call.path["folderId"], "Folder"))
    return await _create(
        call, {"folderId": folder["id"]}, recursive=bool(call.params.flag("recursive", False))
    )


@router.route("POST", "/spaces/{spaceId}/webhooks", scopes=WS_WRITE, params=CREATE_PARAMS)
async def create_space_hook(call: Call) -> dict[str, Any]:
    space = call.entity("spaces", call.path["spaceId"], "Space")
    if space["id"] in hidden_spaces(call.ws, call.user_id):
        raise access_forbidden()
    return await _create(call, {"spaceId": space["id"]})


@router.route("GET", "/webhooks", scopes=WS_READ)
async def list_hooks(call: Call) -> dict[str, Any]:
    mine = [hook for hook in call.ws["webhooks"].values() if hook["_authorId"] == call.user_id]
    return envelope("webhooks", [_public(hook) for hook in mine])


@router.route("GET", "/webhooks/{webhookIds}", scopes=WS_READ)
async def get_hooks(call: Call) -> dict[str, Any]:
    return envelope("webhooks", [_public(_own_hook(call, i)) for i in split_ids(call.path["webhookIds"])])


@router.route("PUT", "/webhooks/{webhookIds}", scopes=WS_WRITE, params=("status",))
async def update_hook(call: Call) -> dict[str, Any]:
    hook = _own_hook(call, _single_id(call))
    status = call.params.enum("status", ("Active", "Suspended"), required=True)
    hook["status"] = status  # re-activating is how a suspended hook comes back [C3] §6.2
    return envelope("webhooks", [_public(hook)])


@router.route("DELETE", "/webhooks/{webhookIds}", scopes=WS_WRITE)
async def delete_hook(call: Call) -> dict[str, Any]:
    hook = _own_hook(call, _single_id(call))
    del call.ws["webhooks"][hook["id"]]
    return envelope("webhooks", [])  # [I] like the other hard deletes (comments, timelogs)


async def _create(call: Call, location: dict[str, str], recursive: bool | None = None) -> dict[str, Any]:
    url = call.params.text("hookUrl", required=True, non_empty=True) or ""
    if not is_loopback_url(url):
        raise invalid_parameter("hookUrl")
    secret = call.params.text("secret", non_empty=True)
    events = parse_events(call.params)
    sandbox = _sandbox(call)
    if secret is not None and sandbox.config.webhook_delivery and not await handshake(url, secret):
        # [I] Wrike's exact error for a failed handshake is not documented.
        raise WrikeError(400, "invalid_parameter", "Webhook secret verification failed for 'hookUrl'")
    ws = call.ws
    hook: Entity = {"id": ws.new_id("webhooks"), "accountId": ws.account_id, **location,
                    "hookUrl": url, "status": "Active"}  # fmt: skip
    if events is not None:
        hook["events"] = events
    if recursive is not None:
        hook["recursive"] = recursive
    hook.update({"_secret": secret, "_authorId": call.user_id})
    ws["webhooks"][hook["id"]] = hook
    delivery_state(sandbox)  # from now on, events are matched against the hooks
    return envelope("webhooks", [_public(hook)])


def is_loopback_url(url: str) -> bool:
    """http(s) to localhost, 127.0.0.0/8 or [::1], and nothing else."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_events(params: Params) -> list[str] | None:
    """`events` in Wrike's unquoted form `[A,B]` [C] §6.1, or a JSON array [C3]; unknown names are a 400."""
    raw = params.raw.get("events")
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
        text = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        raw = [part.strip().strip("\"'").strip() for part in text.split(",")]
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) and n in EVENT_TYPES for n in raw):
        raise invalid_parameter("events")
    return list(dict.fromkeys(raw))


def _sandbox(call: Call) -> Sandbox:
    sandbox = call.request.app.state.sandbox
    assert isinstance(sandbox, Sandbox)
    return sandbox


def _single_id(call: Call) -> str:
    ids = split_ids(call.path["webhookIds"])
    if len(ids) != 1:
        raise invalid_parameter("webhookId")
    return ids[0]


def _own_hook(call: Call, hook_id: str) -> Entity:
    hook = call.ws["webhooks"].get(hook_id)
    if hook is None or hook["_authorId"] != call.user_id:
        raise not_found("Webhook")
    return hook


def _public(hook: Entity) -> Entity:
    return {k: v for k, v in hook.items() if not k.startswith("_")}
