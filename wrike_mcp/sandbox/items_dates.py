"""Wrike's task-date arithmetic and the date filters of the item lists.

Wrike normalises the `dates` of a task against the account's work days and an 8-hour day: a start on
a day off moves to the next work day at 09:00, a due date gets 17:00, and `duration` is the number of
working minutes between them (4 work days = 1920). [C] wrike-api.md §4.1 "Observations", §7.3
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import Any

from wrike_mcp.sandbox.wire import DATE_RE, TIMESTAMP_Z_RE, Params, invalid_parameter

DAY_MINUTES = 480  # 09:00-17:00
DAY_START = 9 * 60
MAX_DURATION = 1_800_000
LOCAL_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
LOW, HIGH = date(1970, 1, 1), date(2100, 1, 1)


class Calendar:
    """Which weekdays are worked; `workOnWeekends` turns every day into a work day."""

    def __init__(self, work_days: Collection[str], every_day: bool = False) -> None:
        names = WEEKDAYS if every_day else tuple(work_days)
        self.days = frozenset(WEEKDAYS.index(n) for n in names if n in WEEKDAYS) or frozenset(range(5))

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.days

    def next_workday(self, day: date) -> date:
        while day.weekday() not in self.days:
            day += timedelta(days=1)
        return day

    def count(self, start: date, end: date) -> int:
        """Work days in [start, end)."""
        span = (end - start).days
        weeks, rest = divmod(max(span, 0), 7)
        total = weeks * len(self.days)
        for i in range(rest):
            total += (start + timedelta(days=weeks * 7 + i)).weekday() in self.days
        return total

    def shift(self, day: date, workdays: int) -> date:
        """The work day `workdays` work days after (or before, if negative) `day`, itself a work day."""
        step = 1 if workdays >= 0 else -1
        weeks, rest = divmod(abs(workdays), len(self.days))
        day += timedelta(days=7 * weeks * step)
        while rest:
            day += timedelta(days=step)
            rest -= day.weekday() in self.days
        return day


def _parse_local(value: Any, name: str = "dates") -> tuple[date, int | None]:
    """`yyyy-MM-dd` or `yyyy-MM-ddTHH:mm:ss` (no Z) -> (day, working-minute offset or None if no time)."""
    if not isinstance(value, str) or not (DATE_RE.match(value) or LOCAL_RE.match(value)):
        raise invalid_parameter(name)
    try:
        day = date.fromisoformat(value[:10])
        moment = datetime.fromisoformat(value) if len(value) > 10 else None
    except ValueError:
        raise invalid_parameter(name) from None
    if not LOW <= day < HIGH:
        raise invalid_parameter(name)
    if moment is None:
        return day, None
    return day, min(max(moment.hour * 60 + moment.minute - DAY_START, 0), DAY_MINUTES)


def _stamp(day: date, offset: int) -> str:
    minutes = DAY_START + offset
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00"


def normalise_dates(raw: Any, work_days: Collection[str]) -> dict[str, Any]:
    """A task's `dates` input -> the stored object, in Wrike's key order `type, duration, start, due`."""
    if raw is None:
        return {"type": "Backlog"}
    if not isinstance(raw, dict) or set(raw) - {"type", "duration", "start", "due", "workOnWeekends"}:
        raise invalid_parameter("dates")
    kind = raw.get("type")
    duration = raw.get("duration")
    weekends = raw.get("workOnWeekends", False)
    if kind not in (None, "Backlog", "Milestone", "Planned") or not isinstance(weekends, bool):
        raise invalid_parameter("dates")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration < MAX_DURATION
    ):
        raise invalid_parameter("dates")
    start = _parse_local(raw["start"]) if raw.get("start") is not None else None
    due = _parse_local(raw["due"]) if raw.get("due") is not None else None
    cal = Calendar(work_days, weekends)
    extra = {"workOnWeekends": True} if weekends else {}
    if kind == "Backlog" or (kind is None and start is None and due is None):
        # Only a duration, or an explicit Backlog: the task loses its dates. [C] §4.1
        return {"type": "Backlog", **({"duration": duration} if duration is not None else {}), **extra}
    if kind == "Milestone" or (kind is None and start is None and duration is None):
        day, offset = due if due is not None else _required(start)
        return {"type": "Milestone", "due": _stamp(cal.next_workday(day), _or(offset, DAY_MINUTES)), **extra}
    return {"type": "Planned", **_planned(cal, start, due, duration), **extra}


def _required(value: tuple[date, int | None] | None) -> tuple[date, int | None]:
    if value is None:
        raise invalid_parameter("dates")
    return value


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _planned(
    cal: Calendar,
    start: tuple[date, int | None] | None,
    due: tuple[date, int | None] | None,
    duration: int | None,
) -> dict[str, Any]:
    """Fill in whichever of start, due and duration is missing, on working time."""
    if start is not None:
        s_day, s_off = cal.next_workday(start[0]), _or(start[1], 0)
        if due is None:
            d_day, d_off = _add(cal, s_day, s_off, DAY_MINUTES if duration is None else duration)
        else:
            d_day, d_off = cal.next_workday(due[0]), _or(due[1], DAY_MINUTES)
    else:
        d_day, d_off = cal.next_workday(_required(due)[0]), _or(_required(due)[1], DAY_MINUTES)
        s_day, s_off = _subtract(cal, d_day, d_off, DAY_MINUTES if duration is None else duration)
    if (d_day, d_off) < (s_day, s_off):
        raise invalid_parameter("dates")
    minutes = cal.count(s_day, d_day) * DAY_MINUTES + d_off - s_off
    return {"duration": minutes, "start": _stamp(s_day, s_off), "due": _stamp(d_day, d_off)}


def _add(cal: Calendar, day: date, offset: int, minutes: int) -> tuple[date, int]:
    total = offset + minutes
    days = max(math.ceil(total / DAY_MINUTES) - 1, 0)
    return cal.shift(day, days), total - days * DAY_MINUTES


def _subtract(cal: Calendar, day: date, offset: int, minutes: int) -> tuple[date, int]:
    total = DAY_MINUTES - offset + minutes
    days = max(math.ceil(total / DAY_MINUTES) - 1, 0)
    return cal.shift(day, -days), DAY_MINUTES - (total - days * DAY_MINUTES)


# --- filters -------------------------------------------------------------------------------------

Predicate = Callable[[str | None], bool]


def timestamp_range(params: Params, name: str) -> Predicate | None:
    """`createdDate`/`updatedDate`/`completedDate`: `{start?, end?}` in `...Z`, semi-open. [C] §2.3"""
    bounds = params.obj(name)
    if bounds is None:
        return None
    if not bounds or set(bounds) - {"start", "end"}:
        raise invalid_parameter(name)
    for value in bounds.values():
        if not isinstance(value, str) or not TIMESTAMP_Z_RE.match(value):
            raise invalid_parameter(name)
    lo, hi = bounds.get("start"), bounds.get("end")
    return lambda v: v is not None and (lo is None or v >= lo) and (hi is None or v < hi)


def local_range(params: Params, name: str) -> Predicate | None:
    """`startDate`/`dueDate`: `{start?, equal?, end?}`, date or local time, a trailing Z refused. [C] §2.3"""
    bounds = params.obj(name)
    if bounds is None:
        return None
    if not bounds or set(bounds) - {"start", "equal", "end"}:
        raise invalid_parameter(name)
    for value in bounds.values():
        _parse_local(value, name)
    lo, eq, hi = bounds.get("start"), bounds.get("equal"), bounds.get("end")
    lo_key = lo if lo is None or len(lo) > 10 else lo + "T00:00:00"
    hi_key = hi if hi is None or len(hi) > 10 else hi + "T23:59:59"

    def matches(value: str | None) -> bool:
        if value is None:
            return False
        if eq is not None and not (value[:10] == eq if len(eq) == 10 else value == eq):
            return False
        return (lo_key is None or value >= lo_key) and (hi_key is None or value <= hi_key)

    return matches


def pure_date(value: Any, name: str) -> str:
    """`yyyy-MM-dd` (project dates, reschedule date) within Wrike's limits."""
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise invalid_parameter(name)
    _parse_local(value, name)
    return value
