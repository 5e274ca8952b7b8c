"""The event hub: filtered fan-out, waits with timeouts, the visibility hook, bounded queues."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from wrike_mcp.webhooks import EventFilter, EventHub, TooManySubscribers, WebhookEvent, parse_event

TINY = 0.05  # seconds: the only real waits in these tests are timeouts that must expire


def event(event_type: str = "TaskCreated", **fields: Any) -> WebhookEvent:
    subject = {"folderId": "MQAAAAF1"} if event_type.startswith("Folder") else {"taskId": "MAAAAAT1"}
    return parse_event({"webhookId": "IEAGSBX1JAAAAAAB", "eventType": event_type, **subject, **fields})


async def test_wait_returns_the_next_matching_events() -> None:
    hub = EventHub()
    waiting = asyncio.create_task(hub.wait(EventFilter.build(event_types={"CommentAdded"}), timeout=5))
    await asyncio.sleep(0)  # let the wait subscribe
    created, commented = event("TaskCreated"), event("CommentAdded", commentId="IM1")
    hub.publish([created, commented])
    assert await waiting == [commented]
    assert hub.subscriber_count == 0


async def test_wait_times_out_with_an_empty_list() -> None:
    hub = EventHub()
    hub.publish([event()])  # before the wait: not replayed
    assert await hub.wait(None, timeout=TINY) == []


async def test_queued_events_return_at_once_oldest_first_up_to_max() -> None:
    hub = EventHub()
    with hub.subscribe() as subscription:
        events = [event(taskId=f"MAAAAAT{i}") for i in range(5)]
        hub.publish(events)
        assert await subscription.next(timeout=5, max_events=3) == events[:3]
        assert await subscription.next(timeout=5) == events[3:]


async def test_visibility_hook_withholds_events_the_agent_may_not_see() -> None:
    hub = EventHub()
    allowed = {"MAAAAAT1"}
    visible = EventFilter.build(visible=lambda e: e.taskId in allowed)
    with hub.subscribe(visible) as subscription:
        hub.publish([event(taskId="MAAAAAT2"), event(taskId="MAAAAAT1")])
        assert [e.taskId for e in subscription.drain()] == ["MAAAAAT1"]


async def test_failing_visibility_hook_fails_closed(caplog: pytest.LogCaptureFixture) -> None:
    def broken(_event: WebhookEvent) -> bool:
        raise RuntimeError("policy backend down")

    hub = EventHub()
    with hub.subscribe(EventFilter(visible=broken)) as subscription:
        hub.publish([event()])
        assert subscription.drain() == []
    assert "visibility check failed" in caplog.text


def test_filters_by_subject_type_and_hook() -> None:
    by_subject = EventFilter.build(task_ids={"MAAAAAT1"}, folder_ids={"MQAAAAF1"})
    assert by_subject.matches(event(taskId="MAAAAAT1"))
    assert by_subject.matches(event("FolderCreated"))
    assert not by_subject.matches(event(taskId="MAAAAAT2"))
    by_hook = EventFilter.build(webhook_ids={"IEAGSBX1JAAAAAAC"}, event_types={"TaskCreated"})
    assert not by_hook.matches(event())
    assert by_hook.matches(event(webhookId="IEAGSBX1JAAAAAAC"))
    assert not by_hook.matches(event("TaskDeleted", webhookId="IEAGSBX1JAAAAAAC"))


def test_full_queue_drops_the_oldest_and_counts() -> None:
    hub = EventHub(queue_cap=2)
    with hub.subscribe() as subscription:
        events = [event(taskId=f"MAAAAAT{i}") for i in range(5)]
        hub.publish(events)
        assert subscription.dropped == 3 and subscription.delivered == 5
        assert subscription.drain() == events[3:]


def test_subscriber_count_is_capped() -> None:
    hub = EventHub(max_subscribers=1)
    with hub.subscribe(), pytest.raises(TooManySubscribers):
        hub.subscribe()


async def test_publish_from_another_thread_wakes_the_waiter() -> None:
    hub = EventHub()
    with hub.subscribe() as subscription:
        waiting = asyncio.create_task(subscription.next(timeout=5))
        await asyncio.sleep(0)
        publisher = threading.Thread(target=hub.publish, args=([event()],))
        publisher.start()
        assert [e.eventType for e in await waiting] == ["TaskCreated"]
        publisher.join()


async def test_callback_runs_on_the_given_loop_for_matching_events() -> None:
    hub = EventHub()
    loop = asyncio.get_running_loop()
    seen: asyncio.Queue[list[WebhookEvent]] = asyncio.Queue()
    only_comments = EventFilter.build(event_types={"CommentAdded"})
    with hub.subscribe(only_comments, cap=0, on_events=seen.put_nowait, loop=loop) as subscription:
        hub.publish([event(), event("CommentAdded", commentId="IM1")])
        batch = await asyncio.wait_for(seen.get(), 5)
        assert [e.eventType for e in batch] == ["CommentAdded"]
        assert subscription.pending == 0  # callback-only subscription queues nothing


async def test_closing_a_subscription_releases_its_waiter() -> None:
    hub = EventHub()
    subscription = hub.subscribe()
    waiting = asyncio.create_task(subscription.next(timeout=5))
    await asyncio.sleep(0)
    subscription.close()
    assert await asyncio.wait_for(waiting, 1) == []
    hub.publish([event()])
    assert subscription.pending == 0
