"""Who is calling the hosted endpoint: the bearer token, opened into the user's Wrike grant.

By default only our own sealed access tokens are accepted (the MCP specification forbids a server to
accept tokens issued for someone else). `RawWrikeTokens` is the operator's opt-in (`--accept-wrike-tokens`)
for deployments that trust their network: a bearer that is not one of our sealed tokens is then taken as
a Wrike permanent token, acting at the data centre named by `X-Wrike-Host` (allow-listed) with the scopes
the operator configured. The trade-off: the server becomes a token pass-through; anyone who can reach it
with a Wrike token acts as that token's owner, and Wrike, not this server, is what rejects a bad token.

With an agent policy (`--policy`), an agent key (`wmcp_<id>_<secret>`, issued by `wrike-mcp agents add`)
identifies an agent: as the bearer itself for an agent that acts with an operator token, or in the
`X-Wrike-MCP-Agent-Key` header beside the user's own bearer for an agent that acts with the user's login
(`user_oauth`). A key that does not check out, or an agent that cannot act with what the request brings,
is a 401: never a silent fall-back to acting without the agent's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Protocol

import anyio.to_thread
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken, TokenVerifier
from starlette.authentication import AuthCredentials, AuthenticationBackend
from starlette.requests import HTTPConnection

from wrike_mcp.auth.grants import CREDENTIALS_CLAIM, GrantedCredentials
from wrike_mcp.auth.sealing import MAX_TOKEN_LENGTH
from wrike_mcp.policy.keys import KEY_PREFIX, key_id_of
from wrike_mcp.wrike.hosts import is_wrike_host

HOST_HEADER = "x-wrike-host"
AGENT_KEY_HEADER = "x-wrike-mcp-agent-key"
AGENT_CLAIM = "agent"  # key in AccessToken.claims: an `AgentClaim`


class AgentKeys(Protocol):
    """What the backend needs of the policy (`callers.AgentDirectory`)."""

    def agent_for_key(self, key: str, *, with_user: bool) -> str | None: ...


@dataclass(frozen=True)
class AgentClaim:
    """A verified agent key: the agent's name and the key's public id (never the key)."""

    name: str
    key_id: str


@dataclass(frozen=True)
class RawWrikeTokens:
    """The opt-in: accept a raw Wrike token, with these defaults."""

    default_host: str
    scopes: frozenset[str]

    def access_token(self, token: str, host_header: str | None) -> AccessToken | None:
        host = (host_header or self.default_host).strip().lower()
        # A sealed token (JWE: five parts) that did not open is refused, never passed on to Wrike.
        if not token or token.count(".") == 4 or len(token) > MAX_TOKEN_LENGTH or not is_wrike_host(host):
            return None
        granted = GrantedCredentials(token, host, self.scopes)
        claims = {CREDENTIALS_CLAIM: granted}
        return AccessToken(token=token, client_id="wrike-token", scopes=sorted(self.scopes), claims=claims)


class HostedBearerBackend(AuthenticationBackend):
    """Starlette auth backend: sealed tokens through `verifier`, raw Wrike tokens only if `raw` is set."""

    def __init__(
        self, verifier: TokenVerifier, raw: RawWrikeTokens | None = None, agents: AgentKeys | None = None
    ) -> None:
        self.verifier = verifier
        self.raw = raw
        self.agents = agents

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, AuthenticatedUser] | None:
        scheme, _, token = conn.headers.get("authorization", "").partition(" ")
        token = token.strip()
        agent_key = conn.headers.get(AGENT_KEY_HEADER, "").strip()
        if scheme.lower() != "bearer" or not token:
            return None
        if token.startswith(KEY_PREFIX + "_") and self.agents is not None:
            access = None if agent_key else await self._as_agent(token, None)
        else:
            access = await self.verifier.verify_token(token)
            if access is None and self.raw is not None:
                access = self.raw.access_token(token, conn.headers.get(HOST_HEADER))
            if access is not None and agent_key:
                access = await self._as_agent(agent_key, access)
        if access is None:
            return None
        return AuthCredentials(access.scopes), AuthenticatedUser(access)

    async def _as_agent(self, key: str, user: AccessToken | None) -> AccessToken | None:
        """The request as the agent `key` identifies, on top of the user's token if there is one."""
        key_id = key_id_of(key)
        if self.agents is None or key_id is None:
            return None
        identify = partial(self.agents.agent_for_key, key, with_user=user is not None)
        name = await anyio.to_thread.run_sync(identify)  # scrypt: off the event loop
        if name is None:
            return None
        claims = {**((user.claims or {}) if user is not None else {}), AGENT_CLAIM: AgentClaim(name, key_id)}
        if user is not None:
            return user.model_copy(update={"claims": claims})
        return AccessToken(token=f"agent-key:{key_id}", client_id=f"agent:{name}", scopes=[], claims=claims)
