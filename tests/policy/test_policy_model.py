"""The policy file: a good file parses; every kind of mistake is refused with a message naming the agent
and the key; the committed JSON schema is the one the model generates."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from wrike_mcp.errors import ConfigError
from wrike_mcp.policy.keys import generate_key
from wrike_mcp.policy.model import AREAS, load_policy, parse_policy, policy_schema, policy_schema_text

from .conftest import REPO

GOOD = """
[server]
read_only = true
toolsets = ["default", "workflows"]

[agents.reader]
key_hash = "{key_hash}"
credential = "operator_token"
token_env = "WRIKE_READER_TOKEN"
areas = {{ tasks = "read", comments = "write" }}
subtrees = ["MQAAAAPZfQ6Y", "MQAAAAzzgOde"]
allow_tools = ["get_tasks"]
deny_tools = ["delete_comment"]

[agents.admin]
credential = "user_oauth"
"""


def test_a_good_policy_parses_with_every_field() -> None:
    stored = generate_key().stored
    policy = parse_policy(GOOD.format(key_hash=stored))
    assert policy.server.read_only is True
    assert policy.server.toolsets == ("default", "workflows")
    reader = policy.agent("reader")
    assert reader.key_hash == stored
    assert (reader.credential, reader.token_env) == ("operator_token", "WRIKE_READER_TOKEN")
    assert reader.grant("tasks") == "read" and reader.grant("comments") == "write"
    assert reader.subtrees == ("MQAAAAPZfQ6Y", "MQAAAAzzgOde")
    assert (reader.allow_tools, reader.deny_tools) == (("get_tasks",), ("delete_comment",))
    admin = policy.agent("admin")
    assert admin.key_hash is None and admin.subtrees is None and admin.allow_tools is None


def test_missing_areas_are_none_and_write_implies_read() -> None:
    agent = parse_policy('[agents.a]\ncredential = "user_oauth"\nareas = { comments = "write" }\n').agent("a")
    assert [agent.grant(area) for area in ("comments", "tasks", "nonsense")] == ["write", "none", "none"]
    assert agent.grants_at_least("comments", "read") and agent.grants_at_least("comments", "write")
    assert not agent.grants_at_least("tasks", "read")


def test_the_example_policy_is_valid() -> None:
    policy = load_policy(REPO / "examples" / "policy.toml")
    assert set(policy.agents) == {"task-reader", "commenter", "project-bot", "workflow-admin"}


AGENT = '[agents.bot]\ncredential = "operator_token"\ntoken_env = "T"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[servr]\n", "servr: unknown key"),
        ("[server]\nread_only = 'yes'\n", "server.read_only: Input should be a valid boolean"),
        ("[server]\ntoolsets = ['Tasks!']\n", "server.toolsets: 'Tasks!' is not a valid toolset"),
        (AGENT + "area = { tasks = 'read' }\n", "agent 'bot': area: unknown key"),
        (
            AGENT + "areas = { taskz = 'read' }\n",
            "agent 'bot': areas.taskz: unknown area; expected one of tasks",
        ),
        (
            AGENT + "areas = { tasks = 'admin' }\n",
            "agent 'bot': areas.tasks: Input should be 'none', 'read' or",
        ),
        (
            '[agents.bot]\ncredential = "operator_token"\n',
            "agent 'bot': credential 'operator_token' needs `token_env`",
        ),
        (
            '[agents.bot]\ncredential = "user_oauth"\ntoken_env = "T"\n',
            "agent 'bot': `token_env` is only for",
        ),
        (
            '[agents.bot]\ncredential = "api_key"\n',
            "agent 'bot': credential: Input should be 'operator_token'",
        ),
        ("[agents.bot]\nareas = {}\n", "agent 'bot': credential: required key is missing"),
        (AGENT.replace('"T"', '"wrike token"'), "agent 'bot': token_env: String should match pattern"),
        (AGENT + "subtrees = []\n", "agent 'bot': subtrees: must name at least one folder"),
        (AGENT + "subtrees = ['../etc']\n", "agent 'bot': subtrees: '../etc' is not a valid Wrike id"),
        (
            AGENT + "deny_tools = ['Delete Task']\n",
            "agent 'bot': deny_tools: 'Delete Task' is not a valid tool",
        ),
        (
            AGENT + "allow_tools = ['get_tasks', 'get_tasks']\n",
            "agent 'bot': allow_tools: duplicate tool name",
        ),
        (AGENT + "key_hash = 'plaintext-key'\n", "agent 'bot': key_hash: String should match pattern"),
        (
            '[agents."two words"]\ncredential = "user_oauth"\n',
            "agents: 'two words' is not a valid agent name",
        ),
        ("[agents.bot\n", "not valid TOML"),
    ],
)
def test_each_mistake_is_refused_with_the_agent_and_the_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_policy(text, "team.toml")
    message = str(caught.value)
    assert message.startswith("team.toml: ")
    assert expected in message


def test_an_unknown_agent_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no agent 'ghost'"):
        parse_policy(AGENT).agent("ghost")


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy(tmp_path / "absent.toml")


def test_the_committed_json_schema_is_the_generated_one() -> None:
    committed = (REPO / "docs" / "policy.schema.json").read_text(encoding="utf-8")
    assert committed == policy_schema_text(), "regenerate: wrike-mcp policy schema > docs/policy.schema.json"


def test_the_schema_accepts_the_example_and_rejects_unknown_keys() -> None:
    schema = policy_schema()
    example = tomllib.loads((REPO / "examples" / "policy.toml").read_text(encoding="utf-8"))
    jsonschema.validate(example, schema)
    example["agents"]["commenter"]["areas"]["taskz"] = "read"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, schema)
    assert set(
        json.loads(policy_schema_text())["$defs"]["AgentPolicy"]["properties"]["areas"]["propertyNames"][
            "enum"
        ]
    ) == set(AREAS)


def test_the_policy_in_the_readme_is_valid() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Agent policies and the audit log", 1)[1]
    snippet = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert set(parse_policy(snippet, "README.md").agents) == {
        "task-reader", "commenter", "project-bot", "workflow-admin",
    }  # fmt: skip
