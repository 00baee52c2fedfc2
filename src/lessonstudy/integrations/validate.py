"""Checks on a timetable dataset that its schema cannot express.

Every problem is collected (never just the first), each with the path of the
row and field it concerns, so the integration can fix a whole export at once.
Nothing here touches the database except the check against staff that exist
outside the import (which the caller passes in).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lessonstudy.domain.staff import Role
from lessonstudy.integrations.dataset import CoverSlotIn, Dataset, ProtectedPeriodIn


@dataclass
class Findings:
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.errors.append({"field": path, "message": message})

    def warn(self, path: str, message: str) -> None:
        self.warnings.append({"field": path, "message": message})


def _duplicates(values: Iterable[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


def validate(dataset: Dataset, *, emails_taken_outside: dict[str, str]) -> Findings:
    """``emails_taken_outside`` maps emails held by staff the import does not manage."""
    found = Findings()
    _check_calendar(dataset, found)
    periods = _check_periods(dataset, found)
    staff = _check_staff(dataset, found, emails_taken_outside)
    _check_lessons(dataset, found, periods, staff)
    _check_recurring(dataset, found, periods, staff)
    _check_absences(dataset, found, periods, staff)
    return found


def _check_calendar(dataset: Dataset, found: Findings) -> None:
    calendar = dataset.calendar
    for i, term in enumerate(calendar.terms):
        if term.ends_on < term.starts_on:
            found.error(f"calendar.terms[{i}].ends_on", "a term cannot end before it starts")
    ordered = sorted(enumerate(calendar.terms), key=lambda item: item[1].starts_on)
    for (_, earlier), (j, later) in itertools.pairwise(ordered):
        if later.starts_on <= earlier.ends_on:
            found.error(
                f"calendar.terms[{j}].starts_on",
                f"overlaps term {earlier.name!r}, which ends on {earlier.ends_on}",
            )
    for i, closure in enumerate(calendar.closures):
        if closure.ends_on < closure.starts_on:
            found.error(f"calendar.closures[{i}].ends_on", "a closure cannot end before it starts")


def _check_periods(dataset: Dataset, found: Findings) -> dict[int, set[str]]:
    """The period codes of each weekday (ISO number)."""
    by_day: dict[int, set[str]] = defaultdict(set)
    for i, period in enumerate(dataset.periods):
        day = period.weekday.iso
        if period.code in by_day[day]:
            found.error(
                f"periods[{i}].code",
                f"{period.weekday.value} already has a period {period.code!r}",
            )
        by_day[day].add(period.code)
        if period.ends_at <= period.starts_at:
            found.error(f"periods[{i}].ends_at", "a period must end after it starts")
    return by_day


def _check_staff(
    dataset: Dataset, found: Findings, emails_taken_outside: dict[str, str]
) -> dict[str, set[Role]]:
    """Roles of each staff external id in the import."""
    ids = [s.external_id for s in dataset.staff]
    repeated = _duplicates(ids)
    emails = _duplicates(s.email.lower() for s in dataset.staff if s.email)
    roles: dict[str, set[Role]] = {}
    for i, person in enumerate(dataset.staff):
        if person.external_id in repeated:
            found.error(f"staff[{i}].external_id", f"{person.external_id!r} appears more than once")
        if person.email:
            email = person.email.lower()
            if email in emails:
                found.error(f"staff[{i}].email", f"{person.email!r} appears more than once")
            elif email in emails_taken_outside:
                found.error(
                    f"staff[{i}].email",
                    f"{person.email!r} belongs to {emails_taken_outside[email]}, "
                    "who is not managed by this import",
                )
        roles[person.external_id] = set(person.roles)
    return roles


def _known(found: Findings, path: str, external_id: str, staff: dict[str, set[Role]]) -> bool:
    if external_id not in staff:
        found.error(path, f"no member of staff with external id {external_id!r} in this import")
        return False
    return True


def _check_slot(
    found: Findings,
    path: str,
    week: int,
    weekday_iso: int,
    weekday_name: str,
    codes: Iterable[str],
    dataset: Dataset,
    periods: dict[int, set[str]],
    code_field: str,
) -> None:
    if week > dataset.calendar.timetable_weeks:
        found.error(
            f"{path}.week",
            f"week {week} does not exist in a {dataset.calendar.timetable_weeks}-week timetable",
        )
    for j, code in enumerate(codes):
        if code not in periods.get(weekday_iso, set()):
            suffix = f"[{j}]" if code_field == "periods" else ""
            found.error(f"{path}.{code_field}{suffix}", f"{weekday_name} has no period {code!r}")


def _check_lessons(
    dataset: Dataset, found: Findings, periods: dict[int, set[str]], staff: dict[str, set[Role]]
) -> None:
    repeated = _duplicates(lesson.external_id for lesson in dataset.lessons)
    busy: dict[tuple[str, int, int, str], str] = {}
    for i, lesson in enumerate(dataset.lessons):
        path = f"lessons[{i}]"
        if lesson.external_id in repeated:
            found.error(f"{path}.external_id", f"{lesson.external_id!r} appears more than once")
        if len(set(lesson.periods)) != len(lesson.periods):
            found.error(f"{path}.periods", "a period is listed twice")
        _check_slot(
            found,
            path,
            lesson.week,
            lesson.weekday.iso,
            lesson.weekday.value,
            lesson.periods,
            dataset,
            periods,
            "periods",
        )
        for j, teacher in enumerate(lesson.teachers):
            if not _known(found, f"{path}.teachers[{j}]", teacher, staff):
                continue
            for code in lesson.periods:
                key = (teacher, lesson.week, lesson.weekday.iso, code)
                if key in busy and busy[key] != lesson.external_id:
                    # Real MIS exports do contain clashes; they are reported, not refused.
                    found.warn(
                        f"{path}.teachers[{j}]",
                        f"{teacher} also teaches {busy[key]} in week {lesson.week} "
                        f"{lesson.weekday.value} {code}",
                    )
                busy.setdefault(key, lesson.external_id)


def _check_recurring(
    dataset: Dataset, found: Findings, periods: dict[int, set[str]], staff: dict[str, set[Role]]
) -> None:
    repeated = _duplicates(duty.external_id for duty in dataset.duties)
    for i, duty in enumerate(dataset.duties):
        path = f"duties[{i}]"
        if duty.external_id in repeated:
            found.error(f"{path}.external_id", f"{duty.external_id!r} appears more than once")
        _known(found, f"{path}.staff", duty.staff, staff)
        _check_slot(
            found,
            path,
            duty.week,
            duty.weekday.iso,
            duty.weekday.value,
            [duty.period],
            dataset,
            periods,
            "period",
        )
    _check_person_slots(
        dataset,
        found,
        periods,
        staff,
        "protected_periods",
        dataset.protected_periods,
        Role.TEACHER,
        "protected time (PPA, ECT) is for teachers",
    )
    _check_person_slots(
        dataset,
        found,
        periods,
        staff,
        "cover_slots",
        dataset.cover_slots,
        Role.COVER_SUPERVISOR,
        "cover availability is for cover supervisors",
    )
    capped = _duplicates(cap.staff for cap in dataset.cover_caps)
    for i, cap in enumerate(dataset.cover_caps):
        if cap.staff in capped:
            found.error(f"cover_caps[{i}].staff", f"{cap.staff!r} has more than one set of caps")
        _known(found, f"cover_caps[{i}].staff", cap.staff, staff)


def _check_person_slots(
    dataset: Dataset,
    found: Findings,
    periods: dict[int, set[str]],
    staff: dict[str, set[Role]],
    label: str,
    rows: Sequence[ProtectedPeriodIn | CoverSlotIn],
    role: Role,
    wrong_role: str,
) -> None:
    """Rows that give one person one period of the cycle, for people of one role."""
    seen: set[tuple[str, int, int, str]] = set()
    for i, row in enumerate(rows):
        path = f"{label}[{i}]"
        key = (row.staff, row.week, row.weekday.iso, row.period)
        if key in seen:
            found.error(path, "the same period for the same person is listed twice")
        seen.add(key)
        if _known(found, f"{path}.staff", row.staff, staff) and role not in staff[row.staff]:
            found.error(f"{path}.staff", wrong_role)
        _check_slot(
            found,
            path,
            row.week,
            row.weekday.iso,
            row.weekday.value,
            [row.period],
            dataset,
            periods,
            "period",
        )


def _check_absences(
    dataset: Dataset, found: Findings, periods: dict[int, set[str]], staff: dict[str, set[Role]]
) -> None:
    repeated = _duplicates(absence.external_id for absence in dataset.absences)
    all_codes = set().union(*periods.values()) if periods else set()
    for i, absence in enumerate(dataset.absences):
        path = f"absences[{i}]"
        if absence.external_id in repeated:
            found.error(f"{path}.external_id", f"{absence.external_id!r} appears more than once")
        _known(found, f"{path}.staff", absence.staff, staff)
        if absence.ends_on < absence.starts_on:
            found.error(f"{path}.ends_on", "an absence cannot end before it starts")
        for j, code in enumerate(absence.periods or []):
            if code not in all_codes:
                found.error(f"{path}.periods[{j}]", f"no period {code!r} on any day")
