"""A manifest entry as an MCP tool: a compact, portable JSON Schema plus all four annotations.

Compact because the whole catalogue is read by the model on every session (issue #3 budget: the full
tools/list under 24,000 bytes): no titles, no `$schema`, no defaults, no repeated id patterns (the id
rules are enforced by `arguments.py`, not advertised). Portable because some clients accept only an
OpenAPI-like subset: never a `type` array, no `anyOf` for optionality.

No `outputSchema` is declared: Wrike's models are large and vary with `fields=`, so a faithful output
schema would multiply the catalogue's size, and a loose one would only add bytes. Results carry
`structuredContent` anyway.
"""

from __future__ import annotations

from typing import Any

import mcp.types as types

from wrike_mcp.manifest.model import ParamSpec, ToolSpec

MAX_IDS = 100  # [C] wrike-api.md §2.2: up to 100 ids per multi-id path
# A manifest may allow more ids (bulk updates); the tools layer then sends them in chunks of MAX_IDS.
MAX_BULK_IDS = 1000
_SCALAR_TYPES = {"id": "string", "ids": "array", "base64": "string"}
_CONSTRAINTS = (
    ("enum", "enum"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("min_length", "minLength"),
    ("max_length", "maxLength"),
    ("pattern", "pattern"),
)


def param_schema(param: ParamSpec) -> dict[str, Any]:
    """The JSON Schema of one parameter."""
    schema: dict[str, Any] = {"type": _SCALAR_TYPES.get(param.type, param.type)}
    if param.type == "ids":
        schema["items"] = {"type": "string"}
        schema["maxItems"] = min(param.max_items or MAX_IDS, MAX_BULK_IDS)
    elif param.type == "array":
        items: dict[str, Any] = {"type": _SCALAR_TYPES.get(param.items or "string", param.items)}
        if param.enum:
            items["enum"] = list(param.enum)
        if param.items == "object" and param.properties:
            items["properties"] = param.properties
        schema["items"] = items
        if param.max_items:
            schema["maxItems"] = param.max_items
    elif param.type == "object" and param.properties:
        schema["properties"] = param.properties
    elif param.type == "base64":
        schema["contentEncoding"] = "base64"
    if param.type != "array":
        for attribute, keyword in _CONSTRAINTS:
            value = getattr(param, attribute)
            if value is not None:
                schema[keyword] = _number(value) if keyword in ("minimum", "maximum") else _plain(value)
    if param.description:
        schema["description"] = param.description
    return schema


def input_schema(tool: ToolSpec) -> dict[str, Any]:
    """The tool's input schema: one object, closed to undeclared keys."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {param.name: param_schema(param) for param in tool.params},
    }
    required = [param.name for param in tool.params if param.required]
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def tool_annotations(tool: ToolSpec) -> types.ToolAnnotations:
    hints = tool.annotations
    return types.ToolAnnotations(
        read_only_hint=hints.read_only,
        destructive_hint=hints.destructive,
        idempotent_hint=hints.idempotent,
        open_world_hint=hints.open_world,
    )


def to_mcp_tool(tool: ToolSpec) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=input_schema(tool),
        annotations=tool_annotations(tool),
    )


def _number(value: float) -> int | float:
    """`1.0` -> `1`: bounds read from TOML as floats print as the integers they are."""
    return int(value) if float(value).is_integer() else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
