"""When a failed request may be sent again, and how long to wait first.

The rule that matters most: a write is never sent twice unless the first one provably never reached
Wrike. So:

| failure                                 | repeatable (GET, idempotent PUT/DELETE) | other (POST...)    |
|-----------------------------------------|-----------------------------------------|--------------------|
| 429 (Wrike refused before acting)       | retry after Retry-After (up to a cap)   | the same           |
| no connection made (refused, none free) | retry with backoff                      | retry with backoff |
| 500, 502, 503, 504                      | retry with backoff                      | OutcomeUnknown     |
| sent, no full answer (timeout, dropped) | retry with backoff                      | OutcomeUnknown     |
| 200 with an unreadable body             | retry with backoff                      | OutcomeUnknown     |
| other 4xx, circuit open                 | no retry                                | no retry           |

OutcomeUnknown tells the agent that the write may or may not have happened and to read before retrying.
The same goes for a resent idempotent write that Wrike then refuses (a second DELETE of a task the
lost first one already trashed answers 400): the refusal may only mean the first attempt worked.
A Retry-After beyond the cap is not waited out here: the agent gets the 429 with the wait, and decides.
Backoff is exponential with "equal jitter" (half fixed, half random, from an injectable RNG), so
retries of concurrent callers spread out and tests are reproducible. Every wait is on the injected
clock. The number of attempts travels with the answer (`WrikeResponse.attempts`) or the error
(`UpstreamError.attempts`), for the audit record.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import NoReturn

from wrike_mcp.clock import Clock
from wrike_mcp.errors import (
    CircuitOpen,
    NotSent,
    OutcomeUnknown,
    RateLimited,
    UpstreamError,
    UpstreamUnavailable,
    WrikeApiError,
)
from wrike_mcp.wrike.client import WrikeResponse

RETRY_STATUSES = frozenset({500, 502, 503, 504})


class Verdict(Enum):
    RETRY = "retry"
    STOP = "stop"
    UNKNOWN = "unknown"  # a write that may have happened: never resend, tell the agent to check


@dataclass(frozen=True)
class RetryPolicy:
    """[I] our choices: 4 attempts, 0.5 s doubling to 8 s, Retry-After honoured up to 20 s."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    retry_after_cap: float = 20.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < 0 or self.retry_after_cap < 0:
            raise ValueError("a retry policy needs max_attempts >= 1 and non-negative delays")

    def delay(self, failures: int, exc: UpstreamError, rng: random.Random) -> float | None:
        """Seconds to wait before attempt `failures + 1`, or None to give up now."""
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            if exc.retry_after > self.retry_after_cap:
                return None
            return exc.retry_after + rng.uniform(0, self.base_delay)
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (failures - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def verdict(exc: UpstreamError, repeatable: bool) -> Verdict:
    """What one failed attempt allows (the table in the module docstring)."""
    if isinstance(exc, RateLimited | NotSent):
        return Verdict.RETRY
    if isinstance(exc, CircuitOpen):
        return Verdict.STOP
    if isinstance(exc, WrikeApiError) and exc.status not in RETRY_STATUSES:
        return Verdict.STOP
    if isinstance(exc, WrikeApiError | OutcomeUnknown | UpstreamUnavailable):
        return Verdict.RETRY if repeatable else Verdict.UNKNOWN
    return Verdict.STOP


def _refused_after_ambiguity(exc: WrikeApiError) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"an earlier attempt may have worked (its answer was lost), and Wrike refused the retry with "
        f"{exc.status} {exc.code}: {exc}"
    )


def outcome_unknown(exc: UpstreamError) -> OutcomeUnknown:
    """The agent-facing form of an ambiguous write failure, saying what was seen."""
    if isinstance(exc, OutcomeUnknown):
        return exc
    if isinstance(exc, WrikeApiError):
        return OutcomeUnknown(f"Wrike answered HTTP {exc.status} after the request was sent")
    return OutcomeUnknown("the request was sent to Wrike but no complete, readable answer came back")


async def send_with_retries(
    attempt: Callable[[], Awaitable[WrikeResponse]],
    *,
    method: str,
    repeatable: bool,
    policy: RetryPolicy,
    clock: Clock,
    rng: random.Random,
) -> WrikeResponse:
    """Run `attempt` until it answers or the policy says stop; raise the last failure, with `attempts`."""
    failures = 0
    ambiguous = False  # an earlier attempt of a write may have taken effect
    while True:
        try:
            response = await attempt()
        except UpstreamError as exc:
            failures += 1
            wait = _next_wait(exc, failures, ambiguous, repeatable, policy, rng)
            ambiguous = ambiguous or (method != "GET" and not isinstance(exc, RateLimited | NotSent))
            await clock.sleep(wait)
        else:
            return replace(response, attempts=failures + 1)


def _next_wait(
    exc: UpstreamError,
    failures: int,
    ambiguous: bool,
    repeatable: bool,
    policy: RetryPolicy,
    rng: random.Random,
) -> float:
    """Seconds to wait before the next attempt; or raises the error the caller should see instead."""
    if ambiguous and isinstance(exc, WrikeApiError) and exc.status < 500:
        _fail(_refused_after_ambiguity(exc), failures, exc)
    judged = verdict(exc, repeatable)
    if judged is Verdict.UNKNOWN:
        _fail(outcome_unknown(exc), failures, exc)
    wait = policy.delay(failures, exc, rng) if judged is Verdict.RETRY else None
    if wait is None or failures >= policy.max_attempts:
        _fail(exc, failures, exc)
    return wait


def _fail(error: UpstreamError, attempts: int, cause: UpstreamError) -> NoReturn:
    # `attempts` counts requests sent: an attempt the open breaker refused sent nothing.
    error.attempts = attempts - 1 if isinstance(cause, CircuitOpen) else attempts
    if error is cause:
        raise error
    raise error from cause
