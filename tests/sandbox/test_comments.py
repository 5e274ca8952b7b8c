"""Comments over real HTTP: shapes, the 5-minute edit window, the 7-day account window, access."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from wrike_mcp.clock import FakeClock, iso_utc
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.runner import SandboxServer

# NANGO create-task-comment, key order and types
RECORDED = {"id": str, "authorId": str, "text": str, "updatedDate": str, "createdDate": str, "taskId": str,
            "attachmentIds": list}  # fmt: skip
DAY = 86400


@pytest.fixture
def outsider(sandbox_server: SandboxServer, sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A plain member who is not in the private Leadership space."""
    ws = sandbox.workspace
    leadership = next(s for s in ws["spaces"].values() if s["title"] == "Leadership")
    members = {m["id"] for m in leadership["members"]}
    user = next(c["id"] for c in ws["contacts"].values() if c["type"] == "Person" and c["id"] not in members)
    token = ws.named_tokens["user:" + user]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        yield c


def private_task(sandbox: Sandbox) -> str:
    ws = sandbox.workspace
    leadership = next(s["id"] for s in ws["spaces"].values() if s["title"] == "Leadership")
    return str(next(t["id"] for t in ws["tasks"].values() if leadership in ancestors(ws, t)))


def a_task(sandbox: Sandbox) -> str:
    return next(iter(sandbox.workspace["tasks"]))


def a_folder(sandbox: Sandbox) -> str:
    ws = sandbox.workspace
    folders = ws["folders"].values()
    return str(next(f["id"] for f in folders if f["scope"] == "WsFolder" and f["id"] not in ws["spaces"]))


def post(api: httpx.Client, task: str, **params: Any) -> httpx.Response:
    return api.post(f"/tasks/{task}/comments", json=params)


def test_post_returns_the_recorded_shape_and_emits(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock, events: list[Any]
) -> None:
    task = a_task(sandbox)
    body = post(api, task, text="Hello <b>team</b>").json()
    assert body["kind"] == "comments"
    [comment] = body["data"]
    assert list(comment) == list(RECORDED)
    assert all(isinstance(comment[k], t) for k, t in RECORDED.items())
    assert (comment["text"], comment["taskId"], comment["createdDate"]) == (
        "Hello <b>team</b>",
        task,
        iso_utc(clock.now()),
    )
    assert comment["authorId"] == sandbox.workspace.account["ownerId"]
    kind, payload = events[-1]
    assert kind == "CommentAdded"
    assert payload["taskId"] == task and payload["commentId"] == comment["id"]
    assert payload["comment"] == {"text": "Hello team", "html": "Hello <b>team</b>"}


