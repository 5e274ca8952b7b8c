"""The stdio user's saved sign-in (`wrike-mcp login`) as the server's Wrike credentials, kept fresh.

`serve` falls back to it when WRIKE_ACCESS_TOKEN is not set. Wrike's OAuth access tokens live about an
hour while a desktop client keeps its server running for days, so `keep_fresh` refreshes shortly before
expiry (through `LocalSession`, which saves the rotated refresh token) and the server reads `current`
on every call instead of holding one token for the life of the process.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from wrike_mcp.auth.settings import oauth_settings_from_env
from wrike_mcp.auth.token_store import LocalSession, default_store
from wrike_mcp.auth.wrike_oauth import WrikeOAuth, WrikeOAuthError, WrikeTokens
from wrike_mcp.clock import Clock
from wrike_mcp.errors import WrikeMcpError
from wrike_mcp.wrike.client import WrikeCredentials

log = logging.getLogger("wrike_mcp.auth")
REFRESH_AHEAD = 30.0  # seconds before expiry; inside LocalSession's 60-s leeway, so it does refresh
RETRY_AFTER_FAILURE = 60.0


@dataclass
class LoginCredentials:
    """The signed-in user's current Wrike grant; `tokens` changes when a refresh lands."""

    session: LocalSession
    tokens: WrikeTokens
    clock: Clock

    @property
    def current(self) -> WrikeCredentials:
        return WrikeCredentials(self.tokens.access_token, self.tokens.host)

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.tokens.scopes)

    def seconds_until_refresh(self) -> float:
        return max(0.0, self.tokens.expires_at - REFRESH_AHEAD - self.clock.now())

    async def ensure_fresh(self) -> None:
        """Refresh now if the token is (nearly) expired; LocalSession saves the rotated tokens."""
        self.tokens = await self.session.tokens()

    async def keep_fresh(self) -> None:
        """Run for the life of the server: refresh before each expiry; on failure, try again shortly."""
        while True:
            await self.clock.sleep(self.seconds_until_refresh())
            try:
                await self.ensure_fresh()
            except (WrikeOAuthError, WrikeMcpError, httpx.HTTPError) as exc:
                log.warning("refreshing the Wrike sign-in failed (%s); retrying", type(exc).__name__)
                await self.clock.sleep(RETRY_AFTER_FAILURE)

    async def aclose(self) -> None:
        await self.session.oauth.aclose()


def saved_login(clock: Clock, env: Mapping[str, str] | None = None) -> LoginCredentials | None:
    """The sign-in `wrike-mcp login` saved, or None when there is none. Tokens may be expired here:
    `ensure_fresh` (inside the server's event loop) refreshes them before the first call."""
    store = default_store(env)
    if store.read() is None:
        return None
    # The same app settings as `wrike-mcp login` (WRIKE_CLIENT_ID/SECRET): refreshing needs them.
    session = LocalSession(store, WrikeOAuth(oauth_settings_from_env(env), clock), clock)
    tokens = session.load()
    return None if tokens is None else LoginCredentials(session, tokens, clock)
