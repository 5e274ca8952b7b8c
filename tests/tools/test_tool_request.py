"""The upstream request is built from declared parameters only, in Wrike's wire conventions."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from mcp_harness import make_spec

from wrike_mcp.manifest.model import ToolSpec
from wrike_mcp.tools.arguments import ValidArguments, make_validator, validate_arguments
from wrike_mcp.tools.request import build_request
from wrike_mcp.tools.schema import input_schema
from wrike_mcp.wrike.client import UpstreamRequest

UPDATE = make_spec(
    name="update_tasks",
    access="write",
    method="PUT",
    path="/tasks/{taskIds}",
    annotations={"read_only": False, "destructive": False, "idempotent": True, "open_world": True},
    params=[
        {"name": "taskIds", "in": "path", "type": "ids", "required": True, "description": "Ids."},
        {"name": "fields", "in": "query", "type": "array", "items": "string", "description": "F."},
        {"name": "descendants", "in": "query", "type": "boolean", "description": "D."},
        {"name": "limit", "in": "query", "type": "integer", "description": "L."},
        {"name": "dueDate", "in": "query", "type": "object", "description": "Due."},
        {"name": "title", "in": "body", "type": "string", "description": "T."},
        {"name": "addResponsibles", "in": "body", "type": "array", "items": "id", "description": "R."},
        {"name": "customFields", "in": "body", "type": "array", "items": "object", "description": "C."},
    ],
)
UPLOAD = make_spec(
    name="upload_attachment",
    access="write",
    path="/tasks/{taskId}/attachments",
    params=[
        {"name": "taskId", "in": "path", "type": "id", "required": True, "description": "T."},
        {"name": "content", "in": "raw", "type": "base64", "required": True, "description": "C."},
        {
            "name": "fileName",
            "in": "header",
            "type": "string",
            "wire_name": "X-File-Name",
            "description": "N.",
        },
        {
            "name": "contentType",
            "in": "header",
            "type": "string",
            "wire_name": "Content-Type",
            "description": "M.",
        },
    ],
)


def build(spec: ToolSpec, arguments: dict[str, Any]) -> UpstreamRequest:
    valid = validate_arguments(spec, make_validator(input_schema(spec)), arguments)
    return build_request(spec, valid)


def test_ids_are_joined_with_commas_and_each_percent_encoded() -> None:
    request = build(UPDATE, {"taskIds": ["MAAAAAERHC9R", "a:b=c.d_e-f"]})
    assert request.method == "PUT"
    assert request.path == "/tasks/MAAAAAERHC9R,a%3Ab%3Dc.d_e-f"


def test_complex_query_values_are_wrike_json_literals_not_exploded() -> None:
    request = build(
        UPDATE,
        {"taskIds": ["T1"], "fields": ["description", "briefDescription"], "descendants": True, "limit": 5,
         "dueDate": {"start": "2026-01-01"}},
    )  # fmt: skip
    assert request.query == (
        ("fields", '["description","briefDescription"]'),
        ("descendants", "true"),
        ("limit", "5"),
        ("dueDate", '{"start":"2026-01-01"}'),
    )


def test_body_parameters_form_one_json_object() -> None:
    request = build(
        UPDATE,
        {"taskIds": ["T1"], "title": "New", "addResponsibles": ["KUAAAAAA"],
         "customFields": [{"id": "CF1", "value": "8000"}]},
    )  # fmt: skip
    assert request.json_body == {
        "title": "New", "addResponsibles": ["KUAAAAAA"], "customFields": [{"id": "CF1", "value": "8000"}]
    }  # fmt: skip
    assert request.content is None and request.query == ()


def test_a_request_without_body_parameters_has_no_body() -> None:
    assert build(UPDATE, {"taskIds": ["T1"]}).json_body is None


def test_upload_sends_the_decoded_bytes_as_the_body_with_its_headers() -> None:
    request = build(
        UPLOAD,
        {
            "taskId": "T1",
            "content": base64.b64encode(b"\x00\x01binary").decode(),
            "fileName": "résumé 100%.pdf",
            "contentType": "application/pdf",
        },
    )
    assert request.path == "/tasks/T1/attachments"
    assert request.content == b"\x00\x01binary"
    assert request.json_body is None
    headers = dict(request.headers)
    assert headers["X-File-Name"] == "r%C3%A9sum%C3%A9 100%25.pdf"
    assert headers["Content-Type"] == "application/pdf"


def test_upload_without_a_content_type_is_octet_stream() -> None:
    request = build(UPLOAD, {"taskId": "T1", "content": "aGk="})
    assert dict(request.headers)["Content-Type"] == "application/octet-stream"


def test_header_values_cannot_split_a_header() -> None:
    request = build(UPLOAD, {"taskId": "T1", "content": "aGk=", "fileName": "a\r\nAuthorization: x"})
    assert dict(request.headers)["X-File-Name"] == "a%0D%0AAuthorization: x"


def test_nothing_undeclared_reaches_the_request_even_past_validation() -> None:
    """Defence in depth: the builder walks the manifest, so a key that slipped in is still ignored."""
    smuggled = ValidArguments(
        {"taskIds": ["T1"], "method": "DELETE", "access_token": "stolen", "state": "x"}, "/tasks/{taskIds}"
    )
    request = build_request(UPDATE, smuggled)
    wire = json.dumps([request.path, request.query, request.json_body, request.headers])
    assert "DELETE" not in wire and "stolen" not in wire and "state" not in wire


def test_the_wire_request_line_keeps_json_literals_and_encoded_ids() -> None:
    """What httpx actually puts on the wire for the request above."""
    request = build(UPDATE, {"taskIds": ["T1", "T2"], "fields": ["description"]})
    outgoing = httpx.Request(
        request.method, "https://www.wrike.com/api/v4" + request.path, params=request.query
    )
    assert outgoing.url.raw_path == b"/api/v4/tasks/T1,T2?fields=%5B%22description%22%5D"
