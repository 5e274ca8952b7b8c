"""The real tool manifests: they load, every entry is complete and consistent, every method of the product
guide has a tool, and the whole catalogue fits its context budget.

tests/data/guide_endpoints.txt is a verbatim copy of the method rows of the guide's endpoint table (each
"| METHOD | /path | ..." line with the detail line that follows it), cut from wrike-api-guide.txt by a
script so the test reads what the guide says, not a paraphrase.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import mcp.types as types
import pytest

from wrike_mcp.manifest import Catalog, ToolSpec, load_catalog
from wrike_mcp.manifest.model import PLACEHOLDER, TOOL_NAME
from wrike_mcp.policy.scopes import DEFAULT_AREAS as SERVER_DEFAULT_AREAS
from wrike_mcp.sandbox import routes as routes_package
from wrike_mcp.sandbox.endpoint import Endpoint
from wrike_mcp.tools.schema import to_mcp_tool

GUIDE_ROWS = Path(__file__).parents[1] / "data" / "guide_endpoints.txt"
ROW = re.compile(r"^\| (GET|POST|PUT|DELETE) \| (/\S*) \|")
ACCEPTS = re.compile(r"^Accepts (.+?)\. ")
NEEDS = re.compile(r"^Needs the dedicated (\w+) scope")

# The guide abbreviates the bulk update as PUT /tasks; Wrike's method takes the ids in the path
# (wrike-api.md §4.1 "PUT /tasks/{taskIds} (bulk, ≤100)").
GUIDE_ALIASES = {("PUT", "/tasks"): ("PUT", "/tasks/{taskIds}")}

# Methods the task brief adds to the guide's table: the ones its area blurbs name, its dated additions,
# and the path variants folded into tools through alt_paths.
EXTRA_ENDPOINTS = [
    ("GET", "/folders/{folderId}/tasks"), ("GET", "/spaces/{spaceId}/tasks"), ("PUT", "/tasks/{taskIds}"),
    ("GET", "/folders/{folderId}/folders"), ("GET", "/spaces/{spaceId}/folders"),
    ("GET", "/spaces"), ("GET", "/spaces/{spaceId}"), ("GET", "/account"),
    ("GET", "/tasks/{taskId}/comments"), ("GET", "/folders/{folderId}/comments"),
    ("GET", "/comments/{commentIds}"), ("POST", "/folders/{folderId}/comments"),
    ("DELETE", "/comments/{commentId}"),
    ("GET", "/tasks/{taskId}/timelogs"), ("GET", "/folders/{folderId}/timelogs"),
    ("GET", "/contacts/{contactId}/timelogs"), ("DELETE", "/timelogs/{timelogId}"),
    ("GET", "/timelog_categories"),
    ("GET", "/folders/{folderId}/timelog_lock_periods"), ("GET", "/spaces/{spaceId}/timelog_lock_periods"),
    ("POST", "/folders/{folderId}/timelog_lock_periods"), ("POST", "/spaces/{spaceId}/timelog_lock_periods"),
    ("DELETE", "/folders/{folderId}/timelog_lock_periods"),
    ("DELETE", "/spaces/{spaceId}/timelog_lock_periods"),
    ("GET", "/timesheets"), ("POST", "/timesheets"), ("PUT", "/timesheets/{timesheetId}"),
    ("GET", "/attachments"), ("GET", "/tasks/{taskId}/attachments"),
    ("GET", "/folders/{folderId}/attachments"), ("GET", "/attachments/{attachmentIds}"),
    ("POST", "/folders/{folderId}/attachments"), ("DELETE", "/attachments/{attachmentId}"),
    ("GET", "/contacts/{contactIds}"), ("GET", "/users/{userId}"),
    ("GET", "/spaces/{spaceId}/workflows"), ("GET", "/spaces/{spaceId}/customfields"),
    ("POST", "/tasks/{taskId}/cascading_field_settings"),
    ("DELETE", "/tasks/{taskId}/cascading_field_settings"),
    ("POST", "/folders/{folderId}/cascading_field_settings"),
    ("DELETE", "/folders/{folderId}/cascading_field_settings"),
    ("POST", "/folders/{folderId}/webhooks"), ("POST", "/spaces/{spaceId}/webhooks"),
    ("PUT", "/webhooks/{webhookId}"), ("DELETE", "/webhooks/{webhookId}"),
    ("POST", "/batch"), ("GET", "/async_job/{asyncJobId}"),
]  # fmt: skip

WS_READ = {"Default", "wsReadOnly", "wsReadWrite"}
WS_WRITE = {"Default", "wsReadWrite"}
# Tools whose scopes are not the plain workspace sets (wrike-api.md §1.4, §4.7, §4.9, §4.10).
SPECIAL_SCOPES = {
    "list_workflows": {"Default", "amReadOnlyWorkflow", "amReadWriteWorkflow", "wsReadOnly", "wsReadWrite"},
    "create_workflow": {"amReadWriteWorkflow"},
    "update_workflow": {"amReadWriteWorkflow"},
    "get_user": {"amReadOnlyUser", "amReadWriteUser"},
    "update_user": {"amReadWriteUser"},
    "list_timelog_categories": {
        "Default", "amReadOnlyTimelogCategory", "amReadWriteTimelogCategory", "wsReadOnly", "wsReadWrite",
    },
}  # fmt: skip

# The context budget (task brief): the whole tools/list answer, and the everyday default toolset.
TOTAL_BUDGET = 24_000
DEFAULT_BUDGET = 10_000
DEFAULT_AREAS = set(SERVER_DEFAULT_AREAS)  # the named `default` toolset of --toolsets


@dataclass(frozen=True)
class GuideRow:
    method: str
    path: str
    accepts: frozenset[str]  # scopes the guide says the method accepts (any of)
    exclusive: bool  # "Needs the dedicated X scope": X and nothing else


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def guide_rows() -> list[GuideRow]:
    lines = GUIDE_ROWS.read_text(encoding="utf-8").splitlines()
    rows = []
    for line, detail in zip(lines, [*lines[1:], ""], strict=True):
        match = ROW.match(line)
        if match:
            accepts, exclusive = parse_scopes(detail)
            rows.append(GuideRow(match[1], match[2], accepts, exclusive))
    return rows


def parse_scopes(detail: str) -> tuple[frozenset[str], bool]:
    """ "Accepts Default, wsReadOnly, or wsReadWrite." / "Needs the dedicated amReadWriteUser scope"."""
    needs = NEEDS.match(detail)
    if needs:
        return frozenset({needs[1]}), True
    accepts = ACCEPTS.match(detail)
    if accepts:
        return frozenset(s for s in re.split(r",\s*(?:or\s+)?|\s+or\s+", accepts[1]) if s), False
    return frozenset(), False


def shape(path: str) -> str:
    """A path with its placeholder names erased: /tasks/{taskId} and /tasks/{taskIds} are one method."""
    return PLACEHOLDER.sub("{}", path)


def tools_for(catalog: Catalog, method: str, path: str) -> list[ToolSpec]:
    method, path = GUIDE_ALIASES.get((method, path), (method, path))
    return [
        tool
        for tool in catalog.tools
        if tool.method == method and shape(path) in {shape(p) for p in (tool.path, *tool.alt_paths)}
    ]


def test_the_guide_copy_holds_every_method_row_with_its_scopes() -> None:
    rows = guide_rows()
    assert len(rows) == 29
    assert all(row.accepts for row in rows), [row for row in rows if not row.accepts]
    assert GuideRow("PUT", "/users/{userId}", frozenset({"amReadWriteUser"}), True) in rows
    assert GuideRow("GET", "/comments", frozenset({"Default", "wsReadOnly", "wsReadWrite"}), False) in rows


@pytest.mark.parametrize("row", guide_rows(), ids=lambda row: f"{row.method} {row.path}")
def test_every_guide_method_has_a_tool_accepting_the_guides_scopes(catalog: Catalog, row: GuideRow) -> None:
    tools = tools_for(catalog, row.method, row.path)
    assert tools, f"no tool for {row.method} {row.path}"
    for tool in tools:
        if row.exclusive:
            assert set(tool.scopes) == row.accepts, tool.name
        else:
            assert row.accepts <= set(tool.scopes), tool.name


@pytest.mark.parametrize(("method", "path"), EXTRA_ENDPOINTS, ids=lambda value: str(value))
def test_every_method_the_brief_adds_has_a_tool(catalog: Catalog, method: str, path: str) -> None:
    assert tools_for(catalog, method, path), f"no tool for {method} {path}"


def test_tool_names_are_unique_snake_case(catalog: Catalog) -> None:
    names = [tool.name for tool in catalog.tools]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(TOOL_NAME, name) for name in names)


def test_every_tool_has_the_scopes_wrike_documents_for_it(catalog: Catalog) -> None:
    for tool in catalog.tools:
        expected = SPECIAL_SCOPES.get(tool.name) or (WS_READ if tool.access == "read" else WS_WRITE)
        assert set(tool.scopes) == expected, tool.name
        assert len(tool.scopes) == len(set(tool.scopes)), tool.name


def test_no_write_tool_accepts_a_read_only_scope(catalog: Catalog) -> None:
    for tool in catalog.tools:
        if tool.access == "write":
            assert not [s for s in tool.scopes if "ReadOnly" in s], tool.name


def test_access_and_annotations_follow_the_method(catalog: Catalog) -> None:
    for tool in catalog.tools:
        hints = tool.annotations
        assert hints.open_world, tool.name
        assert (tool.method == "GET") == (tool.access == "read") == hints.read_only, tool.name
        assert hints.destructive == (tool.method == "DELETE"), tool.name  # only deletes remove data
        if tool.access == "read" or tool.method == "DELETE":
            assert hints.idempotent, tool.name
        if tool.name.startswith(("create_", "copy_", "upload_", "run_")):
            assert not hints.idempotent, tool.name


def test_paged_tools_are_exactly_those_taking_a_page_token(catalog: Catalog) -> None:
    for tool in catalog.tools:
        assert tool.paged == (tool.param("nextPageToken") is not None), tool.name


def test_path_variants_are_told_apart_by_their_parameters(catalog: Catalog) -> None:
    """The caller picks a variant by the path ids it gives: no two variants may need the same ids, and a
    tool with a single path needs every id in it."""
    for tool in catalog.tools:
        templates = (tool.path, *tool.alt_paths)
        placeholder_sets = [frozenset(PLACEHOLDER.findall(t)) for t in templates]
        assert len(set(placeholder_sets)) == len(templates), tool.name
        if not tool.alt_paths:
            assert all(p.required for p in tool.params if p.location == "path"), tool.name


def test_user_tools_sit_in_their_own_area(catalog: Catalog) -> None:
    areas = {tool.name: tool.area for tool in catalog.tools}
    assert (areas["get_user"], areas["update_user"], areas["list_contacts"]) == ("users", "users", "contacts")
    assert areas["get_account"] == "spaces"


def test_file_transfer_tools_declare_their_body_and_headers(catalog: Catalog) -> None:
    tools = catalog.by_name()
    upload, download = tools["upload_attachment"], tools["download_attachment"]
    assert (upload.result, download.result) == ("upload", "download")
    content, name = upload.param("content"), upload.param("fileName")
    assert content is not None and name is not None
    assert (content.location, content.type, content.required) == ("raw", "base64", True)
    assert (name.location, name.wire_name, name.required) == ("header", "X-File-Name", True)


def tools_list_bytes(tools: list[ToolSpec]) -> int:
    """The size of the tools/list answer as the server renders it, in compact JSON."""
    answer = types.ListToolsResult(tools=[to_mcp_tool(tool) for tool in tools])
    payload = answer.model_dump(by_alias=True, exclude_none=True, mode="json")
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def test_the_whole_catalogue_fits_the_context_budget(catalog: Catalog) -> None:
    assert tools_list_bytes(list(catalog.tools)) < TOTAL_BUDGET


def test_the_default_toolset_fits_its_budget(catalog: Catalog) -> None:
    default = [tool for tool in catalog.tools if tool.area in DEFAULT_AREAS]
    assert {tool.area for tool in default} == DEFAULT_AREAS
    assert tools_list_bytes(default) < DEFAULT_BUDGET


def sandbox_endpoints() -> dict[tuple[str, str], Endpoint]:
    """Every endpoint the sandbox's route modules declare, by method and path shape."""
    found: dict[tuple[str, str], Endpoint] = {}
    for info in pkgutil.iter_modules(routes_package.__path__):
        router = getattr(importlib.import_module(f"{routes_package.__name__}.{info.name}"), "router", None)
        for endpoint in router.endpoints if router else []:
            found[(endpoint.method, shape(endpoint.path))] = endpoint
    return found


def test_the_sandbox_serves_every_tool_variant_with_its_parameters_and_scopes(catalog: Catalog) -> None:
    """The emulator and the manifests describe one Wrike: a variant, parameter or scope set that only one
    of them knows means one of them is wrong. A parameter may belong to some variants only (descendants
    makes sense for a folder's tasks, not the account's)."""
    endpoints = sandbox_endpoints()
    for tool in catalog.tools:
        accepted: set[str] = set()
        for template in (tool.path, *tool.alt_paths):
            endpoint = endpoints.get((tool.method, shape(template)))
            assert endpoint is not None, f"{tool.name}: the sandbox has no {tool.method} {template}"
            assert endpoint.scopes == frozenset(tool.scopes), f"{tool.name} {template}"
            assert endpoint.raw_body == any(p.location == "raw" for p in tool.params), tool.name
            accepted |= endpoint.params
        sent = {p.name for p in tool.params if p.location in ("query", "body")}
        assert sent <= accepted, f"{tool.name}: the sandbox refuses {sorted(sent - accepted)}"
