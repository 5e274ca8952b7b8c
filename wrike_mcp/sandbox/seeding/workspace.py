"""The seeded workspace: spaces, a folder and project tree, a custom workflow, custom fields and tasks.

Everything is drawn from `rng` (and the workspace's own id generator, seeded alike), so one seed always
gives the same workspace. Names others can rely on:
- spaces "Engineering" and "Marketing" (Public), "Leadership" (Private: the owner and the admin),
  and "Personal" (the owner's personal space), each a top-level folder under Root with the same id;
- projects have `project` set (e.g. "API Gateway Migration" in Engineering); subtasks sit under Root
  (`parentIds: [root]`, as Wrike shows them) with `superTaskIds` set; from the 4th task on there is one;
- workflow "Software Delivery" (Engineering folders); custom fields "Story Points", "Customer",
  "Severity", "Customer Facing", "Target Release", "Budget" (space-level, Marketing).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from wrike_mcp.clock import iso_utc
from wrike_mcp.sandbox.items_dates import normalise_dates
from wrike_mcp.sandbox.items_model import default_workflow_id
from wrike_mcp.sandbox.items_tree import build_folder, build_space, build_task, make_subtask, member
from wrike_mcp.sandbox.items_tree import project_object as make_project
from wrike_mcp.sandbox.items_words import FIELDS, STATUSES, TREE, describe, title_for
from wrike_mcp.sandbox.store import Entity, Workspace

ORDER = 10
DAY = 86400.0
SUBTASK_SHARE = 0.08
IMPORTANCES = ("Normal",) * 5 + ("High",) * 2 + ("Low",)


def seed(ws: Workspace, rng: random.Random, size: int) -> None:
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    owner, admin = people[0], people[1]
    team = next((c["id"] for c in ws["contacts"].values() if c.get("myTeam")), owner)
    now = ws.clock.now()
    delivery = _add_workflow(ws)
    default = default_workflow_id(ws)
    space_ids = _add_spaces(ws, now, people, owner, admin, delivery, default)
    _add_custom_fields(ws, space_ids["Marketing"], owner, team)
    places = _add_tree(ws, rng, now, space_ids, people, owner, admin, team)
    _add_tasks(ws, rng, now, places, size)


def _add_workflow(ws: Workspace) -> str:
    workflow_id = ws.new_id("workflows")
    ws["workflows"][workflow_id] = {
        "id": workflow_id, "name": "Software Delivery", "standard": False, "hidden": False,
        "customStatuses": [
            {"standardName": False, "standard": standard, "id": ws.new_id("custom_statuses"), "name": name,
             "color": color, "group": group, "hidden": False}
            for name, color, group, standard in STATUSES
        ],
        "description": "From backlog to release, with a review step.",
    }  # fmt: skip
    return workflow_id


def _add_spaces(
    ws: Workspace, now: float, people: list[str], owner: str, admin: str, delivery: str, default: str
) -> dict[str, str]:
    created = iso_utc(now - 380 * DAY)
    everyone = [member(ws, p, p in (owner, admin)) for p in people]
    specs = (
        ("Engineering", "Public", everyone, delivery, "Where the product gets built."),
        ("Marketing", "Public", everyone, default, "Campaigns, content and launches."),
        ("Leadership", "Private", [member(ws, owner, True), member(ws, admin, True)], default,
         "Board and hiring matters: owner and admin only."),
        ("Personal", "Personal", [member(ws, owner, True)], default, ""),
    )  # fmt: skip
    ids = {}
    for title, access, members, workflow, text in specs:
        space = build_space(
            ws, title=title, access_type=access, author_id=owner, created=created, members=members,
            workflow_id=workflow, description=text,
        )  # fmt: skip
        ids[title] = space["id"]
    return ids


def _add_custom_fields(ws: Workspace, marketing: str, owner: str, team: str) -> None:
    for title, kind, settings, space_level in FIELDS:
        field_id = ws.new_id("customfields")
        base = {"inheritanceType": "All", "applicableEntityTypes": ["WorkItem"], "readOnly": False}
        field: Entity = {"id": field_id, "accountId": ws.account_id, "title": title, "type": kind}
        if space_level:
            field["spaceId"] = marketing
        field.update(sharedIds=[], sharing={}, settings={**base, **settings}, description="", archived=False)
        ws["customfields"][field_id] = field


class Place:
    """A folder or project that receives seeded tasks, with the people who work there."""

    def __init__(self, folder: Entity, space_id: str, people: list[str], weight: int) -> None:
        self.folder = folder
        self.space_id = space_id
        self.people = people
        self.weight = weight
        self.statuses: dict[str, list[str]] = {}


def _add_tree(
    ws: Workspace, rng: random.Random, now: float, spaces: dict[str, str], people: list[str],
    owner: str, admin: str, team: str,
) -> list[Place]:  # fmt: skip
    places: list[Place] = []
    for space_title, nodes in TREE.items():
        space_id = spaces[space_title]
        staff = [owner, admin] if space_title == "Leadership" else people
        shared = [owner, admin] if space_title == "Leadership" else [team, owner]
        stack: list[tuple[str, Any]] = [(space_id, n) for n in nodes]
        while stack:
            parent_id, (title, is_project, weight, children) = stack.pop(0)
            parent = ws["folders"][parent_id]
            created = now - rng.uniform(200, 360) * DAY
            author = rng.choice(staff)
            folder = build_folder(
                ws, title=title, parent_id=parent_id, author_id=author, created=iso_utc(created),
                workflow_id=parent["workflowId"], description=describe(rng, title), shared_ids=list(shared),
            )  # fmt: skip
            if is_project:
                folder["project"] = _project(ws, rng, created, author, staff, folder["workflowId"])
            if weight:
                places.append(Place(folder, space_id, staff, weight))
            stack.extend((folder["id"], child) for child in children)
    _status_tables(ws, places)
    return places


def _project(
    ws: Workspace, rng: random.Random, created: float, author: str, staff: list[str], workflow_id: str
) -> Entity:
    statuses = [s for s in ws["workflows"][workflow_id]["customStatuses"] if s["group"] == "Active"]
    start = datetime.fromtimestamp(created, UTC).date() + timedelta(days=rng.randint(0, 20))
    return make_project(
        author, sorted({author, rng.choice(staff)}), iso_utc(created), rng.choice(statuses)["id"],
        startDate=start.isoformat(), endDate=(start + timedelta(days=rng.randint(30, 200))).isoformat(),
    )  # fmt: skip


def _status_tables(ws: Workspace, places: list[Place]) -> None:
    for place in places:
        workflow = ws["workflows"][place.folder["workflowId"]]
        for status in workflow["customStatuses"]:
            place.statuses.setdefault(status["group"], []).append(status["id"])


def _add_tasks(ws: Workspace, rng: random.Random, now: float, places: list[Place], size: int) -> None:
    work_days = ws.account["workDays"]
    fields = list(ws["customfields"].values())
    weights = [p.weight for p in places]
    chosen = rng.choices(places, weights=weights, k=size)
    top_level: list[tuple[Entity, Place]] = []
    # Every 12 tasks, one subtask of the previous task and one of a random earlier task.
    for index, place in enumerate(chosen):
        created = now - rng.uniform(1, 365) * DAY
        dates = _dates(rng, created, work_days)
        group = _group(rng, dates, now)
        author = rng.choice(place.people)
        responsibles = rng.sample(place.people, k=min(len(place.people), rng.choice((0, 1, 1, 1, 2))))
        subtask_of = None
        if top_level and (index % 12 in (3, 7) or rng.random() < SUBTASK_SHARE / 2):
            subtask_of, place = top_level[-1] if index % 12 == 3 else rng.choice(top_level)
        task = build_task(
            ws, title=title_for(rng), parent_ids=[ws.root_id if subtask_of else place.folder["id"]],
            author_id=author, created=iso_utc(created), status=group,
            custom_status_id=rng.choice(place.statuses[group]), dates=dates,
            description=describe(rng, None), importance=rng.choice(IMPORTANCES),
            responsible_ids=responsibles, shared_ids=list(dict.fromkeys([author, *responsibles])),
            follower_ids=list(dict.fromkeys([author, *responsibles])),
        )  # fmt: skip
        _stamp_times(task, rng, created, now)
        _custom_values(task, rng, fields, place)
        if subtask_of is not None:
            make_subtask(ws, task, subtask_of)
        else:
            top_level.append((task, place))


def _dates(rng: random.Random, created: float, work_days: list[str]) -> dict[str, Any]:
    kind = rng.random()
    start = datetime.fromtimestamp(created, UTC).date() + timedelta(days=rng.randint(-5, 40))
    if kind < 0.25:
        return {"type": "Backlog"}
    if kind < 0.4:
        return normalise_dates({"due": start.isoformat()}, work_days)
    return normalise_dates({"start": start.isoformat(), "duration": 480 * rng.randint(1, 12)}, work_days)


def _group(rng: random.Random, dates: dict[str, Any], now: float) -> str:
    past = "due" in dates and dates["due"][:10] < iso_utc(now)[:10]
    roll = rng.random()
    if past:
        return (
            "Completed"
            if roll < 0.65
            else "Active"
            if roll < 0.85
            else "Deferred"
            if roll < 0.93
            else "Cancelled"
        )
    return "Active" if roll < 0.8 else "Deferred" if roll < 0.9 else "Completed"


def _stamp_times(task: Entity, rng: random.Random, created: float, now: float) -> None:
    updated = created + rng.uniform(0, now - created)
    task["updatedDate"] = iso_utc(updated)
    if task["status"] == "Completed":
        task["completedDate"] = iso_utc(created + rng.uniform(0, updated - created))


def _custom_values(task: Entity, rng: random.Random, fields: list[Entity], place: Place) -> None:
    if rng.random() > 0.4:
        return
    values = []
    for field in fields:
        if rng.random() < 0.5 and (field.get("spaceId") is None or field["spaceId"] == place.space_id):
            values.append({"id": field["id"], "value": _value_for(rng, field)})
    task["customFields"] = values


def _value_for(rng: random.Random, field: Entity) -> str:
    kind = field["type"]
    if kind == "Numeric":
        return str(rng.choice((1, 2, 3, 5, 8, 13)))
    if kind == "Currency":
        return str(rng.randrange(500, 50000, 250))
    if kind == "Checkbox":
        return rng.choice(("true", "false"))
    if kind == "Date":
        return (date(2026, 1, 5) + timedelta(weeks=rng.randint(0, 60))).isoformat()
    if kind == "DropDown":
        return str(rng.choice(field["settings"]["values"]))
    return rng.choice(("Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries"))
