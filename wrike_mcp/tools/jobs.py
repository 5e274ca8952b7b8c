"""Calls answered by an async job (`result = "async_job"`, e.g. `run_batch`): poll until it is done.

Wrike's batch endpoint (and the other `*_async` ones) answers with a job to poll at
`GET /async_job/{id}` until its status is `Completed` or `Failed` ([C] wrike-api.md §4.14, §4.15). The
agent should get the outcome, not homework: the server polls through the catalogue's own
`get_async_job` tool (declared parameters, paced and retried like any GET), waiting on the injected
clock between polls (0.5 s doubling to 5 s), with a progress notification per poll.

The result is the finished job, plus for a batch a `summary` of how many operations completed and
failed; each operation's own outcome is in the job's `result.operations`. If the job is still running
after the wait cap, the result says so and names the job id to poll. [I] our choice: a 60 s cap.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from wrike_mcp.clock import Clock
from wrike_mcp.errors import UpstreamUnavailable
from wrike_mcp.tools.arguments import validate_arguments
from wrike_mcp.tools.exchange import Exchange
from wrike_mcp.tools.inventory import ToolEntry
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.results import read_envelope

POLL_TOOL = "get_async_job"
FINISHED = frozenset({"Completed", "Failed"})  # [C] §4.15: InQueue | InProgress | Completed | Failed
FIRST_DELAY = 0.5
MAX_DELAY = 5.0


async def wait_for_job(
    exchange: Exchange, poll: ToolEntry | None, started: dict[str, Any], clock: Clock, max_wait: float
) -> dict[str, Any]:
    job = _job_of(started)
    waited, delay, polls = 0.0, FIRST_DELAY, 0
    while job.get("status") not in FINISHED:
        if poll is None or waited >= max_wait:
            return _unfinished(started, job)
        if polls:
            await clock.sleep(delay)
            waited, delay = waited + delay, min(delay * 2, MAX_DELAY)
        valid = validate_arguments(poll.spec, poll.validator, {"asyncJobId": job["id"]})
        job = _job_of(read_envelope(await exchange.send(build_request(poll.spec, valid))))
        polls += 1
        await exchange.report(float(job.get("progressPercent") or 0), 100, f"job {job.get('status')}")
    result: dict[str, Any] = {"kind": started.get("kind"), "data": [job]}
    operations = (job.get("result") or {}).get("operations") if isinstance(job.get("result"), dict) else None
    if isinstance(operations, list):
        result["summary"] = dict(Counter(str(op.get("status")) for op in operations if isinstance(op, dict)))
    return result


def _job_of(envelope: dict[str, Any]) -> dict[str, Any]:
    data = envelope["data"]
    if not data or not isinstance(data[0], dict) or not isinstance(data[0].get("id"), str):
        raise UpstreamUnavailable("Wrike answered without the async job to follow")
    job: dict[str, Any] = data[0]
    return job


def _unfinished(started: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": started.get("kind"),
        "data": [job],
        "notice": f"The job is still {job.get('status')}; poll {POLL_TOOL} with asyncJobId {job['id']}.",
    }
