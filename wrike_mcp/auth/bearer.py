"""Who is calling the hosted endpoint: the bearer token, opened into the user's Wrike grant.

By default only our own sealed access tokens are accepted (the MCP specification forbids a server to
accept tokens issued for someone else). `RawWrikeTokens` is the operator's opt-in (`--accept-wrike-tokens`)
for deployments that trust their network: a bearer that is not one of our sealed tokens is then taken as
a Wrike permanent token, acting at the data centre named by `X-Wrike-Host` (allow-listed) with the scopes
the operator configured. The trade-off: the server becomes a token pass-through; anyone who can reach it
with a Wrike token acts as that token's owner, and Wrike, not this server, is what rejects a bad token.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken, TokenVerifier
from starlette.authentication import AuthCredentials, AuthenticationBackend
from starlette.requests import HTTPConnection

from wrike_mcp.auth.grants import CREDENTIALS_CLAIM, GrantedCredentials
from wrike_mcp.auth.sealing import MAX_TOKEN_LENGTH
from wrike_mcp.wrike.hosts import is_wrike_host

HOST_HEADER = "x-wrike-host"


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

    def __init__(self, verifier: TokenVerifier, raw: RawWrikeTokens | None = None) -> None:
        self.verifier = verifier
        self.raw = raw

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, AuthenticatedUser] | None:
        scheme, _, token = conn.headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        access = await self.verifier.verify_token(token)
        if access is None and self.raw is not None:
            access = self.raw.access_token(token, conn.headers.get(HOST_HEADER))
        if access is None:
            return None
        return AuthCredentials(access.scopes), AuthenticatedUser(access)
