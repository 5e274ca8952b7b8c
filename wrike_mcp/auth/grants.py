"""What the sealed envelopes of the hosted OAuth flow carry, and what a verified request hands the tools.

- `Pending`: an MCP client's authorization request while the user consents and signs in to Wrike
  (sealed into the consent-page URL, the consent form and the `state` sent to Wrike).
- `SealedAuthorizationCode` / `SealedRefreshToken`: the SDK's models, extended with the Wrike grant
  (the SDK's own note allows extra fields on subclasses; they are never rendered to clients).
- `GrantedCredentials`: what a verified access token gives the tool layer: the user's Wrike token,
  data-centre host and granted scopes. Read it with `wrike_credentials_from_access_token`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.auth.provider import AccessToken, AuthorizationCode, RefreshToken
from pydantic import ConfigDict

from wrike_mcp.auth.wrike_oauth import WrikeTokens
from wrike_mcp.errors import AccessDenied
from wrike_mcp.wrike.client import WrikeCredentials

CREDENTIALS_CLAIM = "wrike"  # key in AccessToken.claims


@dataclass(frozen=True)
class Pending:
    """An authorization request in flight. `client_ref` is the client id's fingerprint, not the id."""

    client_ref: str
    client_name: str
    redirect_uri: str
    redirect_explicit: bool
    code_challenge: str
    state: str | None
    scopes: tuple[str, ...]
    resource: str | None

    def to_claims(self) -> dict[str, Any]:
        return {
            "cref": self.client_ref, "name": self.client_name, "ruri": self.redirect_uri,
            "rexp": self.redirect_explicit, "pkce": self.code_challenge, "st": self.state,
            "scp": list(self.scopes), "res": self.resource,
        }  # fmt: skip

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Pending:
        """ValueError when a field is missing or mistyped (only our own sealed claims ever get here)."""
        try:
            pending = cls(
                claims["cref"], claims["name"], claims["ruri"], claims["rexp"], claims["pkce"],
                claims["st"], tuple(claims["scp"]), claims["res"],
            )  # fmt: skip
        except (KeyError, TypeError) as exc:
            raise ValueError("not an authorization request") from exc
        text = (pending.client_ref, pending.client_name, pending.redirect_uri, pending.code_challenge)
        if not all(isinstance(value, str) for value in text) or not isinstance(
            pending.redirect_explicit, bool
        ):
            raise ValueError("not an authorization request")
        return pending


class SealedAuthorizationCode(AuthorizationCode):
    """The SDK's code, opened from its sealed form, with the Wrike grant it stands for."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    wrike: WrikeTokens
    code_ref: str  # fingerprint of the code, the key of the single-use set


class SealedRefreshToken(RefreshToken):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    wrike: WrikeTokens


@dataclass(frozen=True)
class GrantedCredentials:
    """The Wrike side of a verified MCP access token. The token never appears in a repr."""

    token: str = field(repr=False)
    host: str
    scopes: frozenset[str]

    @property
    def wrike(self) -> WrikeCredentials:
        """In the form the Wrike client takes."""
        return WrikeCredentials(self.token, self.host)


def wrike_credentials_from_access_token(access_token: AccessToken | None) -> GrantedCredentials:
    """The Wrike credentials a verified access token carries; AccessDenied if it carries none."""
    value = (access_token.claims or {}).get(CREDENTIALS_CLAIM) if access_token is not None else None
    if not isinstance(value, GrantedCredentials):
        raise AccessDenied("this request carries no Wrike credentials")
    return value
