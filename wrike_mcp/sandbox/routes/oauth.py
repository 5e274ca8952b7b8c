"""Wrike's OAuth 2.0 authorization-code flow, as the sandbox plays it. [C] wrike-api.md §1.3

- `GET /oauth2/authorize/v4` approves at once (nobody is there to click) for a client listed in
  `SandboxConfig.oauth_clients` and redirects to `redirect_uri?code=...&state=...`.
- `POST /oauth2/token` exchanges a code (single use, 10 minutes on the sandbox clock, same redirect_uri)
  or a refresh token (rotated on every use; `scope` may only narrow) for an access token that works on
  `/api/v4` for 3600 s of sandbox time.

Errors use OAuth's own body (`{"error", "error_description"}`), not the REST envelope. [C3] §1.3
All state lives in `sandbox.state["oauth"]`.
"""

from __future__ import annotations

import base64
import binascii
import html
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from wrike_mcp.sandbox.app import Sandbox
from wrike_mcp.sandbox.store import ALL_SCOPES, TokenGrant, Workspace

CODE_LIFETIME = 600.0  # [C] §1.3: a code lives 10 minutes
ACCESS_LIFETIME = 3600  # [C3] §1.3: expires_in is about an hour
# Scopes Wrike documents beyond the ones the sandbox's named tokens use. [C] §1.4
KNOWN_SCOPES = frozenset(ALL_SCOPES) | {
    "amReadOnlyAuditLog", "dataExportFull", "amReadOnlyAccessRole", "amReadOnlyWorkSchedule",
    "amReadWriteWorkSchedule",
}  # fmt: skip


@dataclass(frozen=True)
class Issued:
    """What a code or a refresh token stands for."""

    client_id: str
    user_id: str
    scopes: frozenset[str]
    redirect_uri: str = ""
    expires_at: float | None = None


@dataclass
class OAuthState:
    codes: dict[str, Issued] = field(default_factory=dict)
    refresh_tokens: dict[str, Issued] = field(default_factory=dict)


