"""The agent policy file: who may do what, as validated data.

A policy is TOML (see `examples/policy.toml`, and `docs/policy.schema.json` for editors):

    [server]                 # upper bound for every agent
    read_only = false
    toolsets = ["default", "workflows"]

    [agents.triage-bot]
    key_hash = "scrypt$..."  # written by `wrike-mcp agents add`; the key itself is never stored
    credential = "operator_token"
    token_env = "WRIKE_TRIAGE_TOKEN"   # the name of the variable holding the token, never the token
    areas = { tasks = "read", comments = "write" }
    subtrees = ["MQAAAAEQ_HoI"]          # optional: folder, project or space ids
    allow_tools = ["get_tasks", "search_tasks", "create_comment"]   # optional: narrows further
    deny_tools = ["delete_comment"]      # optional: always wins

Validation is strict (unknown keys are errors), and every error names the agent and the key, because a
typo in a security policy must stop the server rather than silently widen or narrow access. Checks that
need the tool catalogue (unknown tool names, unknown toolsets) live in `grants.check_policy`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, Literal, cast, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.model import TOOL_NAME
from wrike_mcp.policy.keys import STORED_HASH_PATTERN

Area = Literal[
    "tasks", "folders", "spaces", "comments", "timelogs", "attachments", "contacts", "users",
    "workflows", "customfields", "webhooks", "batch",
]  # fmt: skip
AREAS: tuple[Area, ...] = get_args(Area)
Grant = Literal["none", "read", "write"]
Credential = Literal["operator_token", "user_oauth"]

AGENT_NAME = r"^[A-Za-z0-9_-]{1,64}$"  # a TOML bare key, so `[agents.NAME]` needs no quoting
WRIKE_ID = r"^[A-Za-z0-9._:=-]{1,256}$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]{0,127}$"
TOOLSET_NAME = r"^[a-z_]{2,32}$"

_GRANT_RANK: dict[Grant, int] = {"none": 0, "read": 1, "write": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSwitches(_Strict):
    """The operator's upper bound: no agent ever exceeds it, whatever its own grants say."""

    read_only: StrictBool = Field(
        default=False, description="Hide and refuse every write tool, for every agent."
    )
    toolsets: tuple[str, ...] | None = Field(
        default=None,
        description="Areas to expose (or `all` / `default`), resolved against the catalogue. Absent: all.",
    )

    @field_validator("toolsets")
    @classmethod
    def _toolset_names(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            _check_names(value, TOOLSET_NAME, "toolset")
        return value


class AgentPolicy(_Strict):
    """One agent: how it authenticates to us, which Wrike credential it acts with, and what it may do."""

    key_hash: str | None = Field(
        default=None,
        pattern=STORED_HASH_PATTERN,
        description="Salted hash of the agent's API key (from `wrike-mcp agents add`). Absent: stdio only.",
    )
    credential: Credential = Field(
        description="`operator_token`: a token from the environment (`token_env`); "
        "`user_oauth`: the calling user's own OAuth grant."
    )
    token_env: str | None = Field(
        default=None, pattern=ENV_NAME, description="Environment variable holding the operator token."
    )
    areas: dict[Area, Grant] = Field(
        default_factory=dict, description="Grant per area: none, read or write (write implies read)."
    )
    subtrees: tuple[str, ...] | None = Field(
        default=None, description="Folder, project or space ids the agent is limited to. Absent: no limit."
    )
    allow_tools: tuple[str, ...] | None = Field(
        default=None, description="If set, only these tools (still subject to the area grants)."
    )
    deny_tools: tuple[str, ...] = Field(default=(), description="Tools always refused; deny wins.")

    @field_validator("subtrees")
    @classmethod
    def _subtree_ids(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            if not value:
                # [I] our choice: an empty list would read as "nowhere" to some and "no limit" to
                # others; refuse it so the file says what it means.
                raise ValueError("must name at least one folder, project or space id; omit it for no limit")
            _check_names(value, WRIKE_ID, "Wrike id")
        return value

    @field_validator("allow_tools", "deny_tools")
    @classmethod
    def _tool_names(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            _check_names(value, TOOL_NAME, "tool name")
        return value

    @model_validator(mode="after")
    def _credential_source(self) -> AgentPolicy:
        if self.credential == "operator_token" and not self.token_env:
            raise ValueError("credential 'operator_token' needs `token_env` (the variable holding the token)")
        if self.credential == "user_oauth" and self.token_env:
            raise ValueError("`token_env` is only for credential 'operator_token'")
        return self

    def grant(self, area: str) -> Grant:
        """The agent's grant on an area; a missing area (or one the policy does not know) is none."""
        return cast(dict[str, Grant], self.areas).get(area, "none")

    def grants_at_least(self, area: str, needed: Literal["read", "write"]) -> bool:
        return _GRANT_RANK[self.grant(area)] >= _GRANT_RANK[needed]


class PolicyFile(_Strict):
    """The whole policy file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="wrike-mcp agent policy")

    server: ServerSwitches = Field(default_factory=ServerSwitches)
    agents: dict[str, AgentPolicy] = Field(default_factory=dict)

    @field_validator("agents")
    @classmethod
    def _agent_names(cls, value: dict[str, AgentPolicy]) -> dict[str, AgentPolicy]:
        _check_names(tuple(value), AGENT_NAME, "agent name")
        return value

    def agent(self, name: str) -> AgentPolicy:
        try:
            return self.agents[name]
        except KeyError:
            raise ConfigError(f"no agent {name!r} in the policy") from None


def _check_names(values: tuple[str, ...], pattern: str, what: str) -> None:
    for value in values:
        if not re.fullmatch(pattern, value):
            raise ValueError(f"{value!r} is not a valid {what}")
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}(s): {', '.join(duplicates)}")


def parse_policy(text: str, source: str = "policy") -> PolicyFile:
    """Parse and validate policy TOML; a `ConfigError` names the file, the agent and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return PolicyFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {describe_errors(exc)}") from exc


def load_policy(path: Path) -> PolicyFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
    return parse_policy(text, str(path))


def describe_errors(exc: ValidationError, limit: int = 5) -> str:
    """Pydantic's errors as one line each: `agent 'bot': areas.taskz: unknown area (...)`."""
    lines = [_describe(error) for error in exc.errors()[:limit]]
    more = len(exc.errors()) - limit
    if more > 0:
        lines.append(f"... and {more} more")
    return "; ".join(lines)


def _describe(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    where = ""
    if len(loc) >= 2 and loc[0] == "agents":
        where, loc = f"agent {loc[1]!r}", loc[2:]
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        message = f"unknown area; expected one of {', '.join(AREAS)}" if "areas" in loc else error["msg"]
    elif error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    else:
        message = error["msg"].removeprefix("Value error, ")
    key = ".".join(loc)
    return ": ".join(part for part in (where, key, message) if part)


def policy_schema() -> dict[str, Any]:
    """The JSON schema of the policy file, committed as `docs/policy.schema.json` for editors."""
    schema = PolicyFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def policy_schema_text() -> str:
    return json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n"
