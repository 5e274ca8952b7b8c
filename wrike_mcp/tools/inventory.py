"""Which tools exist, and which of them one configuration exposes.

The catalogue is rendered once (schemas, annotations, validators); what a caller sees is a filter over
it by the policy's one decision function, cached per distinct `Access` (a process serves few of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import mcp.types as types

from wrike_mcp.manifest.loader import Catalog
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.policy.scopes import Access, Decision, decide
from wrike_mcp.tools.arguments import ArgumentValidator, make_validator
from wrike_mcp.tools.schema import to_mcp_tool


@dataclass(frozen=True)
class ToolEntry:
    """One catalogue tool, ready to list and to call."""

    spec: ToolSpec
    tool: types.Tool
    validator: ArgumentValidator


class Inventory:
    """`extra`: tools declared in code rather than in a manifest (tools/native.py), listed after them."""

    def __init__(self, catalog: Catalog, extra: Iterable[ToolSpec] = ()) -> None:
        self.catalog = catalog
        self._entries: dict[str, ToolEntry] = {}
        for spec in (*catalog.tools, *extra):
            tool = to_mcp_tool(spec)
            self._entries[spec.name] = ToolEntry(spec, tool, make_validator(tool.input_schema))
        self._visible: dict[Access, list[types.Tool]] = {}

    @property
    def areas(self) -> Mapping[str, str]:
        return self.catalog.areas

    def get(self, name: str) -> ToolEntry | None:
        return self._entries.get(name)

    def input_schema(self, name: str) -> dict[str, Any] | None:
        """For the SDK's `get_tool_input_schema` (spares it a tools/list walk per call, mcp-sdk.md §6)."""
        entry = self._entries.get(name)
        return entry.tool.input_schema if entry else None

    def visible(self, access: Access) -> list[types.Tool]:
        """The tools this access allows, in catalogue order."""
        tools = self._visible.get(access)
        if tools is None:
            tools = [entry.tool for entry in self._entries.values() if decide(entry.spec, access)]
            self._visible[access] = tools
        return tools

    def decisions(self, access: Access) -> list[tuple[ToolSpec, Decision]]:
        """Every tool with its decision, for `wrike-mcp tools` and tests."""
        return [(entry.spec, decide(entry.spec, access)) for entry in self._entries.values()]
