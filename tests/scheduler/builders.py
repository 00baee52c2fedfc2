"""Small hand-built schools for the example tests: every period free unless said otherwise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from lessonstudy.scheduler import (
    FREE,
    Busy,
    CoverSupervisor,
    DateWindow,
    Policy,
    Problem,
    Protected,
    Request,
    Slot,
    SlotStatus,
    StaffMember,
    Teaching,
)

MONDAY = dt.date(2025, 3, 3)
Period = tuple[int, int]  # (school day index, period)


def day(index: int) -> dt.date:
    """School day `index`, counting Monday to Friday only."""
    weeks, weekday = divmod(index, 5)
    return MONDAY + dt.timedelta(weeks=weeks, days=weekday)


def slot(day_index: int, period: int, term: str = "T1") -> Slot:
    date = day(day_index)
    return Slot(date, period, f"W{(day_index // 5) + 1}", term)


def slots(days: int, periods: int) -> tuple[Slot, ...]:
    return tuple(slot(d, p) for d in range(days) for p in range(1, periods + 1))


def window(first_day: int, last_day: int) -> DateWindow:
    return DateWindow(day(first_day), day(last_day))


def teacher(
    person: str,
    horizon: Iterable[Slot],
    teach: Mapping[Period, str] | None = None,
    protected: Mapping[Period, str] | None = None,
    busy: Mapping[Period, str] | None = None,
    **fields: Any,
) -> StaffMember:
    timetable: dict[Slot, SlotStatus] = {}
    for s in horizon:
        timetable[s] = FREE
    for (d, p), class_id in (teach or {}).items():
        timetable[slot(d, p)] = Teaching(class_id)
    for (d, p), kind in (protected or {}).items():
        timetable[slot(d, p)] = Protected(kind)
    for (d, p), reason in (busy or {}).items():
        timetable[slot(d, p)] = Busy(reason)
    return StaffMember(person, timetable=timetable, **fields)


def supervisor(
    person: str,
    available: Iterable[Slot],
    per_day: int = 5,
    per_week: int = 20,
    per_term: int = 100,
    done: tuple[Slot, ...] = (),
) -> CoverSupervisor:
    return CoverSupervisor(person, frozenset(available), per_day, per_week, per_term, done)


def school(
    horizon: tuple[Slot, ...],
    staff: Iterable[StaffMember],
    requests: Iterable[Request],
    supervisors: Iterable[CoverSupervisor] = (),
    **policy: Any,
) -> Problem:
    settings: dict[str, Any] = {"today": MONDAY - dt.timedelta(days=7), **policy}
    rules = Policy(**settings)
    return Problem(horizon, tuple(staff), tuple(supervisors), tuple(requests), rules)
