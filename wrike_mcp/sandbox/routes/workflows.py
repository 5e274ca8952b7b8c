"""Workflows and their custom statuses. [C] wrike-api.md §4.10

Reading is open to the workspace scopes and both workflow scopes; creating and changing a workflow
needs `amReadWriteWorkflow` and nothing else, so a Default token cannot do it. [C] §1.4 (DOC2020)
There is no `GET /workflows/{id}` and no way to delete a status (hide it instead). [C]
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.activity_common import container
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import WrikeError, envelope, invalid_parameter, not_allowed

router = Router()

WORKFLOW_READ = frozenset(
    {"Default", "amReadOnlyWorkflow", "amReadWriteWorkflow", "wsReadOnly", "wsReadWrite"}
)
WORKFLOW_WRITE = frozenset({"amReadWriteWorkflow"})
STATUS_GROUPS = ("Active", "Completed", "Deferred", "Cancelled")
STATUS_COLORS = (
    "Brown", "Red", "Purple", "Indigo", "DarkBlue", "Blue", "Turquoise", "DarkCyan", "Green",
    "YellowGreen", "Yellow", "Orange", "Gray",
)  # fmt: skip
# What a new workflow starts with: one standard status per group. [I] our choice, mirrors the default
NEW_WORKFLOW_STATUSES = (("New", "Blue", "Active"), ("Completed", "Green", "Completed"),
                         ("On Hold", "Gray", "Deferred"), ("Cancelled", "Gray", "Cancelled"))  # fmt: skip
_ORDER = ("id", "name", "standard", "hidden", "customStatuses", "description")


def render_workflow(ws: Workspace, workflow: Entity, fields: set[str]) -> Entity:
    out = {k: workflow[k] for k in _ORDER if k in workflow}
    if "dataUsageStatistics" in fields:
        out["dataUsageStatistics"] = _usage(ws, workflow)
    return out


def _usage(ws: Workspace, workflow: Entity) -> dict[str, int]:
    """How many tasks and projects use the workflow's statuses. [I] shape not in our sources"""
    status_ids = {s["id"] for s in workflow["customStatuses"]}
    tasks = sum(1 for t in ws["tasks"].values() if t.get("customStatusId") in status_ids)
    projects = sum(
        1 for f in ws["folders"].values() if (f.get("project") or {}).get("customStatusId") in status_ids
    )
    return {"tasksCount": tasks, "projectsCount": projects}


@router.route("GET", "/workflows", scopes=WORKFLOW_READ, params=("fields",))
async def list_workflows(call: Call) -> dict[str, Any]:
    fields = call.params.fields(("dataUsageStatistics",))
    return envelope("workflows", [render_workflow(call.ws, w, fields) for w in call.ws["workflows"].values()])


@router.route("GET", "/spaces/{spaceId}/workflows", scopes=WORKFLOW_READ, params=("fields",))
async def list_space_workflows(call: Call) -> dict[str, Any]:
    fields = call.params.fields(("dataUsageStatistics",))
    space = container(call, "spaces", call.path["spaceId"])  # 404 unknown, 403 a private space
    wanted = space_workflow_ids(call.ws, space)
    data = [render_workflow(call.ws, w, fields) for w in call.ws["workflows"].values() if w["id"] in wanted]
    return envelope("workflows", data)


def space_workflow_ids(ws: Workspace, space: Entity) -> set[str]:
    """A space's workflows: the ones it names as default or suggested, the ones created for it, and
    the standard workflow every space can use. [I] our choice"""
    named = {space.get("defaultProjectWorkflowId"), space.get("defaultTaskWorkflowId")}
    for key in ("suggestedProjectWorkflowIds", "suggestedTaskWorkflowIds"):
        named.update(space.get(key) or [])
    named.update(
        w["id"] for w in ws["workflows"].values() if w.get("standard") or w.get("_spaceId") == space["id"]
    )
    return {i for i in named if isinstance(i, str)}


def _text(call: Call, name: str, limit: int, *, required: bool = False) -> str | None:
    value = call.params.text(name, required, non_empty=(name == "name"))
    if value is not None and len(value) > limit:
        raise invalid_parameter(name)
    return value


def _new_status(ws: Workspace, name: str, color: str, group: str, *, standard: bool, hidden: bool) -> Entity:
    return {"standardName": False, "standard": standard, "id": ws.new_id("custom_statuses"), "name": name,
            "color": color, "group": group, "hidden": hidden}  # fmt: skip


@router.route("POST", "/workflows", scopes=WORKFLOW_WRITE, params=("name", "description"))
async def create_workflow(call: Call) -> dict[str, Any]:
    name = _text(call, "name", 128, required=True)
    description = _text(call, "description", 2000)
    ws = call.ws
    workflow: Entity = {
        "id": ws.new_id("workflows"), "name": name, "standard": False, "hidden": False,
        "customStatuses": [_new_status(ws, n, c, g, standard=True, hidden=False)
                           for n, c, g in NEW_WORKFLOW_STATUSES],
        "description": description or "",
    }  # fmt: skip
    ws["workflows"][workflow["id"]] = workflow
    return envelope("workflows", [render_workflow(ws, workflow, set())])


@router.route(
    "PUT", "/workflows/{workflowId}", scopes=WORKFLOW_WRITE,
    params=("name", "description", "hidden", "customStatus"),
)  # fmt: skip
async def update_workflow(call: Call) -> dict[str, Any]:
    workflow = call.entity("workflows", call.path["workflowId"], "Workflow")
    name = _text(call, "name", 128)
    description = _text(call, "description", 2000)
    hidden = call.params.flag("hidden")
    status = call.params.obj("customStatus")
    if workflow.get("standard") and (name is not None or hidden):
        # The default workflow "can't be deleted or renamed". [C] NANGO description; code [I]
        raise not_allowed("The standard workflow cannot be renamed or hidden")
    if status is not None:
        _apply_status(call.ws, workflow, status)
    if name is not None:
        workflow["name"] = name
    if description is not None:
        workflow["description"] = description
    if hidden is not None:
        workflow["hidden"] = hidden
    return envelope("workflows", [render_workflow(call.ws, workflow, set())])


def _apply_status(ws: Workspace, workflow: Entity, status: dict[str, Any]) -> None:
    """Insert (name + group, no id) or update (id, no group) one custom status. [C] DOC2020 model95"""
    if set(status) - {"id", "name", "group", "color", "hidden"} or ("id" in status) == ("group" in status):
        # "ID and group cannot be set simultaneously; ID is required for update, group for insert"
        raise invalid_parameter("customStatus")
    name, color, hidden = status.get("name"), status.get("color"), status.get("hidden")
    if (
        (name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 128))
        or (color is not None and color not in STATUS_COLORS)
        or (hidden is not None and not isinstance(hidden, bool))
    ):
        raise invalid_parameter("customStatus")
    if "group" in status:
        if status["group"] not in STATUS_GROUPS or name is None:
            raise invalid_parameter("customStatus")
        workflow["customStatuses"].append(
            _new_status(ws, name, color or "Gray", status["group"], standard=False, hidden=bool(hidden))
        )
        return
    current = next((s for s in workflow["customStatuses"] if s["id"] == status["id"]), None)
    if current is None:
        raise invalid_parameter("customStatus")
    if hidden and current["standard"]:
        # Each group keeps its standard (default) status visible. [I] our choice
        raise WrikeError(400, "invalid_parameter", "The standard status of a group cannot be hidden")
    if name is not None and name != current["name"]:
        current.update({"name": name, "standardName": False})
    current.update({k: v for k, v in (("color", color), ("hidden", hidden)) if v is not None})
