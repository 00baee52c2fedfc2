"""The timetable dataset: what the timetable integration imports and exports.

One format for the whole of a school's timetable data, keyed by the MIS's
external ids. JSON imports decode straight into it; CSV and XHSTT imports
are converted into it; export produces it. Every list and string is bounded
so a single upload cannot exhaust the service.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from lessonstudy.api.schemas import Email, ExternalId, Name, ShortName
from lessonstudy.domain.cycle import WeekNumbering
from lessonstudy.domain.staff import FULL_TIME, Role, Weekday

# Sized for a large trust: 2,000 staff and 40,000 lessons fit with room to spare.
MAX_STAFF = 10_000
MAX_LESSONS = 200_000
MAX_ROWS = 100_000

PERIOD_CODE_PATTERN = r"^[A-Za-z0-9_.:+\-]+$"
PeriodCode = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=PERIOD_CODE_PATTERN)]
ClockTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="School-local clock time, HH:MM.",
        examples=["08:50"],
    ),
]
ClosureKind = Literal["holiday", "inset", "closure"]
DutyKind = Literal["duty", "meeting"]
ProtectedKind = Literal["ppa", "ect"]
AbsenceKind = Literal["absence", "event"]
Week = Annotated[int, msgspec.Meta(ge=1, le=2, description="Week of the cycle: 1 (A) or 2 (B).")]
Cap = Annotated[int, msgspec.Meta(ge=0, le=1000)]
Reason = Annotated[str, msgspec.Meta(max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


class TermIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: ShortName
    starts_on: date
    ends_on: date


class ClosureIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: ShortName
    starts_on: date
    ends_on: date
    kind: ClosureKind = "holiday"


class CalendarIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    terms: Annotated[list[TermIn], msgspec.Meta(min_length=1, max_length=50)]
    closures: Annotated[list[ClosureIn], msgspec.Meta(max_length=500)] = msgspec.field(
        default_factory=list
    )
    timetable_weeks: Literal[1, 2] = 1
    week_numbering: WeekNumbering = WeekNumbering.CONTINUOUS
    """`continuous`: Week A/B alternates across holidays; `by_term`: each term starts at Week A."""


class PeriodIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    weekday: Weekday
    code: PeriodCode
    starts_at: ClockTime
    ends_at: ClockTime
    teaching: bool = True
    """False for registration, break and lunch."""


class StaffIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    external_id: ExternalId
    name: Name
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=4)] = msgspec.field(
        default_factory=lambda: [Role.TEACHER]
    )
    working_days: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)] = (
        msgspec.field(default_factory=lambda: list(FULL_TIME))
    )
    email: Email | None = None
    ect_year: Annotated[int, msgspec.Meta(ge=1, le=2)] | None = None


class LessonIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    external_id: ExternalId
    class_code: ShortName
    """The class or teaching group, e.g. "9B/Ma1"."""
    teachers: Annotated[list[ExternalId], msgspec.Meta(min_length=1, max_length=10)]
    weekday: Weekday
    periods: Annotated[list[PeriodCode], msgspec.Meta(min_length=1, max_length=12)]
    """Consecutive periods for a double lesson."""
    week: Week = 1
    subject: ShortName | None = None
    room: ShortName | None = None


class DutyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    external_id: ExternalId
    staff: ExternalId
    description: ShortName
    weekday: Weekday
    period: PeriodCode
    week: Week = 1
    kind: DutyKind = "duty"


class ProtectedPeriodIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    staff: ExternalId
    kind: ProtectedKind
    weekday: Weekday
    period: PeriodCode
    week: Week = 1


class CoverSlotIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A period in which a cover supervisor can cover."""

    staff: ExternalId
    weekday: Weekday
    period: PeriodCode
    week: Week = 1


class CoverCapIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One person's own caps; an omitted cap falls back to the school policy."""

    staff: ExternalId
    max_per_day: Cap | None = None
    max_per_week: Cap | None = None
    max_per_term: Cap | None = None


class CoverPolicyIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cover_staff_max_per_day: Cap = 5
    cover_staff_max_per_week: Cap = 20
    cover_staff_max_per_term: Cap = 250
    teacher_cover_allowed: bool = False
    """Teachers cover "rarely": only when allowed, within the caps below, and always flagged."""
    teacher_max_per_week: Cap = 1
    teacher_max_per_term: Cap = 3


class AbsenceIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    external_id: ExternalId
    staff: ExternalId
    starts_on: date
    ends_on: date
    periods: Annotated[list[PeriodCode], msgspec.Meta(min_length=1, max_length=20)] | None = None
    """Only these periods on each day; omit for whole days."""
    kind: AbsenceKind = "absence"
    reason: Reason | None = None


class Dataset(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A school's whole timetable dataset, as of `effective_from`."""

    effective_from: date
    """The first date this timetable is in force; earlier dates keep the one they had."""
    calendar: CalendarIn
    periods: Annotated[list[PeriodIn], msgspec.Meta(min_length=1, max_length=200)]
    staff: Annotated[list[StaffIn], msgspec.Meta(max_length=MAX_STAFF)]
    lessons: Annotated[list[LessonIn], msgspec.Meta(max_length=MAX_LESSONS)]
    duties: Annotated[list[DutyIn], msgspec.Meta(max_length=MAX_ROWS)] = msgspec.field(
        default_factory=list
    )
    protected_periods: Annotated[list[ProtectedPeriodIn], msgspec.Meta(max_length=MAX_ROWS)] = (
        msgspec.field(default_factory=list)
    )
    cover_slots: Annotated[list[CoverSlotIn], msgspec.Meta(max_length=MAX_ROWS)] = msgspec.field(
        default_factory=list
    )
    cover_caps: Annotated[list[CoverCapIn], msgspec.Meta(max_length=MAX_STAFF)] = msgspec.field(
        default_factory=list
    )
    cover_policy: CoverPolicyIn = msgspec.field(default_factory=CoverPolicyIn)
    absences: Annotated[list[AbsenceIn], msgspec.Meta(max_length=MAX_ROWS)] = msgspec.field(
        default_factory=list
    )
