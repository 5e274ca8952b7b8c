"""The MCP authorization server in front of Wrike's, as the SDK's `OAuthAuthorizationServerProvider`.

The SDK serves `/.well-known/oauth-authorization-server`, `/authorize`, `/token` and `/register` and calls
this provider; `consent.py` serves the browser legs (consent page, Wrike callback). The flow:

    client --/register--> sealed client id (the client's metadata IS its id; nothing is stored)
    client --/authorize--> consent page naming the client --approve--> Wrike's authorize page
    Wrike --/oauth/callback--> exchange Wrike's code --> client's redirect_uri?code=<sealed code>&state
    client --/token (PKCE S256)--> sealed access + refresh tokens carrying the Wrike grant
    client --/token (refresh)--> Wrike refresh (rotation kept) --> new sealed tokens

Everything the SDK "loads by value" is opened from the value itself. Expiry is enforced here, on the
injected clock, when a token is opened; the SDK's own wall-clock checks are given nothing to compare
(`expires_at` None, or +inf for codes, whose model requires a number), so one clock decides.

Authorization codes are single use within a process (a set of spent code fingerprints, kept for the
code's 60 s life). [I] our choice, the accepted trade-off of statelessness: a code replayed at another
replica within those 60 s is exchanged again. The replay needs the code *and* the PKCE verifier (which
only the legitimate client holds), so it can only give that same client a second token pair for the
same user. Shared state (or sticky routing of `/token`) is the only complete fix; we do without.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationParams,
    AuthorizeError,
    OAuthAuthorizationServerProvider,
    RegistrationError,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl, ValidationError

from wrike_mcp.auth.grants import (
    CREDENTIALS_CLAIM,
    GrantedCredentials,
    Pending,
    SealedAuthorizationCode,
    SealedRefreshToken,
)
from wrike_mcp.auth.sealing import InvalidSealedToken, Sealer, TokenKind, fingerprint
from wrike_mcp.auth.settings import is_loopback
from wrike_mcp.auth.wrike_oauth import DEFAULT_SCOPES, WrikeOAuth, WrikeOAuthError, WrikeTokens
from wrike_mcp.clock import Clock
from wrike_mcp.manifest.model import KNOWN_SCOPES

log = logging.getLogger("wrike_mcp.auth")

CONSENT_PATH = "/oauth/consent"
CALLBACK_PATH = "/oauth/callback"
# Kept in a client's sealed id; anything else a client registers is dropped (bounded id size).
_CLIENT_FIELDS = frozenset({
    "redirect_uris", "token_endpoint_auth_method", "grant_types", "response_types", "scope", "client_name",
    "client_uri", "client_secret", "client_id_issued_at", "client_secret_expires_at",
})  # fmt: skip
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about"})
MAX_STATE = 1024
MAX_REDIRECT_URIS = 10


@dataclass(frozen=True)
class AuthServerConfig:
    """Where this server is, and how long what it issues lives. [I] lifetimes are our choice."""

    issuer_url: str  # e.g. https://mcp.example.com (no trailing slash)
    resource_url: str  # e.g. https://mcp.example.com/mcp (the audience of access tokens)
    access_ttl: float = 3600.0  # never longer than the Wrike access token inside
    refresh_ttl: float = 30 * 86400.0
    code_ttl: float = 60.0
    pending_ttl: float = 600.0  # consent page + Wrike sign-in

    @property
    def consent_url(self) -> str:
        return self.issuer_url + CONSENT_PATH

    @property
    def callback_url(self) -> str:
        return self.issuer_url + CALLBACK_PATH


class WrikeAuthProvider(
    OAuthAuthorizationServerProvider[SealedAuthorizationCode, SealedRefreshToken, AccessToken]
):
    """The SDK's provider interface over sealed values (SEP-990 identity assertions stay refused)."""

    def __init__(self, config: AuthServerConfig, sealer: Sealer, wrike: WrikeOAuth, clock: Clock) -> None:
        self.config = config
        self.sealer = sealer
        self.wrike = wrike
        self.clock = clock
        self.verifier = SealedTokenVerifier(sealer, config.resource_url, config.issuer_url)
        self._spent_codes: dict[str, float] = {}  # code fingerprint -> when it would expire anyway

    # --- clients ------------------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        claims = self._open(client_id, "client")
        if claims is None:
            return None
        # [I] our choice: a registered client may ask for any Wrike scope at /authorize, whatever it
        # registered with, so a step-up (403 insufficient_scope, then re-authorisation with more scope)
        # works without registering again. The user still approves every scope, on our consent page and
        # at Wrike; the registration's own scope list guards nothing here.
        metadata = {**claims.get("m", {}), "client_id": client_id, "scope": " ".join(sorted(KNOWN_SCOPES))}
        try:
            return OAuthClientInformationFull.model_validate(metadata)
        except ValidationError:
            return None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        """Validate, then make the client id the sealed metadata (the SDK returns the object we change)."""
        _check_registration(client_info)
        metadata = client_info.model_dump(mode="json", exclude_none=True, include=set(_CLIENT_FIELDS))
        client_info.client_id = self.sealer.seal("client", self.config.issuer_url, {"m": metadata})

    # --- authorize ----------------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        """Send the browser to our consent page; nothing reaches Wrike before the user approves."""
        if params.resource is not None and not same_url(params.resource, self.config.resource_url):
            raise AuthorizeError("invalid_target", "this server only issues tokens for its own resource")
        if params.state is not None and len(params.state) > MAX_STATE:
            raise AuthorizeError("invalid_request", "state is too long")
        pending = Pending(
            client_ref=fingerprint(client.client_id),
            client_name=(client.client_name or "").strip()[:100] or "An unnamed application",
            redirect_uri=str(params.redirect_uri),
            redirect_explicit=params.redirect_uri_provided_explicitly,
            code_challenge=params.code_challenge,
            state=params.state,
            scopes=tuple(params.scopes or DEFAULT_SCOPES),
            resource=params.resource,
        )
        request = self.seal_pending("request", pending)
        return f"{self.config.consent_url}?{urlencode({'request': request})}"

    def seal_pending(self, kind: TokenKind, pending: Pending, **extra: str) -> str:
        claims = {**pending.to_claims(), **extra}
        return self.sealer.seal(kind, self.config.issuer_url, claims, self.config.pending_ttl)

    def issue_code(self, pending: Pending, tokens: WrikeTokens, subject: str | None) -> str:
        """The sealed code for a consented, Wrike-authorized request (called by the callback route)."""
        claims = {**pending.to_claims(), "w": tokens.to_claims(), "sub": subject}
        return self.sealer.seal("code", self.config.issuer_url, claims, self.config.code_ttl)

    # --- token: authorization code ------------------------------------------------------------------

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> SealedAuthorizationCode | None:
        claims = self._open(authorization_code, "code")
        if claims is None or claims.get("cref") != fingerprint(client.client_id):
            return None
        code_ref = fingerprint(authorization_code)
        if code_ref in self._spent_codes:
            log.info("refused a sealed code token: replayed")
            return None
        try:
            pending = Pending.from_claims(claims)
            return SealedAuthorizationCode(
                code=authorization_code, scopes=list(pending.scopes), client_id=client.client_id,
                expires_at=math.inf,  # checked when opened, on our clock (see the module docstring)
                code_challenge=pending.code_challenge, redirect_uri=AnyUrl(pending.redirect_uri),
                redirect_uri_provided_explicitly=pending.redirect_explicit, resource=pending.resource,
                subject=claims.get("sub"), wrike=WrikeTokens.from_claims(claims.get("w")), code_ref=code_ref,
            )  # fmt: skip
        except (ValueError, ValidationError):
            return None

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: SealedAuthorizationCode
    ) -> OAuthToken:
        self._spend(authorization_code.code_ref)
        code = authorization_code
        return self._issue(fingerprint(client.client_id), code.wrike, code.scopes, code.subject)

    def _spend(self, code_ref: str) -> None:
        """Mark a code used. No await between check and mark: two racing exchanges cannot both win."""
        now = self.clock.now()
        for ref in [r for r, until in self._spent_codes.items() if until <= now]:
            del self._spent_codes[ref]
        if code_ref in self._spent_codes:
            raise TokenError("invalid_grant", "authorization code was already used")
        self._spent_codes[code_ref] = now + self.config.code_ttl

    # --- token: refresh -----------------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> SealedRefreshToken | None:
        claims = self._open(refresh_token, "refresh")
        if claims is None or claims.get("cref") != fingerprint(client.client_id):
            return None
        try:
            return SealedRefreshToken(
                token=refresh_token, client_id=client.client_id, scopes=list(claims["scp"]),
                subject=claims.get("sub"), wrike=WrikeTokens.from_claims(claims.get("w")),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, ValidationError):
            return None

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: SealedRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        """Refresh the Wrike grant inside (Wrike rotates its refresh token; the new one is sealed)."""
        narrowed = scopes if set(scopes) != set(refresh_token.scopes) else None
        try:
            tokens = await self.wrike.refresh(refresh_token.wrike, narrowed)
        except WrikeOAuthError as exc:
            if exc.code == "invalid_scope":
                raise TokenError("invalid_scope", "Wrike refused the narrowed scopes") from None
            if exc.code == "invalid_grant":
                raise TokenError(
                    "invalid_grant", "Wrike no longer honours this grant; authorize again"
                ) from None
            raise
        return self._issue(fingerprint(client.client_id), tokens, scopes, refresh_token.subject)

    # --- access tokens ------------------------------------------------------------------------------

    async def load_access_token(self, token: str) -> AccessToken | None:
        return await self.verifier.verify_token(token)

    async def revoke_token(self, token: AccessToken | SealedRefreshToken) -> None:
        """[I] our choice: nothing to revoke in a stateless server (and Wrike documents no revocation
        endpoint), so the revocation route stays disabled; sealed tokens end at their expiry."""

    def _issue(
        self, client_ref: str, tokens: WrikeTokens, scopes: list[str], subject: str | None
    ) -> OAuthToken:
        now = self.clock.now()
        # The MCP access token never outlives the Wrike token inside: the client then refreshes through us.
        access_ttl = max(1.0, min(self.config.access_ttl, tokens.expires_at - now - 60.0))
        claims = {"cref": client_ref, "scp": scopes, "sub": subject, "w": tokens.to_claims()}
        access = self.sealer.seal("access", self.config.resource_url, claims, access_ttl)
        refresh = self.sealer.seal("refresh", self.config.issuer_url, claims, self.config.refresh_ttl)
        return OAuthToken(
            access_token=access, expires_in=int(access_ttl), scope=" ".join(scopes), refresh_token=refresh
        )

    def _open(self, token: str, kind: TokenKind) -> dict[str, Any] | None:
        try:
            return self.sealer.open(token, kind, self.config.issuer_url)
        except InvalidSealedToken as exc:
            log.info("refused a sealed %s token: %s", kind, exc.reason)
            return None


