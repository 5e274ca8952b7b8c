"""Every-tool scenarios: tasks, folders and projects, spaces and the account, batch jobs."""

from __future__ import annotations

from every_tool import (
    Ctx,
    folder,
    folder_with_tasks,
    ids,
    live_tasks,
    owner_id,
    people,
    scenario,
    space,
    tasks_in,
)

# ---------------------------------------------------------------- tasks


@scenario("search_tasks", "/tasks", legacy_too=True)
async def search_tasks_in_the_account(ctx: Ctx) -> None:
    found = await ctx.data("search_tasks", "tasks", status="Completed", pageSize=5, sortField="Title")
    assert len(found) == 5
    assert all(ctx.ws["tasks"][t["id"]]["status"] == "Completed" for t in found)
    assert [t["title"] for t in found] == sorted(t["title"] for t in found)


@scenario("search_tasks", "/folders/{folderId}/tasks")
async def search_tasks_in_a_folder(ctx: Ctx) -> None:
    place = folder_with_tasks(ctx.ws)
    found = await ctx.data("search_tasks", "tasks", folderId=place["id"], descendants=False)
    assert ids(found) == ids(tasks_in(ctx.ws, place["id"]))


@scenario("search_tasks", "/spaces/{spaceId}/tasks")
async def search_tasks_in_a_space(ctx: Ctx) -> None:
    leadership = space(ctx.ws, "Leadership")
    below = {folder(ctx.ws, "Board Meetings")["id"], folder(ctx.ws, "Hiring Plan 2026")["id"]}
    expected = {t["id"] for t in live_tasks(ctx.ws) if below & set(t["parentIds"])}
    found = await ctx.data("search_tasks", "tasks", spaceId=leadership["id"], fields=["parentIds"])
    assert expected and expected <= ids(found)
    assert all(set(t["parentIds"]) & (below | {ctx.ws.root_id}) for t in found)


@scenario("get_tasks")
async def get_tasks_by_id(ctx: Ctx) -> None:
    wanted = live_tasks(ctx.ws)[:3]
    found = await ctx.data("get_tasks", "tasks", taskIds=[t["id"] for t in wanted])
    assert {t["id"]: t["title"] for t in found} == {t["id"]: t["title"] for t in wanted}
    assert all("description" in t and "parentIds" in t for t in found)  # the full model


@scenario("create_task", legacy_too=True)
async def create_task_in_a_project(ctx: Ctx) -> None:
    project = folder(ctx.ws, "Observability")
    assignee = people(ctx.ws)[2]["id"]
    created = await ctx.one(
        "create_task", "tasks", folderId=project["id"], title="Add tracing to the checkout service",
        importance="High", dates={"start": "2026-10-05", "due": "2026-10-09"}, responsibles=[assignee],
    )  # fmt: skip
    task = ctx.ws["tasks"][created["id"]]
    assert task["title"] == "Add tracing to the checkout service"
    assert task["parentIds"] == [project["id"]] and task["responsibleIds"] == [assignee]
    assert task["importance"] == "High" and task["dates"]["due"].startswith("2026-10-09")


@scenario("update_task")
async def update_task_fields_and_assignees(ctx: Ctx) -> None:
    task = next(t for t in live_tasks(ctx.ws) if t["status"] == "Active" and not t["responsibleIds"])
    assignee = people(ctx.ws)[3]["id"]
    updated = await ctx.one(
        "update_task", "tasks", taskId=task["id"], title="Renamed by the agent", status="Completed",
        addResponsibles=[assignee],
    )  # fmt: skip
    assert updated["id"] == task["id"]
    assert (task["title"], task["status"], task["responsibleIds"]) == (
        "Renamed by the agent", "Completed", [assignee]
    )  # fmt: skip


@scenario("update_tasks")
async def update_tasks_moves_several_into_a_folder(ctx: Ctx) -> None:
    target = folder(ctx.ws, "Engineering Backlog")
    chosen = [t for t in live_tasks(ctx.ws) if target["id"] not in t["parentIds"]][:3]
    updated = await ctx.data(
        "update_tasks", "tasks", taskIds=[t["id"] for t in chosen], addParents=[target["id"]]
    )
    assert ids(updated) == ids(chosen)
    assert all(target["id"] in ctx.ws["tasks"][t["id"]]["parentIds"] for t in chosen)


