"""The school's observation policy: caps, notice and how the judgement guard acts.

Caps protect teachers from being observed too often: a number of observations
and a number of hours per teacher per academic year (1 September to 31
August). A minimum notice period gives time to arrange cover. A request
beyond either is refused with the reason, unless the observed teacher says
they want it anyway (``beyond_policy``): it is their development.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from msgspec import UNSET, UnsetType
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.peer_observation import judgement
from lessonstudy.domain.peer_observation.models import (
    GuardMode,
    Observation,
    ObservationPolicy,
    Stage,
)
from lessonstudy.domain.school_time import academic_year
from lessonstudy.errors import RuleBroken


@dataclass(frozen=True, slots=True)
class Policy:
    max_per_year: int | None = 3
    max_minutes_per_year: int | None = 180
    min_notice_days: int = 2
    guard_mode: GuardMode = GuardMode.REFUSE
    guard_patterns: tuple[str, ...] | None = None
    """The school's own phrase patterns; None means ``judgement.DEFAULT_PATTERNS``."""

    @property
    def patterns_in_force(self) -> tuple[str, ...]:
        if self.guard_patterns is None:
            return judgement.DEFAULT_PATTERNS
        return self.guard_patterns


DEFAULT_POLICY = Policy()


@dataclass(frozen=True, kw_only=True)
class PolicyChanges:
    """A partial update: fields left UNSET keep their value; None clears a cap."""

    max_per_year: int | UnsetType | None = UNSET
    max_minutes_per_year: int | UnsetType | None = UNSET
    min_notice_days: int | UnsetType = UNSET
    guard_mode: GuardMode | UnsetType = UNSET
    guard_patterns: list[str] | UnsetType | None = UNSET


async def get_policy(session: AsyncSession, school_id: uuid.UUID) -> Policy:
    row = await session.get(ObservationPolicy, school_id)
    if row is None:
        return DEFAULT_POLICY
    return Policy(
        max_per_year=row.max_per_year,
        max_minutes_per_year=row.max_minutes_per_year,
        min_notice_days=row.min_notice_days,
        guard_mode=GuardMode(row.guard_mode),
        guard_patterns=tuple(row.guard_patterns) if row.guard_patterns is not None else None,
    )


async def update_policy(
    session: AsyncSession, school_id: uuid.UUID, changes: PolicyChanges
) -> Policy:
    current = await get_policy(session, school_id)
    patterns = current.guard_patterns
    if not isinstance(changes.guard_patterns, UnsetType):
        if changes.guard_patterns is not None:
            try:
                judgement.compile_patterns(changes.guard_patterns)
            except judgement.InvalidPattern as bad:
                raise RuleBroken(
                    f"guard pattern {bad.index + 1} is refused: {bad.reason}",
                    errors=[{"field": f"guard_patterns[{bad.index}]", "message": bad.reason}],
                ) from None
        patterns = tuple(changes.guard_patterns) if changes.guard_patterns is not None else None
    policy = Policy(
        max_per_year=_kept(changes.max_per_year, current.max_per_year),
        max_minutes_per_year=_kept(changes.max_minutes_per_year, current.max_minutes_per_year),
        min_notice_days=_kept(changes.min_notice_days, current.min_notice_days),
        guard_mode=_kept(changes.guard_mode, current.guard_mode),
        guard_patterns=patterns,
    )
    row = await session.get(ObservationPolicy, school_id)
    if row is None:
        row = ObservationPolicy(school_id=school_id)
        session.add(row)
    row.max_per_year = policy.max_per_year
    row.max_minutes_per_year = policy.max_minutes_per_year
    row.min_notice_days = policy.min_notice_days
    row.guard_mode = policy.guard_mode.value
    row.guard_patterns = list(patterns) if patterns is not None else None
    await session.flush()
    return policy


T = TypeVar("T")


def _kept(change: T | UnsetType, current: T) -> T:
    return current if isinstance(change, UnsetType) else change


async def unmet_policy(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    observed_staff_id: uuid.UUID,
    day: date,
    minutes: int,
    today: date,
    ignoring: uuid.UUID | None = None,
) -> list[str]:
    """Why an observation of this teacher on this day is beyond policy (empty: it is not).

    Counts the teacher's agreed observations in the academic year of ``day``;
    ``ignoring`` leaves out the observation being decided on.
    """
    policy = await get_policy(session, school_id)
    unmet: list[str] = []
    notice = (day - today).days
    if notice < policy.min_notice_days:
        unmet.append(
            f"notice: the lesson is {notice} day(s) away; the school asks for at least "
            f"{policy.min_notice_days} day(s) of notice"
        )
    if policy.max_per_year is None and policy.max_minutes_per_year is None:
        return unmet
    first, last = academic_year(day)
    query = select(func.count(), func.coalesce(func.sum(_minutes()), 0)).where(
        Observation.school_id == school_id,
        Observation.observed_staff_id == observed_staff_id,
        Observation.stage == Stage.AGREED,
        Observation.day.between(first, last),
    )
    if ignoring is not None:
        query = query.where(Observation.id != ignoring)
    row = (await session.execute(query)).one()
    count, used = int(row[0]), float(row[1])
    year = f"{first.year}-{str(last.year)[2:]}"
    if policy.max_per_year is not None and count + 1 > policy.max_per_year:
        unmet.append(
            f"cap: you already have {count} observation(s) in {year}; "
            f"the school's cap is {policy.max_per_year} a year"
        )
    if policy.max_minutes_per_year is not None and used + minutes > policy.max_minutes_per_year:
        unmet.append(
            f"cap: this would make {_hours(used + minutes)} of observation in {year}; "
            f"the school's cap is {_hours(policy.max_minutes_per_year)} a year"
        )
    return unmet


def _minutes() -> ColumnElement[float | Decimal]:
    # Lesson length in minutes, from the stored clock times.
    return func.extract("epoch", Observation.ends_at - Observation.starts_at) / 60


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g} hour(s)"


def refuse_beyond_policy(unmet: list[str]) -> RuleBroken:
    return RuleBroken(
        "this observation is beyond the school's observation policy ("
        + "; ".join(unmet)
        + "); if you want it anyway, ask again with beyond_policy set to true",
        unmet=unmet,
    )
