"""Contacts, users and groups. [C] wrike-api.md §4.9

Groups are contacts of type `Group` (ws["contacts"]), as in Wrike, so `GET /contacts` lists them and
`GET /groups` shows the same records in the group model. `me: true` is computed for the caller on the
way out, never stored.
"""

from __future__ import annotations

from typing import Any

from wrike_mcp.sandbox.activity_common import apply_metadata, is_admin, metadata_filter
from wrike_mcp.sandbox.activity_groups import apply_changes, delete_group, new_group, render_group
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity
from wrike_mcp.sandbox.wire import (
    Params,
    WrikeError,
    access_forbidden,
    envelope,
    invalid_parameter,
    not_allowed,
    paginate,
    parameter_required,
    split_ids,
)

router = Router()

USER_READ = frozenset({"amReadOnlyUser", "amReadWriteUser"})
USER_WRITE = frozenset({"amReadWriteUser"})
GROUP_READ = frozenset({"amReadOnlyGroup", "amReadWriteGroup"})
GROUP_WRITE = frozenset({"amReadWriteGroup"})

_HEAD = ("id", "firstName", "lastName", "type", "profiles", "avatarUrl", "timezone", "locale", "deleted")
_TAIL = ("title", "companyName", "phone", "location", "primaryEmail", "memberIds", "myTeam")
CONTACT_FIELDS = (
    "metadata",
    "workScheduleId",
    "currentBillRate",
    "currentCostRate",
    "customFields",
    "jobRoleId",
)
CONTACT_TYPES = ("Person", "Group", "Robot", "Asset")
_LIST_DEFAULTS: dict[str, Any] = {"metadata": [], "customFields": []}


def render_contact(contact: Entity, user_id: str, fields: set[str], extra: tuple[str, ...] = ()) -> Entity:
    """The contact model in the recorded key order; opt-in fields only when asked. [C] NANGO"""
    out = {k: contact[k] for k in _HEAD if k in contact}
    if contact["id"] == user_id:
        out["me"] = True
    out.update({k: contact[k] for k in (*_TAIL, *extra) if k in contact})
    for name in CONTACT_FIELDS:
        if name in fields and (name in contact or name in _LIST_DEFAULTS):
            out[name] = contact.get(name, _LIST_DEFAULTS.get(name))
    return out


def _email_of(contact: Entity) -> set[str]:
    emails = {p.get("email", "").lower() for p in contact.get("profiles", [])}
    return emails | {str(contact.get("primaryEmail", "")).lower()}


def _contact_filters(params: Params, user_id: str) -> list[Any]:
    """The predicates of `GET /contacts`, one per given filter."""
    checks: list[Any] = [metadata_filter(params)]
    if params.flag("me"):
        checks.append(lambda c: c["id"] == user_id)
    deleted = params.flag("deleted")
    if deleted is not None:
        checks.append(lambda c: bool(c.get("deleted")) == deleted)
    active = params.flag("active")
    if active is not None:
        checks.append(lambda c: any(p.get("active") for p in c.get("profiles", [])) == active)
    emails = params.strings("emails", max_items=100)
    if emails is not None:
        wanted = {e.lower() for e in emails}
        checks.append(lambda c: bool(_email_of(c) & wanted))
    name = params.text("name")
    if name is not None:
        needle = name.lower()
        checks.append(lambda c: needle in f"{c.get('firstName', '')} {c.get('lastName', '')}".lower())
    types = params.strings("types")
    if types is not None:
        if not set(types) <= set(CONTACT_TYPES):
            raise invalid_parameter("types")
        checks.append(lambda c: c.get("type") in types)
    return checks


@router.route(
    "GET", "/contacts", scopes=WS_READ,
    params=("me", "metadata", "deleted", "emails", "active", "name", "types", "fields"),
)  # fmt: skip
async def list_contacts(call: Call) -> dict[str, Any]:
    fields = call.params.fields(CONTACT_FIELDS)
    checks = _contact_filters(call.params, call.user_id)
    data = [
        render_contact(c, call.user_id, fields)
        for c in call.ws["contacts"].values()
        if all(check(c) for check in checks)
    ]
    return envelope("contacts", data)


@router.route("GET", "/contacts/{contactIds}", scopes=WS_READ, params=("fields",))
async def get_contacts(call: Call) -> dict[str, Any]:
    fields = call.params.fields(CONTACT_FIELDS)
    ids = split_ids(call.path["contactIds"])
    return envelope("contacts", [render_contact(call.entity("contacts", i, "Contact"), call.user_id, fields)
                                 for i in ids])  # fmt: skip


