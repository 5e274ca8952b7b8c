"""The pieces behind wait_for_events and the resources: mailboxes, which hooks are whose, what a caller may
see, and the event resource URIs. In memory, on a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import pytest

from wrike_mcp.clock import FakeClock
from wrike_mcp.webhooks.event_scopes import EventQuery, EventScope
from wrike_mcp.webhooks.events import WebhookEvent, parse_event
from wrike_mcp.webhooks.hub import EventHub
from wrike_mcp.webhooks.mailbox import Mailboxes
from wrike_mcp.webhooks.visibility import CallerView, HookDirectory, event_area
from wrike_mcp.wrike.client import WrikeCredentials

HOOK = {"id": "HOOK1", "folderId": "FOLDER1"}
EVERY_AREA = frozenset({"tasks", "folders", "comments", "attachments", "timelogs"})


class StuckClock(FakeClock):
    """A clock whose sleep lasts until it is cancelled: a wait can only end by an event."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.Event().wait()


def event(event_type: str = "TaskCreated", **fields: Any) -> WebhookEvent:
    base = {"eventType": event_type, "webhookId": "HOOK1", "taskId": "TASK1"}
    return parse_event({**base, **fields})


class Fetcher:
    def __init__(self, hooks: Sequence[Mapping[str, Any]]) -> None:
        self.hooks = hooks
        self.calls = 0

    async def __call__(self, credentials: WrikeCredentials) -> Sequence[Mapping[str, Any]]:
        self.calls += 1
        return self.hooks


def view(clock: FakeClock, areas: frozenset[str] = EVERY_AREA) -> CallerView:
    directory = HookDirectory(Fetcher([]), clock)
    directory.remember("me", HOOK)
    return CallerView("me", areas, directory)


async def test_a_wait_ends_as_soon_as_an_event_arrives_from_another_thread() -> None:
    clock, hub = StuckClock(), EventHub()
    box = Mailboxes(hub, clock).open("me", view(clock))
    waiting = asyncio.create_task(box.wait(EventQuery(), 10, timeout=60))
    await asyncio.sleep(0)  # let the wait start
    await anyio.to_thread.run_sync(hub.publish, [event()])
    with anyio.fail_after(5):
        arrived = await waiting
    assert [e.eventType for e in arrived] == ["TaskCreated"]


async def test_events_wait_between_calls_and_unmatched_ones_stay_for_other_queries() -> None:
    clock, hub = FakeClock(), EventHub()
    box = Mailboxes(hub, clock).open("me", view(clock))
    hub.publish([event(), event("CommentAdded", commentId="C1"), event("TaskDeleted")])
    await asyncio.sleep(0)  # the hand-over is scheduled on the loop
    comments = await box.wait(EventQuery.build(["CommentAdded"]), 10, timeout=0)
    rest = await box.wait(EventQuery(), 1, timeout=0)
    box.put_back(rest)
    again = await box.wait(EventQuery(), 10, timeout=0)
    assert [e.eventType for e in comments] == ["CommentAdded"]
    assert [e.eventType for e in rest] == ["TaskCreated"]
    assert [e.eventType for e in again] == ["TaskCreated", "TaskDeleted"]


async def test_a_mailbox_is_bounded_and_counts_what_it_dropped() -> None:
    clock, hub = FakeClock(), EventHub()
    box = Mailboxes(hub, clock, cap=2).open("me", view(clock))
    hub.publish([event(taskId=f"T{n}") for n in range(3)])
    await asyncio.sleep(0)
    kept = await box.wait(EventQuery(), 10, timeout=0)
    assert [e.taskId for e in kept] == ["T1", "T2"] and box.dropped == 1


async def test_idle_mailboxes_close_and_leave_the_hub() -> None:
    clock, hub = FakeClock(), EventHub()
    boxes = Mailboxes(hub, clock, idle_ttl=600)
    first = boxes.open("a", view(clock))
    assert boxes.open("a", view(clock)) is first and hub.subscriber_count == 1
    clock.advance(601)
    boxes.open("b", view(clock))
    assert first.closed and len(boxes) == 1 and hub.subscriber_count == 1


@pytest.mark.parametrize(
    ("event_type", "fields", "area"),
    [
        ("TaskCreated", {}, "tasks"),
        ("CommentAdded", {"commentId": "C"}, "comments"),
        ("FolderCommentAdded", {"folderId": "F", "taskId": None, "commentId": "C"}, "comments"),
        ("AttachmentAdded", {"attachmentId": "A"}, "attachments"),
        ("TimelogChanged", {}, "timelogs"),
        ("FolderCreated", {"folderId": "F", "taskId": None}, "folders"),
        ("SomethingNew", {}, "tasks"),
        ("SomethingNew", {"taskId": None}, None),
    ],
)
def test_each_event_belongs_to_the_area_it_reveals(
    event_type: str, fields: dict[str, Any], area: str | None
) -> None:
    assert event_area(event(event_type, **fields)) == area


def test_a_caller_sees_only_its_own_hooks_events_in_areas_it_may_read() -> None:
    clock = FakeClock()
    mine = view(clock, frozenset({"tasks"}))
    assert mine.visible(event())
    assert not mine.visible(event(webhookId="SOMEONE-ELSES"))
    assert not mine.visible(event("CommentAdded", commentId="C1"))
    assert not mine.visible(event("SomethingNew", taskId=None))


async def test_the_hook_directory_asks_wrike_again_only_when_its_answer_is_old() -> None:
    clock = FakeClock()
    fetch = Fetcher([HOOK])
    directory = HookDirectory(fetch, clock, ttl=30)
    credentials = WrikeCredentials("token")
    await directory.refresh("me", credentials)
    await directory.refresh("me", credentials)
    clock.advance(31)
    await directory.refresh("me", credentials)
    directory.remember("me", {"id": "HOOK2"})
    assert fetch.calls == 2 and set(directory.snapshot("me")) == {"HOOK1", "HOOK2"}
    assert directory.snapshot("someone else") == {}


@pytest.mark.parametrize(
    ("uri", "scope"),
    [
        ("wrike://events/all", EventScope("all")),
        ("wrike://events/webhook/HOOK1", EventScope("webhook", "HOOK1")),
        ("wrike://events/folder/IEAB:C=", EventScope("folder", "IEAB:C=")),
        ("wrike://events/task/T1", EventScope("task", "T1")),
        ("wrike://events/task/T1/more", None),
        ("wrike://events/space/S1", None),
        ("wrike://events/task/a%2Fb", None),
        ("https://events/all", None),
    ],
)
def test_resource_uris_name_exactly_one_scope(uri: str, scope: EventScope | None) -> None:
    assert EventScope.parse(uri) == scope
    assert scope is None or scope.uri == uri


def test_a_folder_scope_takes_events_of_hooks_on_that_folder_and_about_it() -> None:
    hooks = {"HOOK1": HOOK}
    folder = EventScope("folder", "FOLDER1")
    assert folder.matches(event(), hooks)
    assert folder.matches(event("FolderTitleChanged", webhookId="X", taskId=None, folderId="FOLDER1"), hooks)
    assert not folder.matches(event(webhookId="ACCOUNT-HOOK"), hooks)
    assert EventQuery.build(folder_ids=["FOLDER1"]).matches(event(), hooks)
    assert not EventQuery.build(task_ids=["T9"], folder_ids=["F9"]).matches(event(), hooks)
