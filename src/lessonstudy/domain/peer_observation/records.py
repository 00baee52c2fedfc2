"""Reading observations: one for its two people, and each person's own list.

The status a caller sees adds "booked" to the stored stage: an agreed
observation is booked when commitments exist for it, whoever made them (this
API or the scheduler accepting a proposal), so the status never disagrees with
the timetable.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import Select, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lessonstudy.domain import availability
from lessonstudy.domain.commitments import Commitment
from lessonstudy.domain.peer_observation.access import ObservationSide, participant
from lessonstudy.domain.peer_observation.clock import minutes_between
from lessonstudy.domain.peer_observation.models import (
    Observation,
    ObservationNotes,
    ObservationReflection,
    Stage,
)
from lessonstudy.domain.peer_observation.paging import cursor_date, cursor_time
from lessonstudy.domain.staff import Staff
from lessonstudy.errors import RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor


class ObservationStatus(enum.StrEnum):
    """What callers see: the stored stage, with "booked" for an agreed one in the timetable."""

    AWAITING_CONSENT = "awaiting_consent"
    AGREED = "agreed"
    BOOKED = "booked"
    DECLINED = "declined"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Lesson:
    day: date
    period: str
    starts_at: time
    ends_at: time
    class_code: str
    subject: str | None
    room: str | None

    @property
    def minutes(self) -> int:
        return minutes_between(self.starts_at, self.ends_at)


# Why someone is not teaching in a period, in words they can act on.
_NOT_TEACHING = {
    "not_working": "does not work that day",
    "absent": "is absent then",
    "committed": "is already booked then",
    "duty": "is on duty then",
    "meeting": "is in a meeting then",
    "protected": "has protected time then, not a lesson",
    "free": "has no lesson then",
    "break": "that is not a teaching period",
}


async def find_lesson(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    day: date,
    period: str,
    class_code: str | None,
    *,
    who: str,
) -> Lesson:
    """The lesson a teacher teaches in a period, from the timetable in force that day."""
    entries = await availability.staff_timetable(session, school_id, staff_id, day, day)
    entry = next((e for e in entries if e.period == period), None)
    if entry is None:
        raise RuleBroken(
            f"{day} has no period {period!r} (not a school day, or no such period)",
            errors=[{"field": "period", "message": "no such period that day"}],
        )
    if entry.activity != "lesson" or entry.class_code is None:
        reason = _NOT_TEACHING.get(entry.activity, "has no lesson then")
        raise RuleBroken(
            f"{who} {reason} ({day} {period}): an observation is of a timetabled lesson",
            errors=[{"field": "period", "message": "no lesson then"}],
        )
    if class_code is not None and class_code != entry.class_code:
        raise RuleBroken(
            f"{who} teaches {entry.class_code} in {period} on {day}, not {class_code}",
            errors=[{"field": "class_code", "message": f"the lesson then is {entry.class_code}"}],
        )
    return Lesson(
        day=day,
        period=period,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        class_code=entry.class_code,
        subject=entry.subject,
        room=entry.room,
    )


@dataclass(frozen=True, slots=True)
class Person:
    staff_id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class ObservationView:
    """An observation as its two people see it."""

    observation: Observation
    status: ObservationStatus
    observed: Person
    observer: Person
    has_notes: bool
    has_reflection: bool


_observed = aliased(Staff, name="observed_staff")
_observer = aliased(Staff, name="observer_staff")
_booked = exists().where(Commitment.purpose_id == Observation.id)


def _query() -> Select[Observation, str, str, bool, bool, bool]:
    return (
        select(
            Observation,
            _observed.name,
            _observer.name,
            _booked.label("booked"),
            exists().where(ObservationNotes.observation_id == Observation.id).label("notes"),
            exists()
            .where(ObservationReflection.observation_id == Observation.id)
            .label("reflection"),
        )
        .join(_observed, _observed.id == Observation.observed_staff_id)
        .join(_observer, _observer.id == Observation.observer_staff_id)
    )


def _view(row: tuple[Observation, str, str, bool, bool, bool]) -> ObservationView:
    observation, observed_name, observer_name, booked, notes, reflection = row
    status = (
        ObservationStatus.BOOKED
        if booked and observation.stage == Stage.AGREED
        else ObservationStatus(observation.stage)
    )
    return ObservationView(
        observation=observation,
        status=status,
        observed=Person(observation.observed_staff_id, observed_name),
        observer=Person(observation.observer_staff_id, observer_name),
        has_notes=notes,
        has_reflection=reflection,
    )


async def view(session: AsyncSession, observation: Observation) -> ObservationView:
    row = (await session.execute(_query().where(Observation.id == observation.id))).one()
    return _view(row)


async def get_observation(
    session: AsyncSession, school_id: uuid.UUID, observation_id: uuid.UUID, staff_id: uuid.UUID
) -> ObservationView:
    found, _ = await participant(session, school_id, observation_id, staff_id)
    return await view(session, found)


async def list_observations(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    part: ObservationSide | None,
    status: ObservationStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[ObservationView], str | None]:
    """The caller's own observations, latest lesson first."""
    mine = {
        ObservationSide.OBSERVED: Observation.observed_staff_id == staff_id,
        ObservationSide.OBSERVER: Observation.observer_staff_id == staff_id,
    }
    query = _query().where(
        Observation.school_id == school_id,
        mine[part] if part is not None else or_(*mine.values()),
    )
    if status is ObservationStatus.BOOKED:
        query = query.where(Observation.stage == Stage.AGREED, _booked)
    elif status is ObservationStatus.AGREED:
        query = query.where(Observation.stage == Stage.AGREED, ~_booked)
    elif status is not None:
        query = query.where(Observation.stage == status.value)
    if cursor is not None:
        day, starts_at, last_id = decode_cursor("observations", cursor, 3)
        query = query.where(
            tuple_(Observation.day, Observation.starts_at, Observation.id)
            < tuple_(cursor_date(day), cursor_time(starts_at), cursor_uuid(last_id))
        )
    query = query.order_by(
        Observation.day.desc(), Observation.starts_at.desc(), Observation.id.desc()
    ).limit(limit + 1)
    rows = [_view(r) for r in (await session.execute(query)).all()]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1].observation
        next_cursor = encode_cursor(
            "observations", [last.day.isoformat(), last.starts_at.isoformat(), str(last.id)]
        )
    return rows, next_cursor
