"""The seeded workspace and the task-date rules, without HTTP: determinism, speed, invariants."""

from __future__ import annotations

import time

import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.sandbox.items_access import ancestors, can_access
from wrike_mcp.sandbox.items_dates import normalise_dates
from wrike_mcp.sandbox.seeding import build_workspace
from wrike_mcp.sandbox.store import Workspace
from wrike_mcp.sandbox.wire import WrikeError

WORK_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def seeded(size: int = 60, seed: int = 7) -> Workspace:
    return build_workspace(seed, size, FakeClock())


def test_same_seed_same_workspace() -> None:
    a, b = seeded(), seeded()
    assert [(t["id"], t["title"], t["dates"]) for t in a["tasks"].values()] == [
        (t["id"], t["title"], t["dates"]) for t in b["tasks"].values()
    ]
    assert list(seeded(seed=8)["tasks"]) != list(a["tasks"])


def test_ten_thousand_tasks_seed_in_under_three_seconds() -> None:
    started = time.perf_counter()
    ws = seeded(10_000)
    assert time.perf_counter() - started < 3
    assert len(ws["tasks"]) == 10_000


def test_tree_links_statuses_and_subtasks_are_consistent() -> None:
    ws = seeded(200)
    folders, tasks = ws["folders"], ws["tasks"]
    for folder in folders.values():
        assert all(folder["id"] in folders[c]["parentIds"] for c in folder["childIds"])
        assert all(folder["id"] in folders[p]["childIds"] for p in folder["parentIds"])
    groups = {s["id"]: s["group"] for wf in ws["workflows"].values() for s in wf["customStatuses"]}
    for task in tasks.values():
        assert groups[task["customStatusId"]] == task["status"]
        assert ("completedDate" in task) == (task["status"] == "Completed")
        assert all(task["id"] in tasks[s]["subTaskIds"] for s in task["superTaskIds"])
        assert task["createdDate"] <= task["updatedDate"] <= ws.now_iso()
    assert sum(1 for t in tasks.values() if t["subTaskIds"]) >= 10
    assert any(t["customFields"] for t in tasks.values())
    assert {wf["name"] for wf in ws["workflows"].values()} >= {"Default Workflow", "Software Delivery"}
    assert {f["type"] for f in ws["customfields"].values()} >= {
        "Text",
        "Numeric",
        "DropDown",
        "Checkbox",
        "Date",
    }


def test_private_space_visibility_and_ancestors() -> None:
    ws = seeded()
    leadership = next(s for s in ws["spaces"].values() if s["title"] == "Leadership")
    people = [c["id"] for c in ws["contacts"].values() if c["type"] == "Person"]
    assert {m["id"] for m in leadership["members"]} == set(people[:2])
    board = next(f for f in ws["folders"].values() if f["title"] == "Board Meetings")
    assert ancestors(ws, board) == {leadership["id"], ws.root_id}
    subtask = next(t for t in ws["tasks"].values() if t["superTaskIds"])
    assert ancestors(ws, ws["tasks"][subtask["superTaskIds"][0]]) <= ancestors(ws, subtask)
    assert can_access(ws, people[0], board) and can_access(ws, people[1], board)
    assert not can_access(ws, people[2], board)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"start": "2026-10-10", "due": "2026-10-15"},
         {"type": "Planned", "duration": 1920, "start": "2026-10-12T09:00:00", "due": "2026-10-15T17:00:00"}),
        ({"start": "2026-10-12", "duration": 960},
         {"type": "Planned", "duration": 960, "start": "2026-10-12T09:00:00", "due": "2026-10-13T17:00:00"}),
        ({"start": "2026-10-16", "due": "2026-10-19"},
         {"type": "Planned", "duration": 960, "start": "2026-10-16T09:00:00", "due": "2026-10-19T17:00:00"}),
        ({"start": "2026-10-10", "due": "2026-10-11", "workOnWeekends": True},
         {"type": "Planned", "duration": 960, "start": "2026-10-10T09:00:00", "due": "2026-10-11T17:00:00",
          "workOnWeekends": True}),
        ({"due": "2026-10-15"}, {"type": "Milestone", "due": "2026-10-15T17:00:00"}),
        ({"duration": 480}, {"type": "Backlog", "duration": 480}),
        (None, {"type": "Backlog"}),
    ],
)  # fmt: skip
def test_task_dates_follow_the_working_calendar(raw: object, expected: dict[str, object]) -> None:
    assert normalise_dates(raw, WORK_DAYS) == expected


@pytest.mark.parametrize(
    "raw",
    [{"start": "2026-10-10Z"}, {"start": "2026-13-01"}, {"due": "2100-01-01"}, {"type": "Sometime"},
     {"duration": 1_800_000}, {"start": "2026-10-15", "due": "2026-10-12"}, {"colour": "red"}],
)  # fmt: skip
def test_invalid_task_dates_are_refused(raw: object) -> None:
    with pytest.raises(WrikeError) as caught:
        normalise_dates(raw, WORK_DAYS)
    assert caught.value.code == "invalid_parameter"
