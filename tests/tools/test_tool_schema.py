"""Manifest entries render as compact, portable MCP tool schemas with all four annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp_harness import FIXTURE_MANIFESTS, make_spec

from wrike_mcp.manifest.loader import load_catalog
from wrike_mcp.tools.schema import input_schema, to_mcp_tool


def schema_of(**param: Any) -> dict[str, Any]:
    spec = make_spec(params=[{"name": "p", "in": "query", "description": "D.", **param}])
    return input_schema(spec)["properties"]["p"]


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ({"type": "id"}, {"type": "string", "description": "D."}),
        (
            {"type": "ids"},
            {"type": "array", "items": {"type": "string"}, "maxItems": 100, "description": "D."},
        ),
        (
            {"type": "array", "items": "string", "enum": ["a", "b"], "max_items": 2},
            {
                "type": "array",
                "items": {"type": "string", "enum": ["a", "b"]},
                "maxItems": 2,
                "description": "D.",
            },
        ),
        (
            {"type": "array", "items": "id"},
            {"type": "array", "items": {"type": "string"}, "description": "D."},
        ),
        (
            {"type": "object", "properties": {"start": {"type": "string"}}},
            {"type": "object", "properties": {"start": {"type": "string"}}, "description": "D."},
        ),
        ({"type": "object"}, {"type": "object", "description": "D."}),
        (
            {"type": "integer", "minimum": 1, "maximum": 1000},
            {"type": "integer", "minimum": 1, "maximum": 1000, "description": "D."},
        ),
        (
            {
                "type": "string",
                "enum": ["High", "Low"],
                "min_length": 1,
                "max_length": 9,
                "pattern": "^[A-Z]",
            },
            {
                "type": "string",
                "enum": ["High", "Low"],
                "minLength": 1,
                "maxLength": 9,
                "pattern": "^[A-Z]",
                "description": "D.",
            },
        ),
        ({"type": "boolean"}, {"type": "boolean", "description": "D."}),
    ],
)
def test_each_parameter_type_renders_to_its_compact_schema(
    param: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert schema_of(**param) == expected


def test_an_ids_parameter_takes_100_unless_the_manifest_allows_chunks_of_up_to_1000() -> None:
    assert schema_of(type="ids")["maxItems"] == 100
    assert schema_of(type="ids", max_items=500)["maxItems"] == 500
    assert schema_of(type="ids", max_items=5000)["maxItems"] == 1000


def test_base64_parameter_declares_its_content_encoding() -> None:
    spec = make_spec(
        access="write", params=[{"name": "content", "in": "raw", "type": "base64", "description": "D."}]
    )
    prop = input_schema(spec)["properties"]["content"]
    assert prop == {"type": "string", "contentEncoding": "base64", "description": "D."}


def test_tool_schema_is_closed_and_lists_required_parameters() -> None:
    spec = make_spec(
        path="/tasks/{taskIds}",
        params=[
            {"name": "taskIds", "in": "path", "type": "ids", "required": True, "description": "Ids."},
            {"name": "fields", "in": "query", "type": "array", "items": "string", "description": "F."},
        ],
    )
    schema = input_schema(spec)
    assert schema["type"] == "object"
    assert schema["required"] == ["taskIds"]
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == ["taskIds", "fields"]


def test_required_is_omitted_when_nothing_is_required() -> None:
    assert "required" not in input_schema(make_spec())


def test_tool_carries_description_and_all_four_annotations() -> None:
    spec = make_spec(
        access="write", method="DELETE",
        annotations={"read_only": False, "destructive": True, "idempotent": True, "open_world": True},
    )  # fmt: skip
    wire = to_mcp_tool(spec).model_dump(by_alias=True, exclude_none=True)
    assert wire["description"] == "A tool made in a test."
    assert wire["annotations"] == {
        "readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": True
    }  # fmt: skip
    assert "outputSchema" not in wire


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every schema object nested in a schema (properties and items)."""
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_walk(value))
    return found


@pytest.mark.parametrize("directory", [FIXTURE_MANIFESTS, None], ids=["fixtures", "catalogue"])
def test_no_schema_uses_a_type_array_or_anyof(directory: Path | None) -> None:
    """The inspector's --strict portability rule: no `type` arrays (Gemini / OpenAPI subset)."""
    for spec in load_catalog(directory).tools:
        for node in _walk(input_schema(spec)):
            assert not isinstance(node.get("type"), list), spec.name
            assert "anyOf" not in node and "oneOf" not in node, spec.name


def test_schema_is_plain_json() -> None:
    for spec in load_catalog(FIXTURE_MANIFESTS).tools:
        assert json.loads(json.dumps(input_schema(spec))) == input_schema(spec)
