"""A circuit breaker per upstream host: stop hammering a Wrike that keeps failing.

    closed --(N failures in a row)--> open --(cooldown passes)--> half-open --(probe ok)--> closed
                                        ^                              |
                                        +--------(probe fails)---------+

While open, a call is answered at once with `CircuitOpen` ("retry in N s") instead of adding load to a
struggling upstream and making the agent wait for timeouts. After the cooldown one request (the probe)
goes through; the others are still refused until it has answered.

A failure is what says the upstream is unwell: a 5xx, no connection, no answer, an unreadable body.
Wrike's 4xx answers (including 429, which pacing and Retry-After handle) prove it is up, so they count
as successes. Time is the injected clock's. [I] our choice: 5 failures, 30 s cooldown.
"""

from __future__ import annotations

import math
from enum import Enum

from wrike_mcp.clock import Clock
from wrike_mcp.errors import CircuitOpen, RateLimited, UpstreamError, WrikeApiError

DEFAULT_THRESHOLD = 5
DEFAULT_COOLDOWN = 30.0


class State(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


def is_upstream_failure(exc: UpstreamError) -> bool:
    """Whether a failed attempt says the upstream is unwell (not merely that the request was wrong)."""
    if isinstance(exc, RateLimited):
        return False
    if isinstance(exc, WrikeApiError):
        return exc.status >= 500
    return not isinstance(exc, CircuitOpen)


class CircuitBreaker:
    def __init__(
        self, host: str, clock: Clock, threshold: int = DEFAULT_THRESHOLD, cooldown: float = DEFAULT_COOLDOWN
    ) -> None:
        self.host = host
        self.clock = clock
        self.threshold = threshold
        self.cooldown = cooldown
        self.state = State.CLOSED
        self.failures = 0
        self._opened_at = 0.0
        self._probing = False

    def before(self) -> None:
        """Let a request through, or raise `CircuitOpen` saying when to try again."""
        if self.state is State.CLOSED:
            return
        remaining = self._opened_at + self.cooldown - self.clock.monotonic()
        if self.state is State.OPEN and remaining <= 0:
            self.state = State.HALF_OPEN
        if self.state is State.HALF_OPEN and not self._probing:
            self._probing = True
            return
        raise CircuitOpen(self.host, max(1.0, math.ceil(remaining)))

    def record(self, exc: BaseException | None) -> None:
        """The outcome of a request `before` let through: None for an answer, else what went wrong."""
        self._probing = False
        if exc is None or (isinstance(exc, UpstreamError) and not is_upstream_failure(exc)):
            self.state, self.failures = State.CLOSED, 0
        elif isinstance(exc, UpstreamError):
            self.failures += 1
            if self.state is State.HALF_OPEN or self.failures >= self.threshold:
                self.state, self._opened_at = State.OPEN, self.clock.monotonic()
        # Anything else (the caller cancelled): no verdict on the upstream; a probe slot is freed.


class Breakers:
    """One breaker per host, created on first use."""

    def __init__(self, clock: Clock, threshold: int = DEFAULT_THRESHOLD, cooldown: float = DEFAULT_COOLDOWN):
        self.clock = clock
        self.threshold = threshold
        self.cooldown = cooldown
        self._by_host: dict[str, CircuitBreaker] = {}

    def for_host(self, host: str) -> CircuitBreaker:
        breaker = self._by_host.get(host)
        if breaker is None:
            breaker = self._by_host[host] = CircuitBreaker(host, self.clock, self.threshold, self.cooldown)
        return breaker
