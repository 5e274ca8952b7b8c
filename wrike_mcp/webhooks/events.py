"""Typed webhook events: one model per event type of wrike-api.md §6.4, with the fields of §6.5.

Every model keeps unknown fields (`extra="allow"`): payload enrichment (`fields`, `parameterisedEvents`)
adds keys whose shape is not documented, and an agent must see them. An event whose type we do not know,
or whose fields do not fit its model, becomes a `GenericEvent` holding its raw fields: never dropped.

Field names are Wrike's own (camelCase), so `event.raw()` is the object Wrike sent.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError


class DeliveryFormatError(ValueError):
    """A delivery body that is not a JSON array of event objects. The message never quotes the body."""


class WebhookEvent(BaseModel):
    """Fields common to every event [C3] §6.5; `taskId` or `folderId` names the subject."""

    model_config = ConfigDict(extra="allow", frozen=True)
    subject_kind: ClassVar[str] = ""  # "task" or "folder" on typed events

    eventType: str
    webhookId: str | None = None
    eventAuthorId: str | None = None
    lastUpdatedDate: str | None = None
    taskId: str | None = None
    folderId: str | None = None
    _source: dict[str, Any] | None = PrivateAttr(default=None)  # the object as received, when parsed

    @property
    def subject_id(self) -> str | None:
        return self.taskId or self.folderId

    def raw(self) -> dict[str, Any]:
        """The event as Wrike sent it: the received object itself when parsed from a delivery."""
        if self._source is not None:
            return dict(self._source)
        return self.model_dump(mode="json", exclude_unset=True)

    def canonical_json(self) -> str:
        """Key-sorted, compact JSON: the same event always gives the same text, however it was indented."""
        return json.dumps(self.raw(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def content_key(self) -> str:
        """A stable hash of the event's content, for de-duplication."""
        return "sha256:" + hashlib.sha256(self.canonical_json().encode()).hexdigest()


class GenericEvent(WebhookEvent):
    """An event of a type we do not model (or that did not fit its model): raw fields kept."""


class TaskEvent(WebhookEvent):
    subject_kind: ClassVar[str] = "task"
    webhookId: str
    taskId: str


class FolderEvent(WebhookEvent):
    subject_kind: ClassVar[str] = "folder"
    webhookId: str
    folderId: str


# --- field groups shared by task and folder events ----------------------------------------------------


class _Title(BaseModel):
    oldValue: str | None = None
    title: str


class _CustomField(BaseModel):
    customFieldId: str
    oldValue: Any = None
    value: Any = None


class _Attachment(BaseModel):
    attachmentId: str


