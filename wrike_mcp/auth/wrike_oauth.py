"""Wrike's OAuth 2.0 authorization-code flow, as a client. [C] wrike-api.md §1.3

authlib shapes the protocol messages (`prepare_grant_uri`, `prepare_token_request`); plain httpx carries
them. [I] our choice, not authlib's `AsyncOAuth2Client`, because that client (1) keeps one user's token
as mutable state on the client object, which a hosted server shared by many users must never do,
(2) stamps `expires_at` from `time.time()` rather than our injected Clock, and (3) rides `httpx2`,
not the `httpx` the rest of the package (and its test transports) use.

Wrike specifics handled here: scopes are comma-separated; the token response names the user's
data-centre `host`, which is allow-listed before any token is sent there; refresh tokens rotate, so a
refresh always returns (and the caller must keep) the new one; and a refresh token is spent once even
when many requests race to refresh it (single flight, plus a short grace window for stragglers).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from wrike_mcp.auth.sealing import fingerprint
from wrike_mcp.auth.settings import OAuthSettings
from wrike_mcp.clock import Clock
from wrike_mcp.errors import UpstreamError, UpstreamUnavailable

log = logging.getLogger("wrike_mcp.auth")
DEFAULT_SCOPES = ("Default",)  # [C] §1.4: no scope requested means Default
# RFC 6749 §5.2 codes we repeat; anything else Wrike says is reported as server_error (never echoed).
_OAUTH_CODES = frozenset({
    "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
    "unsupported_grant_type", "invalid_scope", "access_denied",
})  # fmt: skip


class WrikeOAuthError(UpstreamError):
    """Wrike's OAuth server refused a request; `code` is an RFC 6749 code (or one of ours)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class WrikeTokens:
    """One user's Wrike grant. The secrets never appear in a repr."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    host: str
    expires_at: float  # epoch seconds on the injected clock
    scopes: tuple[str, ...] = DEFAULT_SCOPES

    def expired(self, now: float, leeway: float = 60.0) -> bool:
        return self.expires_at - leeway <= now

    def to_claims(self) -> dict[str, Any]:
        """The compact form sealed inside our tokens and kept by the token store."""
        return {"at": self.access_token, "rt": self.refresh_token, "host": self.host,
                "wexp": self.expires_at, "scp": list(self.scopes)}  # fmt: skip

    @classmethod
    def from_claims(cls, claims: Any) -> WrikeTokens:
        """The inverse of `to_claims`; ValueError if anything is missing or mistyped."""
        if not isinstance(claims, dict):
            raise ValueError("not a token record")
        access, refresh, host = claims.get("at"), claims.get("rt"), claims.get("host")
        expires, scopes = claims.get("wexp"), claims.get("scp")
        if not (isinstance(access, str) and isinstance(refresh, str) and isinstance(host, str)):
            raise ValueError("token record lacks its tokens or host")
        if not isinstance(expires, int | float) or not isinstance(scopes, list):
            raise ValueError("token record lacks its expiry or scopes")
        return cls(access, refresh, host, float(expires), tuple(str(s) for s in scopes))


class WrikeOAuth:
    """Build Wrike's authorize URL, exchange codes, refresh (rotation-aware, single flight), read `me`."""

    def __init__(
        self,
        settings: OAuthSettings,
        clock: Clock,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        refresh_grace: float = 30.0,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)
        self._grace = refresh_grace
        self._inflight: dict[str, asyncio.Task[WrikeTokens]] = {}
        self._recent: dict[str, tuple[float, WrikeTokens]] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    def authorize_url(
        self, redirect_uri: str, state: str, scopes: Sequence[str] | None = None, **extra: str
    ) -> str:
        """Where to send the user's browser. `extra` carries e.g. the sandbox's `login_hint`."""
        scope = ",".join(scopes) if scopes else None  # [C] §1.3: comma-separated
        url: str = prepare_grant_uri(
            self.settings.authorize_url, self.settings.client_id, "code",
            redirect_uri=redirect_uri, scope=scope, state=state, **extra,
        )  # fmt: skip
        return url

    async def exchange_code(
        self, code: str, redirect_uri: str, scopes: Sequence[str] | None = None
    ) -> WrikeTokens:
        """The tokens for an authorization code; `scopes` is what was asked for at authorize."""
        body = self._token_request("authorization_code", code=code, redirect_uri=redirect_uri)
        answer = await self._post_token(body)
        return self._tokens(answer, requested=tuple(scopes or DEFAULT_SCOPES), previous=None)

    async def refresh(self, tokens: WrikeTokens, scopes: Sequence[str] | None = None) -> WrikeTokens:
        """New tokens for `tokens.refresh_token`, which Wrike then retires (rotation). [C3] §1.3

        Concurrent callers holding the same refresh token share one upstream request, and callers arriving
        within `refresh_grace` seconds after it get the same answer, so a burst of requests (or a client's
        retry after a lost response) never spends the refresh token twice.
        """
        narrowed = tuple(scopes) if scopes and set(scopes) != set(tokens.scopes) else None
        key = fingerprint(tokens.refresh_token + "\0" + ",".join(narrowed or ()))
        self._forget_stale()
        recent = self._recent.get(key)
        if recent is not None:
            return recent[1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._refresh_upstream(tokens, narrowed))
            self._inflight[key] = task
            task.add_done_callback(partial(self._settle, key))
        return await asyncio.shield(task)

    async def fetch_me(self, tokens: WrikeTokens) -> dict[str, Any]:
        """The signed-in user's own contact (`GET /contacts?me=true`). [C] wrike-api.md contacts"""
        url = self.settings.api_base_url(tokens.host) + "/contacts"
        headers = {"Authorization": f"bearer {tokens.access_token}"}
        response = await self._send(
            self._http.build_request("GET", url, params={"me": "true"}, headers=headers)
        )
        data = _json(response).get("data") if response.status_code == 200 else None
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise UpstreamError(f"Wrike did not return the signed-in contact (HTTP {response.status_code})")
        contact: dict[str, Any] = data[0]
        return contact

    # --- internals ------------------------------------------------------------------------------

    async def _refresh_upstream(self, tokens: WrikeTokens, narrowed: tuple[str, ...] | None) -> WrikeTokens:
        extra = {"scope": ",".join(narrowed)} if narrowed else {}
        body = self._token_request("refresh_token", refresh_token=tokens.refresh_token, **extra)
        answer = await self._post_token(body)
        return self._tokens(answer, requested=narrowed or tokens.scopes, previous=tokens)

    def _settle(self, key: str, task: asyncio.Task[WrikeTokens]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled() and task.exception() is None:
            self._recent[key] = (self._clock.monotonic() + self._grace, task.result())

    def _forget_stale(self) -> None:
        now = self._clock.monotonic()
        for key in [k for k, (until, _) in self._recent.items() if until <= now]:
            del self._recent[key]

    def _token_request(self, grant_type: str, **params: str) -> str:
        # [C] §1.3: client credentials travel in the form body (client_secret_post).
        secret = {"client_id": self.settings.client_id, "client_secret": self.settings.client_secret}
        redirect_uri = params.pop("redirect_uri", None)
        body: str = prepare_token_request(grant_type, redirect_uri=redirect_uri, **params, **secret)
        return body

    async def _post_token(self, body: str) -> dict[str, Any]:
        # [I] our choice: refresh at the configured token URL, never at `https://{host}/oauth2/token`
        # (also documented), so the client secret only ever goes to the operator-configured server.
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        request = self._http.build_request("POST", self.settings.token_url, content=body, headers=headers)
        response = await self._send(request)
        answer = _json(response)
        if response.status_code != 200:
            code = answer.get("error")
            code = code if isinstance(code, str) and code in _OAUTH_CODES else "server_error"
            log.info("Wrike OAuth refused a token request: HTTP %s %s", response.status_code, code)
            raise WrikeOAuthError(code, f"Wrike's OAuth server refused the request ({code})")
        return answer

    async def _send(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._http.send(request)
        except httpx.HTTPError as exc:
            # The exception text may hold the URL; keep only its type.
            raise UpstreamUnavailable(f"Wrike could not be reached ({type(exc).__name__})") from None

    def _tokens(
        self, answer: dict[str, Any], requested: tuple[str, ...], previous: WrikeTokens | None
    ) -> WrikeTokens:
        access = answer.get("access_token")
        refresh = answer.get("refresh_token") or (previous.refresh_token if previous else None)
        host = answer.get("host") or (previous.host if previous else None)
        expires_in = answer.get("expires_in", 3600)  # [C3] §1.3: about an hour
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise WrikeOAuthError("server_error", "Wrike's token response lacks its tokens")
        if not isinstance(host, str) or not self.settings.allows_host(host.lower()):
            # [C] §1.1 + design §2.6: a token only ever goes to an allow-listed data centre.
            raise WrikeOAuthError("unexpected_host", "Wrike named a data-centre host that is not allowed")
        if not isinstance(expires_in, int | float) or expires_in <= 0:
            raise WrikeOAuthError("server_error", "Wrike's token response has no usable expiry")
        scope = answer.get("scope")
        scopes = tuple(_split_scopes(scope)) if isinstance(scope, str) and scope.strip() else requested
        return WrikeTokens(access, refresh, host.lower(), self._clock.now() + float(expires_in), scopes)


def _split_scopes(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
