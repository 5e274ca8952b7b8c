"""A person at the keyboard of an MCP client that uses the SDK's OAuth support, for the hosted tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.transports.hosting import PUBLIC, Balancer
from wrike_mcp.sandbox import Sandbox

REDIRECT = "http://127.0.0.1:9/callback"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


@dataclass
class User:
    """A person at the keyboard: the SDK's OAuth client hands them URLs; they approve and sign in.

    Also the client's token storage, so a new connection (or a restarted client) reuses the tokens.
    """

    balancer: Balancer
    login_hint: str | None = None
    authorize_url: str = ""
    tokens: OAuthToken | None = None
    client_info: OAuthClientInformationFull | None = None
    approvals: int = 0
    auth: OAuthClientProvider = field(init=False)

    def __post_init__(self) -> None:
        metadata = OAuthClientMetadata(
            redirect_uris=[REDIRECT],
            client_name="E2E client",
            token_endpoint_auth_method="client_secret_post",
        )
        self.auth = OAuthClientProvider(PUBLIC + "/mcp", metadata, self, self.redirect, self.callback)

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info

    async def redirect(self, url: str) -> None:
        self.authorize_url = url

    async def callback(self) -> AuthorizationCodeResult:
        self.approvals += 1
        async with httpx.AsyncClient(transport=self.balancer.transport()) as browser:
            consent = await browser.get((await browser.get(self.authorize_url)).headers["location"])
            fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', consent.text))
            response = await browser.post(PUBLIC + "/oauth/consent", data={**fields, "decision": "approve"})
            wrike_url = response.headers["location"]
            if self.login_hint:
                wrike_url += "&" + urlencode({"login_hint": self.login_hint})
            response = await browser.get(wrike_url)  # the sandbox signs the user in and redirects back
            response = await browser.get(response.headers["location"])  # our callback
        answer = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}
        return AuthorizationCodeResult(code=answer["code"], state=answer.get("state"))

    def http(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(auth=self.auth, transport=self.balancer.transport2(), timeout=30)

    def client(self) -> Client:
        return Client(streamable_http_client(PUBLIC + "/mcp", http_client=self.http()))

    def token_has_expired_for_the_client(self) -> None:
        self.auth.context.token_expiry_time = 1.0  # the client now believes its access token expired


async def me(client: Client) -> str:
    result = await client.call_tool("list_contacts", {"me": True})
    assert not result.is_error, result
    assert result.structured_content is not None
    return str(result.structured_content["data"][0]["id"])


def owner(sandbox: Sandbox) -> str:
    return str(sandbox.workspace.account["ownerId"])
