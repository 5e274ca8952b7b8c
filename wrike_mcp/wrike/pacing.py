"""Pacing per Wrike token, so that an agent rarely meets Wrike's 429.

Wrike allows 400 requests per minute per token ([C] wrike-api.md §3.3). Every request of a token, from
every session in the process, first takes a slot here, and waits (on the injected clock) when the
budget is spent. The limiter is GCRA, the arithmetic form of a token bucket: a request is admitted when
the token's "theoretical arrival time" (TAT) is at most `tolerance` ahead of now, and each admission
pushes the TAT one `interval` further.

The numbers are chosen so that no window of `window` seconds ever holds more than `limit` admissions:
with a burst of `b` and `interval = window / (limit - b + 1)`, admissions s_1..s_N inside one window
satisfy (N - 1) * interval <= (b - 1) * interval + (s_N - s_1) < (b - 1 + limit - b + 1) * interval,
so N <= limit. [I] our choice: a burst of 1/20 of the budget (20 of 400), then an even 6.35 per second,
because Wrike says its limit is "estimated on a per-second basis" (§3.3), so a full-minute burst
would be refused anyway.

Buckets are keyed by a hash of the token, never the token, so nothing that might be logged or stored
(a Redis key, a debug dump) holds a credential. The same math runs in Redis for several processes
(`pacing_redis.py`).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Protocol

from wrike_mcp.clock import Clock

WRIKE_LIMIT_PER_MINUTE = 400  # [C] wrike-api.md §3.3
MIN_WAIT = 1e-6  # seconds; a wait is never shorter, so a waiter's clock always moves
_MAX_IDLE_KEYS = 1024  # past this many buckets, idle (full) ones are forgotten: they hold no state


def token_key(token: str) -> str:
    """The bucket key of a token: a SHA-256 prefix, so no key can be turned back into the token."""
    return "wrike-mcp:pace:" + hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Budget:
    """At most `limit` requests in any `window` seconds, with bursts of up to `burst`."""

    limit: int = WRIKE_LIMIT_PER_MINUTE
    window: float = 60.0
    burst: int = 0  # 0: the default, limit // 20

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0 or not 0 <= self.burst <= self.limit:
            raise ValueError("a budget needs limit >= 1, window > 0 and 0 <= burst <= limit")

    @property
    def bucket(self) -> int:
        return self.burst or max(1, self.limit // 20)

    @property
    def interval(self) -> float:
        """Seconds between admissions at the steady rate (a hair longer, against float rounding)."""
        return self.window / (self.limit - self.bucket + 1) * (1 + 1e-9)

    @property
    def tolerance(self) -> float:
        return (self.bucket - 1) * self.interval


def gcra(tat: float, now: float, budget: Budget) -> tuple[float, float]:
    """One GCRA step: `(new_tat, 0.0)` when admitted now, else `(tat, seconds to wait)`.

    The comparison allows a slack of 1e-10 interval, so that float rounding after waiting exactly the
    time returned cannot leave a caller waiting for ever; the interval's 1e-9 margin covers it.
    """
    tat = max(tat, now)
    if tat - now <= budget.tolerance + budget.interval * 1e-10:
        return tat + budget.interval, 0.0
    return tat, max(tat - now - budget.tolerance, MIN_WAIT)


@dataclass(frozen=True)
class Grant:
    """An admission: when (on the limiter's own time base) and how long the caller waited for it."""

    at: float
    waited: float


class Pacer(Protocol):
    async def acquire(self, key: str) -> Grant:
        """Wait until one more request of `key` fits the budget, and take the slot."""
        ...

    async def aclose(self) -> None: ...


class LocalPacer:
    """The budget per token inside one process, shared by every session that uses the token.

    Waiters of one token queue on a lock (first come, first served), so a burst of calls is spread out
    in arrival order instead of all retrying at once.
    """

    def __init__(self, budget: Budget, clock: Clock) -> None:
        self.budget = budget
        self.clock = clock
        self._tat: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, key: str) -> Grant:
        lock = self._locks.get(key)
        if lock is None:
            self._forget_idle()
            lock = self._locks[key] = asyncio.Lock()
        waited = 0.0
        async with lock:
            while True:
                now = self.clock.monotonic()
                tat, wait = gcra(self._tat.get(key, now), now, self.budget)
                if wait <= 0:
                    self._tat[key] = tat
                    return Grant(now, waited)
                await self.clock.sleep(wait)
                waited += wait

    def _forget_idle(self) -> None:
        """Drop buckets that are full again (TAT in the past) and not in use: they are like new ones."""
        if len(self._locks) < _MAX_IDLE_KEYS:
            return
        now = self.clock.monotonic()
        for key in [k for k, lock in self._locks.items() if not lock.locked()]:
            if self._tat.get(key, now) <= now:
                self._locks.pop(key)
                self._tat.pop(key, None)

    async def aclose(self) -> None:
        """Nothing to release; here so every pacer closes the same way."""
