"""The browser legs of the hosted OAuth flow: the consent page and Wrike's callback.

    GET  /oauth/consent?request=R   a page naming the client, where its code would go, and the scopes
    POST /oauth/consent             approve -> Wrike's authorize page; deny -> client gets access_denied
    GET  /oauth/callback            Wrike's code -> Wrike tokens -> the client's redirect_uri with our code

Confused-deputy defence: the consent page sets a random browser nonce in a SameSite=Lax, HttpOnly cookie;
the form's sealed consent token and the sealed `state` sent to Wrike both carry the nonce's fingerprint.
A cross-site POST carries no Lax cookie, so it cannot approve; and a Wrike authorize link forwarded to
someone else comes back to the callback without the nonce of the browser that approved, so nobody's code
ever reaches a client they did not approve themselves. The page cannot be framed (clickjacking).
"""

from __future__ import annotations

import html
import logging
import secrets
from typing import Any

from mcp.server.auth.provider import construct_redirect_uri
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from wrike_mcp.auth.grants import Pending
from wrike_mcp.auth.provider import CALLBACK_PATH, CONSENT_PATH, WrikeAuthProvider
from wrike_mcp.auth.sealing import InvalidSealedToken, TokenKind, fingerprint
from wrike_mcp.auth.wrike_oauth import WrikeTokens
from wrike_mcp.errors import UpstreamError

log = logging.getLogger("wrike_mcp.auth")

COOKIE = "wrike_mcp_consent"
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}
_STYLE = (
    "body{font:16px system-ui,sans-serif;max-width:34em;margin:3em auto;padding:0 1em;color:#222}"
    "code{background:#f3f3f3;padding:0 .2em}button{font-size:1em;padding:.5em 1.2em;margin-right:.6em}"
)


def consent_routes(provider: WrikeAuthProvider) -> list[Route]:
    """Starlette routes for the consent page and Wrike's callback, bound to `provider`."""
    flow = _ConsentFlow(provider)
    return [
        Route(CONSENT_PATH, flow.page, methods=["GET"]),
        Route(CONSENT_PATH, flow.decide, methods=["POST"]),
        Route(CALLBACK_PATH, flow.callback, methods=["GET"]),
    ]


