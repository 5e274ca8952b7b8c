"""Arguments are checked before anything is sent: schema, Wrike's id rules, the path variant."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from mcp_harness import make_spec

from wrike_mcp.errors import ToolInputError
from wrike_mcp.manifest import load_catalog
from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.arguments import ValidArguments, make_validator, validate_arguments
from wrike_mcp.tools.schema import input_schema

TASKS = make_spec(
    name="search_tasks",
    path="/tasks",
    alt_paths=["/folders/{folderId}/tasks", "/spaces/{spaceId}/tasks"],
    params=[
        {"name": "folderId", "in": "path", "type": "id", "description": "Folder."},
        {"name": "spaceId", "in": "path", "type": "id", "description": "Space."},
        {
            "name": "status",
            "in": "query",
            "type": "string",
            "enum": ["Active", "Completed"],
            "description": "S.",
        },
        {
            "name": "fields",
            "in": "query",
            "type": "array",
            "items": "string",
            "max_items": 2,
            "description": "F.",
        },
        {
            "name": "pageSize",
            "in": "query",
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "description": "P.",
        },
        {"name": "responsibles", "in": "query", "type": "array", "items": "id", "description": "R."},
        {
            "name": "dates",
            "in": "query",
            "type": "object",
            "description": "D.",
            "properties": {"start": {"type": "string"}},
        },
    ],
)
GET_TASKS = make_spec(
    name="get_tasks",
    path="/tasks/{taskIds}",
    params=[{"name": "taskIds", "in": "path", "type": "ids", "required": True, "description": "Ids."}],
)
UPLOAD = make_spec(
    name="upload",
    access="write",
    path="/tasks/{taskId}/attachments",
    params=[
        {"name": "taskId", "in": "path", "type": "id", "required": True, "description": "T."},
        {"name": "content", "in": "raw", "type": "base64", "required": True, "description": "C."},
    ],
)


def check(spec: ToolSpec, arguments: dict[str, Any] | None) -> ValidArguments:
    return validate_arguments(spec, make_validator(input_schema(spec)), arguments)


def refusal(spec: ToolSpec, arguments: dict[str, Any]) -> str:
    with pytest.raises(ToolInputError) as caught:
        check(spec, arguments)
    return str(caught.value)


def test_valid_arguments_pass_and_pick_the_path_variant() -> None:
    assert check(TASKS, {"status": "Active", "pageSize": 10}).path == "/tasks"
    assert check(TASKS, {"folderId": "MQAAAAEQ_HoI"}).path == "/folders/{folderId}/tasks"
    assert check(TASKS, {"spaceId": "MQAAAAEQ"}).path == "/spaces/{spaceId}/tasks"
    assert check(TASKS, None).values == {}


@pytest.mark.parametrize("smuggled", ["method", "access_token", "state", "Authorization", "folderID"])
def test_undeclared_keys_are_refused_by_name(smuggled: str) -> None:
    message = refusal(TASKS, {smuggled: "DELETE"})
    assert repr(smuggled) in message
    assert "this tool accepts: dates, fields, folderId" in message


def test_missing_required_parameter_is_named() -> None:
    assert "missing required parameter(s): taskIds" in refusal(GET_TASKS, {})


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"pageSize": "10"}, "parameter 'pageSize' must be an integer"),
        ({"pageSize": 5000}, "parameter 'pageSize' must be at most 1000"),
        ({"pageSize": 0}, "parameter 'pageSize' must be at least 1"),
        ({"status": "Done"}, "parameter 'status' must be one of: Active, Completed"),
        ({"fields": "description"}, "parameter 'fields' must be an array"),
        ({"fields": ["a", "b", "c"]}, "parameter 'fields' takes at most 2 items"),
        ({"fields": [1]}, "parameter 'fields[0]' must be a string"),
        ({"dates": []}, "parameter 'dates' must be an object"),
        ({"dates": {"start": 5}}, "parameter 'dates.start' must be a string"),
    ],
)
def test_wrong_types_and_bounds_name_the_parameter_and_the_fix(
    arguments: dict[str, Any], expected: str
) -> None:
    assert expected in refusal(TASKS, arguments)


def test_several_problems_are_reported_together() -> None:
    message = refusal(TASKS, {"pageSize": "x", "status": "Done"})
    assert "pageSize" in message and "status" in message


@pytest.mark.parametrize(
    "bad_id",
    ["../etc", "..", ".", "a/b", "a b", "a,b", "a?method=DELETE", "a%2Fb", "", "x" * 257, "é", "a\nb"],
)
def test_junk_ids_are_refused(bad_id: str) -> None:
    assert "not a valid Wrike id" in refusal(GET_TASKS, {"taskIds": ["IEAGSBX1KQAAAAAA", bad_id]})


def test_junk_in_a_single_id_and_in_id_lists_is_refused() -> None:
    assert "parameter 'folderId' is not a valid Wrike id" in refusal(TASKS, {"folderId": "../../x"})
    assert "parameter 'responsibles[1]'" in refusal(TASKS, {"responsibles": ["KUAAAAAA", "KU/../x"]})


def test_empty_path_ids_are_refused() -> None:
    assert "must not be empty" in refusal(GET_TASKS, {"taskIds": []})


def test_more_than_100_ids_are_refused() -> None:
    message = refusal(GET_TASKS, {"taskIds": [f"ID{i}" for i in range(101)]})
    assert "takes at most 100 items" in message


def test_long_opaque_ids_of_the_new_format_pass() -> None:
    new_style = "MgAAAAEQ_HoOMwAAAAEQ_HoM:abc=." + "x" * 200
    assert check(GET_TASKS, {"taskIds": [new_style]}).values["taskIds"] == [new_style]


def test_conflicting_path_variants_are_refused_clearly() -> None:
    message = refusal(TASKS, {"folderId": "F1", "spaceId": "S1"})
    assert "cannot be combined: folderId, spaceId" in message
    assert "give exactly one of" in message


def test_base64_content_is_decoded_and_bad_base64_refused() -> None:
    valid = check(UPLOAD, {"taskId": "T1", "content": base64.b64encode(b"hello").decode()})
    assert valid.raw == {"content": b"hello"}
    assert "must be standard base64" in refusal(UPLOAD, {"taskId": "T1", "content": "not base64!"})


def test_long_values_are_not_echoed_in_full() -> None:
    message = refusal(GET_TASKS, {"taskIds": ["/" * 5000]})
    assert len(message) < 400


def test_a_tool_that_needs_a_location_says_which_ones_to_choose_from() -> None:
    either = make_spec(
        name="create_comment",
        access="write",
        path="/tasks/{taskId}/comments",
        alt_paths=["/folders/{folderId}/comments"],
        params=[
            {"name": "taskId", "in": "path", "type": "id", "description": "T."},
            {"name": "folderId", "in": "path", "type": "id", "description": "F."},
        ],
    )
    assert "say where: give one of taskId; folderId" in refusal(either, {})


@pytest.mark.parametrize(
    ("tool_name", "arguments"),
    [
        ("list_contacts", {"contactIds": ["KUAAAAAA"], "me": True}),
        ("list_contacts", {"contactIds": ["KUAAAAAA"], "name": "Ada"}),
        ("search_tasks", {"descendants": True}),
        ("create_webhook", {"hookUrl": "http://127.0.0.1:9/h", "recursive": True}),
        ("list_attachments", {"attachmentIds": ["IEAGSBX1IYAAAAAA"], "createdDate": {"start": "x"}}),
    ],
)
def test_a_parameter_of_another_path_variant_is_refused_naming_where_it_works(
    tool_name: str, arguments: dict[str, object]
) -> None:
    tool = load_catalog().by_name()[tool_name]
    validator = make_validator(input_schema(tool))
    with pytest.raises(ToolInputError, match="only works with"):
        validate_arguments(tool, validator, arguments)
