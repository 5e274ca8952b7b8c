"""The retry policy, per method and per failure, against the sandbox's fault injection on loopback.

Each case injects one failure (`times: 1`) and checks how many requests left the process, what the
caller got, and, for writes, what the sandbox's state says happened. Every wait is on a FakeClock.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Counting, MakeClient

from wrike_mcp.clock import FakeClock
from wrike_mcp.errors import NotSent, OutcomeUnknown, RateLimited, UpstreamError, WrikeApiError
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.routes.faults import set_faults
from wrike_mcp.wrike.client import UpstreamRequest, WrikeCredentials

TITLE = "Retry policy probe"


def tasks_titled(sandbox: Sandbox, title: str = TITLE) -> int:
    return sum(task["title"] == title for task in sandbox.workspace["tasks"].values())


def requests(sandbox: Sandbox) -> dict[str, UpstreamRequest]:
    ws = sandbox.workspace
    task_id = next(iter(ws["tasks"]))
    return {
        "GET": UpstreamRequest("GET", "/version"),
        "PUT": UpstreamRequest("PUT", f"/tasks/{task_id}", json_body={"importance": "High"}, idempotent=True),
        "DELETE": UpstreamRequest("DELETE", f"/tasks/{task_id}", idempotent=True),
        "POST": UpstreamRequest("POST", f"/folders/{ws.root_id}/tasks", json_body={"title": TITLE}),
        "PUT-once": UpstreamRequest("PUT", f"/tasks/{task_id}", json_body={"importance": "Low"}),
    }


FAULTS: dict[str, dict[str, Any]] = {
    "429": {"kind": "status", "status": 429, "retryAfter": 2},
    "500": {"kind": "status", "status": 500},
    "502": {"kind": "status", "status": 502},
    "503": {"kind": "status", "status": 503},
    "504": {"kind": "status", "status": 504},
    "status_after": {"kind": "status_after"},
    "malformed": {"kind": "malformed"},
    "drop": {"kind": "drop"},
    "hang": {"kind": "hang", "seconds": 5},
}
REPEATABLE = ("GET", "PUT", "DELETE")
# What a non-repeatable write (POST, or a PUT the manifest does not call idempotent) may do after each
# failure: resend only when the first request provably had no effect (Wrike refused it with 429).
WRITE_RESENT = {"429"}


async def send(
    make_client: MakeClient, request: UpstreamRequest, credentials: WrikeCredentials, **options: Any
) -> tuple[Any, Counting]:
    transport = Counting(options.pop("refuse_first", 0))
    client = make_client(transport=transport, timeout=0.3, **options)
    try:
        outcome: Any = await client.send(request, credentials)
    except UpstreamError as exc:
        outcome = exc
    return outcome, transport


# A second DELETE of a task the first one already trashed is refused: its own test below.
RETRIED = [(m, f) for m in REPEATABLE for f in sorted(FAULTS) if (m, f) != ("DELETE", "status_after")]


@pytest.mark.parametrize(("method", "fault"), RETRIED)
async def test_a_repeatable_call_is_retried_after_each_transient_failure(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, method: str, fault: str
) -> None:
    set_faults(sandbox, [{**FAULTS[fault], "times": 1}])
    outcome, transport = await send(make_client, requests(sandbox)[method], credentials)
    assert not isinstance(outcome, Exception), outcome
    assert outcome.attempts == 2 and len(transport.sent) == 2


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("method", ["POST", "PUT-once"])
async def test_a_write_that_may_have_happened_is_never_sent_twice(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, method: str, fault: str
) -> None:
    set_faults(sandbox, [{**FAULTS[fault], "times": 1}])
    outcome, transport = await send(make_client, requests(sandbox)[method], credentials)
    if fault in WRITE_RESENT:
        assert not isinstance(outcome, Exception) and outcome.attempts == 2
        assert len(transport.sent) == 2
    else:
        assert isinstance(outcome, OutcomeUnknown) and outcome.attempts == 1
        assert len(transport.sent) == 1
    if method == "POST":
        # Only a status_after fault lets the write through; a resent 429 creates it once.
        created = 1 if fault in WRITE_RESENT | {"status_after"} else 0
        assert tasks_titled(sandbox) == created


async def test_a_resent_delete_refused_because_the_lost_first_one_worked_is_an_unknown_outcome(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    set_faults(sandbox, [{"kind": "status_after", "times": 1}])
    request = requests(sandbox)["DELETE"]
    outcome, transport = await send(make_client, request, credentials)
    assert isinstance(outcome, OutcomeUnknown) and outcome.attempts == 2 and len(transport.sent) == 2
    assert "an earlier attempt may have worked" in str(outcome) and "400" in str(outcome)
    task_id = request.path.rsplit("/", 1)[1]
    assert sandbox.workspace["tasks"][task_id]["scope"] == "RbTask"


async def test_a_post_is_resent_when_the_connection_was_refused(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    outcome, transport = await send(make_client, requests(sandbox)["POST"], credentials, refuse_first=2)
    assert not isinstance(outcome, Exception) and outcome.attempts == 3
    assert transport.refused == 2 and len(transport.sent) == 1
    assert tasks_titled(sandbox) == 1


async def test_a_refused_connection_that_never_recovers_is_unavailable_not_unknown(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    outcome, transport = await send(make_client, requests(sandbox)["POST"], credentials, refuse_first=99)
    assert isinstance(outcome, NotSent) and outcome.attempts == 4
    assert transport.sent == [] and tasks_titled(sandbox) == 0


@pytest.mark.parametrize(("status", "code"), [(404, "resource_not_found"), (400, "invalid_parameter")])
async def test_a_client_error_is_not_retried(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, status: int, code: str
) -> None:
    task_id = next(iter(sandbox.workspace["tasks"]))
    bad = UpstreamRequest("PUT", f"/tasks/{task_id}", json_body={"dates": {"due": "x"}}, idempotent=True)
    request = UpstreamRequest("GET", "/tasks/MAAAAAZZZZZZ") if status == 404 else bad
    outcome, transport = await send(make_client, request, credentials)
    assert isinstance(outcome, WrikeApiError) and (outcome.status, outcome.code) == (status, code)
    assert outcome.attempts == 1 and len(transport.sent) == 1


async def test_retries_stop_at_max_attempts_with_the_last_error(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 503}])
    outcome, transport = await send(make_client, requests(sandbox)["GET"], credentials, max_attempts=3)
    assert isinstance(outcome, WrikeApiError) and outcome.status == 503
    assert outcome.attempts == 3 and len(transport.sent) == 3


async def test_backoff_grows_exponentially_with_jitter(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    await send(make_client, requests(sandbox)["GET"], credentials, max_attempts=5, base_delay=1.0)
    waits = clock.slept
    assert len(waits) == 4
    for number, wait in enumerate(waits):
        ceiling = 2.0**number
        assert ceiling / 2 <= wait <= ceiling  # equal jitter: half fixed, half random
    assert len(set(waits)) == 4


async def test_the_same_seed_gives_the_same_waits(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    await send(make_client, requests(sandbox)["GET"], credentials)
    first = list(clock.slept)
    clock.slept.clear()
    await send(make_client, requests(sandbox)["GET"], credentials)
    assert clock.slept == first


async def test_retry_after_is_honoured(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "retryAfter": 7, "times": 1}])
    outcome, _ = await send(make_client, requests(sandbox)["POST"], credentials, base_delay=0.5)
    assert outcome.attempts == 2
    assert len(clock.slept) == 1 and 7 <= clock.slept[0] <= 7.5


async def test_a_retry_after_beyond_the_cap_goes_back_to_the_agent_at_once(
    sandbox: Sandbox, make_client: MakeClient, credentials: WrikeCredentials, clock: FakeClock
) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 429, "retryAfter": 45}])
    outcome, transport = await send(make_client, requests(sandbox)["GET"], credentials, retry_after_cap=20)
    assert isinstance(outcome, RateLimited) and outcome.retry_after == 45
    assert outcome.attempts == 1 and len(transport.sent) == 1 and clock.slept == []
