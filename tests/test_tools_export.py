"""`wrike-mcp tools --export`: function definitions that validate as each target format and say exactly
what tools/list says for the same configuration, as a real MCP client sees it from `serve` over stdio."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import mcp.types as types
import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from mcp import Client, StdioServerParameters
from pydantic import BaseModel, TypeAdapter

from wrike_mcp.cli import main
from wrike_mcp.tools.export import FORMATS

NAME = r"^[a-zA-Z0-9_-]{1,64}$"  # OpenAI's function-name rule; also within Anthropic's
FUNCTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": NAME},
        "description": {"type": "string", "minLength": 1},
        "parameters": {"type": "object", "properties": {"type": {"const": "object"}}, "required": ["type"]},
        "strict": {"const": False},  # our schemas keep optional parameters optional: not strict-mode ready
    },
    "required": ["name", "description", "parameters", "strict"],
    "additionalProperties": False,
}
WRAPPERS: dict[str, dict[str, Any]] = {
    "openai": {
        "type": "object",
        "properties": {"type": {"const": "function"}, "function": FUNCTION},
        "required": ["type", "function"],
        "additionalProperties": False,
    },
    "openai-responses": {
        **FUNCTION,
        "properties": {**FUNCTION["properties"], "type": {"const": "function"}},
        "required": ["type", *FUNCTION["required"]],
    },
    "anthropic": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": NAME},
            "description": {"type": "string", "minLength": 1},
            "input_schema": {
                "type": "object",
                "properties": {"type": {"const": "object"}},
                "required": ["type"],
            },
        },
        "required": ["name", "description", "input_schema"],
        "additionalProperties": False,
    },
}
POLICY = Path(__file__).resolve().parent.parent / "examples" / "policy.toml"
# (argv shared by `serve` and `tools`, environment): the sandbox's broadest token, a narrow sandbox token
# with a toolset, a real-Wrike configuration whose tools/list needs no call to Wrike, and an agent policy.
CONFIGS = {
    "sandbox-all": (["--sandbox", "--sandbox-size", "0"], {}),
    "sandbox-read-default": (
        ["--sandbox", "--sandbox-size", "0", "--sandbox-token", "ws_read_only", "--toolsets", "default"],
        {},
    ),
    "wrike-read-only": (["--read-only"], {"WRIKE_SCOPES": "wsReadOnly,amReadOnlyWorkflow"}),
    "sandbox-agent-policy": (
        ["--sandbox", "--sandbox-size", "0", "--policy", str(POLICY), "--agent", "commenter"],
        {},
    ),
}
SETTINGS_ENV = ("WRIKE_ACCESS_TOKEN", "WRIKE_SCOPES", "WRIKE_READ_ONLY", "WRIKE_TOOLSETS", "WRIKE_HOST")


def export(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str, config: str) -> Any:
    argv, env = CONFIGS[config]
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert main(["tools", "--export", fmt, *argv]) == 0
    return json.loads(capsys.readouterr().out)


async def listed_by_serve(config: str) -> list[types.Tool]:
    """tools/list from `wrike-mcp serve` in a subprocess, through the SDK's client."""
    argv, env = CONFIGS[config]
    child = {k: v for k in ("PATH", "HOME", "PYTHONPATH", "SYSTEMROOT") if (v := os.environ.get(k))}
    child.update(env, WRIKE_ACCESS_TOKEN="not-used-by-tools-list")
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "wrike_mcp", "serve", *argv], env=child
    )
    async with Client(params, mode="legacy") as client:
        return list((await client.list_tools()).tools)