@router.route(
    "PUT", "/contacts/{contactIds}", scopes=WS_WRITE,
    params=("metadata", "currentBillRate", "currentCostRate", "jobRoleId", "customFields", "fields"),
)  # fmt: skip
async def update_contact(call: Call) -> dict[str, Any]:
    contact = call.entity("contacts", call.path["contactIds"], "Contact")
    own = contact["id"] == call.user_id
    if not own and not (contact.get("type") == "Group" and is_admin(call.ws, call.user_id)):
        # Only your own contact; admins may also edit group contacts. [C] OAS154
        raise access_forbidden("Only the user's own contact can be modified")
    fields = call.params.fields(CONTACT_FIELDS)
    metadata = call.params.array("metadata", max_items=100)
    if metadata is not None:
        apply_metadata(contact, metadata)
        fields.add("metadata")  # [I] an update shows what it changed
    for rate in ("currentBillRate", "currentCostRate"):
        value = call.params.obj(rate)
        if value is not None:
            contact[rate] = _rate(value, rate)
    job_role = call.params.text("jobRoleId")
    if job_role is not None:
        contact["jobRoleId"] = job_role
    custom_fields = call.params.array("customFields")
    if custom_fields is not None:
        contact["customFields"] = _contact_custom_fields(call, custom_fields)
    return envelope("contacts", [render_contact(contact, call.user_id, fields)])


def _rate(value: dict[str, Any], name: str) -> dict[str, Any]:
    """A rate object `{rateSource, rateValue}`. [I] shape not visible in our sources"""
    amount = value.get("rateValue")
    if set(value) - {"rateSource", "rateValue"} or not isinstance(amount, int | float) or amount < 0:
        raise invalid_parameter(name)
    return {"rateSource": str(value.get("rateSource", "User")), "rateValue": amount}


def _contact_custom_fields(call: Call, entries: list[Any]) -> list[dict[str, Any]]:
    """`[{id, value}]` for User-applicable custom fields; values are strings. [C] §4.11"""
    out = []
    for entry in entries:
        field = call.ws["customfields"].get(str(entry.get("id"))) if isinstance(entry, dict) else None
        applicable = (field or {}).get("settings", {}).get("applicableEntityTypes", [])
        if field is None or "User" not in applicable or not isinstance(entry.get("value"), str | None):
            raise invalid_parameter("customFields")
        if entry.get("value") is not None:
            out.append({"id": field["id"], "value": entry["value"]})
    return out


# ---------------------------------------------------------------- users


def _user(call: Call) -> Entity:
    contact = call.entity("contacts", call.path["userId"], "User")
    if contact.get("type") != "Person":
        raise WrikeError(404, "resource_not_found", "User not found")
    return contact


def _render_user(contact: Entity, user_id: str) -> Entity:
    # The user model is the contact model plus userTypeId. [C] OAS154; kind "users" [I]
    return render_contact(contact, user_id, set(), extra=("userTypeId",))


@router.route("GET", "/users/{userId}", scopes=USER_READ)
async def get_user(call: Call) -> dict[str, Any]:
    return envelope("users", [_render_user(_user(call), call.user_id)])


@router.route("PUT", "/users/{userId}", scopes=USER_WRITE, params=("profile", "userTypeId", "active"))
async def update_user(call: Call) -> dict[str, Any]:
    if not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only account administrators can modify users")
    contact = _user(call)
    given = [name for name in ("profile", "userTypeId", "active") if name in call.params]
    if not given:
        raise parameter_required("userTypeId")
    if len(given) > 1:
        # profile, userTypeId and active are mutually exclusive. [C] DOC2020, OAS154
        raise WrikeError(400, "invalid_request", "Parameters 'profile', 'userTypeId', 'active' are exclusive")
    {"profile": _set_profile, "userTypeId": _set_user_type, "active": _set_active}[given[0]](call, contact)
    return envelope("users", [_render_user(contact, call.user_id)])


def _account_profile(call: Call, contact: Entity) -> Entity:
    profile: Entity = next(p for p in contact["profiles"] if p["accountId"] == call.ws.account_id)
    return profile


def _set_profile(call: Call, contact: Entity) -> None:
    value = call.params.obj("profile") or {}
    role, external = value.get("role", "User"), value.get("external", False)
    if (
        value.get("accountId") != call.ws.account_id
        or set(value) - {"accountId", "role", "external"}
        or role not in ("User", "Collaborator")
        or not isinstance(external, bool)
    ):
        raise invalid_parameter("profile")
    _guard_owner(contact, call)
    _account_profile(call, contact).update({"role": role, "external": external or role == "Collaborator"})


