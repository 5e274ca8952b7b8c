"""Events as MCP resources: one per watched scope (see event_scopes.py), readable and subscribable.

- `resources/list`: `wrike://events/all` and one resource per hook of the caller and per folder they
  watch; `resources/templates/list`: the webhook, folder and task templates.
- `resources/read`: the newest events of that scope the caller may see (at most `READ_LIMIT`, from the
  process's bounded buffer of recent events), oldest first, each with its sequence number.
- Push, by protocol era:
  - 2025 handshake era: `resources/subscribe` / `resources/unsubscribe`, then
    `notifications/resources/updated` on the connection's standalone channel. Works on stdio, the legacy
    SSE transport and stateful HTTP; a stateless HTTP connection has no channel to push on after its
    request, so a subscribe there is refused with a pointer to `wait_for_events`.
  - 2026-07-28: `subscriptions/listen` with `resourceSubscriptions`; the listen request's own response
    stream carries the updates, so it works on every transport, stateless HTTP included.
  Both deliver only updates for events the subscriber may see (visibility.py), then the client reads.
Everything is gated like `wait_for_events`: a caller the policy refuses that tool sees no resources.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import anyio
import mcp.types as types
from anyio.streams.memory import MemoryObjectSendStream
from mcp.server import ServerRequestContext
from mcp.server.connection import Connection
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import SUBSCRIPTION_ID_META_KEY, ResourceUpdated, event_to_notification

from wrike_mcp.errors import WrikeMcpError
from wrike_mcp.policy.scopes import decide
from wrike_mcp.tools.handler import Caller
from wrike_mcp.tools.native import WAIT_FOR_EVENTS
from wrike_mcp.tools.results import compact, sanitize
from wrike_mcp.webhooks.access import EventAccess
from wrike_mcp.webhooks.event_scopes import TEMPLATES, EventScope, watched_folder
from wrike_mcp.webhooks.events import WebhookEvent
from wrike_mcp.webhooks.hub import EventFilter, Subscription
from wrike_mcp.webhooks.visibility import CallerView

log = logging.getLogger("wrike_mcp.webhooks")
Ctx = ServerRequestContext[Any]
Resolve = Callable[[Ctx], Caller]
READ_LIMIT = 50
JSON = "application/json"
_STATE_KEY = "wrike_mcp.event_subscriptions"
_NO_CHANNEL = (
    "this connection cannot push notifications after its request (stateless HTTP); use "
    "subscriptions/listen (protocol 2026-07-28) or poll with the wait_for_events tool"
)


class EventResources:
    """The resource handlers of the low-level Server, as constructor keyword arguments (`handlers()`)."""

    def __init__(self, events: EventAccess, resolve: Resolve) -> None:
        self.events = events
        self.resolve = resolve
        self._sends: set[asyncio.Task[None]] = set()  # notifications in flight (kept referenced)

    def handlers(self) -> dict[str, Any]:
        return {
            "on_list_resources": self.list_resources,
            "on_list_resource_templates": self.list_templates,
            "on_read_resource": self.read,
            "on_subscribe_resource": self.subscribe,
            "on_unsubscribe_resource": self.unsubscribe,
            "on_subscriptions_listen": self.listen,
        }

    async def list_resources(
        self, ctx: Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        view = await self._view(ctx, required=False)
        if view is None:
            return types.ListResourcesResult(resources=[])
        resources = [_resource(EventScope("all"), "Webhook events you may see (recent)")]
        folders: dict[str, str] = {}
        for hook_id, hook in sorted(view.hooks().items()):
            folder = watched_folder(hook)
            where = f"folder {folder}" if folder else "the account"
            text = f"Events of webhook {hook_id} ({where})"
            resources.append(_resource(EventScope("webhook", hook_id), text))
            if folder:
                folders[folder] = f"Events in folder {folder} (from your webhooks there)"
        resources += [_resource(EventScope("folder", f), text) for f, text in sorted(folders.items())]
        return types.ListResourcesResult(resources=resources)

    async def list_templates(
        self, ctx: Ctx, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        templates = [
            types.ResourceTemplate(name=f"{kind}-events", uri_template=template, mime_type=JSON,
                                   description=f"Recent webhook events of one {kind}")
            for kind, template in TEMPLATES.items()
        ]  # fmt: skip
        return types.ListResourceTemplatesResult(resource_templates=templates)

    async def read(self, ctx: Ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        scope = _scope(params.uri)
        view = await self._view(ctx)
        assert view is not None
        hooks = view.hooks()
        recent = self.events.service.recent.select(
            lambda event: view.visible(event) and scope.matches(event, hooks), READ_LIMIT
        )
        kept = {id(event) for event in await _keep(view, [event for _, event in recent])}
        body: dict[str, Any] = {
            "uri": scope.uri,
            "events": [
                {"sequence": seq, "event": sanitize(event.raw())}
                for seq, event in recent
                if id(event) in kept
            ],
        }
        if self.events.service.receiver_url is None:
            body["note"] = "this server runs no webhook receiver, so no events reach it"
        text = types.TextResourceContents(uri=scope.uri, mime_type=JSON, text=compact(body))
        return types.ReadResourceResult(contents=[text])

    async def subscribe(self, ctx: Ctx, params: types.SubscribeRequestParams) -> types.EmptyResult:
        """2025 era: remember the subscription on the connection, and push updates on its channel."""
        scope = _scope(params.uri)
        connection = _connection_of(ctx)
        if connection is None or not connection.has_standalone_channel:
            raise MCPError(code=types.INVALID_REQUEST, message=_NO_CHANNEL)
        view = await self._view(ctx)
        assert view is not None
        subscriptions: dict[str, Subscription] = connection.state.get(_STATE_KEY) or {}
        if not subscriptions:
            connection.state[_STATE_KEY] = subscriptions
            connection.exit_stack.callback(_close_all, subscriptions)
        if scope.uri in subscriptions:
            return types.EmptyResult()
        session, loop = ctx.session, asyncio.get_running_loop()

        async def notify(events: list[WebhookEvent]) -> None:
            if await _keep(view, events):
                await session.send_resource_updated(scope.uri)

        def updated(events: list[WebhookEvent]) -> None:
            self._spawn(loop, notify(events))

        subscriptions[scope.uri] = self.events.service.hub.subscribe(
            _scoped(view, [scope]), cap=0, on_events=updated, loop=loop
        )
        return types.EmptyResult()

    async def unsubscribe(self, ctx: Ctx, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        connection = _connection_of(ctx)
        subscriptions = connection.state.get(_STATE_KEY) if connection is not None else None
        if subscriptions and params.uri in subscriptions:
            subscriptions.pop(params.uri).close()
        return types.EmptyResult()

    async def listen(
        self, ctx: Ctx, params: types.SubscriptionsListenRequestParams
    ) -> types.SubscriptionsListenResult:
        """2026-07-28: one listen request is one stream of `notifications/resources/updated` for the event
        URIs it asked for (other notification kinds are not honored: this server sends none)."""
        if ctx.request_id is None:
            raise MCPError(code=types.INVALID_REQUEST, message="subscriptions/listen needs a request id")
        meta: dict[str, Any] = {SUBSCRIPTION_ID_META_KEY: ctx.request_id}
        view = await self._view(ctx, required=False)
        requested = params.notifications.resource_subscriptions or []
        scopes = [s for s in map(EventScope.parse, requested) if s is not None] if view else []
        honored = types.SubscriptionFilter(resource_subscriptions=[s.uri for s in scopes] or None)
        send, receive = anyio.create_memory_object_stream[list[WebhookEvent]](max_buffer_size=1024)
        subscription = None
        if view is not None and scopes:
            subscription = self.events.service.hub.subscribe(
                _scoped(view, scopes), cap=0, on_events=_forward(send), loop=asyncio.get_running_loop()
            )
        else:
            send.close()  # nothing honored: acknowledge, then end the stream at once (graceful close)
        try:
            ack = types.SubscriptionsAcknowledgedNotificationParams(notifications=honored, _meta=meta)
            await ctx.session.send_notification(
                types.SubscriptionsAcknowledgedNotification(params=ack), related_request_id=ctx.request_id
            )
            async for batch in receive:
                assert view is not None
                for uri in await _updated_uris(view, scopes, batch):
                    notification = event_to_notification(ResourceUpdated(uri=uri), meta)
                    await ctx.session.send_notification(notification, related_request_id=ctx.request_id)
        finally:
            if subscription is not None:
                subscription.close()
            send.close()
            receive.close()
        return types.SubscriptionsListenResult(_meta=meta)

    async def _view(self, ctx: Ctx, required: bool = True) -> CallerView | None:
        """The caller's view, or None (required=False) / an MCP error when the policy refuses events."""
        try:
            caller = self.resolve(ctx)
        except WrikeMcpError as exc:  # e.g. an agent that needs the user's own login, which is missing
            raise MCPError(code=types.INVALID_REQUEST, message=f"Refused: {exc}") from None
        decision = decide(WAIT_FOR_EVENTS, caller.access)
        if not decision:
            if required:
                raise MCPError(code=types.INVALID_REQUEST, message=f"Refused: {decision.message}")
            return None
        try:
            return await self.events.view(caller)
        except WrikeMcpError as exc:
            raise MCPError(code=types.INTERNAL_ERROR, message=f"Cannot list your webhooks: {exc}") from None

    def _spawn(self, loop: asyncio.AbstractEventLoop, send: Any) -> None:
        task = loop.create_task(send)
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)


