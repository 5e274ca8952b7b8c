"""One token's budget across processes: the GCRA of `pacing.py`, run atomically inside Redis.

Several replicas behind a load balancer share one Wrike token's 400 requests per minute. Each
admission is one Lua script (`EVALSHA`), which Redis runs atomically: read the token's TAT, decide,
store the new TAT with an expiry, in one step, so two processes can never both take the last slot.

Time comes from Redis itself (`TIME`), so the replicas' clocks never need to agree; a test may pass
its own clock instead (`clock_time=True`) to drive the limiter with a FakeClock. Waiting happens on the
caller's injected clock, for as long as the script says.

If Redis cannot be reached, each process falls back to its own `LocalPacer` (and logs it): the server
keeps working and stays paced, only no longer jointly. [I] our choice: availability over a strict joint
budget, since Wrike's own 429 (retried with backoff) still backs the limit up.

Needs the optional `redis` package: `pip install "wrike-mcp[redis]"`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wrike_mcp.clock import Clock
from wrike_mcp.errors import ConfigError
from wrike_mcp.wrike.pacing import Budget, Grant, LocalPacer

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("wrike_mcp.wrike")

# KEYS[1]: the bucket; ARGV: interval_ms, tolerance_ms, now_ms ("" = Redis TIME).
# Returns {1, now_ms} when admitted, {0, wait_ms} otherwise; numbers travel as strings (Lua numbers
# returned to Redis are truncated to integers).
GCRA_SCRIPT = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
if tat - now <= tolerance then
  local new_tat = tat + interval
  -- stored to the microsecond, rounded up, so rounding never makes a slot early
  redis.call('SET', KEYS[1], string.format('%.3f', new_tat + 0.0005), 'PX', math.ceil(new_tat - now) + 1000)
  return {1, string.format('%.3f', now)}
end
-- never less than a microsecond, so a waiter's clock always moves on
return {0, string.format('%.3f', math.max(tat - now - tolerance, 0.001))}
"""


class RedisPacer:
    """A `Pacer` whose buckets live in Redis, shared by every process that uses the same Redis."""

    def __init__(self, redis: Redis, budget: Budget, clock: Clock, *, clock_time: bool = False) -> None:
        self.redis = redis
        self.budget = budget
        self.clock = clock
        self.clock_time = clock_time
        self._script = redis.register_script(GCRA_SCRIPT)
        self._fallback = LocalPacer(budget, clock)

    @classmethod
    def from_url(cls, url: str, budget: Budget, clock: Clock) -> RedisPacer:
        try:
            from redis.asyncio import Redis
        except ImportError:
            raise ConfigError(
                'WRIKE_MCP_REDIS_URL needs the redis package: pip install "wrike-mcp[redis]"'
            ) from None
        return cls(Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5), budget, clock)

    async def acquire(self, key: str) -> Grant:
        from redis.exceptions import RedisError

        waited = 0.0
        while True:
            try:
                admitted, value = await self._step(key)
            except (RedisError, OSError):
                log.warning("Redis is unreachable; pacing this process on its own for this request")
                fallback = await self._fallback.acquire(key)
                return Grant(fallback.at, waited + fallback.waited)
            if admitted:
                return Grant(value, waited)
            await self.clock.sleep(value)
            waited += value

    async def _step(self, key: str) -> tuple[bool, float]:
        """One atomic GCRA step in Redis: (admitted, admission time) or (False, seconds to wait)."""
        now = f"{self.clock.now() * 1000:.3f}" if self.clock_time else ""
        args: list[Any] = [_ms(self.budget.interval, math.ceil), _ms(self.budget.tolerance, math.floor), now]
        admitted, value = await self._script(keys=[key], args=args)
        return int(admitted) == 1, float(value) / 1000

    async def aclose(self) -> None:
        await self.redis.aclose()


def _ms(seconds: float, rounding: Callable[[float], int]) -> str:
    """Milliseconds to the nanosecond, rounded the strict way: the interval up, the tolerance down."""
    return f"{rounding(seconds * 1e9) / 1e6:.6f}"
