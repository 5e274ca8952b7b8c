"""Pacing per token on a fake clock: never more than the budget in any window, bursts then a steady rate."""

from __future__ import annotations

import asyncio
import itertools
from bisect import bisect_left
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from wrike_mcp.clock import FakeClock
from wrike_mcp.wrike.pacing import Budget, LocalPacer, gcra, token_key


def busiest_window(times: Sequence[float], window: float) -> int:
    """The most admissions in any half-open window [t, t + window)."""
    ordered = sorted(times)
    return max((bisect_left(ordered, start + window) - i for i, start in enumerate(ordered)), default=0)


async def test_no_minute_ever_holds_more_than_400_requests_of_one_token(clock: FakeClock) -> None:
    pacer = LocalPacer(Budget(), clock)
    grants = await asyncio.gather(*(pacer.acquire(token_key("token-a")) for _ in range(1500)))
    times = [grant.at for grant in grants]
    assert busiest_window(times, 60.0) <= 400
    assert busiest_window(times, 60.0) >= 395  # and the budget is used, not wasted
    assert max(times) < 4 * 60  # 1500 requests take under four minutes


async def test_a_burst_goes_at_once_then_requests_are_spread_evenly(clock: FakeClock) -> None:
    budget = Budget()
    pacer = LocalPacer(budget, clock)
    grants = [await pacer.acquire("k") for _ in range(30)]
    assert [g.waited for g in grants[:20]] == [0.0] * 20
    assert all(g.waited > 0 for g in grants[20:])
    gaps = {round(b.at - a.at, 6) for a, b in itertools.pairwise(grants[20:])}
    assert gaps == {round(budget.interval, 6)}  # 60 / 381 s: the steady 381 per minute after a burst of 20


async def test_each_token_has_its_own_budget(clock: FakeClock) -> None:
    pacer = LocalPacer(Budget(limit=10, window=60), clock)
    for _ in range(10):
        await pacer.acquire(token_key("alice"))
    before = clock.monotonic()
    grant = await pacer.acquire(token_key("bob"))
    assert grant.waited == 0 and clock.monotonic() == before


def test_the_bucket_key_is_a_hash_that_never_contains_the_token() -> None:
    token = "eyJ0dCI6InAiLCJhbGciOiJIUzI1NiJ9.secret-token-value"
    key = token_key(token)
    assert key == token_key(token) != token_key(token + "x")
    assert token not in key and "secret" not in key
    assert key.startswith("wrike-mcp:pace:") and len(key) == len("wrike-mcp:pace:") + 32


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(1, 60),
    window=st.floats(0.5, 120),
    burst_share=st.integers(0, 100),
    arrivals=st.lists(st.floats(0, 300), min_size=1, max_size=300),
)
def test_gcra_never_admits_more_than_the_limit_in_any_window(
    limit: int, window: float, burst_share: int, arrivals: list[float]
) -> None:
    budget = Budget(limit=limit, window=window, burst=limit * burst_share // 100)
    tat, admitted = 0.0, []
    for now in sorted(arrivals):
        while True:  # a caller waits, as LocalPacer does, until it is admitted
            tat, wait = gcra(tat, now, budget)
            if wait <= 0:
                admitted.append(now)
                break
            now += wait
    assert busiest_window(admitted, window) <= limit


def test_a_budget_rejects_nonsense() -> None:
    for bad in ({"limit": 0}, {"window": 0}, {"limit": 5, "burst": 6}):
        try:
            Budget(**bad)  # type: ignore[arg-type]
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")
