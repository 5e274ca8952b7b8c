"""The MCP server end to end: a real MCP client, the real sandbox, the fixture catalogue.

Tools and their gating, reads, bad arguments that send nothing, and the protocol answers. Wrike's
error codes are in test_tool_errors.py; the real catalogue in test_tool_catalogue.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import mcp.types as types
import pytest
from mcp.shared.exceptions import MCPError
from mcp_harness import MODES, Recorder, open_mcp, text_of

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.runner import SandboxServer

EVERY_FIXTURE_TOOL = {
    "get_version", "probe_missing_method", "probe_version_with_param", "probe_workflow_admin",
    "probe_user_read", "probe_delete", "probe_download",
}  # fmt: skip
DEFAULT_SCOPE_TOOLS = EVERY_FIXTURE_TOOL - {"probe_workflow_admin", "probe_user_read"}
ARGUMENTS: dict[str, dict[str, Any]] = {
    "probe_workflow_admin": {"name": "x"},
    "probe_missing_method": {"itemId": "X"},
}


async def listed(sandbox: Sandbox, **options: Any) -> set[str]:
    async with open_mcp(sandbox, **options) as client:
        return {tool.name for tool in (await client.list_tools()).tools}


@pytest.mark.parametrize("mode", MODES)
async def test_tools_list_has_closed_schemas_and_all_four_annotations(sandbox: Sandbox, mode: str) -> None:
    async with open_mcp(sandbox, mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert {tool.name for tool in tools} == DEFAULT_SCOPE_TOOLS
    for tool in tools:
        wire = tool.model_dump(by_alias=True, exclude_none=True)
        assert wire["inputSchema"]["type"] == "object"
        assert wire["inputSchema"]["additionalProperties"] is False
        assert set(wire["annotations"]) == {
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        }
        assert tool.description


@pytest.mark.parametrize("mode", MODES)
async def test_a_read_returns_the_unwrapped_envelope_once_as_structure_and_once_as_text(
    sandbox: Sandbox, mode: str
) -> None:
    async with open_mcp(sandbox, mode=mode) as client:
        result = await client.call_tool("get_version", {})
    assert not result.is_error
    assert result.structured_content == {"kind": "version", "data": [{"major": 1, "minor": 0}]}
    assert len(result.content) == 1
    assert json.loads(text_of(result)) == result.structured_content
    assert sandbox.request_log[-1] == ("GET", "/api/v4/version")


async def test_a_read_over_real_http_on_loopback(sandbox: Sandbox, sandbox_server: SandboxServer) -> None:
    async with open_mcp(sandbox, base_url=sandbox_server.api_url) as client:
        result = await client.call_tool("get_version", {})
    assert result.structured_content == {"kind": "version", "data": [{"major": 1, "minor": 0}]}


async def test_the_token_goes_in_the_authorization_header_and_nowhere_else(sandbox: Sandbox) -> None:
    recorders: list[Recorder] = []
    token = sandbox.workspace.named_tokens["default"]
    async with open_mcp(sandbox, recorder=recorders) as client:
        await client.call_tool("get_version", {})
    (request,) = recorders[0].requests
    assert request.headers["authorization"] == f"bearer {token}"
    assert token not in str(request.url)
    assert request.url.raw_path == b"/api/v4/version"


@pytest.mark.parametrize(
    ("token_name", "expected"),
    [
        ("default", DEFAULT_SCOPE_TOOLS),
        (
            "ws_read_only",
            {"get_version", "probe_missing_method", "probe_version_with_param", "probe_download"},
        ),
        ("ws_read_write", DEFAULT_SCOPE_TOOLS),
        ("workflow_admin", {"get_version", "probe_workflow_admin"}),
        ("user_read", {"get_version", "probe_user_read"}),
        ("all", EVERY_FIXTURE_TOOL),
    ],
)
async def test_listed_tools_are_exactly_those_the_granted_scopes_allow(
    sandbox: Sandbox, token_name: str, expected: set[str]
) -> None:
    assert await listed(sandbox, token_name=token_name) == expected


@pytest.mark.parametrize(
    ("token_name", "tool", "needed"),
    [
        ("ws_read_only", "probe_delete", "Default or wsReadWrite"),
        ("default", "probe_workflow_admin", "amReadWriteWorkflow"),
        ("workflow_admin", "probe_user_read", "amReadOnlyUser or amReadWriteUser"),
        ("user_read", "probe_missing_method", "Default or wsReadOnly or wsReadWrite"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_a_call_to_a_tool_the_scopes_do_not_cover_is_refused_naming_the_scope_and_sends_nothing(
    sandbox: Sandbox, token_name: str, tool: str, needed: str, mode: str
) -> None:
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, token_name=token_name, mode=mode, recorder=recorders) as client:
        result = await client.call_tool(tool, ARGUMENTS.get(tool, {}))
    assert result.is_error
    assert f"needs the Wrike scope {needed}" in text_of(result)
    assert recorders[0].requests == [] and sandbox.request_log == []


async def test_read_only_hides_and_refuses_every_write(sandbox: Sandbox) -> None:
    assert await listed(sandbox, token_name="all", read_only=True) == {
        "get_version", "probe_missing_method", "probe_version_with_param", "probe_user_read", "probe_download"
    }  # fmt: skip
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, token_name="all", read_only=True, recorder=recorders) as client:
        result = await client.call_tool("probe_delete", {})
    assert result.is_error and "read-only" in text_of(result)
    assert recorders[0].requests == []


async def test_toolsets_select_areas_and_refuse_the_rest(sandbox: Sandbox) -> None:
    assert await listed(sandbox, toolsets=("meta",)) == {"get_version"}
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, toolsets=("meta",), recorder=recorders) as client:
        result = await client.call_tool("probe_delete", {})
    assert result.is_error and "'probe' toolset is not enabled" in text_of(result)
    assert recorders[0].requests == []


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_tool_is_a_protocol_error_invalid_params(sandbox: Sandbox, mode: str) -> None:
    async with open_mcp(sandbox, mode=mode) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("no_such_tool", {})
    assert caught.value.error.code == types.INVALID_PARAMS
    assert "Unknown tool" in caught.value.error.message


BAD_ARGUMENTS = [
    ("probe_version_with_param", {"limit": "5"}, "parameter 'limit' must be an integer"),
    ("probe_version_with_param", {"limit": 11}, "parameter 'limit' must be at most 10"),
    ("probe_version_with_param", {"fields": "description"}, "parameter 'fields' must be an array"),
    ("probe_version_with_param", {"method": "DELETE"}, "unknown parameter(s) 'method'"),
    ("probe_version_with_param", {"access_token": "x"}, "unknown parameter(s) 'access_token'"),
    ("get_version", {"state": "x"}, "this tool accepts: no parameters"),
    ("probe_missing_method", {"itemId": "../../version"}, "not a valid Wrike id"),
    ("probe_missing_method", {"itemId": ".."}, "not a valid Wrike id"),
    ("probe_missing_method", {"itemId": "a?method=DELETE"}, "not a valid Wrike id"),
    ("probe_missing_method", {"itemId": 5}, "parameter 'itemId' must be a string"),
    ("probe_missing_method", {}, "missing required parameter(s): itemId"),
    ("probe_delete", {"method": "GET"}, "unknown parameter(s) 'method'"),
]


@pytest.mark.parametrize(("tool", "arguments", "expected"), BAD_ARGUMENTS)
@pytest.mark.parametrize("mode", MODES)
async def test_bad_arguments_get_a_clear_error_and_send_nothing(
    sandbox: Sandbox, tool: str, arguments: dict[str, Any], expected: str, mode: str
) -> None:
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, mode=mode, recorder=recorders) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert expected in text_of(result)
    assert "nothing was sent" in text_of(result)
    assert recorders[0].requests == [] and sandbox.request_log == []


async def test_a_download_is_an_embedded_resource_with_its_mime_type(sandbox: Sandbox) -> None:
    async with open_mcp(sandbox) as client:
        result = await client.call_tool("probe_download", {})
    assert not result.is_error
    blob = result.content[-1]
    assert isinstance(blob, types.EmbeddedResource)
    assert isinstance(blob.resource, types.BlobResourceContents)
    assert blob.resource.mime_type == "application/json"
    assert str(blob.resource.uri).endswith("/api/v4/version")


async def test_a_download_past_the_cap_is_refused_with_a_clear_message(sandbox: Sandbox) -> None:
    async with open_mcp(sandbox, max_download_bytes=5) as client:
        result = await client.call_tool("probe_download", {})
    assert result.is_error and "larger than the 5-byte download cap" in text_of(result)


async def test_no_token_appears_in_logs_or_results(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    for token_name in ("default", "ws_read_only"):
        async with open_mcp(sandbox, token_name=token_name) as client:
            for tool in ("get_version", "probe_delete", "probe_missing_method", "probe_version_with_param"):
                arguments = ARGUMENTS.get(
                    tool, {"fields": ["a"]} if tool == "probe_version_with_param" else {}
                )
                result = await client.call_tool(tool, arguments)
                seen.append(result.model_dump_json())
    async with open_mcp(sandbox, token="bad-token-0123456789") as client:
        seen.append((await client.call_tool("get_version", {})).model_dump_json())
    tokens = [*sandbox.workspace.named_tokens.values(), "bad-token-0123456789"]
    for token in tokens:
        assert token not in caplog.text
        assert all(token not in text for text in seen)
