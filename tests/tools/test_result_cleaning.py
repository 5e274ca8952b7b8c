"""Results skip the cleaning walk only when no invisible character can be in them.

`json_result` scans its compact text first and walks the value only on a hit; these tests make sure the
scan misses nothing: every format and control character, raw or JSON-escaped, in keys, values and
nested lists, still leaves the result clean.
"""

from __future__ import annotations

import json
import sys
import unicodedata

import mcp.types as types
from mcp_harness import make_spec

from wrike_mcp.tools.results import json_result
from wrike_mcp.wrike.client import WrikeResponse

TOOL = make_spec(name="get_tasks")
INVISIBLE = [
    chr(c)
    for c in range(sys.maxunicode + 1)
    if unicodedata.category(chr(c)) in ("Cf", "Cc") and chr(c) not in "\n\t"
]


def shaped(body: dict[str, object], *, ascii_escapes: bool) -> tuple[object, str]:
    raw = json.dumps(body, ensure_ascii=ascii_escapes).encode()
    result = json_result(TOOL, WrikeResponse(200, "application/json", raw), 100_000)
    text = result.content[0]
    assert isinstance(text, types.TextContent)
    return result.structured_content, text.text


def test_every_invisible_character_is_removed_from_keys_values_and_nested_items() -> None:
    # Wrike may send \\u200b escapes or the raw characters; the rest of the text may be ASCII or not.
    for ascii_escapes, other in ((True, "a"), (False, "a"), (False, "\u00e9")):
        for char in INVISIBLE:
            body = {
                "kind": "tasks",
                "data": [{f"ti{char}tle": f"{other}{char}b", "tags": [{"x": f"{char}c"}]}],
            }
            content, text = shaped(body, ascii_escapes=ascii_escapes)
            expected = {"kind": "tasks", "data": [{"title": f"{other}b", "tags": [{"x": "c"}]}]}
            assert content == expected, hex(ord(char))
            assert json.loads(text) == content


def test_a_clean_answer_with_escapes_and_backslashes_is_returned_unchanged() -> None:
    data = [{"title": 'say "hi"\n\tback\\slash \\b /path', "n": 1, "ok": True, "none": None}]
    content, text = shaped({"kind": "tasks", "data": data}, ascii_escapes=False)
    assert content == {"kind": "tasks", "data": data}
    assert json.loads(text) == content
