"""`POST /batch` and `GET /async_job/{asyncJobId}`. [C] wrike-api.md §4.14, §4.15

Wrike's batch API takes up to 100 operations (TaskCreation, FolderCreation), counts as one request and
answers with an async job to poll. The shape of one operation is not public. [I] our choice, as the
reference guesses (provisional):

    {"type": "TaskCreation" | "FolderCreation", "parentId": "<folder id>", "params": {...}}

where `params` are exactly those of `POST /folders/{id}/tasks` or `POST /folders/{id}/folders`. Each
operation runs through the same code as those endpoints (so it is validated, access-checked and
announced to webhooks the same way); one bad operation does not stop the others. The job's
`result.operations` lists, in order, `{"type", "parentId", "status": "Completed", "id"}` or
`{"type", "parentId", "status": "Failed", "error", "errorDescription"}`.

[I] our choices: the work runs at once, but `POST /batch` answers with the job as queued, so clients
poll as they must with Wrike; the job is `Failed` only when no operation succeeded. The kind is
`asyncJob` for both endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.routes import folders, tasks
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity, Workspace
from wrike_mcp.sandbox.wire import ID_RE, Params, WrikeError, envelope, invalid_parameter

router = Router()
MAX_OPERATIONS = 100  # [C] CHANGELOG 2025-12-30

Creator = Callable[[Workspace, str, str, Params], Entity]

# Each operation type: how it creates, and which parameters its single-item endpoint accepts.
OPERATIONS: dict[str, tuple[Creator, frozenset[str]]] = {
    "TaskCreation": (tasks.create_task, frozenset(tasks.CREATE_PARAMS)),
    "FolderCreation": (folders.create_folder, frozenset(folders.CREATE_PARAMS)),
}


@router.route("POST", "/batch", scopes=WS_WRITE, params=("operations",))
async def post_batch(call: Call) -> dict[str, Any]:
    operations = call.params.array("operations", required=True, max_items=MAX_OPERATIONS)
    if not operations:
        raise invalid_parameter("operations")
    outcomes = [_run(call.ws, call.user_id, op) for op in operations]
    done = sum(outcome["status"] == "Completed" for outcome in outcomes)
    job: Entity = {
        "id": call.ws.new_id("async_jobs"), "status": "Completed" if done else "Failed",
        "progressPercent": 100, "totalCount": len(outcomes), "processedCount": len(outcomes),
        "type": "Batch", "result": {"operations": outcomes},
    }  # fmt: skip
    if not done:
        job["errorMessage"] = "No operation succeeded"
    call.ws["async_jobs"][job["id"]] = job
    queued = {"id": job["id"], "status": "InQueue", "progressPercent": 0, "totalCount": len(outcomes),
              "processedCount": 0, "type": "Batch"}  # fmt: skip
    return envelope("asyncJob", [queued])


@router.route("GET", "/async_job/{asyncJobId}", scopes=WS_READ)
async def get_async_job(call: Call) -> dict[str, Any]:
    job = call.entity("async_jobs", call.path["asyncJobId"], "Async job")
    return envelope("asyncJob", [{k: v for k, v in job.items() if not k.startswith("_")}])


def _run(ws: Workspace, user_id: str, operation: Any) -> Entity:
    """One operation's outcome; every Wrike error becomes a per-operation failure."""
    kind = operation.get("type") if isinstance(operation, dict) else None
    parent_id = operation.get("parentId") if isinstance(operation, dict) else None
    outcome: Entity = {"type": kind, "parentId": parent_id}
    try:
        if kind not in OPERATIONS:
            raise invalid_parameter("type")
        if not isinstance(parent_id, str) or not ID_RE.match(parent_id):
            raise invalid_parameter("parentId")
        raw = operation.get("params", {})
        if not isinstance(raw, dict):
            raise invalid_parameter("params")
        create, accepted = OPERATIONS[kind]
        params = Params(raw)
        params.reject_unknown(accepted)
        entity = create(ws, user_id, parent_id, params)
    except WrikeError as error:
        return {**outcome, "status": "Failed", "error": error.code, "errorDescription": error.description}
    return {**outcome, "status": "Completed", "id": entity["id"]}
