"""Every-tool scenarios: contacts and users, custom fields and cascading, webhooks, workflows."""

from __future__ import annotations

from every_tool import (
    Ctx,
    choice_field,
    folder,
    folder_with_tasks,
    ids,
    live_tasks,
    owner_id,
    people,
    regular_user,
    scenario,
    space,
)

from wrike_mcp.sandbox.store import Entity

HOOK_URL = "http://127.0.0.1:9/wrike-hook"  # loopback only; delivery is off in these runs
# The runner's webhook settings: hooks point at RECEIVER_URL by default (nothing listens there: delivery
# is off), and HOOK_URL is an operator-allowed URL, so the scenarios can pass it as hookUrl.
RECEIVER_URL = "http://127.0.0.1:9/webhooks/wrike"

# ---------------------------------------------------------------- contacts and users


@scenario("list_contacts", "/contacts", legacy_too=True)
async def list_contacts_finds_me(ctx: Ctx) -> None:
    everyone = await ctx.data("list_contacts", "contacts")
    assert ids(everyone) == set(ctx.ws["contacts"])
    me = await ctx.one("list_contacts", "contacts", me=True)
    assert me["id"] == owner_id(ctx.ws) and me["me"] is True


@scenario("list_contacts", "/contacts/{contactIds}")
async def contacts_by_id(ctx: Ctx) -> None:
    wanted = people(ctx.ws)[2:4]
    found = await ctx.data("list_contacts", "contacts", contactIds=[p["id"] for p in wanted])
    assert {c["id"]: c["lastName"] for c in found} == {p["id"]: p["lastName"] for p in wanted}


@scenario("get_user")
async def get_a_user(ctx: Ctx) -> None:
    user = regular_user(ctx.ws)
    found = await ctx.one("get_user", "users", userId=user["id"])
    assert (found["id"], found["userTypeId"]) == (user["id"], user["userTypeId"])
    assert found["profiles"][0]["email"] == user["primaryEmail"]


@scenario("update_user", legacy_too=True)
async def deactivate_a_user(ctx: Ctx) -> None:
    user = regular_user(ctx.ws)
    updated = await ctx.one("update_user", "users", userId=user["id"], active=False)
    assert updated["profiles"][0]["active"] is False
    assert user["profiles"][0]["active"] is False


# ---------------------------------------------------------------- custom fields


@scenario("list_custom_fields", "/customfields")
async def custom_fields_of_the_account(ctx: Ctx) -> None:
    found = await ctx.data("list_custom_fields", "customfields")
    seeded = ctx.ws["customfields"].values()
    assert {f["id"]: f["type"] for f in found} == {f["id"]: f["type"] for f in seeded}


@scenario("list_custom_fields", "/spaces/{spaceId}/customfields")
async def custom_fields_of_a_space(ctx: Ctx) -> None:
    marketing = space(ctx.ws, "Marketing")
    found = await ctx.data("list_custom_fields", "customfields", spaceId=marketing["id"])
    assert [(f["title"], f["spaceId"]) for f in found] == [("Budget", marketing["id"])]


@scenario("create_custom_field", legacy_too=True)
async def create_a_space_dropdown(ctx: Ctx) -> None:
    engineering = space(ctx.ws, "Engineering")
    created = await ctx.one(
        "create_custom_field", "customfields", title="Component", type="DropDown",
        spaceId=engineering["id"], settings={"values": ["API", "Web", "Mobile"]},
    )  # fmt: skip
    stored = ctx.ws["customfields"][created["id"]]
    assert (stored["title"], stored["type"]) == ("Component", "DropDown")
    assert stored["spaceId"] == engineering["id"]
    assert stored["settings"]["values"] == ["API", "Web", "Mobile"]


@scenario("update_custom_field")
async def rename_a_custom_field(ctx: Ctx) -> None:
    field = choice_field(ctx.ws)
    values = [*field["settings"]["values"], "Blocker"]
    updated = await ctx.one(
        "update_custom_field", "customfields", customFieldId=field["id"], title="Impact",
        settings={"values": values},
    )  # fmt: skip
    assert updated["title"] == "Impact"
    assert (field["title"], field["settings"]["values"]) == ("Impact", values)


def _cascading(item: Entity) -> list[str]:
    return [s["customFieldId"] for s in item.get("_cascadingFieldSettings", [])]


async def _enable(ctx: Ctx, **where: str) -> tuple[Entity, str]:
    field_id = choice_field(ctx.ws)["id"]
    item = ctx.ws["tasks"].get(where.get("taskId", "")) or ctx.ws["folders"][where["folderId"]]
    found = await ctx.data(
        "enable_cascading_field", "cascadingFieldSettings", customFieldId=field_id, **where
    )
    assert found == [{"customFieldId": field_id}] and _cascading(item) == [field_id]
    return item, field_id


@scenario("enable_cascading_field", "/tasks/{taskId}/cascading_field_settings")
async def enable_cascading_on_a_task(ctx: Ctx) -> None:
    await _enable(ctx, taskId=live_tasks(ctx.ws)[0]["id"])


@scenario("enable_cascading_field", "/folders/{folderId}/cascading_field_settings")
async def enable_cascading_on_a_folder(ctx: Ctx) -> None:
    await _enable(ctx, folderId=folder_with_tasks(ctx.ws)["id"])


async def _disable(ctx: Ctx, **where: str) -> None:
    item, field_id = await _enable(ctx, **where)
    found = await ctx.data(
        "disable_cascading_field", "cascadingFieldSettings", customFieldId=field_id, **where
    )
    assert found == [] and _cascading(item) == []


