"""Events as one caller may see them: the glue between the webhook service and the MCP server.

    access = EventAccess(service, client, inventory)
    view = await access.view(caller)                    # refreshes which hooks are the caller's
    box, events = await access.wait(caller, EventQuery.build(["TaskCreated"]), 50, timeout=20)

Used by `wait_for_events` and `create_webhook` (tools/native.py) and by the resources (mcp_bridge.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from wrike_mcp.errors import ConfigError
from wrike_mcp.policy.scopes import Access
from wrike_mcp.tools.inventory import Inventory
from wrike_mcp.webhooks.event_scopes import EventQuery
from wrike_mcp.webhooks.events import WebhookEvent
from wrike_mcp.webhooks.mailbox import Mailbox, Mailboxes
from wrike_mcp.webhooks.placement import SubtreePlacer
from wrike_mcp.webhooks.service import WebhookService
from wrike_mcp.webhooks.visibility import CallerView, Hook, HookDirectory, principal_of
from wrike_mcp.wrike.client import Upstream, UpstreamRequest, WrikeCredentials, WrikeResponse

if TYPE_CHECKING:
    from wrike_mcp.tools.handler import Caller

NO_RECEIVER = (
    "this server runs no webhook receiver, so no events reach it; the operator can start one "
    "(serve --webhook-receiver HOST:PORT, or the hosted app's /webhooks/wrike)"
)


class EventAccess:
    def __init__(self, service: WebhookService, client: Upstream, inventory: Inventory) -> None:
        self.service = service
        self.inventory = inventory
        self.directory = HookDirectory(self._fetch_hooks, service.clock)
        self.mailboxes = Mailboxes(service.hub, service.clock)
        self.placer = SubtreePlacer(service.clock)
        self._client = client
        self._areas: dict[Access, frozenset[str]] = {}

    def readable_areas(self, access: Access) -> frozenset[str]:
        """The areas with at least one read tool this access may call (the policy's one decision)."""
        areas = self._areas.get(access)
        if areas is None:
            decisions = self.inventory.decisions(access)
            areas = frozenset(spec.area for spec, decision in decisions if decision and spec.access == "read")
            self._areas[access] = areas
        return areas

    def cached_view(self, caller: Caller) -> CallerView:
        """The caller's view with what is known now (no Wrike request)."""
        principal = principal_of(caller.credentials)
        roots = caller.access.subtrees
        inside = None
        if roots is not None:
            credentials = caller.credentials

            async def fetch(request: UpstreamRequest) -> WrikeResponse:
                return await self._client.send(request, credentials)

            inside = self.placer.filter_for(principal, roots, fetch)
        return CallerView(principal, self.readable_areas(caller.access), self.directory, inside)

    async def view(self, caller: Caller) -> CallerView:
        """The caller's view, after asking Wrike which hooks are its own (cached for a few seconds)."""
        view = self.cached_view(caller)
        await self.directory.refresh(view.principal, caller.credentials)
        return view

    async def wait(
        self,
        caller: Caller,
        query: EventQuery,
        max_events: int,
        timeout: float,  # noqa: ASYNC109 - the tool's own argument
    ) -> tuple[Mailbox, list[WebhookEvent]]:
        if self.service.receiver_url is None:
            raise ConfigError(NO_RECEIVER)
        view = await self.view(caller)
        box = self._mailbox(caller, view)
        clock = self.service.clock
        deadline = clock.monotonic() + timeout
        while True:  # events outside a subtree-limited agent's subtrees are dropped, and the wait goes on
            remaining = max(0.0, deadline - clock.monotonic())
            events = await view.keep(await box.wait(query, max_events, remaining))
            if events or remaining <= 0 or box.closed:
                return box, events

    def remember_hook(self, caller: Caller, hook: Hook) -> None:
        """A hook created through this server: its events count as the caller's at once, and its
        mailbox opens now, so that nothing is lost before the first `wait_for_events`."""
        view = self.cached_view(caller)
        self.directory.remember(view.principal, hook)
        self._mailbox(caller, view)

    def close(self) -> None:
        self.mailboxes.close()

    def _mailbox(self, caller: Caller, view: CallerView) -> Mailbox:
        return self.mailboxes.open((view.principal, caller.agent, caller.access), view)

    async def _fetch_hooks(self, credentials: WrikeCredentials) -> Sequence[Hook]:
        response = await self._client.send(UpstreamRequest("GET", "/webhooks"), credentials)
        body = response.json()
        data = body.get("data") if isinstance(body, dict) else None
        return [hook for hook in data or [] if isinstance(hook, dict)]
