"""Apply a timetable dataset to a school: atomic, idempotent, with a diff report.

The whole import runs in the request's transaction. It validates everything
first and refuses the lot with every error listed; otherwise it upserts
staff by external id, replaces the calendar from the effective date on,
writes a new timetable version with COPY (only when its content differs from
the version in force), and rebuilds the school days. Commitments that the new
timetable contradicts are listed, never changed. A dry run does all of this
and rolls back, so its report is exactly what a real import would do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.db import driver_connection, new_id
from lessonstudy.domain.absences import Absence
from lessonstudy.domain.calendar import Closure, Term, rebuild_school_days
from lessonstudy.domain.cover import CoverCap, CoverPolicy
from lessonstudy.domain.schools import School
from lessonstudy.domain.staff import Role, Staff
from lessonstudy.domain.timetable import TimetableVersion
from lessonstudy.errors import RuleBroken
from lessonstudy.integrations import content as version_content
from lessonstudy.integrations.dataset import Dataset
from lessonstudy.integrations.validate import validate


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    removed: int = 0


@dataclass
class Contradiction:
    """A booked commitment the new timetable contradicts."""

    commitment_id: uuid.UUID
    staff_id: uuid.UUID
    staff_external_id: str | None
    day: date
    period: str
    kind: str
    purpose: str
    reason: str


@dataclass
class ImportResult:
    dry_run: bool
    effective_from: date
    version_id: uuid.UUID | None
    version_created: bool
    counts: dict[str, Counts] = field(default_factory=dict)
    warnings: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[Contradiction] = field(default_factory=list)


async def import_dataset(
    session: AsyncSession,
    school_id: uuid.UUID,
    dataset: Dataset,
    *,
    source: str,
    dry_run: bool = False,
) -> ImportResult:
    # One import at a time per school: the second waits rather than interleaving.
    await session.execute(select(School.id).where(School.id == school_id).with_for_update())
    existing = list(await session.scalars(select(Staff).where(Staff.school_id == school_id)))
    outside = {s.email: s.name for s in existing if s.external_id is None and s.email}
    findings = validate(dataset, emails_taken_outside=outside)
    if findings.errors:
        raise RuleBroken(
            f"the import has {len(findings.errors)} problem(s); nothing was changed",
            errors=findings.errors,
        )

    result = ImportResult(
        dry_run=dry_run,
        effective_from=dataset.effective_from,
        version_id=None,
        version_created=False,
        warnings=findings.warnings,
    )
    staff_ids = await _apply_staff(session, school_id, dataset, existing, result)
    await _apply_calendar(session, school_id, dataset, result)
    await _apply_version(session, school_id, dataset, staff_ids, source, result)
    await _apply_cover_policy(session, school_id, dataset, staff_ids, result)
    await _apply_absences(session, school_id, dataset, staff_ids, result)
    await rebuild_school_days(session, school_id)
    result.conflicts = await contradicted_commitments(session, school_id, dataset.effective_from)
    if dry_run:
        await session.rollback()
    return result


def _staff_row(person: object) -> dict[str, object]:
    from lessonstudy.integrations.dataset import StaffIn

    assert isinstance(person, StaffIn)
    return {
        "name": person.name.strip(),
        "email": person.email.strip().lower() if person.email else None,
        "roles": [r.value for r in Role if r in set(person.roles)],
        "working_days": sorted({d.iso for d in person.working_days}),
        "ect_year": person.ect_year,
    }


async def _apply_staff(
    session: AsyncSession,
    school_id: uuid.UUID,
    dataset: Dataset,
    existing: list[Staff],
    result: ImportResult,
) -> dict[str, uuid.UUID]:
    """Upsert staff by external id; those the MIS no longer lists are deactivated, never deleted."""
    counts = result.counts.setdefault("staff", Counts())
    by_external = {s.external_id: s for s in existing if s.external_id is not None}
    ids: dict[str, uuid.UUID] = {}
    inserts = []
    for person in dataset.staff:
        row = _staff_row(person)
        current = by_external.get(person.external_id)
        if current is None:
            staff_id = new_id()
            inserts.append(
                {"id": staff_id, "school_id": school_id, "external_id": person.external_id, **row}
            )
            ids[person.external_id] = staff_id
            counts.created += 1
            continue
        ids[person.external_id] = current.id
        stored = {k: getattr(current, k) for k in row}
        if stored != row or not current.active:
            await session.execute(
                update(Staff)
                .where(Staff.id == current.id)
                .values(**row, active=True, deactivated_at=None)
            )
            counts.updated += 1
    if inserts:
        await session.execute(insert(Staff), inserts)
    listed = {p.external_id for p in dataset.staff}
    gone = [s.id for ext, s in by_external.items() if ext not in listed and s.active]
    if gone:
        await session.execute(
            update(Staff).where(Staff.id.in_(gone)).values(active=False, deactivated_at=func.now())
        )
        counts.removed += len(gone)
    return ids


async def _apply_calendar(
    session: AsyncSession, school_id: uuid.UUID, dataset: Dataset, result: ImportResult
) -> None:
    """Terms and closures from the effective date on follow the import; earlier ones stay."""
    calendar = dataset.calendar
    school = await session.get(School, school_id)
    assert school is not None
    settings = result.counts.setdefault("calendar_settings", Counts())
    if (school.timetable_weeks, school.week_numbering) != (
        calendar.timetable_weeks,
        calendar.week_numbering.value,
    ):
        school.timetable_weeks = calendar.timetable_weeks
        school.week_numbering = calendar.week_numbering.value
        settings.updated += 1

    model: type[Term] | type[Closure]
    for model, wanted, label in (
        (Term, {(t.name, t.starts_on, t.ends_on, "") for t in calendar.terms}, "terms"),
        (
            Closure,
            {(c.name, c.starts_on, c.ends_on, c.kind) for c in calendar.closures},
            "closures",
        ),
    ):
        counts = result.counts.setdefault(label, Counts())
        rows: list[Term | Closure] = list(
            await session.scalars(select(model).where(model.school_id == school_id))
        )
        stored = {(r.name, r.starts_on, r.ends_on, getattr(r, "kind", "")): r.id for r in rows}
        for key, row_id in stored.items():
            if key not in wanted and key[2] >= dataset.effective_from:
                await session.execute(delete(model).where(model.id == row_id))
                counts.removed += 1
        for name, starts_on, ends_on, kind in sorted(wanted - stored.keys()):
            values = {
                "school_id": school_id,
                "name": name,
                "starts_on": starts_on,
                "ends_on": ends_on,
            }
            if model is Closure:
                values["kind"] = kind
            session.add(model(**values))
            counts.created += 1
    await session.flush()


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _diff(
    result: ImportResult, label: str, old: dict[object, object], new: dict[object, object]
) -> None:
    counts = result.counts.setdefault(label, Counts())
    counts.created += len(new.keys() - old.keys())
    counts.removed += len(old.keys() - new.keys())
    counts.updated += sum(1 for k in new.keys() & old.keys() if new[k] != old[k])


async def _apply_version(
    session: AsyncSession,
    school_id: uuid.UUID,
    dataset: Dataset,
    staff_ids: dict[str, uuid.UUID],
    source: str,
    result: ImportResult,
) -> None:
    wanted = version_content.from_dataset(dataset)
    digest = wanted.digest()
    versions = list(
        await session.scalars(
            select(TimetableVersion)
            .where(TimetableVersion.school_id == school_id)
            .order_by(TimetableVersion.effective_from)
        )
    )
    in_force = next(
        (v for v in reversed(versions) if v.effective_from <= dataset.effective_from), None
    )
    future = [v for v in versions if v.effective_from > dataset.effective_from]
    unchanged = in_force is not None and in_force.content_hash == digest
    labels = ("periods", "lessons", "duties", "protected_periods", "cover_slots")
    if unchanged:
        # Same digest, same content: every count is zero, no need to read it back.
        for label in labels:
            result.counts.setdefault(label, Counts())
    else:
        old = (
            await version_content.from_database(session, in_force.id)
            if in_force is not None
            else version_content.VersionContent()
        )
        for label, before, after in zip(
            labels,
            (old.periods, old.lessons, old.duties, old.protected, dict.fromkeys(old.cover_slots)),
            (
                wanted.periods,
                wanted.lessons,
                wanted.duties,
                wanted.protected,
                dict.fromkeys(wanted.cover_slots),
            ),
            strict=True,
        ):
            _diff(result, label, before, after)  # type: ignore[arg-type]

    # A new timetable replaces the future: versions starting later are dropped.
    for version in future:
        await session.delete(version)
    if unchanged and in_force is not None:
        result.version_id = in_force.id
        await session.flush()
        return
    if in_force is not None and in_force.effective_from == dataset.effective_from:
        await session.delete(in_force)
    await session.flush()

    version = TimetableVersion(
        school_id=school_id,
        effective_from=dataset.effective_from,
        content_hash=digest,
        source=source,
    )
    session.add(version)
    await session.flush()
    result.version_id = version.id
    result.version_created = True
    await _copy_version_rows(session, version.id, dataset, staff_ids)


async def _copy_version_rows(
    session: AsyncSession,
    version_id: uuid.UUID,
    dataset: Dataset,
    staff_ids: dict[str, uuid.UUID],
) -> None:
    """Bulk-load the version's rows with COPY rather than an INSERT per row."""
    copy = await driver_connection(session)

    periods = [
        (version_id, p.weekday.iso, p.code, _clock(p.starts_at), _clock(p.ends_at), p.teaching)
        for p in dataset.periods
    ]
    lessons = []
    teaching = []
    for lesson in dataset.lessons:
        lesson_id = new_id()
        lessons.append(
            (
                lesson_id,
                version_id,
                lesson.external_id,
                lesson.class_code,
                lesson.subject,
                lesson.room,
                lesson.week,
                lesson.weekday.iso,
                list(lesson.periods),
            )
        )
        for teacher in sorted(set(lesson.teachers)):
            for code in lesson.periods:
                teaching.append(
                    (
                        lesson_id,
                        staff_ids[teacher],
                        code,
                        version_id,
                        lesson.week,
                        lesson.weekday.iso,
                    )
                )
    duties = [
        (
            new_id(),
            version_id,
            d.external_id,
            staff_ids[d.staff],
            d.kind,
            d.description,
            d.week,
            d.weekday.iso,
            d.period,
        )
        for d in dataset.duties
    ]
    protected = [
        (version_id, staff_ids[p.staff], p.week, p.weekday.iso, p.period, p.kind)
        for p in dataset.protected_periods
    ]
    cover = [
        (version_id, staff_ids[c.staff], c.week, c.weekday.iso, c.period)
        for c in dataset.cover_slots
    ]
    for table, columns, records in (
        (
            "bell_period",
            ["version_id", "weekday", "code", "starts_at", "ends_at", "teaching"],
            periods,
        ),
        (
            "lesson",
            [
                "id",
                "version_id",
                "external_id",
                "class_code",
                "subject",
                "room",
                "week",
                "weekday",
                "period_codes",
            ],
            lessons,
        ),
        (
            "teaching",
            ["lesson_id", "staff_id", "period_code", "version_id", "week", "weekday"],
            teaching,
        ),
        (
            "duty",
            [
                "id",
                "version_id",
                "external_id",
                "staff_id",
                "kind",
                "description",
                "week",
                "weekday",
                "period_code",
            ],
            duties,
        ),
        (
            "protected_period",
            ["version_id", "staff_id", "week", "weekday", "period_code", "kind"],
            protected,
        ),
        ("cover_slot", ["version_id", "staff_id", "week", "weekday", "period_code"], cover),
    ):
        if records:
            await copy.copy_records_to_table(table, records=records, columns=columns)