class SealedTokenVerifier:
    """`TokenVerifier`: opens a sealed access token and hands its Wrike grant to the tool layer."""

    def __init__(self, sealer: Sealer, resource_url: str, issuer_url: str) -> None:
        self.sealer = sealer
        self.resource_url = resource_url
        self.issuer_url = issuer_url

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            claims = self.sealer.open(token, "access", self.resource_url)
            wrike = WrikeTokens.from_claims(claims.get("w"))
            scopes = [str(scope) for scope in claims["scp"]]
        except InvalidSealedToken as exc:
            log.info("refused a bearer token: %s", exc.reason)
            return None
        except (KeyError, TypeError, ValueError):
            log.info("refused a bearer token: malformed")
            return None
        granted = GrantedCredentials(wrike.access_token, wrike.host, frozenset(scopes))
        return AccessToken(
            token=token,
            client_id="client-" + str(claims.get("cref")),
            scopes=scopes,
            expires_at=None,  # checked by `open` on our clock (see the module docstring)
            resource=self.resource_url,
            subject=claims.get("sub"),
            claims={"iss": self.issuer_url, "exp": claims.get("exp"), CREDENTIALS_CLAIM: granted},
        )


def same_url(left: str, right: str) -> bool:
    """URL equality for resource indicators: scheme and host case-insensitive, trailing slash aside."""
    a, b = urlsplit(left), urlsplit(right)
    return (a.scheme.lower(), a.netloc.lower(), a.path.rstrip("/"), a.query) == (
        b.scheme.lower(), b.netloc.lower(), b.path.rstrip("/"), b.query,
    )  # fmt: skip


