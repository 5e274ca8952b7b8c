"""Attachments over real HTTP: raw and multipart upload, byte-exact download, versions, access."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from wrike_mcp.clock import FakeClock, iso_utc
from wrike_mcp.sandbox import Sandbox
from wrike_mcp.sandbox.items_access import ancestors
from wrike_mcp.sandbox.routes import attachments as attachments_module
from wrike_mcp.sandbox.runner import SandboxServer
from wrike_mcp.sandbox.seeding.activity import tiny_png

# DOC2020/NANGO field set of an uploaded file, in order
MODEL = ["id", "authorId", "name", "createdDate", "version", "type", "contentType", "size", "taskId"]
DAY = 86400


def a_task(sandbox: Sandbox) -> str:
    ws = sandbox.workspace
    with_files = {a.get("taskId") for a in ws["attachments"].values()}
    return str(next(t for t in ws["tasks"] if t not in with_files))


def upload(
    api: httpx.Client, path: str, content: bytes, name: str, content_type: str = "text/plain"
) -> httpx.Response:
    headers = {"X-File-Name": quote(name), "Content-Type": content_type, "X-Requested-With": "XMLHttpRequest"}
    return api.post(path, content=content, headers=headers)


def test_upload_and_download_round_trip_exact_bytes(
    api: httpx.Client, sandbox: Sandbox, clock: FakeClock, events: list[Any]
) -> None:
    task = a_task(sandbox)
    content = bytes(range(256)) * 40
    response = upload(api, f"/tasks/{task}/attachments", content, "data ü.bin", "application/octet-stream")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "attachments"
    [item] = body["data"]
    assert list(item) == MODEL
    assert (item["name"], item["size"], item["version"], item["type"]) == (
        "data ü.bin",
        len(content),
        1,
        "Wrike",
    )
    assert item["createdDate"] == iso_utc(clock.now()) and item["taskId"] == task
    download = api.get(f"/attachments/{item['id']}/download")
    assert download.content == content
    assert download.headers["content-type"] == "application/octet-stream"
    assert events[-1] == (
        "AttachmentAdded",
        {"taskId": task, "attachmentId": item["id"], "eventAuthorId": item["authorId"]},
    )
    assert sandbox.workspace["tasks"][task]["hasAttachments"] is True


def test_png_gets_its_size_and_keeps_its_content_type(api: httpx.Client, sandbox: Sandbox) -> None:
    png = tiny_png(5, 3)
    item = upload(api, f"/tasks/{a_task(sandbox)}/attachments", png, "pic.png", "image/png").json()["data"][0]
    assert (item["width"], item["height"], item["contentType"]) == (5, 3, "image/png")
    download = api.get(f"/attachments/{item['id']}/download/renamed.png")
    assert download.content == png and download.headers["content-type"] == "image/png"
    assert "renamed.png" in download.headers["content-disposition"]
    assert api.get(f"/attachments/{item['id']}/preview", params={"size": "w200"}).content == png


def test_multipart_upload_is_accepted(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    response = api.post(f"/tasks/{task}/attachments", files={"file": ("notes.txt", b"hello", "text/plain")})
    item = response.json()["data"][0]
    assert (item["name"], item["size"], item["contentType"]) == ("notes.txt", 5, "text/plain")
    assert api.get(f"/attachments/{item['id']}/download").content == b"hello"


def test_upload_needs_a_body_and_a_name(api: httpx.Client, sandbox: Sandbox) -> None:
    path = f"/tasks/{a_task(sandbox)}/attachments"
    no_body = upload(api, path, b"", "x.txt")
    assert no_body.status_code == 400 and no_body.json()["error"] == "invalid_request"
    no_name = api.post(path, content=b"abc")
    assert no_name.status_code == 400 and no_name.json()["error"] == "invalid_request"


def test_upload_over_the_size_cap_is_refused(
    api: httpx.Client, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments_module, "MAX_UPLOAD_BYTES", 10)
    response = upload(api, f"/tasks/{a_task(sandbox)}/attachments", b"x" * 11, "big.txt")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_folder_upload_and_logical_folders(api: httpx.Client, sandbox: Sandbox, events: list[Any]) -> None:
    ws = sandbox.workspace
    folder = next(f["id"] for f in ws["folders"].values() if f["scope"] == "WsFolder")
    item = upload(api, f"/folders/{folder}/attachments", b"plan", "plan.txt").json()["data"][0]
    assert item["folderId"] == folder and "taskId" not in item
    assert events[-1][0] == "FolderAttachmentAdded"
    assert [a["id"] for a in api.get(f"/folders/{folder}/attachments").json()["data"]] == [item["id"]]
    refused = upload(api, f"/folders/{ws.root_id}/attachments", b"x", "x.txt")
    assert refused.status_code == 403 and refused.json()["error"] == "not_allowed"


def test_account_list_defaults_to_31_days(api: httpx.Client, sandbox: Sandbox, clock: FakeClock) -> None:
    ws = sandbox.workspace
    seeded = {a["id"] for a in ws["attachments"].values()}
    assert {a["id"] for a in api.get("/attachments").json()["data"]} == seeded
    clock.advance(40 * DAY)
    fresh = upload(api, f"/tasks/{a_task(sandbox)}/attachments", b"new", "new.txt").json()["data"][0]
    assert [a["id"] for a in api.get("/attachments").json()["data"]] == [fresh["id"]]
    start, end = iso_utc(clock.now() - 60 * DAY), iso_utc(clock.now() - 30 * DAY)
    window = api.get("/attachments", params={"createdDate": f'{{"start":"{start}","end":"{end}"}}'})
    assert {a["id"] for a in window.json()["data"]} == seeded
    too_wide = api.get("/attachments", params={"createdDate": f'{{"start":"{start}"}}'})
    assert too_wide.status_code == 400 and too_wide.json()["error"] == "invalid_parameter"


def test_with_urls_point_at_the_download(api: httpx.Client, sandbox: Sandbox) -> None:
    item = upload(api, f"/tasks/{a_task(sandbox)}/attachments", b"abc", "a b.txt").json()["data"][0]
    listed = api.get(f"/tasks/{item['taskId']}/attachments", params={"withUrls": "true"}).json()["data"][0]
    assert listed["url"].endswith(f"/attachments/{item['id']}/download/a%20b.txt")
    assert httpx.get(listed["url"], headers=api.headers).content == b"abc"
    url = api.get(f"/attachments/{item['id']}/url").json()
    assert url["data"] == [{"url": listed["url"]}]


def test_get_by_ids_and_404(api: httpx.Client, sandbox: Sandbox) -> None:
    ids = list(sandbox.workspace["attachments"])[:2]
    assert [a["id"] for a in api.get(f"/attachments/{','.join(ids)}").json()["data"]] == ids
    assert api.get("/attachments/IEAGSBX1IYNOPE00").status_code == 404
    assert api.get("/attachments/IEAGSBX1IYNOPE00/download").status_code == 404


def test_new_version_keeps_the_id_and_lists_old_versions(api: httpx.Client, sandbox: Sandbox) -> None:
    task = a_task(sandbox)
    first = upload(api, f"/tasks/{task}/attachments", b"v1", "doc.txt").json()["data"][0]
    headers = {"X-File-Name": "doc.txt", "Content-Type": "text/plain"}
    second = api.put(f"/attachments/{first['id']}", content=b"version two", headers=headers).json()["data"][0]
    assert (second["id"], second["version"], second["size"]) == (first["id"], 2, 11)
    assert api.get(f"/attachments/{first['id']}/download").content == b"version two"
    assert len(api.get(f"/tasks/{task}/attachments").json()["data"]) == 1
    versions = api.get(f"/tasks/{task}/attachments", params={"versions": "true"}).json()["data"]
    assert [(v["version"], v.get("currentAttachmentId")) for v in versions] == [(2, None), (1, first["id"])]


def test_delete_answers_empty_and_clears_the_flag(
    api: httpx.Client, sandbox: Sandbox, events: list[Any]
) -> None:
    task = a_task(sandbox)
    item = upload(api, f"/tasks/{task}/attachments", b"x", "x.txt").json()["data"][0]
    assert api.delete(f"/attachments/{item['id']}").json() == {"kind": "attachments", "data": []}
    assert events[-1][0] == "AttachmentDeleted" and events[-1][1]["attachmentId"] == item["id"]
    assert sandbox.workspace["tasks"][task]["hasAttachments"] is False
    assert api.get(f"/attachments/{item['id']}/download").status_code == 404


def test_private_space_attachments_are_forbidden_to_outsiders(
    api: httpx.Client, sandbox: Sandbox, sandbox_server: SandboxServer
) -> None:
    ws = sandbox.workspace
    leadership = next(s for s in ws["spaces"].values() if s["title"] == "Leadership")
    task = next(t["id"] for t in ws["tasks"].values() if leadership["id"] in ancestors(ws, t))
    item = upload(api, f"/tasks/{task}/attachments", b"secret", "s.txt").json()["data"][0]
    members = {m["id"] for m in leadership["members"]}
    user = next(c["id"] for c in ws["contacts"].values() if c["type"] == "Person" and c["id"] not in members)
    token = ws.named_tokens["user:" + user]
    with httpx.Client(
        base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}
    ) as outsider:
        assert outsider.get(f"/attachments/{item['id']}/download").status_code == 403
        assert outsider.get(f"/tasks/{task}/attachments").status_code == 403
        assert item["id"] not in {a["id"] for a in outsider.get("/attachments").json()["data"]}
        assert (
            upload(outsider, f"/tasks/{task}/attachments", b"x", "x.txt").json()["error"]
            == "access_forbidden"
        )


def test_read_only_token_downloads_but_cannot_upload(sandbox_server: SandboxServer, sandbox: Sandbox) -> None:
    ws = sandbox.workspace
    token = ws.named_tokens["ws_read_only"]
    seeded = next(iter(ws["attachments"].values()))
    with httpx.Client(base_url=sandbox_server.api_url, headers={"Authorization": f"bearer {token}"}) as c:
        assert c.get(f"/attachments/{seeded['id']}/download").content == seeded["_content"]
        assert upload(c, f"/tasks/{a_task(sandbox)}/attachments", b"x", "x.txt").status_code == 403
