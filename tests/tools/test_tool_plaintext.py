"""HTML descriptions as plain text on request: locally for tasks, by Wrike's own option for comments."""

from __future__ import annotations

from typing import Any

from mcp_harness import Recorder, open_mcp, text_of

from wrike_mcp.sandbox import Sandbox
from wrike_mcp.tools.plaintext import html_to_text

HTML = (
    "<p>Ship the <b>release</b> &amp; tell <a href='https://x.example'>ops</a>.</p>"
    "<ul><li>notes</li><li>tag</li></ul><script>alert(1)</script>Done<br/>now"
)


def test_html_becomes_readable_text() -> None:
    assert html_to_text(HTML) == "Ship the release & tell ops.\n- notes\n- tag\nDone\nnow"


def test_plain_text_without_markup_is_unchanged() -> None:
    assert html_to_text("Just words, 3 < 4") == "Just words, 3 < 4"


async def test_get_tasks_with_plain_text_strips_the_description_html(sandbox: Sandbox) -> None:
    task_id = next(iter(sandbox.workspace["tasks"]))
    sandbox.workspace["tasks"][task_id]["description"] = HTML
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, manifests=None, recorder=recorders) as client:
        html = await client.call_tool("get_tasks", {"taskIds": [task_id]})
        plain = await client.call_tool("get_tasks", {"taskIds": [task_id], "plainText": True})
    assert _task(html)["description"] == HTML
    assert _task(plain)["description"].startswith("Ship the release & tell ops.")
    assert "<" not in text_of(plain)
    assert "plainText" not in str(recorders[0].requests[1].url)  # a server-side option


async def test_list_comments_asks_wrike_for_plain_text(sandbox: Sandbox) -> None:
    comment = next(iter(sandbox.workspace["comments"].values()))
    comment["text"] = "<b>Bold</b> move"
    recorders: list[Recorder] = []
    async with open_mcp(sandbox, manifests=None, recorder=recorders) as client:
        result = await client.call_tool("list_comments", {"commentIds": [comment["id"]], "plainText": True})
    assert _task(result)["text"] == "Bold move"
    assert recorders[0].requests[0].url.params["plainText"] == "true"


def _task(result: Any) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    item: dict[str, Any] = result.structured_content["data"][0]
    return item