def _scope(uri: object) -> EventScope:
    scope = EventScope.parse(str(uri))
    if scope is None:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown resource: {str(uri)[:200]!r}")
    return scope


def _resource(scope: EventScope, description: str) -> types.Resource:
    name = scope.kind if scope.id is None else f"{scope.kind}-{scope.id}"
    return types.Resource(uri=scope.uri, name=f"events-{name}", description=description, mime_type=JSON)


def _scoped(view: CallerView, scopes: list[EventScope]) -> EventFilter:
    """Events the caller may see, in any of the scopes."""

    def visible(event: WebhookEvent) -> bool:
        hooks = view.hooks()
        return view.visible(event) and any(scope.matches(event, hooks) for scope in scopes)

    return EventFilter(visible=visible)


def _forward(send: MemoryObjectSendStream[list[WebhookEvent]]) -> Callable[[list[WebhookEvent]], None]:
    """For a listen stream: hand each batch of events to the stream's own task."""

    def forward(events: list[WebhookEvent]) -> None:
        # A reader that stopped reading misses updates: they are level triggers, a later read sees all.
        with contextlib.suppress(anyio.WouldBlock, anyio.ClosedResourceError, anyio.BrokenResourceError):
            send.send_nowait(events)

    return forward


async def _updated_uris(view: CallerView, scopes: list[EventScope], events: list[WebhookEvent]) -> list[str]:
    """The URIs a batch updates, counting only the events the caller may see (its subtrees included)."""
    kept = await _keep(view, events)
    hooks = view.hooks()
    return [scope.uri for scope in scopes if any(scope.matches(event, hooks) for event in kept)]


async def _keep(view: CallerView, events: list[WebhookEvent]) -> list[WebhookEvent]:
    """`view.keep`, failing closed: when Wrike cannot say where the items live, show none of them."""
    try:
        return await view.keep(events)
    except WrikeMcpError:
        log.warning("could not place %d webhook event(s) in the agent's subtrees; withheld", len(events))
        return []


def _connection_of(ctx: Ctx) -> Connection | None:
    """The connection a request came on. mcp 2.3 keeps it on the per-request session without a public
    accessor; this is the only place that reaches for it (its `state`, `exit_stack`, standalone channel)."""
    connection = getattr(ctx.session, "_connection", None)
    return connection if isinstance(connection, Connection) else None


def _close_all(subscriptions: dict[str, Subscription]) -> None:
    for subscription in subscriptions.values():
        subscription.close()
    subscriptions.clear()
