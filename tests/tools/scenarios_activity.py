"""Every-tool scenarios: comments and attachments, on tasks and on folders."""

from __future__ import annotations

import base64
from datetime import timedelta

import mcp.types as types
from every_tool import Ctx, folder, ids, live_tasks, owner_id, scenario

from wrike_mcp.sandbox.activity_common import epoch_of

# ---------------------------------------------------------------- comments


@scenario("list_comments", "/comments")
async def recent_comments_of_the_account(ctx: Ctx) -> None:
    week_ago = ctx.sandbox.clock.now() - timedelta(days=7).total_seconds()
    recent = {c["id"] for c in ctx.ws["comments"].values() if c["_created"] >= week_ago}
    found = await ctx.data("list_comments", "comments")
    assert recent and ids(found) == recent
    assert all(epoch_of(c["createdDate"]) >= week_ago - 1 for c in found)


@scenario("list_comments", "/tasks/{taskId}/comments")
async def comments_on_a_task(ctx: Ctx) -> None:
    task_id = next(c["taskId"] for c in ctx.ws["comments"].values() if "taskId" in c)
    expected = {c["id"]: c["text"] for c in ctx.ws["comments"].values() if c.get("taskId") == task_id}
    found = await ctx.data("list_comments", "comments", taskId=task_id)
    assert {c["id"]: c["text"] for c in found} == expected


@scenario("list_comments", "/folders/{folderId}/comments")
async def comments_on_a_folder(ctx: Ctx) -> None:
    folder_id = next(c["folderId"] for c in ctx.ws["comments"].values() if "folderId" in c)
    expected = {c["id"] for c in ctx.ws["comments"].values() if c.get("folderId") == folder_id}
    found = await ctx.data("list_comments", "comments", folderId=folder_id)
    assert ids(found) == expected and all(c["folderId"] == folder_id for c in found)


@scenario("list_comments", "/comments/{commentIds}")
async def comments_by_id(ctx: Ctx) -> None:
    wanted = list(ctx.ws["comments"].values())[:2]
    found = await ctx.data("list_comments", "comments", commentIds=[c["id"] for c in wanted])
    assert {c["id"]: c["authorId"] for c in found} == {c["id"]: c["authorId"] for c in wanted}


@scenario("create_comment", "/tasks/{taskId}/comments", legacy_too=True)
async def comment_on_a_task(ctx: Ctx) -> None:
    task = live_tasks(ctx.ws)[0]
    posted = await ctx.one("create_comment", "comments", taskId=task["id"], text="Ready for <b>review</b>")
    stored = ctx.ws["comments"][posted["id"]]
    assert (stored["taskId"], stored["text"], stored["authorId"]) == (
        task["id"], "Ready for <b>review</b>", owner_id(ctx.ws)
    )  # fmt: skip


@scenario("create_comment", "/folders/{folderId}/comments")
async def comment_on_a_folder(ctx: Ctx) -> None:
    project = folder(ctx.ws, "Spring Campaign")
    posted = await ctx.one("create_comment", "comments", folderId=project["id"], text="Kick-off on Monday")
    stored = ctx.ws["comments"][posted["id"]]
    assert stored["folderId"] == project["id"] and "taskId" not in stored
    assert posted["id"] in ids(await ctx.data("list_comments", "comments", folderId=project["id"]))


@scenario("update_comment")
async def edit_a_fresh_comment(ctx: Ctx) -> None:
    task = live_tasks(ctx.ws)[1]
    posted = await ctx.one("create_comment", "comments", taskId=task["id"], text="Frist draft")
    edited = await ctx.one("update_comment", "comments", commentId=posted["id"], text="First draft")
    assert edited["text"] == "First draft" and ctx.ws["comments"][posted["id"]]["text"] == "First draft"


@scenario("delete_comment")
async def delete_a_comment(ctx: Ctx) -> None:
    comment = next(c for c in ctx.ws["comments"].values() if "taskId" in c)
    assert await ctx.data("delete_comment", "comments", commentId=comment["id"]) == []
    assert comment["id"] not in ctx.ws["comments"]
    assert comment["id"] not in ids(await ctx.data("list_comments", "comments", taskId=comment["taskId"]))


# ---------------------------------------------------------------- attachments

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