class CommentBody(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    text: str | None = None
    html: str | None = None


class _Comment(BaseModel):
    commentId: str
    comment: CommentBody | None = None


class _Approval(BaseModel):
    approvalId: str | None = None  # [I] §6.5


class _StatusChange(BaseModel):
    oldStatus: str | None = None
    status: str | None = None
    oldCustomStatusId: str | None = None
    customStatusId: str | None = None


# --- task events ---------------------------------------------------------------------------------------


class TaskCreated(TaskEvent): ...


class TaskDeleted(TaskEvent): ...


class TaskDescriptionChanged(TaskEvent): ...  # [I] common fields only: fetch the task


class TaskTitleChanged(TaskEvent, _Title): ...


class TaskImportanceChanged(TaskEvent):
    oldValue: str | None = None
    importance: str


class TaskStatusChanged(TaskEvent, _StatusChange):
    status: str
    customStatusId: str


class TaskDatesChanged(TaskEvent):
    oldValue: dict[str, Any] | None = None  # [I] the task-dates object {type, duration, start, due}
    dates: dict[str, Any] | None = None


class TaskParentsAdded(TaskEvent):
    addedParents: list[str]


class TaskParentsRemoved(TaskEvent):
    removedParents: list[str]


class TaskResponsiblesAdded(TaskEvent):
    addedResponsibles: list[str]


class TaskResponsiblesRemoved(TaskEvent):
    removedResponsibles: list[str]


class TaskSharedsAdded(TaskEvent):
    addedShareds: list[str]


class TaskSharedsRemoved(TaskEvent):
    removedShareds: list[str]


class TaskCustomFieldChanged(TaskEvent, _CustomField): ...


class TaskApprovalStatusChanged(TaskEvent, _Approval): ...


class TaskApprovalDecisionChanged(TaskEvent, _Approval): ...


class TaskApprovalDecisionReset(TaskEvent, _Approval): ...


class AttachmentAdded(TaskEvent, _Attachment): ...


class AttachmentDeleted(TaskEvent, _Attachment): ...


class CommentAdded(TaskEvent, _Comment): ...


class CommentDeleted(TaskEvent, _Comment): ...


class TimelogChanged(TaskEvent):
    """[I] §6.5: undocumented upstream; the sandbox sends timelogId and type (Added|Updated|Removed)."""

    timelogId: str | None = None
    type: str | None = None
    hours: float | None = None
    oldHours: float | None = None


# --- folder and project events ---------------------------------------------------------------------------


class FolderCreated(FolderEvent): ...


class FolderDeleted(FolderEvent): ...


class FolderDescriptionChanged(FolderEvent): ...


class FolderTitleChanged(FolderEvent, _Title): ...


class FolderParentsAdded(FolderEvent):
    addedParents: list[str]


class FolderParentsRemoved(FolderEvent):
    removedParents: list[str]


class FolderSharedsAdded(FolderEvent):
    addedShareds: list[str]


class FolderSharedsRemoved(FolderEvent):
    removedShareds: list[str]


class FolderCommentAdded(FolderEvent, _Comment): ...


class FolderCommentDeleted(FolderEvent, _Comment): ...


class FolderAttachmentAdded(FolderEvent, _Attachment): ...


class FolderAttachmentDeleted(FolderEvent, _Attachment): ...


class FolderCustomFieldChanged(FolderEvent, _CustomField): ...


class FolderApprovalStatusChanged(FolderEvent, _Approval): ...


class FolderApprovalDecisionChanged(FolderEvent, _Approval): ...


class FolderApprovalDecisionReset(FolderEvent, _Approval): ...


class ProjectStatusChanged(FolderEvent, _StatusChange): ...  # [C3] example has common fields only


class ProjectDatesChanged(FolderEvent):
    oldValue: dict[str, Any] | None = None  # [I]
    startDate: str | None = None  # [I]
    endDate: str | None = None  # [I]


class ProjectOwnersAdded(FolderEvent):
    addedOwners: list[str] | None = None  # [I]


class ProjectOwnersRemoved(FolderEvent):
    removedOwners: list[str] | None = None  # [I]


# --- other events: the subject may be a task or a folder [I] ------------------------------------------------


class WorkItemTypeChanged(WebhookEvent): ...


class CreateFromBlueprintCompleted(WebhookEvent): ...


class ImportFromFileCompleted(WebhookEvent): ...


EVENT_MODELS: dict[str, type[WebhookEvent]] = {
    cls.__name__: cls
    for cls in (
        TaskCreated, TaskDeleted, TaskTitleChanged, TaskImportanceChanged, TaskStatusChanged,
        TaskDatesChanged, TaskParentsAdded, TaskParentsRemoved, TaskResponsiblesAdded,
        TaskResponsiblesRemoved, TaskSharedsAdded, TaskSharedsRemoved, TaskDescriptionChanged,
        TaskCustomFieldChanged, TaskApprovalStatusChanged, TaskApprovalDecisionChanged,
        TaskApprovalDecisionReset, AttachmentAdded, AttachmentDeleted, CommentAdded, CommentDeleted,
        TimelogChanged, FolderCreated, FolderDeleted, FolderTitleChanged, FolderParentsAdded,
        FolderParentsRemoved, FolderSharedsAdded, FolderSharedsRemoved, FolderDescriptionChanged,
        FolderCommentAdded, FolderCommentDeleted, FolderAttachmentAdded, FolderAttachmentDeleted,
        FolderCustomFieldChanged, FolderApprovalStatusChanged, FolderApprovalDecisionChanged,
        FolderApprovalDecisionReset, ProjectDatesChanged, ProjectOwnersAdded, ProjectOwnersRemoved,
        ProjectStatusChanged, WorkItemTypeChanged, CreateFromBlueprintCompleted, ImportFromFileCompleted,
    )
}  # fmt: skip


def parse_event(data: dict[str, Any]) -> WebhookEvent:
    """The typed model for one event object; a `GenericEvent` when the type is unknown or does not fit."""
    event_type = data.get("eventType")
    if not isinstance(event_type, str) or not event_type:
        raise DeliveryFormatError("an event without a string eventType")
    event: WebhookEvent | None = None
    model = EVENT_MODELS.get(event_type)
    if model is not None:
        try:
            event = model.model_validate(data)
        except ValidationError:
            event = None  # kept below as a GenericEvent, with every field it had
    if event is None:
        event = GenericEvent.model_validate(_typed_common_only(data))
    event._source = dict(data)
    return event


def _typed_common_only(data: dict[str, Any]) -> dict[str, Any]:
    """The object without common fields of the wrong type, so a GenericEvent always validates
    (`raw()` still returns them, from the source)."""
    common = ("webhookId", "eventAuthorId", "lastUpdatedDate", "taskId", "folderId")
    return {k: v for k, v in data.items() if k not in common or v is None or isinstance(v, str)}


def parse_delivery(body: bytes) -> list[WebhookEvent]:
    """A delivery body (a JSON array of event objects [C] §6.2) as typed events, in order."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryFormatError("the body is not JSON") from exc
    if not isinstance(data, list):
        raise DeliveryFormatError("the body is not a JSON array")
    if not all(isinstance(item, dict) for item in data):
        raise DeliveryFormatError("an element of the array is not an object")
    return [parse_event(item) for item in data]


def dedupe_key(event: WebhookEvent, idempotency_key: str | None = None, index: int = 0) -> str:
    """A stable key per event: Wrike's Idempotency-Key (per delivery, so suffixed with the event's
    position in the batch) when the delivery had one, else the hash of the canonical event JSON."""
    if idempotency_key:
        digest = hashlib.sha256(f"{idempotency_key}\0{index}".encode()).hexdigest()
        return f"idem:{digest}"
    return event.content_key