def test_plain_text_is_escaped_on_input_and_stripped_on_output(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    comment = post(api, task, text="a < b\nnext line", plainText=True).json()["data"][0]
    assert comment["text"] == "a &lt; b<br />next line"
    plain = api.get(f"/comments/{comment['id']}", params={"plainText": "true"}).json()["data"][0]
    assert plain["text"] == "a < b\nnext line"


def test_task_comments_list_with_type_field(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    mine = post(api, task, text="one").json()["data"][0]
    data = api.get(f"/tasks/{task}/comments", params={"fields": '["type"]'}).json()["data"]
    assert data[-1]["id"] == mine["id"] and data[-1]["type"] == "Regular"
    assert all(c["taskId"] == task for c in data)
    assert api.get(f"/tasks/{task}/comments", params={"types": '["Email"]'}).json()["data"] == []
    assert api.get(f"/tasks/{task}/comments", params={"types": '["Fax"]'}).status_code == 400


def test_account_comments_default_to_the_last_seven_days(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock
) -> None:
    ws = sandbox.workspace
    data = api.get("/comments").json()["data"]
    recent = {c["id"] for c in ws["comments"].values() if c["_created"] >= clock.now() - 7 * DAY}
    assert {c["id"] for c in data} == recent
    assert 0 < len(recent) < len(ws["comments"])


def test_account_comments_window_and_limit(api: httpx.Client, sandbox: Sandbox, clock: FakeClock) -> None:
    start, end = iso_utc(clock.now() - 20 * DAY), iso_utc(clock.now() - 14 * DAY)
    window = api.get("/comments", params={"createdDate": f'{{"start":"{start}","end":"{end}"}}'}).json()[
        "data"
    ]
    assert window and all(start <= c["createdDate"] <= end for c in window)
    assert len(api.get("/comments", params={"limit": 2}).json()["data"]) == 2


def test_account_comments_refuse_a_range_over_seven_days(api: httpx.Client, clock: FakeClock) -> None:
    start, end = iso_utc(clock.now() - 8 * DAY), iso_utc(clock.now())
    for name in ("createdDate", "updatedDate"):
        response = api.get("/comments", params={name: f'{{"start":"{start}","end":"{end}"}}'})
        assert response.status_code == 400 and response.json()["error"] == "invalid_parameter", name
    millis = api.get("/comments", params={"createdDate": '{"start":"2026-01-01T00:00:00.000Z"}'})
    assert millis.status_code == 400


def test_get_by_ids_keeps_order_and_404s_unknown(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    first, second = (post(api, task, text=t).json()["data"][0]["id"] for t in ("1", "2"))
    assert [c["id"] for c in api.get(f"/comments/{second},{first}").json()["data"]] == [second, first]
    assert api.get(f"/comments/{first},IEAGSBX1IMNOPE00").status_code == 404


def test_edit_works_for_five_minutes_then_is_not_allowed(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock
) -> None:
    comment = post(api, a_task(sandbox), text="draft").json()["data"][0]
    clock.advance(299)
    edited = api.put(f"/comments/{comment['id']}", json={"text": "final"}).json()["data"][0]
    assert edited["text"] == "final" and edited["updatedDate"] == iso_utc(clock.now())
    clock.advance(2)
    late = api.put(f"/comments/{comment['id']}", json={"text": "too late"})
    assert late.status_code == 403 and late.json()["error"] == "not_allowed"
    assert sandbox.workspace["comments"][comment["id"]]["text"] == "final"


def test_only_the_author_can_edit(api: httpx.Client, outsider: httpx.Client, sandbox: Sandbox) -> None:
    comment = post(api, a_task(sandbox), text="mine").json()["data"][0]
    response = outsider.put(f"/comments/{comment['id']}", json={"text": "yours"})
    assert response.status_code == 403 and response.json()["error"] == "access_forbidden"


def test_delete_answers_empty_and_emits(api: httpx.Client, sandbox: Sandbox, events: list[Any]) -> None:
    comment = post(api, a_task(sandbox), text="bye").json()["data"][0]
    assert api.delete(f"/comments/{comment['id']}").json() == {"kind": "comments", "data": []}
    assert comment["id"] not in sandbox.workspace["comments"]
    assert events[-1][0] == "CommentDeleted" and events[-1][1]["commentId"] == comment["id"]
    assert api.delete(f"/comments/{comment['id']}").status_code == 404


def test_folder_comments(api: httpx.Client, sandbox: Sandbox, events: list[Any]) -> None:
    folder = a_folder(sandbox)
    comment = api.post(f"/folders/{folder}/comments", json={"text": "folder note"}).json()["data"][0]
    assert comment["folderId"] == folder and "taskId" not in comment
    assert events[-1][0] == "FolderCommentAdded" and events[-1][1]["folderId"] == folder
    assert comment in api.get(f"/folders/{folder}/comments").json()["data"]
    api.delete(f"/comments/{comment['id']}")
    assert events[-1][0] == "FolderCommentDeleted"


def test_root_and_recycle_bin_cannot_have_comments(api: httpx.Client, sandbox: Sandbox) -> None:
    for folder in (sandbox.workspace.root_id, sandbox.workspace.recycle_bin_id):
        response = api.post(f"/folders/{folder}/comments", json={"text": "x"})
        assert response.status_code == 403 and response.json()["error"] == "not_allowed"


def test_text_is_required_and_non_empty(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    assert post(api, task).json()["error"] == "parameter_required"
    assert post(api, task, text="   ").json()["error"] == "invalid_parameter"
    assert api.post("/tasks/MAAAAANOPE00/comments", json={"text": "x"}).status_code == 404


def test_private_space_comments_are_forbidden_to_outsiders(
    api: httpx.Client, outsider: httpx.Client, sandbox: Sandbox
) -> None:
    task = private_task(sandbox)
    secret = post(api, task, text="board only").json()["data"][0]
    assert outsider.get(f"/tasks/{task}/comments").status_code == 403
    assert outsider.post(f"/tasks/{task}/comments", json={"text": "x"}).json()["error"] == "access_forbidden"
    assert outsider.get(f"/comments/{secret['id']}").status_code == 403
    assert secret["id"] not in {c["id"] for c in outsider.get("/comments").json()["data"]}
    assert secret["id"] in {c["id"] for c in api.get("/comments").json()["data"]}


def test_read_only_token_cannot_post(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    token = sandbox.workspace.named_tokens["ws_read_only"]
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        assert c.get("/comments").status_code == 200
        assert post(c, a_task(sandbox), text="x").status_code == 403