def user_types(account_id: str) -> dict[str, tuple[str, bool]]:
    """User types the sandbox knows: id -> (role, admin). bootstrap.py assigns the first two. [I]"""
    return {
        account_id + "UTADMIN": ("User", True),
        account_id + "UTREGULR": ("User", False),
        account_id + "UTCOLLAB": ("Collaborator", False),
    }


def _set_user_type(call: Call, contact: Entity) -> None:
    type_id = call.params.text("userTypeId")
    known = user_types(call.ws.account_id)
    if type_id not in known:
        raise invalid_parameter("userTypeId")
    _guard_owner(contact, call)
    role, admin = known[type_id]
    contact["userTypeId"] = type_id
    _account_profile(call, contact).update({"role": role, "admin": admin, "external": role == "Collaborator"})


def _set_active(call: Call, contact: Entity) -> None:
    active = call.params.flag("active")
    _guard_owner(contact, call)
    _account_profile(call, contact)["active"] = bool(active)


def _guard_owner(contact: Entity, call: Call) -> None:
    """The account owner cannot be demoted or deactivated. [I] our choice: 403 not_allowed"""
    if _account_profile(call, contact).get("owner"):
        raise not_allowed("The account owner cannot be modified")


# ---------------------------------------------------------------- groups


@router.route("GET", "/groups", scopes=GROUP_READ, params=("metadata", "pageSize", "pageToken", "fields"))
async def list_groups(call: Call) -> dict[str, Any]:
    fields = call.params.fields(("metadata",))
    matches = metadata_filter(call.params)
    groups = [c for c in call.ws["contacts"].values() if c.get("type") == "Group" and matches(c)]
    # Groups page with `pageToken`, not `nextPageToken`. [C] OAS154
    raw = dict(call.params.raw)
    if "pageToken" in raw:
        raw["nextPageToken"] = raw.pop("pageToken")
    page, extra = paginate(groups, Params(raw), default_size=None)
    data = [render_group(call.ws, g, fields) for g in page]
    return envelope("groups", data, **extra)


def _group(call: Call) -> Entity:
    group = call.entity("contacts", call.path["groupId"], "Group")
    if group.get("type") != "Group":
        raise WrikeError(404, "resource_not_found", "Group not found")
    return group


def _group_admin(call: Call) -> None:
    if not is_admin(call.ws, call.user_id):
        raise access_forbidden("Only account administrators can manage groups")  # [I]


@router.route("GET", "/groups/{groupId}", scopes=GROUP_READ, params=("fields",))
async def get_group(call: Call) -> dict[str, Any]:
    fields = call.params.fields(("metadata",))
    return envelope("groups", [render_group(call.ws, _group(call), fields)])


@router.route(
    "POST", "/groups", scopes=GROUP_WRITE, params=("title", "members", "parent", "avatar", "metadata")
)  # fmt: skip
async def create_group(call: Call) -> dict[str, Any]:
    _group_admin(call)
    title = call.params.text("title", True, non_empty=True)
    group = new_group(call.ws, title or "")
    try:
        apply_changes(call.ws, group, call.params, creating=True)
    except WrikeError:
        delete_group(call.ws, group)  # a refused create leaves nothing behind
        raise
    return envelope("groups", [render_group(call.ws, group, {"metadata"})])


@router.route(
    "PUT", "/groups/{groupId}", scopes=GROUP_WRITE,
    params=("title", "addMembers", "removeMembers", "parent", "avatar", "metadata"),
)  # fmt: skip
async def update_group(call: Call) -> dict[str, Any]:
    _group_admin(call)
    group = _group(call)
    if group.get("myTeam") and "title" in call.params:
        raise not_allowed("The My Team group cannot be renamed")  # [I]
    apply_changes(call.ws, group, call.params, creating=False)
    return envelope("groups", [render_group(call.ws, group, {"metadata"})])


@router.route("DELETE", "/groups/{groupId}", scopes=GROUP_WRITE, params=("test",))
async def remove_group(call: Call) -> dict[str, Any]:
    """`test=true` only checks that the group could be deleted. [C] OAS154; answer `data: []` [I]"""
    _group_admin(call)
    group = _group(call)
    if group.get("myTeam"):
        raise not_allowed("The My Team group cannot be deleted")  # [I]
    if not call.params.flag("test", False):
        delete_group(call.ws, group)
    return envelope("groups", [])