async def _apply_cover_policy(
    session: AsyncSession,
    school_id: uuid.UUID,
    dataset: Dataset,
    staff_ids: dict[str, uuid.UUID],
    result: ImportResult,
) -> None:
    import msgspec

    wanted = msgspec.structs.asdict(dataset.cover_policy)
    policy = await session.get(CoverPolicy, school_id)
    counts = result.counts.setdefault("cover_policy", Counts())
    if policy is None:
        session.add(CoverPolicy(school_id=school_id, **wanted))
        counts.created += 1
    elif {k: getattr(policy, k) for k in wanted} != wanted:
        for key, value in wanted.items():
            setattr(policy, key, value)
        counts.updated += 1

    stored = {
        c.staff_id: (c.max_per_day, c.max_per_week, c.max_per_term)
        for c in await session.scalars(select(CoverCap).where(CoverCap.school_id == school_id))
    }
    desired = {
        staff_ids[c.staff]: (c.max_per_day, c.max_per_week, c.max_per_term)
        for c in dataset.cover_caps
    }
    _diff(result, "cover_caps", stored, desired)  # type: ignore[arg-type]
    if stored != desired:
        await session.execute(delete(CoverCap).where(CoverCap.school_id == school_id))
        for staff_id, (day, week, term) in desired.items():
            session.add(
                CoverCap(
                    staff_id=staff_id,
                    school_id=school_id,
                    max_per_day=day,
                    max_per_week=week,
                    max_per_term=term,
                )
            )
    await session.flush()


