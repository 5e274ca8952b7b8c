"""Who is calling when an agent policy applies: the agent's access, and the Wrike credential it acts with.

    directory = load_agents(settings, catalog)       # the policy file, validated against the catalogue
    caller = directory.caller_for_agent_key(key)     # over HTTP: an agent key (`wmcp_...`) -> Caller
    caller = local_caller(settings, base, catalog)   # over stdio: `--policy FILE --agent NAME`

An agent acts with one of two credentials (`credential` in the policy):
- `operator_token`: the operator's permanent Wrike token, read from the environment variable the policy
  names (`token_env`), with the scopes the operator declared (WRIKE_SCOPES). A missing variable stops the
  server at start-up rather than at the first call;
- `user_oauth`: the calling user's own Wrike grant: over stdio the local user's token, over HTTP the
  user's login that arrives with the request (so an agent key alone is not enough for such an agent).

Whichever it is, the caller's `Access` carries the agent's `AgentAccess`, so the one decision function
(`policy/scopes.py`) applies the agent's grants on top of the token's scopes and the server's switches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from wrike_mcp.config import Settings, secret_from_env
from wrike_mcp.errors import ConfigError
from wrike_mcp.manifest.loader import Catalog
from wrike_mcp.policy.grants import AgentAccess, agent_access, check_policy
from wrike_mcp.policy.keys import KeyRing, key_id_of
from wrike_mcp.policy.model import PolicyFile, load_policy
from wrike_mcp.policy.scopes import Access, resolve_toolsets
from wrike_mcp.tools.handler import Caller
from wrike_mcp.wrike.client import WrikeCredentials

if TYPE_CHECKING:
    from wrike_mcp.sandbox import Sandbox

STDIO_IDENTITY = "stdio"


@dataclass(frozen=True)
class AgentDirectory:
    """A loaded policy, ready to serve: each agent's access (built once, so `Access` stays a good cache
    key), the operator credential of each agent that has one, and the ring of agent keys."""

    policy: PolicyFile
    accesses: Mapping[str, AgentAccess]
    operators: Mapping[str, Caller]  # agent -> its operator token, the declared scopes, the switches
    keyring: KeyRing

    def caller(self, name: str, user: Caller | None, identity: str) -> Caller | None:
        """The agent acting, with its credential; None for a `user_oauth` agent without a user."""
        access = self.accesses.get(name)
        if access is None:
            raise ConfigError(f"no agent {name!r} in the policy")
        if access.agent.credential == "operator_token":
            base = self.operators.get(name)
            if base is None:
                raise ConfigError(_missing_token(name, access))
        elif user is None:
            return None
        else:
            base = user
        return Caller(base.credentials, replace(base.access, agent=access), agent=name, identity=identity)

    def caller_for_agent_key(self, key: str, user: Caller | None = None) -> Caller | None:
        """Over HTTP: the caller an agent key (`wmcp_<id>_<secret>`) stands for, or None for a key that
        is unknown, malformed or wrong, and for a `user_oauth` agent presented without the user's own
        login (`user`). The audit log hashes the key's public id, never the key."""
        name = self.agent_for_key(key, with_user=user is not None)
        if name is None:
            return None
        return self.caller(name, user, identity=key_identity(key_id_of(key)))

    def agent_for_key(self, key: str, *, with_user: bool) -> str | None:
        """The agent a key belongs to, if it can act with what the request brings: an operator-token
        agent always, a `user_oauth` agent only `with_user`. Costs one scrypt per new key (then cached):
        the hosted app calls it off the event loop."""
        name = self.keyring.identify(key)
        if name is None or name not in self.accesses:
            return None
        if self.accesses[name].agent.credential == "user_oauth" and not with_user:
            return None
        return name

    def operator_tokens(self) -> tuple[str, ...]:
        """Every operator token the directory holds, for `AuditLog.add_secret` and log redaction."""
        return tuple(caller.credentials.token for caller in self.operators.values())


def token_identity(token: str) -> str:
    """Who a Wrike token says is calling, for the audit log: a fingerprint, never the token."""
    return "wrike-token:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def key_identity(key_id: str | None) -> str:
    """Who an agent key says is calling, for the audit log: its public id, never the secret part."""
    return f"agent-key:{key_id}"


