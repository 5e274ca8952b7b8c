"""A bounded memory of recently seen keys, so redelivered webhook events are ignored.

Wrike delivers at least once [C3] wrike-api.md §6.2; a replayed capture of a signed delivery is also
valid HMAC-wise. Both are caught here for `ttl` seconds (on the injected Clock's monotonic time) and up to
`capacity` keys (least recently seen evicted first). Events older than the receiver's maximum age are
refused separately, so a replay cannot wait out the TTL.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from wrike_mcp.clock import Clock


class SeenKeys:
    """LRU + TTL set of keys; thread-safe because a receiver and its tests may run on other threads."""

    def __init__(self, clock: Clock, capacity: int = 10_000, ttl: float = 3600.0) -> None:
        if capacity < 1 or ttl <= 0:
            raise ValueError("capacity must be >= 1 and ttl > 0")
        self._clock = clock
        self._capacity = capacity
        self._ttl = ttl
        self._seen: OrderedDict[str, float] = OrderedDict()  # key -> monotonic time last seen
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock.monotonic())
            return len(self._seen)

    def first_sighting(self, keys: Iterable[str]) -> bool:
        """Record `keys`; True unless any of them was already seen within the TTL."""
        now = self._clock.monotonic()
        with self._lock:
            self._expire(now)
            keys = list(keys)
            fresh = not any(key in self._seen for key in keys)
            for key in keys:
                self._seen[key] = now
                self._seen.move_to_end(key)
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return fresh

    def _expire(self, now: float) -> None:
        while self._seen:
            key, seen_at = next(iter(self._seen.items()))
            if now - seen_at < self._ttl:
                return
            del self._seen[key]
