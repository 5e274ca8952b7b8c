"""Tools the manifests cannot express: `wait_for_events`, and the named override of `create_webhook`.

Both go through the generic handler's first steps (lookup, the policy decision, argument checks), then run
here instead of the generic request. `wait_for_events` is declared as a `ToolSpec` like a manifest entry,
so listing, the policy and the schema treat it like any other tool of the `webhooks` area; it is added
whenever the catalogue has that area.

`create_webhook` is the rare exception of design.md §2.3 (a named override): the manifest still declares
it, but a hook must never become a channel that copies a workspace to a stranger (design.md §6), so its
`hookUrl` defaults to this server's own receiver, with a label in the URL and a secret the server derives
for it (sent as `secret`, never shown), and any other URL is refused before anything is sent unless the
operator allowed its prefix (WRIKE_MCP_WEBHOOK_ALLOW_URLS). [I] our choice: a hook to an allowed foreign
URL gets no secret, since the foreign receiver could not know ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import mcp.types as types

from wrike_mcp.errors import AccessDenied, ConfigError
from wrike_mcp.manifest.loader import Catalog
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.arguments import ValidArguments
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import compact, envelope_result, read_envelope, sanitize
from wrike_mcp.webhooks.event_scopes import EventQuery

if TYPE_CHECKING:
    from wrike_mcp.tools.handler import Caller, Limits, NativeRunner, Send
    from wrike_mcp.webhooks.access import EventAccess

DEFAULT_TIMEOUT = 20  # seconds; [I] our choice, under common client request timeouts
DEFAULT_MAX_EVENTS = 50

WAIT_FOR_EVENTS = ToolSpec.model_validate(
    {
        "name": "wait_for_events",
        "description": "Next events of your webhooks (create_webhook), or [] at the timeout. Events "
        "arriving between calls are kept for your next call.",
        "method": "GET",
        "path": "/webhooks",  # what it reads from Wrike: which hooks are the caller's
        "access": "read",
        "scopes": ["Default", "wsReadOnly", "wsReadWrite"],
        "annotations": {"read_only": True, "destructive": False, "idempotent": False, "open_world": True},
        "area": "webhooks",
        "params": [
            {"name": "eventTypes", "in": "query", "type": "array", "items": "string",
             "description": "E.g. TaskCreated; default all."},
            {"name": "taskIds", "in": "query", "type": "ids"},
            {"name": "folderIds", "in": "query", "type": "ids", "description": "Folders your hooks watch."},
            {"name": "timeout", "in": "query", "type": "integer", "minimum": 0, "maximum": 60,
             "description": f"Seconds; default {DEFAULT_TIMEOUT}."},
            {"name": "maxEvents", "in": "query", "type": "integer", "minimum": 1, "maximum": 100},
        ],
    }
)  # fmt: skip
NATIVE_SPECS = (WAIT_FOR_EVENTS,)


def native_specs(catalog: Catalog) -> tuple[ToolSpec, ...]:
    """The native tools a catalogue gets: those of its areas."""
    return tuple(spec for spec in NATIVE_SPECS if spec.area in catalog.areas)


@dataclass(frozen=True)
class NativeTools:
    specs: tuple[ToolSpec, ...] = ()
    runners: Mapping[str, NativeRunner] = field(default_factory=dict)


def native_tools(catalog: Catalog, events: EventAccess, limits: Limits) -> NativeTools:
    specs = native_specs(catalog)
    runners: dict[str, NativeRunner] = {}
    if WAIT_FOR_EVENTS in specs:
        runners[WAIT_FOR_EVENTS.name] = _WaitForEvents(events, limits.max_result_bytes)
    if "create_webhook" in catalog.by_name():
        runners["create_webhook"] = _CreateWebhook(events, limits.max_result_bytes)
    return NativeTools(specs, runners)


class _WaitForEvents:
    def __init__(self, events: EventAccess, max_bytes: int) -> None:
        self.events = events
        self.max_bytes = max_bytes

    async def __call__(
        self, spec: ToolSpec, valid: ValidArguments, caller: Caller, send: Send
    ) -> types.CallToolResult:
        values = valid.values
        query = EventQuery.build(values.get("eventTypes"), values.get("taskIds"), values.get("folderIds"))
        limit, timeout = values.get("maxEvents", DEFAULT_MAX_EVENTS), values.get("timeout", DEFAULT_TIMEOUT)
        box, events = await self.events.wait(caller, query, limit, timeout)
        shown = [sanitize(event.raw()) for event in events]
        keep = len(shown)
        while keep > 1 and len(compact(shown[:keep]).encode()) > self.max_bytes - 200:
            keep -= 1
        if keep < len(shown):
            box.put_back(events[keep:])  # too large for one answer: the rest waits for the next call
            shown = shown[:keep]
        result: dict[str, Any] = {"events": shown, "waiting": box.pending}
        if box.dropped:
            result["dropped"] = box.dropped  # lost to the mailbox's bound while nobody asked
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=compact(result))], structured_content=result
        )


class _CreateWebhook:
    def __init__(self, events: EventAccess, max_bytes: int) -> None:
        self.events = events
        self.max_bytes = max_bytes

    async def __call__(
        self, spec: ToolSpec, valid: ValidArguments, caller: Caller, send: Send
    ) -> types.CallToolResult:
        hook_url, secret = self._destination(valid.values)
        request = build_request(spec, valid)
        body = {**(request.json_body or {}), "hookUrl": hook_url}
        if secret is not None:
            body["secret"] = secret
        response = await send(replace(request, json_body=body))
        envelope = read_envelope(response)
        for hook in envelope["data"]:
            if isinstance(hook, dict) and "id" in hook:
                self.events.remember_hook(caller, hook)
        return envelope_result(spec, envelope, self.max_bytes)

    def _destination(self, values: Mapping[str, Any]) -> tuple[str, str | None]:
        """The hookUrl to send, and the secret to send with it (None: none)."""
        service = self.events.service
        asked = values.get("hookUrl")
        if asked is None or service.urls.is_ours(asked):
            if service.receiver_url is None:
                raise ConfigError(
                    "this server runs no webhook receiver, so a hook has nowhere to point; the operator can "
                    "start one (serve --webhook-receiver HOST:PORT, or the hosted app) or set "
                    "WRIKE_MCP_WEBHOOK_URL"
                )
            credentials = service.secrets.create(_scope(values))
            return credentials.hook_url(service.receiver_url), credentials.secret
        if service.urls.is_allowed(asked):
            return asked, None
        raise AccessDenied(
            "a hook may only point at this server's own receiver (leave hookUrl out); another URL needs the "
            "operator's permission (WRIKE_MCP_WEBHOOK_ALLOW_URLS)"
        )


def _scope(values: Mapping[str, Any]) -> str:
    if values.get("folderId"):
        return f"folder:{values['folderId']}"
    if values.get("spaceId"):
        return f"space:{values['spaceId']}"
    return "account"
