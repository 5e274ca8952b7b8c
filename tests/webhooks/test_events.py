"""Every event type of wrike-api.md §6.4 parses into its model; nothing unknown is dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from wrike_mcp.sandbox.routes.webhooks import EVENT_TYPES as SANDBOX_EVENT_TYPES
from wrike_mcp.webhooks import EVENT_MODELS, DeliveryFormatError, GenericEvent, dedupe_key, parse_delivery
from wrike_mcp.webhooks.events import CommentAdded, TaskStatusChanged

COMMON = {
    "webhookId": "IEAGSBX1JAAAAAAB",
    "eventAuthorId": "KUAZR5CO",
    "lastUpdatedDate": "2026-10-10T12:00:00Z",
}
TASK = {"taskId": "MAAAAAERHC9R"}
FOLDER = {"folderId": "MQAAAAEBPQ"}
COMMENT = {"commentId": "IEAGSBX1IMAAAAAB", "comment": {"text": "hi", "html": "<p>hi</p>"}}
CUSTOM = {"customFieldId": "IEAGSBX1JUAAAAAB", "oldValue": "1", "value": "2"}
STATUS = {"oldStatus": "Active", "status": "Completed",
          "oldCustomStatusId": "IEAGSBX1JMAAAAAA", "customStatusId": "IEAGSBX1JMAAAAAB"}  # fmt: skip
DATES = {"type": "Planned", "duration": 480, "start": "2026-10-12", "due": "2026-10-12"}

# The event-specific fields of §6.5 for each type (subject included).
SAMPLES: dict[str, dict[str, Any]] = {
    "TaskCreated": TASK, "TaskDeleted": TASK, "TaskDescriptionChanged": TASK,
    "TaskTitleChanged": {**TASK, "oldValue": "Old", "title": "New"},
    "TaskImportanceChanged": {**TASK, "oldValue": "Normal", "importance": "High"},
    "TaskStatusChanged": {**TASK, **STATUS},
    "TaskDatesChanged": {**TASK, "oldValue": {"type": "Backlog"}, "dates": DATES},
    "TaskParentsAdded": {**TASK, "addedParents": ["MQAAAAEBPQ"]},
    "TaskParentsRemoved": {**TASK, "removedParents": ["MQAAAAEBPQ"]},
    "TaskResponsiblesAdded": {**TASK, "addedResponsibles": ["KUAZR5CO"]},
    "TaskResponsiblesRemoved": {**TASK, "removedResponsibles": ["KUAZR5CO"]},
    "TaskSharedsAdded": {**TASK, "addedShareds": ["KUAZR5CO"]},
    "TaskSharedsRemoved": {**TASK, "removedShareds": ["KUAZR5CO"]},
    "TaskCustomFieldChanged": {**TASK, **CUSTOM},
    "TaskApprovalStatusChanged": {**TASK, "approvalId": "IEAGSBX1AP"},
    "TaskApprovalDecisionChanged": {**TASK, "approvalId": "IEAGSBX1AP"},
    "TaskApprovalDecisionReset": {**TASK, "approvalId": "IEAGSBX1AP"},
    "AttachmentAdded": {**TASK, "attachmentId": "IEAGSBX1IYAAAAAB"},
    "AttachmentDeleted": {**TASK, "attachmentId": "IEAGSBX1IYAAAAAB"},
    "CommentAdded": {**TASK, **COMMENT}, "CommentDeleted": {**TASK, **COMMENT},
    "TimelogChanged": {**TASK, "timelogId": "IEAGSBX1JQAAAAAB", "type": "Added", "hours": 1.5},
    "FolderCreated": FOLDER, "FolderDeleted": FOLDER, "FolderDescriptionChanged": FOLDER,
    "FolderTitleChanged": {**FOLDER, "oldValue": "Old", "title": "New"},
    "FolderParentsAdded": {**FOLDER, "addedParents": ["MQAAAAEBPR"]},
    "FolderParentsRemoved": {**FOLDER, "removedParents": ["MQAAAAEBPR"]},
    "FolderSharedsAdded": {**FOLDER, "addedShareds": ["KUAZR5CO"]},
    "FolderSharedsRemoved": {**FOLDER, "removedShareds": ["KUAZR5CO"]},
    "FolderCommentAdded": {**FOLDER, **COMMENT}, "FolderCommentDeleted": {**FOLDER, **COMMENT},
    "FolderAttachmentAdded": {**FOLDER, "attachmentId": "IEAGSBX1IYAAAAAC"},
    "FolderAttachmentDeleted": {**FOLDER, "attachmentId": "IEAGSBX1IYAAAAAC"},
    "FolderCustomFieldChanged": {**FOLDER, **CUSTOM},
    "FolderApprovalStatusChanged": {**FOLDER, "approvalId": "IEAGSBX1AP"},
    "FolderApprovalDecisionChanged": {**FOLDER, "approvalId": "IEAGSBX1AP"},
    "FolderApprovalDecisionReset": {**FOLDER, "approvalId": "IEAGSBX1AP"},
    "ProjectDatesChanged": {**FOLDER, "startDate": "2026-10-12", "endDate": "2026-10-20"},
    "ProjectOwnersAdded": {**FOLDER, "addedOwners": ["KUAZR5CO"]},
    "ProjectOwnersRemoved": {**FOLDER, "removedOwners": ["KUAZR5CO"]},
    "ProjectStatusChanged": FOLDER,
    "WorkItemTypeChanged": TASK, "CreateFromBlueprintCompleted": FOLDER, "ImportFromFileCompleted": FOLDER,
}  # fmt: skip


def _event(event_type: str, **extra: Any) -> dict[str, Any]:
    return {**SAMPLES.get(event_type, {}), **COMMON, "eventType": event_type, **extra}


def test_every_documented_event_type_has_a_model_and_a_sample() -> None:
    assert set(EVENT_MODELS) == set(SAMPLES) == SANDBOX_EVENT_TYPES
    assert len(EVENT_MODELS) == 45


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_each_event_type_parses_into_its_own_model(event_type: str) -> None:
    wire = _event(event_type)
    [event] = parse_delivery(json.dumps([wire], indent=2).encode())
    assert type(event) is EVENT_MODELS[event_type]
    assert event.eventType == event_type
    assert event.webhookId == COMMON["webhookId"]
    assert event.subject_id == (wire.get("taskId") or wire.get("folderId"))
    assert event.raw() == wire


def test_specific_fields_are_typed() -> None:
    [status, comment] = parse_delivery(
        json.dumps([_event("TaskStatusChanged"), _event("CommentAdded")]).encode()
    )
    assert isinstance(status, TaskStatusChanged) and status.status == "Completed"
    assert isinstance(comment, CommentAdded) and comment.comment is not None
    assert comment.comment.html == "<p>hi</p>"


def test_unknown_event_type_is_kept_with_every_raw_field() -> None:
    wire = {**COMMON, **TASK, "eventType": "TaskTeleported", "destination": {"planet": "Mars"}}
    [event] = parse_delivery(json.dumps([wire]).encode())
    assert isinstance(event, GenericEvent)
    assert event.taskId == TASK["taskId"] and event.raw() == wire


def test_known_type_that_does_not_fit_its_model_is_kept_as_generic() -> None:
    wire = {**COMMON, "eventType": "CommentAdded", "taskId": 42, "commentId": None}
    [event] = parse_delivery(json.dumps([wire]).encode())
    assert isinstance(event, GenericEvent)
    assert event.raw() == wire and event.taskId is None


def test_enrichment_fields_are_kept_on_typed_events() -> None:
    wire = _event("TaskCreated", task={"title": "Enriched", "importance": "High"})
    [event] = parse_delivery(json.dumps([wire]).encode())
    assert type(event) is EVENT_MODELS["TaskCreated"]
    assert event.raw()["task"] == {"title": "Enriched", "importance": "High"}


@pytest.mark.parametrize(
    "body", [b"not json", b"\xff\xfe", b'{"eventType": "TaskCreated"}', b"[1, 2]", b'[{"taskId": "X"}]']
)
def test_a_body_that_is_not_an_array_of_events_is_refused(body: bytes) -> None:
    with pytest.raises(DeliveryFormatError) as caught:
        parse_delivery(body)
    assert body.decode(errors="replace") not in str(caught.value)


def test_content_dedupe_key_ignores_formatting_but_not_content() -> None:
    wire = _event("TaskCreated")
    [pretty] = parse_delivery(json.dumps([wire], indent=2).encode())
    [compact] = parse_delivery(json.dumps([dict(reversed(list(wire.items())))]).encode())
    [other] = parse_delivery(json.dumps([_event("TaskCreated", taskId="MAAAAAOTHER")]).encode())
    assert dedupe_key(pretty) == dedupe_key(compact) != dedupe_key(other)


def test_idempotency_key_names_each_event_of_the_delivery() -> None:
    first, second = parse_delivery(json.dumps([_event("TaskCreated"), _event("TaskDeleted")]).encode())
    assert dedupe_key(first, "delivery-1", 0) == dedupe_key(second, "delivery-1", 0)
    assert dedupe_key(first, "delivery-1", 0) != dedupe_key(second, "delivery-1", 1)
    assert dedupe_key(first, "delivery-1", 0) != dedupe_key(first, "delivery-2", 0)