class _ConsentFlow:
    def __init__(self, provider: WrikeAuthProvider) -> None:
        self.provider = provider
        self.issuer = provider.config.issuer_url
        self.secure_cookie = self.issuer.startswith("https://")

    async def page(self, request: Request) -> Response:
        raw = request.query_params.get("request", "")
        pending = self._pending(raw, "request")
        if pending is None:
            return _page("This authorization request is not valid or has expired.", 400)
        nonce = request.cookies.get(COOKIE) or ""
        if len(nonce) < 32:
            nonce = secrets.token_urlsafe(32)
        csrf = self.provider.sealer.seal(
            "consent", self.issuer, {"req": fingerprint(raw), "nh": fingerprint(nonce)},
            self.provider.config.pending_ttl,
        )  # fmt: skip
        response = _page(_consent_body(pending, raw, csrf), 200, raw_html=True)
        response.set_cookie(
            COOKIE, nonce, max_age=int(self.provider.config.pending_ttl), path="/oauth",
            secure=self.secure_cookie, httponly=True, samesite="lax",
        )  # fmt: skip
        return response

    async def decide(self, request: Request) -> Response:
        form = await request.form()
        raw, csrf = str(form.get("request", "")), str(form.get("csrf", ""))
        pending = self._pending(raw, "request")
        nonce = request.cookies.get(COOKIE, "")
        consent = self._open(csrf, "consent")
        if (
            pending is None
            or consent is None
            or consent.get("req") != fingerprint(raw)
            or not nonce
            or not _same(consent, fingerprint(nonce))
        ):
            return _page("This consent form is not valid in this browser. Start again from your app.", 403)
        if form.get("decision") != "approve":
            return _to_client(pending, error="access_denied")
        state = self.provider.seal_pending("upstream", pending, nh=fingerprint(nonce))
        url = self.provider.wrike.authorize_url(self.provider.config.callback_url, state, pending.scopes)
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})

    async def callback(self, request: Request) -> Response:
        query = request.query_params
        claims = self._open(query.get("state", ""), "upstream")
        pending = _pending_from(claims)
        nonce = request.cookies.get(COOKIE, "")
        if pending is None or not nonce or not _same(claims, fingerprint(nonce)):
            # Not the browser that gave consent: never redirect anywhere from here.
            return _page("This sign-in did not start in this browser. Start again from your app.", 400)
        code = query.get("code")
        if not code:
            log.info("Wrike sign-in ended without a code")
            return _to_client(pending, error="access_denied")
        try:
            tokens = await self.provider.wrike.exchange_code(
                code, self.provider.config.callback_url, pending.scopes
            )
        except UpstreamError as exc:
            log.warning("Wrike code exchange failed: %s", type(exc).__name__)
            return _to_client(pending, error="server_error")
        subject = await self._subject(tokens)
        our_code = self.provider.issue_code(pending, tokens, subject)
        response = _to_client(pending, code=our_code)
        response.delete_cookie(COOKIE, path="/oauth")
        return response

    async def _subject(self, tokens: WrikeTokens) -> str | None:
        """The Wrike user's contact id, for session ownership and audit. Best effort: a grant without a
        scope that reads contacts still works, it just carries no subject."""
        try:
            contact = await self.provider.wrike.fetch_me(tokens)
        except UpstreamError:
            log.info("could not read the signed-in Wrike contact; the grant carries no subject")
            return None
        value = contact.get("id")
        return value if isinstance(value, str) else None

    def _pending(self, raw: str, kind: TokenKind) -> Pending | None:
        return _pending_from(self._open(raw, kind))

    def _open(self, raw: str, kind: TokenKind) -> dict[str, Any] | None:
        try:
            return self.provider.sealer.open(raw, kind, self.issuer)
        except InvalidSealedToken as exc:
            log.info("refused a sealed %s token: %s", kind, exc.reason)
            return None


def _same(claims: dict[str, Any] | None, nonce_ref: str) -> bool:
    """Whether sealed claims were made for the browser holding this nonce (constant-time compare)."""
    return claims is not None and secrets.compare_digest(str(claims.get("nh", "")), nonce_ref)


def _pending_from(claims: dict[str, Any] | None) -> Pending | None:
    if claims is None:
        return None
    try:
        return Pending.from_claims(claims)
    except ValueError:
        return None


def _to_client(pending: Pending, **params: str) -> RedirectResponse:
    url = construct_redirect_uri(pending.redirect_uri, **params, state=pending.state)
    return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})


def _consent_body(pending: Pending, request_token: str, csrf: str) -> str:
    esc = html.escape
    scopes = ", ".join(f"<code>{esc(scope)}</code>" for scope in pending.scopes)
    return (
        f"<h1>Allow {esc(pending.client_name)} to use your Wrike account?</h1>"
        f"<p><strong>{esc(pending.client_name)}</strong> (a name the application chose for itself) asks to "
        f"act in Wrike as you, with the scopes {scopes}.</p>"
        f"<p>If you approve, you sign in to Wrike next, and then your browser returns to "
        f"<code>{esc(pending.redirect_uri)}</code>.</p>"
        "<p>Approve only if you just started this from an application you trust.</p>"
        '<form method="post">'
        f'<input type="hidden" name="request" value="{esc(request_token)}">'
        f'<input type="hidden" name="csrf" value="{esc(csrf)}">'
        '<button name="decision" value="approve">Approve</button>'
        '<button name="decision" value="deny">Deny</button>'
        "</form>"
    )


def _page(body: str, status: int, raw_html: bool = False) -> HTMLResponse:
    content = body if raw_html else f"<h1>Authorization</h1><p>{html.escape(body)}</p>"
    document = (
        f'<!doctype html><meta charset="utf-8"><title>wrike-mcp</title><style>{_STYLE}</style>{content}'
    )
    return HTMLResponse(document, status_code=status, headers=_HEADERS)