@pytest.mark.parametrize("fmt", sorted(WRAPPERS))
def test_each_definition_has_the_target_formats_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    definitions = export(monkeypatch, capsys, fmt, "sandbox-all")
    wrapper = Draft202012Validator(WRAPPERS[fmt])
    assert definitions
    for definition in definitions:
        wrapper.validate(definition)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_schema_is_valid_json_schema(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    for definition in export(monkeypatch, capsys, fmt, "sandbox-all"):
        schema = schema_of(fmt, definition)
        Draft202012Validator.check_schema(schema)  # what MCP and Anthropic name
        Draft7Validator.check_schema(schema)  # what OpenAI's function parameters are documented against


def test_strict_is_off_because_optional_parameters_would_violate_strict_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    functions = [d["function"] for d in export(monkeypatch, capsys, "openai", "sandbox-all")]
    optional = [
        f["name"]
        for f in functions
        if set(f["parameters"]["properties"]) - set(f["parameters"].get("required", []))
    ]
    assert "search_tasks" in optional  # strict mode needs every property required: these tools are not
    assert all(f["strict"] is False for f in functions)


def test_the_openai_sdk_types_accept_the_definitions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("openai", reason="the openai SDK is not installed (pip install -e '.[test]')")
    from openai.types.chat import ChatCompletionFunctionTool, ChatCompletionFunctionToolParam
    from openai.types.responses import FunctionTool, FunctionToolParam

    checks: list[tuple[str, type[BaseModel], Any]] = [
        ("openai", ChatCompletionFunctionTool, ChatCompletionFunctionToolParam),
        ("openai-responses", FunctionTool, FunctionToolParam),
    ]
    for fmt, model, param in checks:
        for definition in export(monkeypatch, capsys, fmt, "sandbox-all"):
            assert model.model_validate(definition).model_dump(exclude_none=True) == definition
            assert_typed_dict(param, definition)


def test_the_anthropic_sdk_types_accept_the_definitions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("anthropic", reason="the anthropic SDK is not installed (pip install -e '.[test]')")
    from anthropic.types import ToolParam

    for definition in export(monkeypatch, capsys, "anthropic", "sandbox-all"):
        assert_typed_dict(ToolParam, definition)


@pytest.mark.parametrize("config", sorted(CONFIGS))
async def test_exports_match_what_tools_list_gives_a_real_client(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config: str
) -> None:
    listed = await listed_by_serve(config)
    wire = [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in listed]
    assert export(monkeypatch, capsys, "json", config) == wire
    expected = [(t.name, t.description, t.input_schema) for t in listed]
    for fmt in WRAPPERS:
        definitions = export(monkeypatch, capsys, fmt, config)
        got = [
            (f["name"], f["description"], schema_of(fmt, d))
            for d in definitions
            if (f := function_of(fmt, d))
        ]
        assert got == expected, fmt


def test_exports_follow_the_filters(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broad = {d["name"] for d in export(monkeypatch, capsys, "anthropic", "sandbox-all")}
    narrow = {d["name"] for d in export(monkeypatch, capsys, "anthropic", "sandbox-read-default")}
    assert narrow < broad
    assert "search_tasks" in narrow and "create_task" in broad - narrow and "list_timelogs" in broad - narrow
    agent = {d["name"] for d in export(monkeypatch, capsys, "anthropic", "sandbox-agent-policy")}
    assert agent == {"list_comments", "create_comment", "update_comment"}  # comments=write, minus its deny


def test_export_refuses_all_since_hidden_tools_are_not_exposed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tools", "--export", "openai", "--all"]) == 2
    assert "--export writes only the exposed tools" in capsys.readouterr().err


def function_of(fmt: str, definition: dict[str, Any]) -> dict[str, Any]:
    return definition["function"] if fmt == "openai" else definition


def schema_of(fmt: str, definition: dict[str, Any]) -> dict[str, Any]:
    keys = {"json": "inputSchema", "anthropic": "input_schema"}
    schema: dict[str, Any] = function_of(fmt, definition)[keys.get(fmt, "parameters")]
    return schema


def assert_typed_dict(typed: Any, definition: dict[str, Any]) -> None:
    """The SDK's request TypedDict takes the definition: the right types, and no key it does not know."""
    assert TypeAdapter(typed).validate_python(definition) == definition
    assert set(definition) <= set(typed.__annotations__)


def test_the_listing_names_the_agent_policy_as_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    argv, _ = CONFIGS["sandbox-agent-policy"]
    assert main(["tools", "--json", "--all", *argv]) == 0
    reasons = {row["name"]: row.get("reason") for row in json.loads(capsys.readouterr().out)}
    assert reasons["delete_comment"] == "agent_policy" and reasons["create_comment"] is None


def test_an_operator_token_agent_needs_its_token_outside_the_sandbox_as_serve_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("WRIKE_COMMENTER_TOKEN", raising=False)
    assert main(["tools", "--export", "json", "--policy", str(POLICY), "--agent", "commenter"]) == 2
    assert "$WRIKE_COMMENTER_TOKEN, which is not set" in capsys.readouterr().err
    monkeypatch.setenv("WRIKE_COMMENTER_TOKEN", "a-permanent-token")
    monkeypatch.setenv("WRIKE_SCOPES", "wsReadWrite")
    assert main(["tools", "--export", "json", "--policy", str(POLICY), "--agent", "commenter"]) == 0
    assert [tool["name"] for tool in json.loads(capsys.readouterr().out)] == [
        "list_comments",
        "create_comment",
        "update_comment",
    ]
