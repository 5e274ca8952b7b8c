"""What a task or folder looks like on the wire, per endpoint and `fields`.

Stored entities hold every field; these views pick, in Wrike's key order, the fields an endpoint
returns by default plus the opted-in ones. Fields that belong to other areas (attachments,
dependencies) or to the caller (`followedByMe`) are computed at output time, so they are never stale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

from wrike_mcp.sandbox.store import Entity, Workspace

# Every task field in Wrike's order (§5.1), opt-ins placed where Wrike puts them.
TASK_ORDER = (
    "id", "accountId", "title", "description", "briefDescription", "parentIds", "superParentIds",
    "sharedIds", "responsibleIds", "responsiblePlaceholderIds", "status", "importance", "createdDate",
    "updatedDate", "completedDate", "dates", "scope", "authorIds", "customStatusId", "hasAttachments",
    "attachmentCount", "permalink", "priority", "followedByMe", "followerIds", "recurrent", "superTaskIds",
    "subTaskIds", "dependencyIds", "metadata", "customFields", "customItemTypeId", "billingType",
    "effortAllocation", "workScheduleId",
)  # fmt: skip
TASK_OPT_IN = frozenset({
    "attachmentCount", "recurrent", "responsiblePlaceholderIds", "customItemTypeId", "billingType",
    "effortAllocation", "workScheduleId",
})  # fmt: skip
TASK_FULL = frozenset(TASK_ORDER) - TASK_OPT_IN
TASK_LIST = frozenset({
    "id", "accountId", "title", "status", "importance", "createdDate", "updatedDate", "completedDate",
    "dates", "scope", "customStatusId", "permalink", "priority",
})  # fmt: skip
# `fields` values per endpoint. [C] §4.1
TASK_LIST_FIELDS = frozenset({
    "metadata", "responsibleIds", "customItemTypeId", "customFields", "followerIds", "parentIds",
    "sharedIds", "description", "superTaskIds", "responsiblePlaceholderIds", "superParentIds",
    "dependencyIds", "billingType", "attachmentCount", "workScheduleId", "effortAllocation",
    "hasAttachments", "subTaskIds", "recurrent", "authorIds", "briefDescription", "finance",
})  # fmt: skip
TASK_GET_FIELDS = frozenset({
    "cascadingFields", "customItemTypeId", "billingType", "attachmentCount", "workScheduleId",
    "responsiblePlaceholderIds", "effortAllocation", "recurrent", "finance",
})  # fmt: skip
TASK_WRITE_FIELDS = frozenset(
    {"customItemTypeId", "billingType", "workScheduleId", "effortAllocation", "responsiblePlaceholderIds"}
)

FOLDER_ORDER = (
    "id", "accountId", "title", "createdDate", "updatedDate", "briefDescription", "description", "color",
    "sharedIds", "parentIds", "childIds", "superParentIds", "scope", "hasAttachments", "attachmentCount",
    "permalink", "workflowId", "metadata", "customFields", "customColumnIds", "project", "space",
    "customItemTypeId", "contractType",
)  # fmt: skip
FOLDER_OPT_IN = frozenset(
    {"briefDescription", "attachmentCount", "customColumnIds", "space", "customItemTypeId", "contractType"}
)
FOLDER_FULL = frozenset(FOLDER_ORDER) - FOLDER_OPT_IN
FOLDER_LIST_OPT_IN = frozenset({
    "superParentIds", "metadata", "customItemTypeId", "customFields", "customColumnIds", "contractType",
    "description", "attachmentCount", "hasAttachments", "briefDescription", "space",
})  # fmt: skip
FOLDER_LIST = frozenset(FOLDER_ORDER) - FOLDER_LIST_OPT_IN - FOLDER_OPT_IN
FOLDER_LIST_FIELDS = FOLDER_LIST_OPT_IN | {"finance"}
FOLDER_GET_FIELDS = frozenset({
    "cascadingFields", "accessRoles", "customItemTypeId", "customColumnIds", "contractType",
    "attachmentCount", "briefDescription", "finance",
})  # fmt: skip
FOLDER_WRITE_FIELDS = frozenset({"customItemTypeId", "contractType"})
TREE_ORDER = ("id", "title", "color", "childIds", "scope", "project", "space", "customItemTypeId")


class View:
    """One response's projection context: who asks, which fields, and lazily built indexes."""

    def __init__(
        self, ws: Workspace, user_id: str, keys: Collection[str], hidden: Collection[str] = ()
    ) -> None:
        self.ws = ws
        self.user_id = user_id
        self.keys = keys
        self.hidden = hidden
        self._attachments: Counter[str] | None = None
        self._dependencies: dict[str, list[str]] | None = None

    def attachment_count(self, item_id: str) -> int:
        if self._attachments is None:
            self._attachments = Counter(
                a.get("taskId") or a.get("folderId") or "" for a in self.ws["attachments"].values()
            )
        return self._attachments[item_id]

    def dependency_ids(self, task: Entity) -> list[str]:
        if self._dependencies is None:
            index: dict[str, list[str]] = {}
            for dep in self.ws["dependencies"].values():
                for end in ("predecessorId", "successorId"):
                    index.setdefault(str(dep.get(end)), []).append(dep["id"])
            self._dependencies = index
        return list(dict.fromkeys([*task.get("dependencyIds", ()), *self._dependencies.get(task["id"], ())]))

    def task(self, task: Entity) -> Entity:
        out: Entity = {}
        for key in TASK_ORDER:
            if key not in self.keys:
                continue
            value = self._task_value(task, key)
            if value is not _ABSENT:
                out[key] = value
        return out

    def _task_value(self, task: Entity, key: str) -> Any:
        if key == "hasAttachments":
            return self.attachment_count(task["id"]) > 0 or bool(task.get("hasAttachments"))
        if key == "attachmentCount":
            return self.attachment_count(task["id"])
        if key == "followedByMe":
            return self.user_id in task.get("followerIds", ())
        if key == "dependencyIds":
            return self.dependency_ids(task)
        return task.get(key, _ABSENT)

    def folder(self, folder: Entity) -> Entity:
        out: Entity = {}
        for key in FOLDER_ORDER:
            if key not in self.keys:
                continue
            value = self._folder_value(folder, key)
            if value is not _ABSENT:
                out[key] = value
        return out

    def _folder_value(self, folder: Entity, key: str) -> Any:
        if key == "childIds":
            return [c for c in folder["childIds"] if c not in self.hidden]
        if key == "space":
            return folder["id"] in self.ws["spaces"]
        if key in ("hasAttachments", "attachmentCount"):
            count = self.attachment_count(folder["id"])
            return count if key == "attachmentCount" else count > 0 or bool(folder.get("hasAttachments"))
        return folder.get(key, _ABSENT)

    def tree_entry(self, folder: Entity) -> Entity:
        """`{id, title, [color], childIds, scope, [project], [space]}`; `space` only on space folders
        and only when asked for. [C] §5.2"""
        out: Entity = {}
        for key in TREE_ORDER:
            if key == "space":
                if key in self.keys and folder["id"] in self.ws["spaces"]:
                    out["space"] = True
            elif key == "childIds":
                out[key] = [c for c in folder["childIds"] if c not in self.hidden]
            elif key in folder:
                out[key] = folder[key]
        return out


_ABSENT = object()