async def _apply_absences(
    session: AsyncSession,
    school_id: uuid.UUID,
    dataset: Dataset,
    staff_ids: dict[str, uuid.UUID],
    result: ImportResult,
) -> None:
    """Absences ending before the effective date are history and stay as they are."""
    counts = result.counts.setdefault("absences", Counts())
    stored = {
        a.external_id: a
        for a in await session.scalars(select(Absence).where(Absence.school_id == school_id))
    }
    for absence in dataset.absences:
        values = {
            "staff_id": staff_ids[absence.staff],
            "kind": absence.kind,
            "reason": absence.reason,
            "starts_on": absence.starts_on,
            "ends_on": absence.ends_on,
            "period_codes": list(absence.periods) if absence.periods else None,
        }
        current = stored.get(absence.external_id)
        if current is None:
            session.add(Absence(school_id=school_id, external_id=absence.external_id, **values))
            counts.created += 1
        elif {k: getattr(current, k) for k in values} != values:
            for key, value in values.items():
                setattr(current, key, value)
            counts.updated += 1
    listed = {a.external_id for a in dataset.absences}
    for external_id, row in stored.items():
        if external_id not in listed and row.ends_on >= dataset.effective_from:
            await session.delete(row)
            counts.removed += 1
    await session.flush()


_CONTRADICTIONS = text(
    """
    SELECT c.id, c.staff_id, s.external_id, c.day, c.period_code, c.kind, c.purpose,
           CASE
             WHEN d.day IS NULL THEN 'the date is no longer a school day'
             WHEN p.code IS NULL THEN 'the period no longer exists on that day'
             WHEN c.kind <> 'teaching' AND t.staff_id IS NOT NULL
               THEN 'the new timetable has them teaching then'
             WHEN c.kind = 'teaching' AND t.staff_id IS NULL
               THEN 'the new timetable no longer has them teaching then'
           END AS reason
    FROM commitment c
    JOIN staff s ON s.id = c.staff_id
    LEFT JOIN school_day d ON d.school_id = c.school_id AND d.day = c.day
    LEFT JOIN bell_period p
      ON p.version_id = d.version_id AND p.weekday = d.weekday AND p.code = c.period_code
    LEFT JOIN LATERAL (
      SELECT t.staff_id FROM teaching t
      WHERE t.version_id = d.version_id AND t.staff_id = c.staff_id AND t.week = d.week
        AND t.weekday = d.weekday AND t.period_code = c.period_code
      LIMIT 1
    ) t ON true
    WHERE c.school_id = :school_id AND c.day >= :since
    ORDER BY c.day, c.period_code, s.external_id
    """
)


async def contradicted_commitments(
    session: AsyncSession, school_id: uuid.UUID, since: date
) -> list[Contradiction]:
    rows = await session.execute(_CONTRADICTIONS, {"school_id": school_id, "since": since})
    return [
        Contradiction(
            commitment_id=r.id,
            staff_id=r.staff_id,
            staff_external_id=r.external_id,
            day=r.day,
            period=r.period_code,
            kind=r.kind,
            purpose=r.purpose,
            reason=r.reason,
        )
        for r in rows
        if r.reason is not None
    ]
