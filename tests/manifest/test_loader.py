"""The loader fails closed: a broken manifest does not load, and the error names the file and the entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wrike_mcp.errors import ManifestError
from wrike_mcp.manifest import load_catalog

READ_HINTS = {"read_only": True, "destructive": False, "idempotent": True, "open_world": True}


def a_tool(**overrides: Any) -> dict[str, Any]:
    """A valid read tool; a key overridden with None is left out."""
    tool: dict[str, Any] = {
        "name": "get_widgets",
        "description": "Get widgets by id.",
        "method": "GET",
        "path": "/widgets/{widgetIds}",
        "access": "read",
        "scopes": ["Default", "wsReadOnly", "wsReadWrite"],
        "annotations": READ_HINTS,
        "params": [
            {"name": "widgetIds", "in": "path", "type": "ids", "required": True, "description": "Ids."}
        ],
    }
    tool.update(overrides)
    return {key: value for key, value in tool.items() if value is not None}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_value(item)}" for key, item in value.items()) + " }"
    return json.dumps(value)  # strings and numbers: JSON literals are TOML literals here


def write_manifest(directory: Path, file: str, *tools: dict[str, Any], area: str = "widgets") -> Path:
    lines = [f"area = {toml_value(area)}", 'description = "Widgets for tests."']
    for tool in tools:
        lines.append("\n[[tools]]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in tool.items())
    path = directory / file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_error(directory: Path) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        load_catalog(directory)
    return caught.value


def test_a_valid_manifest_loads_and_a_tool_may_set_its_own_area(tmp_path: Path) -> None:
    write_manifest(tmp_path, "widgets.toml", a_tool(), a_tool(name="get_gadgets", area="gadgets"))
    catalog = load_catalog(tmp_path)
    assert [(t.name, t.area) for t in catalog.tools] == [
        ("get_widgets", "widgets"),
        ("get_gadgets", "gadgets"),
    ]
    assert catalog.areas == {"widgets": "Widgets for tests."}


@pytest.mark.parametrize(
    ("tool", "says"),
    [
        pytest.param(a_tool(colour="blue"), "colour", id="unknown key"),
        pytest.param(a_tool(scopes=None), "scopes", id="missing scopes"),
        pytest.param(a_tool(scopes=[]), "scopes", id="empty scopes"),
        pytest.param(a_tool(scopes=["Default", "wsEverything"]), "wsEverything", id="unknown scope"),
        pytest.param(a_tool(annotations=None), "annotations", id="missing annotations"),
        pytest.param(
            a_tool(annotations={"read_only": True, "destructive": False, "idempotent": True}),
            "open_world",
            id="an annotation missing",
        ),
        pytest.param(a_tool(method="POST"), "GET", id="read tool with POST"),
        pytest.param(a_tool(access="write"), "read_only", id="write access with read-only hints"),
        pytest.param(
            a_tool(path="/widgets/{widgetIds}/parts/{partId}"), "partId", id="undeclared placeholder"
        ),
        pytest.param(
            a_tool(
                params=[
                    {"name": "widgetIds", "in": "path", "type": "ids", "description": "Ids."},
                    {"name": "size", "in": "query", "type": "array", "description": "Sizes."},
                ]
            ),
            "items",
            id="array without items",
        ),
        pytest.param(a_tool(name="Get-Widgets"), "name", id="bad tool name"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_and_entry(
    tmp_path: Path, tool: dict[str, Any], says: str
) -> None:
    write_manifest(tmp_path, "widgets.toml", a_tool(name="list_widgets", path="/widgets", params=[]), tool)
    error = load_error(tmp_path)
    assert error.file == "widgets.toml"
    assert error.entry == tool["name"]
    assert str(error).startswith(f"widgets.toml: {tool['name']}: ")
    assert says in str(error)


def test_an_entry_without_a_name_is_named_by_its_position(tmp_path: Path) -> None:
    write_manifest(tmp_path, "widgets.toml", a_tool(), a_tool(name=None))
    error = load_error(tmp_path)
    assert (error.file, error.entry) == ("widgets.toml", "tools[1]")


def test_a_tool_name_repeated_in_another_file_is_refused_naming_both_files(tmp_path: Path) -> None:
    write_manifest(tmp_path, "a_widgets.toml", a_tool())
    write_manifest(tmp_path, "b_gadgets.toml", a_tool(), area="gadgets")
    error = load_error(tmp_path)
    assert (error.file, error.entry) == ("b_gadgets.toml", "get_widgets")
    assert "duplicate" in str(error) and "a_widgets.toml" in str(error)


def test_a_tool_name_repeated_in_one_file_is_refused(tmp_path: Path) -> None:
    write_manifest(tmp_path, "widgets.toml", a_tool(), a_tool())
    error = load_error(tmp_path)
    assert (error.file, error.entry) == ("widgets.toml", "get_widgets")


def test_a_file_that_is_not_toml_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    write_manifest(tmp_path, "good.toml", a_tool())
    (tmp_path / "bad.toml").write_text('area = "widgets"\ndescription = "x\n', encoding="utf-8")
    error = load_error(tmp_path)
    assert error.file == "bad.toml"
    assert "line 2" in str(error)


def test_a_file_level_mistake_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, "widgets.toml", a_tool())
    path.write_text(path.read_text(encoding="utf-8").replace('area = "widgets"', 'area = "Widgets!"'))
    error = load_error(tmp_path)
    assert (error.file, error.entry) == ("widgets.toml", "-")
    assert "area" in str(error)


def test_a_directory_without_manifests_is_refused(tmp_path: Path) -> None:
    error = load_error(tmp_path)
    assert "no manifest files" in str(error)
