"""The circuit breaker per host: opens after repeated failures, answers fast, half-opens, closes."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from conftest import Counting, MakeClient

from wrike_mcp.clock import FakeClock
from wrike_mcp.errors import CircuitOpen, RateLimited, UpstreamUnavailable, WrikeApiError
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import clear_faults, set_faults
from wrike_mcp.wrike.breaker import Breakers, CircuitBreaker, State
from wrike_mcp.wrike.client import UpstreamRequest, WrikeCredentials
from wrike_mcp.wrike.resilient import ResilientClient

VERSION = UpstreamRequest("GET", "/version")


async def failures(
    client: ResilientClient, credentials: WrikeCredentials, count: int
) -> list[type[Exception]]:
    seen: list[type[Exception]] = []
    for _ in range(count):
        try:
            await client.send(VERSION, credentials)
        except Exception as exc:
            seen.append(type(exc))
    return seen


async def test_the_breaker_opens_after_five_failures_and_then_answers_without_a_request(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    transport = Counting()
    client = make_client(transport=transport, max_attempts=1)
    assert await failures(client, credentials, 5) == [WrikeApiError] * 5
    with pytest.raises(CircuitOpen) as refused:
        await client.send(VERSION, credentials)
    assert len(transport.sent) == 5  # the sixth call never left the process
    assert refused.value.retry_in == 30
    assert "is failing" in str(refused.value)


async def test_an_open_breaker_stops_retries_of_the_call_that_opened_it(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 503}])
    transport = Counting()
    client = make_client(transport=transport, max_attempts=10)
    with pytest.raises(CircuitOpen):
        await client.send(VERSION, credentials)
    assert len(transport.sent) == 5


async def test_after_the_cooldown_one_probe_goes_through_and_success_closes_it(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 502}])
    transport = Counting()
    client = make_client(transport=transport, max_attempts=1)
    await failures(client, credentials, 5)
    clock.advance(29)
    with pytest.raises(CircuitOpen) as early:
        await client.send(VERSION, credentials)
    assert early.value.retry_in == 1
    clock.advance(1)
    clear_faults(sandbox)
    answer = await client.send(VERSION, credentials)
    assert answer.status == 200
    assert client.breakers.for_host(urlsplit(client.base_url_for(credentials)).netloc).state is State.CLOSED
    assert await failures(client, credentials, 3) == []
    assert len(transport.sent) == 5 + 1 + 3


async def test_a_failed_probe_opens_it_again_for_another_cooldown(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "malformed"}])
    transport = Counting()
    client = make_client(transport=transport, max_attempts=1)
    assert await failures(client, credentials, 5) == [UpstreamUnavailable] * 5
    clock.advance(30)
    assert await failures(client, credentials, 1) == [UpstreamUnavailable]  # the probe
    assert await failures(client, credentials, 1) == [CircuitOpen]
    assert len(transport.sent) == 6


async def test_answers_from_wrike_that_refuse_the_request_do_not_count_as_failures(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "retryAfter": 60}])
    transport = Counting()
    client = make_client(transport=transport, max_attempts=1)
    assert await failures(client, credentials, 8) == [RateLimited] * 8
    missing = UpstreamRequest("GET", "/tasks/MAAAAAZZZZZZ")
    clear_faults(sandbox)
    for _ in range(8):
        with pytest.raises(WrikeApiError):
            await client.send(missing, credentials)
    assert len(transport.sent) == 16


def test_only_one_probe_at_a_time_in_half_open(clock: FakeClock) -> None:
    breaker = CircuitBreaker("www.wrike.com", clock, threshold=1, cooldown=10)
    breaker.record(WrikeApiError(500, "server_error", "x"))
    assert breaker.state is State.OPEN
    clock.advance(10)
    breaker.before()  # the probe
    assert breaker.state is State.HALF_OPEN
    with pytest.raises(CircuitOpen):
        breaker.before()


def test_a_cancelled_probe_frees_the_slot_for_the_next_caller(clock: FakeClock) -> None:
    breaker = CircuitBreaker("www.wrike.com", clock, threshold=1, cooldown=10)
    breaker.record(WrikeApiError(503, "server_error", "x"))
    clock.advance(10)
    breaker.before()
    breaker.record(asyncio.CancelledError())
    breaker.before()  # a new probe is allowed
    breaker.record(None)
    assert breaker.state is State.CLOSED


def test_each_host_has_its_own_breaker(clock: FakeClock) -> None:
    breakers = Breakers(clock, threshold=1)
    breakers.for_host("app-eu.wrike.com").record(WrikeApiError(500, "server_error", "x"))
    breakers.for_host("www.wrike.com").before()
    with pytest.raises(CircuitOpen):
        breakers.for_host("app-eu.wrike.com").before()