@scenario("delete_task")
async def delete_task_moves_it_to_the_recycle_bin(ctx: Ctx) -> None:
    task = live_tasks(ctx.ws)[5]
    deleted = await ctx.one("delete_task", "tasks", taskId=task["id"])
    assert deleted["id"] == task["id"]
    assert ctx.ws["tasks"][task["id"]]["scope"] == "RbTask"
    assert task["id"] not in ids(await ctx.data("search_tasks", "tasks", title=task["title"]))


# ---------------------------------------------------------------- folders and projects


@scenario("get_folder_tree", "/folders")
async def folder_tree_of_the_account(ctx: Ctx) -> None:
    tree = await ctx.data("get_folder_tree", "folderTree")
    by_id = {f["id"]: f for f in tree}
    assert set(by_id[ctx.ws.root_id]["childIds"]) == set(ctx.ws["spaces"])
    live = {f["id"] for f in ctx.ws["folders"].values() if f["scope"] in ("WsFolder", "WsRoot")}
    assert live <= set(by_id)


@scenario("get_folder_tree", "/folders/{folderId}/folders")
async def folder_tree_below_a_folder(ctx: Ctx) -> None:
    platform = folder(ctx.ws, "Platform")
    tree = await ctx.data("get_folder_tree", "folderTree", folderId=platform["id"])
    titles = {f["title"] for f in tree}
    assert {"API Gateway Migration", "Observability", "Design", "Rollout"} <= titles
    assert "Mobile App" not in titles


@scenario("get_folder_tree", "/spaces/{spaceId}/folders")
async def folder_tree_of_a_space(ctx: Ctx) -> None:
    marketing = space(ctx.ws, "Marketing")
    tree = await ctx.data("get_folder_tree", "folderTree", spaceId=marketing["id"])
    assert {"Campaigns", "Spring Campaign", "Assets", "Blog", "Social"} <= {f["title"] for f in tree}
    assert "Platform" not in {f["title"] for f in tree}


@scenario("get_folders")
async def get_folders_by_id(ctx: Ctx) -> None:
    wanted = [folder(ctx.ws, "API Gateway Migration"), folder(ctx.ws, "Blog")]
    answer = await ctx.data("get_folders", "folders", folderIds=[f["id"] for f in wanted])
    found = {f["id"]: f for f in answer}
    assert set(found) == ids(wanted)
    project, plain = (found[f["id"]] for f in wanted)
    assert project["project"]["ownerIds"] and "project" not in plain
    assert plain["title"] == "Blog" and plain["parentIds"] == wanted[1]["parentIds"]


@scenario("create_folder")
async def create_a_project_under_a_folder(ctx: Ctx) -> None:
    parent = folder(ctx.ws, "Platform")
    created = await ctx.one(
        "create_folder", "folders", folderId=parent["id"], title="Edge Caching",
        description="<p>Cache at the edge.</p>", project={"ownerIds": [owner_id(ctx.ws)]},
    )  # fmt: skip
    stored = ctx.ws["folders"][created["id"]]
    assert stored["title"] == "Edge Caching" and stored["parentIds"] == [parent["id"]]
    assert stored["project"]["ownerIds"] == [owner_id(ctx.ws)]
    assert created["id"] in ctx.ws["folders"][parent["id"]]["childIds"]


@scenario("update_folder", legacy_too=True)
async def update_a_folder_title_and_description(ctx: Ctx) -> None:
    blog = folder(ctx.ws, "Blog")
    updated = await ctx.one(
        "update_folder", "folders", folderId=blog["id"], title="Engineering Blog", description="Posts."
    )
    assert updated["title"] == "Engineering Blog"
    assert (blog["title"], blog["description"]) == ("Engineering Blog", "Posts.")