def _check_registration(client: OAuthClientInformationFull) -> None:
    uris = client.redirect_uris or []
    if not uris or len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", f"register 1 to {MAX_REDIRECT_URIS} redirect URIs")
    for uri in uris:
        if not _acceptable_redirect(str(uri)):
            raise RegistrationError(
                "invalid_redirect_uri",
                "redirect URIs must be https, http on a loopback address, or a private-use scheme",
            )
    if not set(client.grant_types) <= {"authorization_code", "refresh_token"}:
        raise RegistrationError("invalid_client_metadata", "only authorization_code and refresh_token")
    if client.client_name is not None and len(client.client_name) > 200:
        raise RegistrationError("invalid_client_metadata", "client_name is too long")


def _acceptable_redirect(uri: str) -> bool:
    """RFC 8252 §7 and OAuth 2.1: https anywhere, http only on loopback, private-use schemes (`com.app:/cb`).

    [I] our choice: any other scheme a desktop client uses (`cursor:`, `vscode:`, reverse-domain ones) is
    accepted, except schemes that run code or read local data.
    """
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if parts.fragment or len(uri) > 2048:
        return False
    if scheme == "https":
        return bool(parts.hostname)
    if scheme == "http":
        return bool(parts.hostname) and is_loopback(parts.hostname or "")
    return bool(scheme) and scheme not in _FORBIDDEN_SCHEMES