class OAuthError(Exception):
    """An RFC 6749 error answer."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = {"Cache-Control": "no-store"}
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="oauth2"'
        body = {"error": self.code, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=headers)


def oauth_state(sandbox: Sandbox) -> OAuthState:
    state: OAuthState = sandbox.state.setdefault("oauth", OAuthState())
    return state


def extra_routes(sandbox: Sandbox) -> list[BaseRoute]:
    async def authorize(request: Request) -> Response:
        return _authorize(sandbox, request)

    async def token(request: Request) -> Response:
        try:
            return await _token(sandbox, request)
        except OAuthError as error:
            return error.response()

    return [
        Route("/oauth2/authorize/v4", authorize, methods=["GET"]),
        Route("/oauth2/token", token, methods=["POST"]),
    ]


# --- authorize ------------------------------------------------------------------------------------


def _authorize(sandbox: Sandbox, request: Request) -> Response:
    query = request.query_params
    client_id = query.get("client_id", "")
    redirect_uri = query.get("redirect_uri", "")
    if client_id not in sandbox.config.oauth_clients:
        # An unknown client must not be able to bounce the browser anywhere: a page, not a redirect.
        return _error_page("Unknown client_id")
    if not _is_web_url(redirect_uri):
        # [I] our choice: the sandbox has no registered redirect URIs, so redirect_uri is required.
        return _error_page("redirect_uri is missing or is not an http(s) URL")
    state = query.get("state")
    if query.get("response_type") != "code":
        return _redirect(redirect_uri, {"error": "unsupported_response_type"}, state)
    scopes = _parse_scopes(query.get("scope"))
    if scopes is None:
        return _redirect(redirect_uri, {"error": "invalid_scope"}, state)
    user_id = _login_user(sandbox.workspace, query.get("login_hint"))
    if user_id is None:
        return _error_page("login_hint names no active person in this account")
    code = secrets.token_urlsafe(24)
    expires = sandbox.clock.now() + CODE_LIFETIME
    oauth_state(sandbox).codes[code] = Issued(client_id, user_id, scopes, redirect_uri, expires)
    return _redirect(redirect_uri, {"code": code}, state)


def _login_user(ws: Workspace, hint: str | None) -> str | None:
    """Who "signs in" at the consent screen.

    [I] our choice: the account owner, unless `login_hint` names another active person's contact id,
    so tests can run the flow as any user of the seeded account.
    """
    if not hint:
        return str(ws.account["ownerId"])
    contact = ws["contacts"].get(hint)
    if contact is None or contact.get("type") != "Person" or contact.get("deleted"):
        return None
    return hint


def _parse_scopes(raw: str | None) -> frozenset[str] | None:
    """Comma-separated scopes [C] §1.3; none requested means `Default` [C] §1.4; unknown -> None."""
    names = {part.strip() for part in (raw or "").split(",") if part.strip()}
    if not names:
        return frozenset({"Default"})
    return frozenset(names) if names <= KNOWN_SCOPES else None


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _redirect(redirect_uri: str, values: dict[str, str], state: str | None) -> Response:
    if state is not None:
        values = {**values, "state": state}
    parts = urlsplit(redirect_uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *values.items()])
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def _error_page(message: str) -> HTMLResponse:
    title = "<!doctype html><title>Authorization error</title><h1>Authorization error</h1>"
    body = f"{title}<p>{html.escape(message)}</p>"
    return HTMLResponse(body, status_code=400)


# --- token ----------------------------------------------------------------------------------------


async def _token(sandbox: Sandbox, request: Request) -> Response:
    form = await _form(request)
    client_id = _client(sandbox, request, form)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        issued = _redeem_code(sandbox, client_id, form)
    elif grant_type == "refresh_token":
        issued = _redeem_refresh(sandbox, client_id, form)
    elif not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    else:
        raise OAuthError("unsupported_grant_type", "Only authorization_code and refresh_token are supported")
    return _issue(sandbox, request, issued)


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded")
    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _client(sandbox: Sandbox, request: Request, form: dict[str, str]) -> str:
    """The calling client, from HTTP Basic or the form (RFC 6749 §2.3.1); a bad pair is 401."""
    client_id, secret = form.get("client_id"), form.get("client_secret")
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials", 401) from None
    expected = sandbox.config.oauth_clients.get(client_id or "")
    if not client_id or secret is None or expected is None or not secrets.compare_digest(secret, expected):
        raise OAuthError("invalid_client", "Client authentication failed", 401)
    return client_id


def _redeem_code(sandbox: Sandbox, client_id: str, form: dict[str, str]) -> Issued:
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    # Popped before any check: a code is single use even when the exchange fails.
    issued = oauth_state(sandbox).codes.pop(code, None)
    if issued is None or issued.client_id != client_id:
        raise OAuthError("invalid_grant", "The authorization code is invalid or was already used")
    if issued.expires_at is not None and issued.expires_at <= sandbox.clock.now():
        raise OAuthError("invalid_grant", "The authorization code has expired")
    if form.get("redirect_uri", "") != issued.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    return issued


def _redeem_refresh(sandbox: Sandbox, client_id: str, form: dict[str, str]) -> Issued:
    token = form.get("refresh_token")
    if not token:
        raise OAuthError("invalid_request", "refresh_token is required")
    tokens = oauth_state(sandbox).refresh_tokens
    issued = tokens.get(token)
    if issued is None or issued.client_id != client_id:
        raise OAuthError("invalid_grant", "The refresh token is invalid or was already used")
    scopes = issued.scopes
    if form.get("scope"):
        narrowed = _parse_scopes(form["scope"])
        if narrowed is None or not narrowed <= issued.scopes:
            raise OAuthError("invalid_scope", "scope may only narrow the original grant")
        scopes = narrowed
    del tokens[token]  # rotation: the old refresh token stops working [C3] §1.3
    return Issued(client_id, issued.user_id, scopes)


def _issue(sandbox: Sandbox, request: Request, issued: Issued) -> JSONResponse:
    ws = sandbox.workspace
    access, refresh = "sbx_oa_" + secrets.token_hex(20), "sbx_rt_" + secrets.token_hex(20)
    ws.tokens[access] = TokenGrant(issued.user_id, issued.scopes, expires_at=ws.clock.now() + ACCESS_LIFETIME)
    oauth_state(sandbox).refresh_tokens[refresh] = Issued(issued.client_id, issued.user_id, issued.scopes)
    body: dict[str, Any] = {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": ACCESS_LIFETIME,
        # The data-centre host the client must call next: here, whatever host it reached us on. [I] §1.3
        "host": request.headers.get("host", request.url.netloc),
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