@scenario("disable_cascading_field", "/tasks/{taskId}/cascading_field_settings")
async def disable_cascading_on_a_task(ctx: Ctx) -> None:
    await _disable(ctx, taskId=live_tasks(ctx.ws)[1]["id"])


@scenario("disable_cascading_field", "/folders/{folderId}/cascading_field_settings")
async def disable_cascading_on_a_folder(ctx: Ctx) -> None:
    await _disable(ctx, folderId=folder(ctx.ws, "Blog")["id"])


# ---------------------------------------------------------------- webhooks


async def _hook(ctx: Ctx, **arguments: object) -> Entity:
    created = await ctx.one("create_webhook", "webhooks", hookUrl=HOOK_URL, **arguments)
    stored = ctx.ws["webhooks"][created["id"]]
    assert (stored["hookUrl"], stored["status"]) == (HOOK_URL, "Active")
    assert stored["_authorId"] == owner_id(ctx.ws)  # listed for the token's user only
    return stored


@scenario("create_webhook", "/webhooks")
async def webhook_on_the_account(ctx: Ctx) -> None:
    hook = await _hook(ctx, events=["TaskCreated", "CommentAdded"])
    assert hook["events"] == ["TaskCreated", "CommentAdded"]
    assert "folderId" not in hook and "spaceId" not in hook


@scenario("create_webhook", "/folders/{folderId}/webhooks")
async def webhook_on_a_folder(ctx: Ctx) -> None:
    platform = folder(ctx.ws, "Platform")
    hook = await _hook(ctx, folderId=platform["id"], recursive=True)
    assert (hook["folderId"], hook["recursive"]) == (platform["id"], True)


@scenario("create_webhook", "/spaces/{spaceId}/webhooks")
async def webhook_on_a_space(ctx: Ctx) -> None:
    marketing = space(ctx.ws, "Marketing")
    hook = await _hook(ctx, spaceId=marketing["id"])
    assert hook["spaceId"] == marketing["id"] and "folderId" not in hook


@scenario("list_webhooks")
async def list_my_webhooks(ctx: Ctx) -> None:
    hooks = [await _hook(ctx), await _hook(ctx, spaceId=space(ctx.ws, "Engineering")["id"])]
    found = await ctx.data("list_webhooks", "webhooks")
    assert {h["id"]: h.get("spaceId") for h in found} == {h["id"]: h.get("spaceId") for h in hooks}
    assert all(not key.startswith("_") for h in found for key in h)  # no secret, no author on the wire


@scenario("update_webhook", legacy_too=True)
async def suspend_a_webhook(ctx: Ctx) -> None:
    hook = await _hook(ctx)
    updated = await ctx.one("update_webhook", "webhooks", webhookId=hook["id"], status="Suspended")
    assert updated["status"] == "Suspended" and hook["status"] == "Suspended"


@scenario("wait_for_events")
async def wait_for_my_hooks_events(ctx: Ctx) -> None:
    await _hook(ctx, folderId=folder(ctx.ws, "Platform")["id"])
    result = await ctx.call("wait_for_events", eventTypes=["TaskCreated"], timeout=0)
    assert result.structured_content == {"events": [], "waiting": 0}  # nothing was delivered


@scenario("delete_webhook")
async def delete_a_webhook(ctx: Ctx) -> None:
    hook = await _hook(ctx)
    assert await ctx.data("delete_webhook", "webhooks", webhookId=hook["id"]) == []
    assert hook["id"] not in ctx.ws["webhooks"]
    assert await ctx.data("list_webhooks", "webhooks") == []


# ---------------------------------------------------------------- workflows


@scenario("list_workflows", "/workflows")
async def workflows_of_the_account(ctx: Ctx) -> None:
    found = await ctx.data("list_workflows", "workflows")
    assert {w["id"]: len(w["customStatuses"]) for w in found} == {
        w["id"]: len(w["customStatuses"]) for w in ctx.ws["workflows"].values()
    }


@scenario("list_workflows", "/spaces/{spaceId}/workflows")
async def workflows_of_a_space(ctx: Ctx) -> None:
    engineering = space(ctx.ws, "Engineering")
    found = await ctx.data("list_workflows", "workflows", spaceId=engineering["id"])
    names = {w["name"] for w in found}
    assert {"Software Delivery", "Default Workflow"} == names
    assert engineering["defaultTaskWorkflowId"] in ids(found)


@scenario("create_workflow")
async def create_a_workflow(ctx: Ctx) -> None:
    created = await ctx.one("create_workflow", "workflows", name="Content Review")
    stored = ctx.ws["workflows"][created["id"]]
    assert stored["name"] == "Content Review" and stored["standard"] is False
    groups = {s["group"] for s in stored["customStatuses"]}
    assert groups == {"Active", "Completed", "Deferred", "Cancelled"}


@scenario("update_workflow", legacy_too=True)
async def add_a_status_to_a_workflow(ctx: Ctx) -> None:
    workflow = next(w for w in ctx.ws["workflows"].values() if not w["standard"])
    updated = await ctx.one(
        "update_workflow", "workflows", workflowId=workflow["id"],
        customStatus={"name": "In Review", "group": "Active"},
    )  # fmt: skip
    added = workflow["customStatuses"][-1]
    assert (added["name"], added["group"], added["hidden"]) == ("In Review", "Active", False)
    assert added["id"] in {s["id"] for s in updated["customStatuses"]}
