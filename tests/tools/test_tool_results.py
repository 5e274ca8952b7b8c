"""Results: compact JSON once, invisible characters stripped, size caps with clear notices."""

from __future__ import annotations

import base64
import json
import sys
import unicodedata

import mcp.types as types
import pytest
from mcp_harness import make_spec

from wrike_mcp.errors import UpstreamUnavailable
from wrike_mcp.tools.results import clean_text, download_result, json_result, sanitize
from wrike_mcp.wrike.client import WrikeResponse

SEARCH = make_spec(
    name="search_tasks",
    params=[
        {"name": "pageSize", "in": "query", "type": "integer", "description": "P."},
        {"name": "fields", "in": "query", "type": "array", "items": "string", "description": "F."},
    ],
)


def response(body: object) -> WrikeResponse:
    return WrikeResponse(200, "application/json", json.dumps(body).encode())


def test_every_format_and_control_character_is_stripped_except_newline_and_tab() -> None:
    """Checked against this Python's Unicode database, so a missed range fails here."""
    invisible = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cf", "Cc")]
    kept = {"\n", "\t"}
    leftovers = [hex(ord(ch)) for ch in invisible if ch not in kept and clean_text(ch)]
    assert leftovers == []
    assert clean_text("a\nb\tc") == "a\nb\tc"


def test_bidi_overrides_and_zero_width_characters_are_removed_from_titles() -> None:
    title = "Pay\u202eyas\u202c invoice\u200b\u2066now\u2069\ufeff"
    assert clean_text(title) == "Payyas invoicenow"


def test_visible_text_in_any_script_is_kept() -> None:
    text = "Łódź 東京 مرحبا עברית 👍🏽 é"
    assert clean_text(text) == text


def test_sanitize_walks_keys_lists_and_nested_objects() -> None:
    value = {"ti\u200btle": ["a\u202eb", {"c": "d\u0000"}], "n": 5, "b": True, "z": None}
    assert sanitize(value) == {"title": ["ab", {"c": "d"}], "n": 5, "b": True, "z": None}


def test_envelope_is_unwrapped_into_structured_content_and_the_same_compact_text() -> None:
    body = {"kind": "tasks", "nextPageToken": "AGMP", "responseSize": 3, "data": [{"id": "T1"}], "x": 1}
    result = json_result(SEARCH, response(body), 100_000)
    assert result.structured_content == {"kind": "tasks", "data": [{"id": "T1"}], "nextPageToken": "AGMP",
                                         "responseSize": 3}  # fmt: skip
    assert len(result.content) == 1
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    assert json.loads(text.text) == result.structured_content
    assert ", " not in text.text and ": " not in text.text


def test_a_result_over_the_cap_keeps_whole_items_and_says_how_to_get_the_rest() -> None:
    items = [{"id": f"T{i}", "title": "x" * 200} for i in range(100)]
    result = json_result(SEARCH, response({"kind": "tasks", "data": items}), 5_000)
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    assert len(text.text.encode()) <= 5_000
    shown = json.loads(text.text)
    assert shown == result.structured_content
    kept = shown["truncated"]["returned"]
    assert 0 < kept < 100 and shown["data"] == items[:kept]
    assert shown["truncated"]["total"] == 100
    notice = shown["truncated"]["notice"]
    assert "pageSize" in notice and "fields" in notice and "nextPageToken" in notice


@pytest.mark.parametrize("body", [b"{not json", b'["no", "envelope"]', b'{"kind": "tasks"}'])
def test_malformed_or_unexpected_answers_are_upstream_errors(body: bytes) -> None:
    with pytest.raises(UpstreamUnavailable):
        json_result(SEARCH, WrikeResponse(200, "application/json", body), 100_000)


def test_download_is_an_embedded_blob_with_its_mime_type() -> None:
    data = bytes(range(256))
    result = download_result(SEARCH, WrikeResponse(200, "image/png; q=1", data), "wrike://x", 10_000)
    assert not result.is_error
    resource = result.content[1]
    assert isinstance(resource, types.EmbeddedResource)
    assert isinstance(resource.resource, types.BlobResourceContents)
    assert resource.resource.mime_type == "image/png"
    assert base64.b64decode(resource.resource.blob) == data


def test_download_past_the_cap_is_a_clear_error() -> None:
    result = download_result(
        SEARCH, WrikeResponse(200, "image/png", b"x" * 10, complete=False), "wrike://x", 10
    )
    assert result.is_error
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    assert "larger than the 10-byte download cap" in text.text
