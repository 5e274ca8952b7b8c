"""Seeded activity: timelog categories, comments, timelogs, a few attachments and one lock period.

Runs after the workspace seeder (tasks exist). Everything is drawn from `rng` and the workspace clock:
- comments on about a third of the tasks, spread over the last 30 days (so some fall in the 7-day
  window `GET /comments` uses), and a few on folders;
- timelogs on about a quarter of the tasks over the last 60 days;
- four attachments (text and a tiny PNG) within the last 20 days;
- one lock period on the folder of the first timelogged task, covering that task's earliest entry.
"""

from __future__ import annotations

import random
import struct
import zlib
from datetime import timedelta

from wrike_mcp.sandbox.activity_common import DAY, epoch_of, html_from_plain, shift_day, today
from wrike_mcp.sandbox.activity_records import add_lock, new_attachment, new_comment, new_timelog
from wrike_mcp.sandbox.store import Entity, Workspace

ORDER = 50

CATEGORIES = (("Development", False), ("Design", False), ("Meetings", False), ("Research", False),
              ("Support", False), ("Legacy", True))  # fmt: skip
REMARKS = (
    "Looks good to me.", "Can we move this to next sprint?", "I pushed a fix, please review.",
    "Blocked on the API change.\nWill update tomorrow.", "Customer confirmed the behaviour.",
    "Added notes from the call.", "Is the estimate still right?", "Done on my side & ready for QA.",
)  # fmt: skip
WORK = ("Implementation", "Code review", "Planning", "Bug fixing", "Writing docs", "Call with customer", "")


def seed(ws: Workspace, rng: random.Random, size: int) -> None:
    categories = _categories(ws)
    tasks = list(ws["tasks"].values())
    now = ws.clock.now()
    _comments(ws, rng, tasks, now)
    logged = _timelogs(ws, rng, tasks, categories, now)
    _attachments(ws, rng, tasks, now)
    if logged:
        _lock_period(ws, logged)


def _categories(ws: Workspace) -> list[str]:
    ids = []
    for order, (name, hidden) in enumerate(CATEGORIES):
        category_id = ws.new_id("timelog_categories")
        ws["timelog_categories"][category_id] = {
            "id": category_id,
            "name": name,
            "order": order,
            "hidden": hidden,
        }
        if not hidden:
            ids.append(category_id)
    return ids


def _people_of(ws: Workspace, item: Entity) -> list[str]:
    """Who works on an item: its authors and assignees (people who can see it)."""
    found = [*item.get("authorIds", ()), *item.get("responsibleIds", ())]
    if "project" in item:
        found.append(item["project"]["authorId"])
    return [p for p in dict.fromkeys(found) if ws["contacts"].get(p, {}).get("type") == "Person"] or [
        str(ws.account["ownerId"])
    ]


def _remark(rng: random.Random, ws: Workspace, people: list[str]) -> str:
    text = html_from_plain(rng.choice(REMARKS))
    if rng.random() < 0.15:
        who = ws["contacts"][rng.choice(people)]
        name = f"{who['firstName']} {who['lastName']}"
        mention = f'<a class="stream-user-id avatar" rel="{who["id"]}">&#64;{name}</a>'
        text = f"{mention} {text}"
    return text


def _comments(ws: Workspace, rng: random.Random, tasks: list[Entity], now: float) -> None:
    for task in tasks:
        if rng.random() >= 1 / 3:
            continue
        people = _people_of(ws, task)
        since = max(epoch_of(task["createdDate"]), now - 30 * DAY)
        for when in sorted(rng.uniform(since, now - 60) for _ in range(rng.randint(1, 3))):
            new_comment(ws, rng.choice(people), {"taskId": task["id"]}, _remark(rng, ws, people), when)
    folders = [f for f in ws["folders"].values() if f["scope"] == "WsFolder" and f["id"] not in ws["spaces"]]
    for folder in folders[:5]:
        people = [folder.get("project", {}).get("authorId") or str(ws.account["ownerId"])]
        when = now - rng.uniform(1, 6) * DAY
        new_comment(ws, people[0], {"folderId": folder["id"]}, _remark(rng, ws, people), when)


def _timelogs(
    ws: Workspace, rng: random.Random, tasks: list[Entity], categories: list[str], now: float
) -> list[Entity]:
    first_day = today(ws)
    logged = []
    for task in tasks:
        if rng.random() >= 1 / 4:
            continue
        people = _people_of(ws, task)
        for _ in range(rng.randint(1, 3)):
            tracked = first_day - timedelta(days=rng.randint(0, 59))
            created = min(now - 60, epoch_of(tracked.isoformat() + "T17:00:00Z"))
            logged.append(new_timelog(
                ws, user_id=rng.choice(people), task_id=task["id"], hours=rng.randint(1, 32) / 4,
                tracked=tracked.isoformat(), comment=html_from_plain(rng.choice(WORK)),
                category_id=rng.choice(categories) if rng.random() < 0.8 else None, created=created,
                billing=task.get("billingType", "NonBillable"),
            ))  # fmt: skip
    return logged


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG of one colour, small enough to seed and compare byte for byte."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x21\x96\xf3" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _attachments(ws: Workspace, rng: random.Random, tasks: list[Entity], now: float) -> None:
    files: list[tuple[str, bytes, str]] = [
        ("meeting-notes.txt", b"Agreed: ship the beta on Friday.\n", "text/plain"),
        ("diagram.png", tiny_png(), "image/png"),
        ("requirements.md", b"# Requirements\n\n- fast\n- correct\n", "text/markdown"),
        ("logo.png", tiny_png(3, 1), "image/png"),
    ]
    for task, (name, content, content_type) in zip(
        rng.sample(tasks, k=min(len(tasks), len(files))), files, strict=False
    ):
        new_attachment(
            ws, author_id=rng.choice(_people_of(ws, task)), parent={"taskId": task["id"]}, name=name,
            content=content, content_type=content_type, created=now - rng.uniform(1, 20) * DAY,
        )  # fmt: skip


def _lock_period(ws: Workspace, logged: list[Entity]) -> None:
    """Lock two weeks on the folder of the first logged task that sits in a real folder, starting at
    that task's earliest entry: some seeded timelogs are then locked."""
    for log in logged:
        parents = [
            p for p in ws["tasks"][log["taskId"]]["parentIds"] if p in ws["folders"] and p != ws.root_id
        ]
        if parents:
            folder_id = parents[0]
            start = min(entry["trackedDate"] for entry in logged if entry["taskId"] == log["taskId"])
            kind = "Space" if folder_id in ws["spaces"] else "Folder"
            add_lock(ws, {"id": folder_id, "type": kind}, start, shift_day(start, 13))
            return