@scenario("copy_folder")
async def copy_a_project_with_its_tasks(ctx: Ctx) -> None:
    source, destination = folder(ctx.ws, "Observability"), folder(ctx.ws, "Mobile App")
    copied = await ctx.one(
        "copy_folder", "folders", folderId=source["id"], parent=destination["id"], title="Observability 2"
    )
    stored = ctx.ws["folders"][copied["id"]]
    assert copied["id"] != source["id"] and stored["title"] == "Observability 2"
    assert stored["parentIds"] == [destination["id"]] and "project" in stored
    assert sorted(t["title"] for t in tasks_in(ctx.ws, copied["id"])) == sorted(
        t["title"] for t in tasks_in(ctx.ws, source["id"])
    )


@scenario("delete_folder")
async def delete_a_folder_moves_it_to_the_recycle_bin(ctx: Ctx) -> None:
    social = folder(ctx.ws, "Social")
    held = tasks_in(ctx.ws, social["id"])
    deleted = await ctx.one("delete_folder", "folders", folderId=social["id"])
    assert deleted["id"] == social["id"] and social["scope"] == "RbFolder"
    assert all(ctx.ws["tasks"][t["id"]]["scope"] == "RbTask" for t in held)
    tree = await ctx.data("get_folder_tree", "folderTree", spaceId=space(ctx.ws, "Marketing")["id"])
    assert social["id"] not in ids(tree)


# ---------------------------------------------------------------- spaces and the account


@scenario("list_spaces", "/spaces")
async def list_the_spaces(ctx: Ctx) -> None:
    found = await ctx.data("list_spaces", "spaces")
    assert {s["id"]: s["title"] for s in found} == {s["id"]: s["title"] for s in ctx.ws["spaces"].values()}


@scenario("list_spaces", "/spaces/{spaceId}")
async def get_one_space(ctx: Ctx) -> None:
    leadership = space(ctx.ws, "Leadership")
    found = await ctx.one("list_spaces", "spaces", spaceId=leadership["id"])
    assert (found["id"], found["title"], found["accessType"]) == (leadership["id"], "Leadership", "Private")


@scenario("get_account", legacy_too=True)
async def get_the_account(ctx: Ctx) -> None:
    account = await ctx.one("get_account", "accounts")
    assert account["id"] == ctx.ws.account_id
    assert (account["rootFolderId"], account["recycleBinId"]) == (ctx.ws.root_id, ctx.ws.recycle_bin_id)


# ---------------------------------------------------------------- batch and async jobs


async def _batch(ctx: Ctx) -> tuple[str, str]:
    """Run a two-operation batch; the job id and the new folder's parent id."""
    parent = folder(ctx.ws, "Engineering Backlog")
    job = await ctx.one("run_batch", "asyncJob", operations=[
        {"type": "TaskCreation", "parentId": parent["id"], "params": {"title": "Batch task"}},
        {"type": "FolderCreation", "parentId": parent["id"], "params": {"title": "Batch folder"}},
    ])  # fmt: skip
    assert job["status"] == "Completed" and job["totalCount"] == 2  # run_batch waits for the job
    return job["id"], parent["id"]


@scenario("run_batch", legacy_too=True)
async def run_a_batch_of_creations(ctx: Ctx) -> None:
    job_id, parent_id = await _batch(ctx)
    operations = ctx.ws["async_jobs"][job_id]["result"]["operations"]
    assert [op["status"] for op in operations] == ["Completed", "Completed"]
    task, new_folder = ctx.ws["tasks"][operations[0]["id"]], ctx.ws["folders"][operations[1]["id"]]
    assert (task["title"], task["parentIds"]) == ("Batch task", [parent_id])
    assert (new_folder["title"], new_folder["parentIds"]) == ("Batch folder", [parent_id])


@scenario("get_async_job")
async def poll_the_batch_job(ctx: Ctx) -> None:
    job_id, _ = await _batch(ctx)
    job = await ctx.one("get_async_job", "asyncJob", asyncJobId=job_id)
    assert (job["id"], job["status"], job["processedCount"]) == (job_id, "Completed", 2)
    created = [op["id"] for op in job["result"]["operations"]]
    assert created[0] in ctx.ws["tasks"] and created[1] in ctx.ws["folders"]