def load_agents(
    settings: Settings,
    catalog: Catalog,
    *,
    env: Mapping[str, str] | None = None,
    require_tokens_for: tuple[str, ...] | None = None,
) -> AgentDirectory:
    """Load and check the policy file; ConfigError (the server must not start) on any problem.

    The operator tokens of the agents in `require_tokens_for` must be set (None: every agent that has a
    key, as the hosted endpoint needs).
    """
    if settings.policy_file is None:
        raise ConfigError("no policy file: set --policy FILE or WRIKE_MCP_POLICY")
    policy = load_policy(settings.policy_file)
    problems = check_policy(policy, catalog)
    if problems:
        raise ConfigError(f"{settings.policy_file}: " + "; ".join(problems))
    accesses = {name: agent_access(policy, name, catalog.areas) for name in policy.agents}
    switches = Access(settings.scopes, settings.read_only, resolve_toolsets(settings.toolsets, catalog.areas))
    operators = {
        name: Caller(WrikeCredentials(token, settings.host), switches)
        for name, access in accesses.items()
        if access.agent.token_env and (token := secret_from_env(access.agent.token_env, env))
    }
    required = require_tokens_for
    if required is None:
        required = tuple(name for name, agent in policy.agents.items() if agent.key_hash)
    for name in required:
        access = accesses.get(name)
        if access is not None and access.agent.credential == "operator_token" and name not in operators:
            raise ConfigError(_missing_token(name, access))
    hashes = {name: agent.key_hash for name, agent in policy.agents.items() if agent.key_hash}
    return AgentDirectory(policy, accesses, operators, KeyRing(hashes))


def local_caller(
    settings: Settings,
    base: Caller,
    catalog: Catalog,
    *,
    sandbox: Sandbox | None = None,
    env: Mapping[str, str] | None = None,
) -> Caller:
    """The stdio caller: the local user (`base`), or the agent `--agent` names in `--policy`.

    Refuses (ConfigError) a policy without an agent, an agent without a policy, an unknown agent, a
    policy with problems, and an operator-token agent whose variable is unset. With `--sandbox`, an
    operator-token agent whose variable is unset acts with the sandbox's token instead, so the example
    policy can be tried offline as it is ([I] our choice, for the sandbox only).
    """
    base = replace(base, identity=STDIO_IDENTITY)
    if settings.policy_file is None:
        if settings.agent:
            raise ConfigError("--agent needs a policy: set --policy FILE or WRIKE_MCP_POLICY")
        return base
    if not settings.agent:
        raise ConfigError("--policy needs --agent NAME (or WRIKE_MCP_AGENT): which agent this server acts as")
    directory = load_agents(settings, catalog, env=env, require_tokens_for=())
    if settings.agent not in directory.accesses:
        known = ", ".join(directory.accesses) or "none"
        raise ConfigError(f"no agent {settings.agent!r} in {settings.policy_file}; agents: {known}")
    if sandbox is not None:
        directory = _sandbox_tokens(directory, base, sandbox)
    caller = directory.caller(settings.agent, base, identity=STDIO_IDENTITY)
    assert caller is not None  # a user is given, so only an error could make it None
    return caller


def _sandbox_tokens(directory: AgentDirectory, base: Caller, sandbox: Sandbox) -> AgentDirectory:
    """In the sandbox, the local token stands in for every unset operator token, and each token acts
    with the scopes the sandbox really granted it."""
    grants = sandbox.workspace.tokens
    operators: dict[str, Caller] = {}
    for name, access in directory.accesses.items():
        if access.agent.credential == "operator_token":
            found = directory.operators.get(name)
            token = found.credentials.token if found is not None else base.credentials.token
            scopes = grants[token].scopes if token in grants else base.access.scopes
            operators[name] = Caller(WrikeCredentials(token), replace(base.access, scopes=scopes))
    return replace(directory, operators=operators)


def _missing_token(name: str, access: AgentAccess) -> str:
    return (
        f"agent {name!r} acts with the operator token in ${access.agent.token_env}, which is not set; "
        "set it (a Wrike permanent token) before starting the server"
    )
