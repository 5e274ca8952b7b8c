"""The Wrike client the tools use: `WrikeClient.send` wrapped in pacing, a circuit breaker and retries.

    send(request) = retries( breaker( pacing( WrikeClient.send(request) ) + readable-JSON check ) )

Each layer is its own module and knows nothing of the others: `pacing.py` (a budget per token),
`breaker.py` (per host), `retry.py` (what may be resent, and when). One attempt waits for the token's
pacing slot, asks the breaker, sends, and checks that a JSON answer parses (a 200 with a truncated body
is a failure like a dropped connection: retried when repeatable, an unknown outcome for a write).
The retry loop runs attempts until one answers or the policy stops, and counts them.

Nothing here catches `CancelledError`: when the MCP client cancels a call, the waits and the request in
flight stop where they are.
"""

from __future__ import annotations

import random
from types import TracebackType
from urllib.parse import urlsplit

from wrike_mcp.clock import Clock, SystemClock
from wrike_mcp.config import Settings
from wrike_mcp.wrike.breaker import Breakers
from wrike_mcp.wrike.client import (
    MAX_JSON_BODY,
    UpstreamRequest,
    WrikeClient,
    WrikeCredentials,
    WrikeResponse,
)
from wrike_mcp.wrike.pacing import Budget, LocalPacer, Pacer, token_key
from wrike_mcp.wrike.pacing_redis import RedisPacer
from wrike_mcp.wrike.retry import RetryPolicy, send_with_retries


class ResilientClient:
    """Same `send` as `WrikeClient`, safe to call in a loop from many sessions at once."""

    def __init__(
        self,
        inner: WrikeClient,
        *,
        clock: Clock | None = None,
        pacer: Pacer | None = None,
        policy: RetryPolicy | None = None,
        breakers: Breakers | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.inner = inner
        self.clock = clock or SystemClock()
        self.pacer = pacer
        self.policy = policy or RetryPolicy()
        self.breakers = breakers or Breakers(self.clock)
        self.rng = rng or random.Random()  # jitter, not a secret

    def base_url_for(self, credentials: WrikeCredentials) -> str:
        return self.inner.base_url_for(credentials)

    async def send(
        self, request: UpstreamRequest, credentials: WrikeCredentials, *, max_bytes: int = MAX_JSON_BODY
    ) -> WrikeResponse:
        async def attempt() -> WrikeResponse:
            return await self._attempt(request, credentials, max_bytes)

        return await send_with_retries(
            attempt,
            method=request.method,
            repeatable=request.repeatable,
            policy=self.policy,
            clock=self.clock,
            rng=self.rng,
        )

    async def _attempt(
        self, request: UpstreamRequest, credentials: WrikeCredentials, max_bytes: int
    ) -> WrikeResponse:
        if self.pacer is not None:
            await self.pacer.acquire(token_key(credentials.token))
        breaker = self.breakers.for_host(urlsplit(self.base_url_for(credentials)).netloc)
        breaker.before()
        try:
            response = await self.inner.send(request, credentials, max_bytes=max_bytes)
            if response.is_json and response.complete:
                response.json()  # raises UpstreamUnavailable for a truncated or garbled body
        except BaseException as exc:  # an UpstreamError is a verdict; a cancellation only frees the probe
            breaker.record(exc)
            raise
        breaker.record(None)
        return response

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            if self.pacer is not None:
                await self.pacer.aclose()

    async def __aenter__(self) -> ResilientClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def resilient_client(
    settings: Settings, inner: WrikeClient, clock: Clock, rng: random.Random | None = None
) -> ResilientClient:
    """The layers as the settings ask: pacing in-process or through Redis (or off), retries, breakers."""
    pacer: Pacer | None = None
    if settings.rate_limit > 0:
        budget = Budget(settings.rate_limit, settings.rate_window)
        pacer = RedisPacer.from_url(settings.redis_url, budget, clock) if settings.redis_url else None
        pacer = pacer or LocalPacer(budget, clock)
    policy = RetryPolicy(max_attempts=settings.max_attempts, retry_after_cap=settings.retry_after_cap)
    return ResilientClient(inner, clock=clock, pacer=pacer, policy=policy, rng=rng)
