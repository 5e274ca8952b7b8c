"""The exposed tools as plain function definitions, for frameworks that take schemas instead of MCP.

The input is what the server's tools/list would return for one configuration (`Inventory.visible`, so
the same scope, read-only, toolset and policy decision); each format only re-wraps those MCP tools:

| format | shape |
|---|---|
| `json` | the MCP Tool objects exactly as tools/list serialises them |
| `openai` | Chat Completions: `{"type": "function", "function": {name, description, parameters, strict}}` |
| `openai-responses` | Responses API: `{"type": "function", name, description, parameters, strict}` (flat) |
| `anthropic` | Messages API: `{name, description, input_schema}` |

`strict` is always false, and said so explicitly: OpenAI's strict mode requires every property to be
listed in `required` (optional ones as nullable types) and accepts only a subset of JSON Schema, while our
schemas keep optional parameters optional. Leaving `strict` out would not do: the Responses API then
normalises the schema into strict mode itself, which would make every optional parameter mandatory.

Calling a tool chosen by the model stays the caller's job: send its name and arguments to wrike-mcp's
tools/call (or to a framework's MCP adapter), which validates and gates the call again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mcp.types as types

Definition = dict[str, Any]


def mcp_json(tool: types.Tool) -> Definition:
    """The tool as it travels in tools/list (camelCase keys, unset fields left out)."""
    return tool.model_dump(mode="json", by_alias=True, exclude_none=True)


def _function(tool: types.Tool) -> Definition:
    return {
        "name": tool.name,
        "description": tool.description or "",
        "parameters": tool.input_schema,
        "strict": False,
    }


def openai_chat(tool: types.Tool) -> Definition:
    return {"type": "function", "function": _function(tool)}


def openai_responses(tool: types.Tool) -> Definition:
    return {"type": "function", **_function(tool)}


def anthropic(tool: types.Tool) -> Definition:
    return {"name": tool.name, "description": tool.description or "", "input_schema": tool.input_schema}


FORMATS: dict[str, Callable[[types.Tool], Definition]] = {
    "json": mcp_json,
    "openai": openai_chat,
    "openai-responses": openai_responses,
    "anthropic": anthropic,
}


def export_tools(tools: Sequence[types.Tool], fmt: str) -> list[Definition]:
    """The definitions of `tools` in `fmt` (one of FORMATS), in the order tools/list gives them."""
    convert = FORMATS[fmt]
    return [convert(tool) for tool in tools]
