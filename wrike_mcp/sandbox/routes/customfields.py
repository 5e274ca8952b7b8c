"""Custom fields, and the cascading switches on tasks and folders. [C] wrike-api.md §4.11

There is no DELETE for custom fields in the public API. [C] `settings` are validated per type and
filled with Wrike's defaults, so every field has a complete settings object on the wire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrike_mcp.sandbox.activity_common import container
from wrike_mcp.sandbox.endpoint import Call, Router
from wrike_mcp.sandbox.store import WS_READ, WS_WRITE, Entity, Workspace
from wrike_mcp.sandbox.wire import Params, envelope, invalid_parameter, split_ids

router = Router()

CF_TYPES = (
    "Text", "DropDown", "Numeric", "Currency", "Percentage", "Date", "Duration", "Checkbox", "Contacts",
    "Multiple", "CalculatedNumeric", "CalculatedDate", "LinkToDatabase",
)  # fmt: skip
INHERITANCE = ("All", "Folders", "Projects", "Tasks")
ENTITY_TYPES = ("User", "WorkItem")
AGGREGATIONS = ("None", "Sum", "Average")
_ORDER = ("id", "accountId", "title", "type", "spaceId", "sharedIds", "sharing", "settings", "description",
          "archived", "archivedBy", "archivedOn")  # fmt: skip

_COMMON: dict[str, Any] = {"inheritanceType": "All", "applicableEntityTypes": ["WorkItem"], "readOnly": False}
_NUMBER = {"decimalPlaces": 2, "useThousandsSeparator": False, "aggregation": "None"}
_CHOICES = {"values": [], "options": [], "optionColorsEnabled": False, "allowOtherValues": True}
# Settings each type takes, with Wrike's defaults. [C] DOC2020 + NANGO keys; defaults per DOC2020
TYPE_SETTINGS: dict[str, dict[str, Any]] = {
    "Numeric": _NUMBER,
    "Currency": {**_NUMBER, "currency": "USD"},
    "Percentage": {"decimalPlaces": 2, "aggregation": "None"},
    "Duration": {"aggregation": "None"},
    "DropDown": _CHOICES,
    "Multiple": _CHOICES,
    "Contacts": {"contacts": []},
}
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "inheritanceType": lambda v: v in INHERITANCE,
    "applicableEntityTypes": lambda v: isinstance(v, list) and bool(v) and set(v) <= set(ENTITY_TYPES),
    "readOnly": lambda v: isinstance(v, bool),
    "decimalPlaces": lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 6,
    "useThousandsSeparator": lambda v: isinstance(v, bool),
    "aggregation": lambda v: v in AGGREGATIONS,
    "currency": lambda v: isinstance(v, str) and len(v) == 3 and v.isupper(),
    "values": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "options": lambda v: (
        isinstance(v, list)
        and all(
            isinstance(o, dict) and isinstance(o.get("value"), str) and set(o) <= {"value", "color"}
            for o in v
        )
    ),
    "optionColorsEnabled": lambda v: isinstance(v, bool),
    "allowOtherValues": lambda v: isinstance(v, bool),
    "contacts": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
}


def render_field(field: Entity) -> Entity:
    return {k: field[k] for k in _ORDER if k in field}


def with_usage(ws: Workspace, field: Entity) -> Entity:
    """`fields=["dataUsageStatistics"]`: how many tasks and folders carry a value. [I] shape ours"""
    out = render_field(field)
    counts = {"tasksCount": 0, "foldersCount": 0}
    for kind in ("tasks", "folders"):
        counts[f"{kind}Count"] = sum(
            1
            for item in ws[kind].values()
            if any(v.get("id") == field["id"] for v in item.get("customFields", ()))
        )
    out["dataUsageStatistics"] = counts
    return out


def settings_for(cf_type: str, given: dict[str, Any] | None, base: dict[str, Any] | None = None) -> Entity:
    """A complete settings object for `cf_type`: defaults, then `base` (kept values), then `given`."""
    allowed = {**_COMMON, **TYPE_SETTINGS.get(cf_type, {})}
    given = given or {}
    if set(given) - set(allowed) or not all(_CHECKS[k](v) for k, v in given.items()):
        raise invalid_parameter("settings")
    merged = {k: (base or {}).get(k, default) for k, default in allowed.items()}
    merged.update(given)
    if "options" in given or "values" in given:
        _sync_choices(merged, given)
    return merged


def _sync_choices(settings: Entity, given: dict[str, Any]) -> None:
    """`values` and `options` describe the same list; keep them in step. [I] our choice"""
    if "options" in given:
        settings["values"] = [o["value"] for o in given["options"]]
    colors = {o["value"]: o.get("color") for o in settings.get("options", [])}
    settings["options"] = [
        {"value": v, **({"color": colors[v]} if colors.get(v) else {})} for v in settings["values"]
    ]


def _applicable(field: Entity) -> list[str]:
    return list(field["settings"].get("applicableEntityTypes", []))


def _type(field: Entity) -> list[str]:
    return [field["type"]]


def _inheritance(field: Entity) -> list[str]:
    return [field["settings"].get("inheritanceType", "All")]


def _member_of(wanted: set[str], getter: Callable[[Entity], list[str]]) -> Callable[[Entity], bool]:
    return lambda field: bool(wanted & set(getter(field)))


def _filters(params: Params) -> list[Callable[[Entity], bool]]:
    checks: list[Callable[[Entity], bool]] = []
    for name, allowed, getter in (
        ("applicableEntityTypes", ENTITY_TYPES, _applicable),
        ("types", CF_TYPES, _type),
        ("inheritanceTypes", INHERITANCE, _inheritance),
    ):
        wanted = params.strings(name)
        if wanted is None:
            continue
        if not set(wanted) <= set(allowed):
            raise invalid_parameter(name)
        checks.append(_member_of(set(wanted), getter))
    title = params.text("title")
    if title is not None:
        # [I] our choice: case-insensitive substring match
        checks.append(lambda f: title.lower() in f["title"].lower())
    return checks


def _answer(call: Call, fields_list: list[Entity]) -> dict[str, Any]:
    usage = "dataUsageStatistics" in call.params.fields(("dataUsageStatistics",))
    render: Callable[[Entity], Entity] = (lambda f: with_usage(call.ws, f)) if usage else render_field
    checks = _filters(call.params)
    return envelope("customfields", [render(f) for f in fields_list if all(c(f) for c in checks)])


@router.route(
    "GET", "/customfields", scopes=WS_READ,
    params=("applicableEntityTypes", "types", "inheritanceTypes", "title", "fields"),
)  # fmt: skip
async def list_fields(call: Call) -> dict[str, Any]:
    return _answer(call, list(call.ws["customfields"].values()))


@router.route(
    "GET", "/customfields/{customFieldIds}", scopes=WS_READ, params=("applicableEntityTypes", "fields")
)
async def get_fields(call: Call) -> dict[str, Any]:
    ids = split_ids(call.path["customFieldIds"])
    return _answer(call, [call.entity("customfields", i, "Custom field") for i in ids])


@router.route(
    "GET", "/spaces/{spaceId}/customfields", scopes=WS_READ, params=("applicableEntityTypes", "fields")
)
async def list_space_fields(call: Call) -> dict[str, Any]:
    space = container(call, "spaces", call.path["spaceId"])
    return _answer(call, [f for f in call.ws["customfields"].values() if f.get("spaceId") == space["id"]])


def _title(call: Call, required: bool) -> str | None:
    title = call.params.text("title", required, non_empty=True)
    if title is not None and len(title) > 255:  # [I] our limit
        raise invalid_parameter("title")
    return title


def _space_id(call: Call) -> str | None:
    space_id = call.params.text("spaceId")
    if space_id is not None and space_id not in call.ws["spaces"]:
        raise invalid_parameter("spaceId")
    return space_id


def _contacts(call: Call, name: str) -> list[str]:
    ids = call.params.strings(name) or []
    if not all(i in call.ws["contacts"] for i in ids):
        raise invalid_parameter(name)
    return ids


@router.route(
    "POST", "/customfields", scopes=WS_WRITE,
    params=("title", "type", "spaceId", "sharing", "shareds", "settings", "description"),
)  # fmt: skip
async def create_field(call: Call) -> dict[str, Any]:
    title = _title(call, True)
    cf_type = call.params.enum("type", CF_TYPES, required=True)
    assert cf_type is not None
    field: Entity = {"id": call.ws.new_id("customfields"), "accountId": call.ws.account_id, "title": title,
                     "type": cf_type}  # fmt: skip
    space_id = _space_id(call)
    if space_id is not None:
        field["spaceId"] = space_id
    field["sharedIds"] = _contacts(call, "shareds")
    field["sharing"] = call.params.obj("sharing") or {}
    field["settings"] = settings_for(cf_type, call.params.obj("settings"))
    field["description"] = call.params.text("description") or ""
    field["archived"] = False
    call.ws["customfields"][field["id"]] = field
    return envelope("customfields", [render_field(field)])


@router.route(
    "PUT", "/customfields/{customFieldIds}", scopes=WS_WRITE,
    params=("title", "type", "changeScope", "spaceId", "sharing", "addShareds", "removeShareds", "settings",
            "description"),
)  # fmt: skip
async def update_field(call: Call) -> dict[str, Any]:
    field = call.entity("customfields", call.path["customFieldIds"], "Custom field")
    title = _title(call, False)
    cf_type = call.params.enum("type", CF_TYPES) or field["type"]
    if cf_type == "LinkToDatabase" and field["type"] != "LinkToDatabase":
        raise invalid_parameter("type")  # no conversion to LinkToDatabase [C] OAS154
    settings = settings_for(cf_type, call.params.obj("settings"), field["settings"])
    _change_scope(call, field)
    added, removed = _contacts(call, "addShareds"), set(_contacts(call, "removeShareds"))
    shared = [i for i in field["sharedIds"] if i not in removed]
    field["sharedIds"] = shared + [i for i in added if i not in shared]
    sharing = call.params.obj("sharing")
    if sharing is not None:
        field["sharing"] = sharing
    description = call.params.text("description")
    if description is not None:
        field["description"] = description
    field.update({"title": title or field["title"], "type": cf_type, "settings": settings})
    return envelope("customfields", [render_field(field)])


def _change_scope(call: Call, field: Entity) -> None:
    """`changeScope=Space` with `spaceId`, or `Account` (no spaceId). [C] OAS154"""
    scope = call.params.enum("changeScope", ("Space", "Account"))
    space_id = _space_id(call)
    if scope == "Account":
        if space_id is not None:
            raise invalid_parameter("spaceId")
        field.pop("spaceId", None)
    elif scope == "Space" or space_id is not None:
        if space_id is None:
            raise invalid_parameter("spaceId")
        # keep the key order of the model: spaceId sits after type
        rest = {
            k: field.pop(k) for k in list(field) if k not in ("id", "accountId", "title", "type", "spaceId")
        }
        field["spaceId"] = space_id
        field.update(rest)


# ---------------------------------------------------------------- cascading fields
# Paths per Wrike's reference pages (post/delete tasks|folders single cascading_field_settings, scopes
# Default + wsReadWrite). [C] REF. The parameter naming the field is not visible in our sources:
# [I] our choice: `customFieldId`. The active settings are kept in the item's private
# `_cascadingFieldSettings` list so task/folder reads can show them under `fields=["cascadingFields"]`.
CASCADE_TYPES = ("DropDown", "Multiple")  # [I] only choice fields have options that can cascade


def _cascade_target(call: Call) -> tuple[Entity, str]:
    kind = "tasks" if "taskId" in call.path else "folders"
    item = container(call, kind, call.path.get("taskId") or call.path["folderId"])
    field_id = call.params.text("customFieldId", True)
    field = call.ws["customfields"].get(field_id or "")
    if field is None or field["type"] not in CASCADE_TYPES:
        raise invalid_parameter("customFieldId")
    return item, field["id"]


def _cascade_answer(item: Entity) -> dict[str, Any]:
    # kind string not confirmed [I]
    return envelope("cascadingFieldSettings", [dict(s) for s in item.get("_cascadingFieldSettings", [])])


async def enable_cascading(call: Call) -> dict[str, Any]:
    item, field_id = _cascade_target(call)
    active = item.setdefault("_cascadingFieldSettings", [])
    if not any(s["customFieldId"] == field_id for s in active):
        active.append({"customFieldId": field_id})
    return _cascade_answer(item)


async def disable_cascading(call: Call) -> dict[str, Any]:
    item, field_id = _cascade_target(call)
    item["_cascadingFieldSettings"] = [
        s for s in item.get("_cascadingFieldSettings", []) if s["customFieldId"] != field_id
    ]
    return _cascade_answer(item)


for _base in ("/tasks/{taskId}", "/folders/{folderId}"):
    router.route("POST", _base + "/cascading_field_settings", scopes=WS_WRITE, params=("customFieldId",))(
        enable_cascading
    )
    router.route("DELETE", _base + "/cascading_field_settings", scopes=WS_WRITE, params=("customFieldId",))(
        disable_cascading
    )
