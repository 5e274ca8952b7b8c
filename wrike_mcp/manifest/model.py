"""The declarative endpoint table: one `ToolSpec` per Wrike method, validated so that a broken entry
fails loudly at load time instead of misbehaving at call time (fail closed, design.md §2.4).

A manifest file (`tool_manifests/<area>.toml`) looks like:

    area = "tasks"
    description = "Search, read, create, update and delete tasks."

    [[tools]]
    name = "get_tasks"
    description = "Get up to 100 tasks by id, with full details."
    method = "GET"
    path = "/tasks/{taskIds}"
    access = "read"
    scopes = ["Default", "wsReadOnly", "wsReadWrite"]
    annotations = { read_only = true, destructive = false, idempotent = true, open_world = true }
    params = [
      { name = "taskIds", in = "path", type = "ids", required = true, description = "Task ids (1-100)." },
      { name = "fields", in = "query", type = "array", items = "string", enum = ["billingType"],
        description = "Optional fields to add." },
    ]

Parameter types: the JSON types, plus `id` (one Wrike id), `ids` (a list of ids, joined with commas in a
path) and `base64` (bytes sent as the raw request body). Locations: `path`, `query` (sent as Wrike's JSON
literals for arrays and objects), `body` (a JSON body), `header` (with `wire_name`), `raw` (the body),
`local` (an option of this server, never sent: `limit` collects pages, `plainText` turns HTML to text).

`paged = true` marks a list whose `nextPageToken` may be followed; `result = "async_job"` marks a call
answered by an async job, which the server polls until it is done.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ParamType = Literal["string", "integer", "number", "boolean", "array", "object", "id", "ids", "base64"]
ItemType = Literal["string", "integer", "number", "boolean", "object", "id"]
Location = Literal["path", "query", "body", "header", "raw", "local"]
Access = Literal["read", "write"]
ResultKind = Literal["json", "download", "upload", "async_job"]

TOOL_NAME = r"^[a-z][a-z0-9_]{2,63}$"
PARAM_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")
KNOWN_SCOPES = frozenset({
    "Default", "wsReadOnly", "wsReadWrite", "amReadOnlyWorkflow", "amReadWriteWorkflow",
    "amReadOnlyInvitation", "amReadWriteInvitation", "amReadOnlyGroup", "amReadWriteGroup",
    "amReadOnlyUser", "amReadWriteUser", "amReadOnlyTimelogCategory", "amReadWriteTimelogCategory",
})  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ParamSpec(_Strict):
    name: str = Field(pattern=PARAM_NAME)
    location: Location = Field(alias="in")
    type: ParamType
    # Optional: a parameter whose name says it all (`taskId`) costs the agent context tokens on every
    # turn for a description that adds nothing; say what the name does not.
    description: str = Field(default="", max_length=200)
    required: bool = False
    items: ItemType | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    max_items: int | None = Field(default=None, ge=1)
    properties: dict[str, Any] | None = None  # JSON Schema properties of an object parameter
    wire_name: str | None = None  # the upstream name when it differs (headers: "X-File-Name")
    # The path variants this parameter works with (empty: all). Wrike answers 400 when, say, `me` is
    # sent with contact ids; refusing it before sending gives the agent a clearer error.
    paths: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ParamSpec:
        if self.type == "array" and self.items is None:
            raise ValueError(f"parameter {self.name!r}: an array needs `items`")
        if self.type != "array" and self.items is not None:
            raise ValueError(f"parameter {self.name!r}: `items` is only for arrays")
        if self.location == "path" and self.type not in ("id", "ids", "string"):
            raise ValueError(f"parameter {self.name!r}: a path parameter is an id, ids or a string")
        if self.location == "header" and not self.wire_name:
            raise ValueError(f"parameter {self.name!r}: a header parameter needs `wire_name`")
        if (self.location == "raw") != (self.type == "base64"):
            raise ValueError(f"parameter {self.name!r}: `raw` goes with type `base64` and only with it")
        if self.pattern is not None:
            re.compile(self.pattern)
        return self

    @property
    def upstream_name(self) -> str:
        return self.wire_name or self.name


class Annotations(_Strict):
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool


class ToolSpec(_Strict):
    name: str = Field(pattern=TOOL_NAME)
    description: str = Field(min_length=10, max_length=400)
    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str = Field(pattern=r"^/[A-Za-z0-9_/{},.-]*$")
    alt_paths: tuple[str, ...] = ()  # variants picked by which of their path parameters are given
    access: Access
    scopes: tuple[str, ...] = Field(min_length=1)
    annotations: Annotations
    params: tuple[ParamSpec, ...] = ()
    area: str = ""  # filled from the file when absent
    result: ResultKind = "json"
    paged: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ToolSpec:
        unknown = set(self.scopes) - KNOWN_SCOPES
        if unknown:
            raise ValueError(f"unknown scope(s) {sorted(unknown)}")
        if (self.access == "read") != self.annotations.read_only:
            raise ValueError("access 'read' and annotations.read_only must agree")
        if self.access == "read" and self.method != "GET":
            raise ValueError("a read tool must use GET")
        if self.annotations.read_only and self.annotations.destructive:
            raise ValueError("a read-only tool cannot be destructive")
        names = [p.name for p in self.params]
        if len(names) != len(set(names)):
            raise ValueError("duplicate parameter names")
        templates = {self.path, *self.alt_paths}
        for param in self.params:
            if set(param.paths) - templates:
                raise ValueError(f"parameter {param.name!r}: `paths` names a path the tool does not have")
        self._check_paths()
        return self

    def _check_paths(self) -> None:
        path_params = {p.name for p in self.params if p.location == "path"}
        used: set[str] = set()
        for template in (self.path, *self.alt_paths):
            placeholders = set(PLACEHOLDER.findall(template))
            missing = placeholders - path_params
            if missing:
                raise ValueError(f"path {template!r} uses undeclared parameter(s) {sorted(missing)}")
            used |= placeholders
        if path_params - used:
            raise ValueError(f"path parameter(s) {sorted(path_params - used)} appear in no path")
        required_in_path = {p.name for p in self.params if p.location == "path" and p.required}
        if self.alt_paths and required_in_path:
            raise ValueError("a tool with alternative paths cannot require a path parameter")

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


class ManifestFile(_Strict):
    area: str = Field(pattern=r"^[a-z_]{2,32}$")
    description: str = Field(min_length=5)
    tools: tuple[ToolSpec, ...] = Field(min_length=1)