async def _upload(ctx: Ctx, **where: str) -> str:
    uploaded = await ctx.one(
        "upload_attachment", "attachments", content=base64.b64encode(PDF).decode(),
        fileName="Q3 plan ü.pdf", contentType="application/pdf", **where,
    )  # fmt: skip
    assert uploaded["name"] == "Q3 plan ü.pdf" and uploaded["size"] == len(PDF)
    stored = ctx.ws["attachments"][uploaded["id"]]
    assert stored["_content"] == PDF and stored["contentType"] == "application/pdf"
    return str(uploaded["id"])


@scenario("list_attachments", "/attachments")
async def attachments_of_the_account_created_in_a_window(ctx: Ctx) -> None:
    seeded = sorted(ctx.ws["attachments"].values(), key=lambda a: a["_created"])
    start = seeded[len(seeded) // 2]["createdDate"]  # the newer half of the seeded files
    window = {"start": start, "end": ctx.ws.now_iso()}
    found = await ctx.data("list_attachments", "attachments", createdDate=window)
    assert ids(found) == {a["id"] for a in seeded if a["createdDate"] >= start}
    assert 0 < len(found) < len(seeded)


@scenario("list_attachments", "/tasks/{taskId}/attachments")
async def attachments_of_a_task(ctx: Ctx) -> None:
    task_id = next(iter(ctx.ws["attachments"].values()))["taskId"]
    expected = {a["id"]: a["name"] for a in ctx.ws["attachments"].values() if a.get("taskId") == task_id}
    found = await ctx.data("list_attachments", "attachments", taskId=task_id)
    assert {a["id"]: a["name"] for a in found} == expected


@scenario("list_attachments", "/folders/{folderId}/attachments")
async def attachments_of_a_folder(ctx: Ctx) -> None:
    project = folder(ctx.ws, "Product Launch Webinar")
    attachment_id = await _upload(ctx, folderId=project["id"])
    found = await ctx.data("list_attachments", "attachments", folderId=project["id"])
    assert ids(found) == {attachment_id} and found[0]["folderId"] == project["id"]


@scenario("list_attachments", "/attachments/{attachmentIds}")
async def attachments_by_id(ctx: Ctx) -> None:
    wanted = list(ctx.ws["attachments"].values())[1:3]
    found = await ctx.data("list_attachments", "attachments", attachmentIds=[a["id"] for a in wanted])
    assert {a["id"]: a["size"] for a in found} == {a["id"]: a["size"] for a in wanted}


@scenario("upload_attachment", "/tasks/{taskId}/attachments", legacy_too=True)
async def upload_to_a_task(ctx: Ctx) -> None:
    task = live_tasks(ctx.ws)[2]
    attachment_id = await _upload(ctx, taskId=task["id"])
    assert ctx.ws["attachments"][attachment_id]["taskId"] == task["id"]


@scenario("upload_attachment", "/folders/{folderId}/attachments")
async def upload_to_a_folder(ctx: Ctx) -> None:
    project = folder(ctx.ws, "Hiring Plan 2026")
    attachment_id = await _upload(ctx, folderId=project["id"])
    assert ctx.ws["attachments"][attachment_id]["folderId"] == project["id"]


@scenario("download_attachment", legacy_too=True)
async def download_a_seeded_image(ctx: Ctx) -> None:
    png = next(a for a in ctx.ws["attachments"].values() if a["contentType"] == "image/png")
    result = await ctx.call("download_attachment", attachmentId=png["id"])
    blob = result.content[-1]
    assert isinstance(blob, types.EmbeddedResource) and isinstance(blob.resource, types.BlobResourceContents)
    assert blob.resource.mime_type == "image/png"
    assert base64.b64decode(blob.resource.blob) == png["_content"]
    assert str(blob.resource.uri).endswith(f"/attachments/{png['id']}/download")


@scenario("delete_attachment")
async def delete_an_attachment(ctx: Ctx) -> None:
    attachment = next(iter(ctx.ws["attachments"].values()))
    assert await ctx.data("delete_attachment", "attachments", attachmentId=attachment["id"]) == []
    assert attachment["id"] not in ctx.ws["attachments"]
    remaining = await ctx.data("list_attachments", "attachments", taskId=attachment["taskId"])
    assert attachment["id"] not in ids(remaining)
