"""A scripted browser and MCP client for the hosted OAuth flow (our app in-process, sandbox on loopback)."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

ISSUER = "http://localhost:8900"
RESOURCE = ISSUER + "/mcp"
REDIRECT = "http://127.0.0.1:9/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class Client:
    """A registered MCP client as the test drives it."""

    browser: httpx.AsyncClient
    client_id: str
    client_secret: str | None
    redirect_uri: str = REDIRECT

    async def authorize(self, challenge: str, state: str = "xyz", **extra: str) -> httpx.Response:
        params = {
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": state, **extra,
        }  # fmt: skip
        return await self.browser.get(ISSUER + "/authorize", params=params)

    async def token(self, **form: str) -> httpx.Response:
        auth = {"client_id": self.client_id}
        if self.client_secret:
            auth["client_secret"] = self.client_secret
        return await self.browser.post(ISSUER + "/token", data={**auth, **form})

    async def exchange(self, code: str, verifier: str, **extra: str) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": code, "code_verifier": verifier}
        return await self.token(**{**form, "redirect_uri": self.redirect_uri, **extra})

    async def refresh(self, refresh_token: str, **extra: str) -> httpx.Response:
        return await self.token(grant_type="refresh_token", refresh_token=refresh_token, **extra)


async def register(browser: httpx.AsyncClient, **metadata: Any) -> httpx.Response:
    body = {"redirect_uris": [REDIRECT], "client_name": "Test Client", **metadata}
    return await browser.post(ISSUER + "/register", json=body)


async def registered(browser: httpx.AsyncClient, **metadata: Any) -> Client:
    response = await register(browser, **metadata)
    assert response.status_code == 201, response.text
    info = response.json()
    return Client(browser, info["client_id"], info.get("client_secret"))


def form_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))


async def consent_page(browser: httpx.AsyncClient, authorize_response: httpx.Response) -> httpx.Response:
    assert authorize_response.status_code == 302, authorize_response.text
    location = authorize_response.headers["location"]
    assert location.startswith(ISSUER + "/oauth/consent?")
    return await browser.get(location)


async def decide(browser: httpx.AsyncClient, page: httpx.Response, decision: str) -> httpx.Response:
    assert page.status_code == 200, page.text
    fields = form_fields(page.text)
    return await browser.post(ISSUER + "/oauth/consent", data={**fields, "decision": decision})


async def follow_to(browser: httpx.AsyncClient, response: httpx.Response, prefix: str) -> httpx.Response:
    """Follow redirects (across our app and the sandbox) until one points at `prefix`; return that one."""
    for _ in range(10):
        if response.status_code not in (302, 303):
            return response
        location = response.headers["location"]
        if location.startswith(prefix):
            return response
        response = await browser.get(location)
    raise AssertionError("redirect loop")


async def approve_and_get_code(client: Client, challenge: str, state: str = "xyz") -> dict[str, str]:
    """The whole browser leg: authorize -> consent (approve) -> Wrike -> callback -> the client's redirect."""
    page = await consent_page(client.browser, await client.authorize(challenge, state))
    final = await follow_to(
        client.browser, await decide(client.browser, page, "approve"), client.redirect_uri
    )
    assert final.status_code == 302, final.text
    return query(final.headers["location"])
