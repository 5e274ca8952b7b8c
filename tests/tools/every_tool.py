"""The every-tool table: one scenario per tool and path variant, and what a scenario works with.

A scenario is `async def run(ctx)` registered with `@scenario(tool, path)`: it calls its tool through a
real MCP client on the seeded sandbox, with ids found in `ctx.ws` (never hard-coded), and asserts on
the result and, for writes, on the sandbox state afterwards. The runner (test_every_tool.py) checks
that the tool's call really reached `path` (the manifest's `path` unless an `alt_paths` entry is named),
and a guard test checks that the table covers every tool and every path of the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import mcp.types as types
from mcp import Client
from mcp_harness import text_of

from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.manifest.model import PLACEHOLDER, ToolSpec
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.activity_records import is_locked
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.tools.native import native_specs

# The manifests' tools and the native ones (wait_for_events): everything `serve` lists.
CATALOGUE: dict[str, ToolSpec] = {
    tool.name: tool for tool in (*load_catalog().tools, *native_specs(load_catalog()))
}


@dataclass
class Ctx:
    """One scenario's MCP client and sandbox, and every request each tool call made."""

    client: Client
    sandbox: Sandbox
    calls: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)

    @property
    def ws(self) -> Workspace:
        return self.sandbox.workspace

    async def call(self, tool: str, **arguments: Any) -> types.CallToolResult:
        """Call a tool; the result must not be an error."""
        before = len(self.sandbox.request_log)
        result = await self.client.call_tool(tool, arguments)
        self.calls.append((tool, self.sandbox.request_log[before:]))
        assert not result.is_error, f"{tool}: {text_of(result)}"
        return result

    async def data(self, tool: str, kind: str, **arguments: Any) -> list[dict[str, Any]]:
        """The `data` items of a JSON result, after checking its `kind` and that text mirrors structure."""
        result = await self.call(tool, **arguments)
        content = result.structured_content
        assert content is not None and content["kind"] == kind, content
        assert isinstance(content["data"], list)
        items: list[dict[str, Any]] = content["data"]
        return items

    async def one(self, tool: str, kind: str, **arguments: Any) -> dict[str, Any]:
        """The single item a write (or a read by one id) answers with."""
        (item,) = await self.data(tool, kind, **arguments)
        return item

    def reached(self, tool: str, method: str, template: str) -> bool:
        """Whether a call of `tool` was served by the sandbox at `method template`."""
        pattern = re.compile("^/api/v4" + PLACEHOLDER.sub("[^/]+", template) + "$")
        return any(
            verb == method and pattern.match(path)
            for name, served in self.calls
            if name == tool
            for verb, path in served
        )


Run = Callable[[Ctx], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    tool: str
    path: str  # the path template the call must reach
    run: Run
    legacy_too: bool  # also run in the legacy (initialize) protocol era, not only in auto

    @property
    def id(self) -> str:
        spec = CATALOGUE[self.tool]
        if not spec.alt_paths:
            return self.tool
        where = PLACEHOLDER.findall(self.path)
        return f"{self.tool}[{'+'.join(where) or 'account'}]"


SCENARIOS: list[Scenario] = []


def scenario(tool: str, path: str | None = None, *, legacy_too: bool = False) -> Callable[[Run], Run]:
    """Register `run` as the scenario of `tool` at `path` (default: the tool's main path)."""

    def register(run: Run) -> Run:
        SCENARIOS.append(Scenario(tool, path or CATALOGUE[tool].path, run, legacy_too))
        return run

    return register


# ---------------------------------------------------------------- finding things in the seeded workspace


def owner_id(ws: Workspace) -> str:
    """The account owner: the user behind the sandbox's named tokens (an administrator)."""
    return str(ws.account["ownerId"])


def people(ws: Workspace) -> list[Entity]:
    return [c for c in ws["contacts"].values() if c["type"] == "Person"]


def regular_user(ws: Workspace) -> Entity:
    """An active, non-admin, non-external member: someone an admin may change."""
    return next(
        p
        for p in people(ws)
        if not p["profiles"][0]["admin"] and not p["profiles"][0]["external"] and p["profiles"][0]["active"]
    )


def space(ws: Workspace, title: str) -> Entity:
    return next(s for s in ws["spaces"].values() if s["title"] == title)


def folder(ws: Workspace, title: str) -> Entity:
    return next(f for f in ws["folders"].values() if f["title"] == title and f["scope"] == "WsFolder")


def live_tasks(ws: Workspace) -> list[Entity]:
    return [t for t in ws["tasks"].values() if t["scope"] == "WsTask"]


def tasks_in(ws: Workspace, folder_id: str) -> list[Entity]:
    return [t for t in live_tasks(ws) if folder_id in t["parentIds"]]


def folder_with_tasks(ws: Workspace) -> Entity:
    """A real (non-space) folder or project that holds seeded tasks directly."""
    return next(
        f
        for f in ws["folders"].values()
        if f["scope"] == "WsFolder" and f["id"] not in ws["spaces"] and tasks_in(ws, f["id"])
    )


def choice_field(ws: Workspace) -> Entity:
    """An account-level DropDown custom field: the kind of field that can cascade."""
    return next(f for f in ws["customfields"].values() if f["type"] == "DropDown" and "spaceId" not in f)


def editable_timelog(ws: Workspace) -> Entity:
    """A timelog outside every lock period, so an administrator may change it."""
    return next(
        log
        for log in ws["timelogs"].values()
        if not is_locked(ws, ws["tasks"][log["taskId"]], log["trackedDate"])
    )


def ids(items: Iterable[dict[str, Any]], key: str = "id") -> set[str]:
    return {item[key] for item in items}
