"""The filters and sort orders of the task (and filtered folder) lists. [C] wrike-api.md §4.1, §2.6

A request's filters are compiled once into a list of predicates; the list is then a single pass over
the candidates, so paging a 10,000-task workspace stays linear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wrike_mcp.sandbox.items_dates import local_range, pure_date, timestamp_range
from wrike_mcp.sandbox.items_model import GROUPS, IMPORTANCE, NUMERIC_TYPES, metadata_filter, metadata_matches
from wrike_mcp.sandbox.store import Entity, Workspace
from wrike_mcp.sandbox.wire import Params, invalid_parameter

Predicate = Callable[[Entity], bool]
COMPARATORS = frozenset({
    "EqualTo", "IsEmpty", "IsNotEmpty", "LessThan", "LessOrEqualTo", "GreaterThan", "GreaterOrEqualTo",
    "InRange", "NotInRange", "Contains", "StartsWith", "EndsWith", "ContainsAll", "ContainsAny",
})  # fmt: skip
SORT_FIELDS = (
    "CreatedDate",
    "UpdatedDate",
    "CompletedDate",
    "DueDate",
    "Status",
    "Importance",
    "Title",
    "LastAccessDate",
    "StartFinishInterval",
)


def task_filters(ws: Workspace, params: Params) -> list[Predicate]:
    """Every task filter present in the request, validated (a bad value is a 400 on its name)."""
    checks: list[Predicate] = []
    title = params.text("title", non_empty=True)
    if title is not None:
        needle = title.lower()
        checks.append(lambda t: needle in t["title"].lower())
    statuses = params.strings("status")
    if statuses is not None:
        if not set(statuses) <= set(GROUPS):
            raise invalid_parameter("status")
        wanted = frozenset(statuses)
        checks.append(lambda t: t["status"] in wanted)
    importance = params.enum("importance", IMPORTANCE)
    if importance is not None:
        checks.append(lambda t: t["importance"] == importance)
    for name, key in (("startDate", "start"), ("dueDate", "due")):
        local = local_range(params, name)
        if local is not None:
            checks.append(lambda t, p=local, k=key: p(t["dates"].get(k)))  # type: ignore[misc]
    for name in ("createdDate", "updatedDate", "completedDate"):
        stamp = timestamp_range(params, name)
        if stamp is not None:
            checks.append(lambda t, p=stamp, k=name: p(t.get(k)))  # type: ignore[misc]
    scheduled = _scheduled(params)
    if scheduled is not None:
        checks.append(scheduled)
    for name, key in (("authors", "authorIds"), ("responsibles", "responsibleIds"),
                      ("responsiblePlaceholders", "responsiblePlaceholderIds")):  # fmt: skip
        ids = params.strings(name)
        if ids is not None:
            checks.append(lambda t, s=frozenset(ids), k=key: not s.isdisjoint(t.get(k, ())))  # type: ignore[misc]
    checks.extend(_exact_filters(params))
    checks.extend(custom_field_filters(ws, params))
    return checks


def _exact_filters(params: Params) -> list[Predicate]:
    checks: list[Predicate] = []
    permalink = params.text("permalink")
    if permalink is not None:
        checks.append(lambda t: t["permalink"] == permalink)
    kind = params.enum("type", ("Backlog", "Milestone", "Planned"))
    if kind is not None:
        checks.append(lambda t: t["dates"]["type"] == kind)
    meta = metadata_filter(params.literal("metadata"))
    if meta is not None:
        checks.append(lambda t: metadata_matches(t, meta))
    custom_statuses = params.strings("customStatuses")
    if custom_statuses is not None:
        wanted = frozenset(custom_statuses)
        checks.append(lambda t: t["customStatusId"] in wanted)
    billing = params.strings("billingTypes")
    if billing is not None:
        if not set(billing) <= {"Billable", "NonBillable"}:
            raise invalid_parameter("billingTypes")
        checks.append(lambda t: t.get("billingType", "NonBillable") in billing)
    item_types = params.strings("customItemTypes")
    if item_types is not None:
        checks.append(lambda t: t.get("customItemTypeId") in item_types)
    return checks


def _scheduled(params: Params) -> Predicate | None:
    """`scheduledDate`: `{start, end}` (both) or `{equal}`, dates; the schedule must intersect. [C] §2.3"""
    bounds = params.obj("scheduledDate")
    if bounds is None:
        return None
    if set(bounds) not in ({"start", "end"}, {"equal"}):
        raise invalid_parameter("scheduledDate")
    values = {k: pure_date(v, "scheduledDate") for k, v in bounds.items()}
    lo, hi = values.get("start", values.get("equal", "")), values.get("end", values.get("equal", ""))

    def matches(task: Entity) -> bool:
        dates = task["dates"]
        due = dates.get("due")
        if due is None:
            return False
        return str(dates.get("start", due))[:10] <= hi and due[:10] >= lo

    return matches


def custom_field_filters(ws: Workspace, params: Params) -> list[Predicate]:
    """`customFields=[{id, comparator, value|minValue,maxValue|values}]` (≤25) and the deprecated
    single `customField`. An unknown field id or comparator is a 400. [C] §2.6"""
    entries: list[tuple[str, Any]] = [
        ("customFields", e) for e in params.array("customFields", max_items=25) or []
    ]
    single = params.obj("customField")
    if single is not None:
        entries.append(("customField", single))
    return [_custom_field_check(ws, name, entry) for name, entry in entries]


def _custom_field_check(ws: Workspace, name: str, entry: Any) -> Predicate:
    if not isinstance(entry, dict) or entry.get("id") not in ws["customfields"]:
        raise invalid_parameter(name)
    field_id = entry["id"]
    comparator = entry.get("comparator", "EqualTo")
    if comparator not in COMPARATORS:
        raise invalid_parameter(name)
    numeric = ws["customfields"][field_id].get("type") in NUMERIC_TYPES
    compare = _comparison(name, comparator, entry, numeric)

    def check(item: Entity) -> bool:
        value = next((c["value"] for c in item.get("customFields", ()) if c["id"] == field_id), None)
        return compare(value or None)

    return check


def _comparison(name: str, comparator: str, entry: Entity, numeric: bool) -> Callable[[str | None], bool]:
    """One comparator as a test on the stored string value (None when the field is empty)."""

    def given(raw: Any) -> Any:
        converted = _convert(raw, numeric)
        if converted is None:
            raise invalid_parameter(name)
        return converted

    if comparator in ("IsEmpty", "IsNotEmpty"):
        empty = comparator == "IsEmpty"
        return lambda v: (v is None) == empty
    if comparator in ("ContainsAll", "ContainsAny"):
        wanted = entry.get("values")
        if not isinstance(wanted, list):
            raise invalid_parameter(name)
        test = all if comparator == "ContainsAll" else any
        return lambda v: v is not None and test(str(w) in [p.strip() for p in v.split(",")] for w in wanted)
    if comparator in ("InRange", "NotInRange"):
        lo, hi, inside = given(entry.get("minValue")), given(entry.get("maxValue")), comparator == "InRange"
        return lambda v: _ordered(v, numeric, lambda x: (lo <= x <= hi) == inside)
    if comparator in ("Contains", "StartsWith", "EndsWith"):
        text = str(entry.get("value", "")).lower()
        method = {"Contains": str.__contains__, "StartsWith": str.startswith, "EndsWith": str.endswith}
        return lambda v: v is not None and method[comparator](v.lower(), text)
    target = given(entry.get("value"))
    tests: dict[str, Callable[[Any], bool]] = {
        "EqualTo": lambda x: x == target,
        "LessThan": lambda x: x < target,
        "LessOrEqualTo": lambda x: x <= target,
        "GreaterThan": lambda x: x > target,
        "GreaterOrEqualTo": lambda x: x >= target,
    }
    return lambda v: _ordered(v, numeric, tests[comparator])


def _convert(raw: Any, numeric: bool) -> Any:
    """A number for numeric fields, a string otherwise; None when it is neither."""
    if raw is None or isinstance(raw, bool | dict | list):
        return None
    if not numeric:
        return str(raw)
    try:
        return float(raw)
    except ValueError:
        return None


def _ordered(value: str | None, numeric: bool, test: Callable[[Any], bool]) -> bool:
    """A stored value that cannot be compared (text in a number field) simply does not match."""
    converted = _convert(value, numeric)
    return converted is not None and test(converted)


def sort_tasks(tasks: list[Entity], params: Params) -> list[Entity]:
    """`sortField`/`sortOrder`; without a sort field, creation order. [I] §9.11. Items with no value
    for the sort key (no due date, not completed) go last either way."""
    field = params.enum("sortField", SORT_FIELDS)
    descending = params.enum("sortOrder", ("Asc", "Desc")) == "Desc"
    if field is None:
        return tasks[::-1] if descending else tasks
    key = _SORT_KEYS[field]
    present = [t for t in tasks if key(t) is not None]
    missing = [t for t in tasks if key(t) is None]
    return sorted(present, key=key, reverse=descending) + missing


_SORT_KEYS: dict[str, Callable[[Entity], Any]] = {
    "CreatedDate": lambda t: t["createdDate"],
    "UpdatedDate": lambda t: t["updatedDate"],
    "LastAccessDate": lambda t: t["updatedDate"],  # [I] our choice: no access tracking
    "CompletedDate": lambda t: t.get("completedDate"),
    "DueDate": lambda t: t["dates"].get("due"),
    "Status": lambda t: GROUPS.index(t["status"]),
    "Importance": lambda t: IMPORTANCE.index(t["importance"]),
    "Title": lambda t: t["title"].lower(),
    "StartFinishInterval": lambda t: (
        (t["dates"]["start"], t["dates"]["due"]) if "start" in t["dates"] else None
    ),
}


def folder_filters(ws: Workspace, params: Params) -> list[Predicate]:
    """The filters of `GET /folders` in filtered mode; project filters look at the `project` object."""
    checks: list[Predicate] = []
    title = params.text("title", non_empty=True)
    if title is not None:
        checks.append(lambda f: title.lower() in f["title"].lower())
    permalink = params.text("permalink")
    if permalink is not None:
        checks.append(lambda f: f["permalink"] == permalink)
    meta = metadata_filter(params.literal("metadata"))
    if meta is not None:
        checks.append(lambda f: metadata_matches(f, meta))
    updated = timestamp_range(params, "updatedDate")
    if updated is not None:
        checks.append(lambda f: updated(f["updatedDate"]))
    projects_only = params.flag("project")
    if projects_only is not None:
        checks.append(lambda f: ("project" in f) == projects_only)
    item_types = params.strings("customItemTypes")
    if item_types is not None:
        checks.append(lambda f: f.get("customItemTypeId") in item_types)
    checks.extend(_project_filters(params))
    checks.extend(custom_field_filters(ws, params))
    return checks


def _project_filters(params: Params) -> list[Predicate]:
    checks: list[Predicate] = []
    contract = params.enum("contractTypes", ("Billable", "NonBillable"))
    if contract is not None:
        checks.append(lambda f: f.get("project", {}).get("contractType") == contract)
    for name, key in (("customStatuses", "customStatusId"), ("authors", "authorId")):
        wanted = params.strings(name)
        if wanted is not None:
            checks.append(lambda f, w=frozenset(wanted), k=key: f.get("project", {}).get(k) in w)  # type: ignore[misc]
    owners = params.strings("owners")
    if owners is not None:
        checks.append(lambda f: not set(owners).isdisjoint(f.get("project", {}).get("ownerIds", ())))
    for name in ("startDate", "endDate"):
        local = local_range(params, name)
        if local is not None:
            checks.append(lambda f, p=local, k=name: _project_day(p, f.get("project", {}).get(k)))  # type: ignore[misc]
    completed = timestamp_range(params, "completedDate")
    if completed is not None:
        checks.append(lambda f: completed(f.get("project", {}).get("completedDate")))
    return checks


def _project_day(test: Callable[[str | None], bool], day: str | None) -> bool:
    """Project dates are pure dates; compare them as the start of that day."""
    return day is not None and test(day + "T00:00:00")
