"""Every route of the MCP authorization server: the SDK's (metadata, authorize, token, register) and ours
(consent page, Wrike callback)."""

from __future__ import annotations

from collections.abc import Sequence

from mcp.server.auth.routes import create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions
from pydantic import AnyHttpUrl
from starlette.routing import Route

from wrike_mcp.auth.consent import consent_routes
from wrike_mcp.auth.provider import WrikeAuthProvider


def authorization_server_routes(
    provider: WrikeAuthProvider, valid_scopes: Sequence[str], default_scopes: Sequence[str] = ("Default",)
) -> list[Route]:
    """`valid_scopes`: what a client may register and ask for (Wrike's scope names, passed on to Wrike);
    `default_scopes`: what a client that names none registers with. Revocation stays off (stateless)."""
    registration = ClientRegistrationOptions(
        enabled=True, valid_scopes=list(valid_scopes), default_scopes=list(default_scopes)
    )
    sdk_routes = create_auth_routes(
        provider, AnyHttpUrl(provider.config.issuer_url), client_registration_options=registration
    )
    return [*sdk_routes, *consent_routes(provider)]
