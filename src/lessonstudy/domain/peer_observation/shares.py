"""Sharing notes: only the observed teacher, with named people, for a stated purpose.

A share names its people (one, or a group the teacher names, such as "Maths
department"), says why, and may end on a date; the teacher can revoke it at
any time. Appraisal and performance management are refused as purposes, by
rule and not by school setting: notes that could feed appraisal are exactly
what makes teachers distrust observation. Every read through a share is
logged, and the teacher can see who read what, when.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lessonstudy.domain.peer_observation.access import as_observed, school_today
from lessonstudy.domain.peer_observation.models import (
    Observation,
    ObservationRead,
    ObservationShare,
    ObservationShareMember,
    Stage,
)
from lessonstudy.domain.peer_observation.paging import cursor_instant
from lessonstudy.domain.peer_observation.records import Person
from lessonstudy.domain.staff import Staff
from lessonstudy.errors import Conflict, NotFound, RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor

# Refused purposes, matched on the purpose's words ("for my appraisal",
# "Performance-management review", "capability procedure").
_REFUSED_PURPOSE = re.compile(
    r"\b(apprais\w*|performance\s+manag\w*|performance\s+review\w*|capability)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class ShareView:
    share: ObservationShare
    people: list[Person]
    active: bool


@dataclass(frozen=True, slots=True)
class ReadView:
    read: ObservationRead
    reader: Person


@dataclass(frozen=True, slots=True)
class SharedWithMe:
    share: ObservationShare
    observation: Observation
    observed: Person
    observer: Person


def check_purpose(purpose: str) -> None:
    words = " ".join(re.sub(r"[^\w]+", " ", purpose).split())
    refused = _REFUSED_PURPOSE.search(words)
    if refused is not None:
        raise RuleBroken(
            f"notes cannot be shared for {refused.group(0).lower()}: observations here are "
            "developmental, and appraisal or performance management may never use them",
            errors=[{"field": "purpose", "message": "not for appraisal or performance management"}],
        )


async def share_notes(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    people: Sequence[uuid.UUID],
    group_name: str | None,
    purpose: str,
    until: date | None,
    include_reflection: bool,
    now: datetime,
) -> ShareView:
    observation = await as_observed(session, school_id, observation_id, staff_id, "share the notes")
    if observation.stage != Stage.AGREED:
        raise Conflict(f"this observation is {observation.stage}: there is nothing to share")
    check_purpose(purpose)
    today = await school_today(session, school_id, now)
    if until is not None and until < today:
        raise RuleBroken(
            "the share would end before today: choose a later date, or none",
            errors=[{"field": "until", "message": "must not be in the past"}],
        )
    wanted = list(dict.fromkeys(people))
    found = dict(
        (
            await session.execute(
                select(Staff.id, Staff.name).where(
                    Staff.school_id == school_id, Staff.active, Staff.id.in_(wanted)
                )
            )
        ).all()
    )
    problems = []
    for index, person in enumerate(people):
        if person not in found:
            problems.append({"field": f"people[{index}]", "message": "no such active colleague"})
        elif person in (observation.observed_staff_id, observation.observer_staff_id):
            problems.append({"field": f"people[{index}]", "message": "already sees the notes"})
    if problems:
        raise RuleBroken("share with active colleagues other than the two of you", errors=problems)
    share = ObservationShare(
        school_id=school_id,
        observation_id=observation.id,
        group_name=group_name,
        purpose=purpose,
        until=until,
        include_reflection=include_reflection,
    )
    session.add(share)
    await session.flush()
    session.add_all(ObservationShareMember(share_id=share.id, staff_id=p) for p in wanted)
    await session.flush()
    await session.refresh(share)
    return ShareView(share, [Person(p, found[p]) for p in wanted], True)


async def list_shares(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> tuple[list[ShareView], str | None]:
    """Every share the teacher made, newest first, revoked and expired ones included."""
    observation = await as_observed(
        session, school_id, observation_id, staff_id, "see who the notes are shared with"
    )
    today = await school_today(session, school_id, now)
    query = select(ObservationShare).where(ObservationShare.observation_id == observation.id)
    if cursor is not None:
        created, last_id = decode_cursor("observation-shares", cursor, 2)
        query = query.where(
            tuple_(ObservationShare.created_at, ObservationShare.id)
            < tuple_(cursor_instant(created), cursor_uuid(last_id))
        )
    rows = list(
        (
            await session.scalars(
                query.order_by(
                    ObservationShare.created_at.desc(), ObservationShare.id.desc()
                ).limit(limit + 1)
            )
        ).all()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(
            "observation-shares", [rows[-1].created_at.isoformat(), str(rows[-1].id)]
        )
    members: dict[uuid.UUID, list[Person]] = {r.id: [] for r in rows}
    for share_id, person_id, name in await session.execute(
        select(ObservationShareMember.share_id, Staff.id, Staff.name)
        .join(Staff, Staff.id == ObservationShareMember.staff_id)
        .where(ObservationShareMember.share_id.in_(members))
        .order_by(Staff.name, Staff.id)
    ):
        members[share_id].append(Person(person_id, name))
    return [ShareView(r, members[r.id], _active(r, today)) for r in rows], next_cursor


async def revoke_share(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    share_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
) -> None:
    """Stop a share at once; revoking one already revoked changes nothing."""
    observation = await as_observed(session, school_id, observation_id, staff_id, "revoke a share")
    share = await session.get(ObservationShare, share_id)
    if share is None or share.observation_id != observation.id:
        raise NotFound("no share with that id on this observation")
    if share.revoked_at is None:
        share.revoked_at = now
        await session.flush()


async def list_reads(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[ReadView], str | None]:
    """Who read what of the shared notes, and when: newest first."""
    observation = await as_observed(
        session, school_id, observation_id, staff_id, "see who read the shared notes"
    )
    query = (
        select(ObservationRead, Staff.name)
        .join(Staff, Staff.id == ObservationRead.reader_staff_id)
        .where(ObservationRead.observation_id == observation.id)
    )
    if cursor is not None:
        read_at, last_id = decode_cursor("observation-reads", cursor, 2)
        query = query.where(
            tuple_(ObservationRead.read_at, ObservationRead.id)
            < tuple_(cursor_instant(read_at), cursor_uuid(last_id))
        )
    rows = (
        await session.execute(
            query.order_by(ObservationRead.read_at.desc(), ObservationRead.id.desc()).limit(
                limit + 1
            )
        )
    ).all()
    views = [ReadView(read, Person(read.reader_staff_id, name)) for read, name in rows]
    next_cursor = None
    if len(views) > limit:
        views = views[:limit]
        last = views[-1].read
        next_cursor = encode_cursor("observation-reads", [last.read_at.isoformat(), str(last.id)])
    return views, next_cursor


async def shared_with_me(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> tuple[list[SharedWithMe], str | None]:
    """The shares that let the caller read someone's notes today, newest first."""
    today = await school_today(session, school_id, now)
    observed = aliased(Staff)
    observer = aliased(Staff)
    query = (
        select(ObservationShare, Observation, observed.name, observer.name)
        .join(ObservationShareMember, ObservationShareMember.share_id == ObservationShare.id)
        .join(Observation, Observation.id == ObservationShare.observation_id)
        .join(observed, observed.id == Observation.observed_staff_id)
        .join(observer, observer.id == Observation.observer_staff_id)
        .where(
            ObservationShare.school_id == school_id,
            ObservationShareMember.staff_id == staff_id,
            ObservationShare.revoked_at.is_(None),
            (ObservationShare.until.is_(None)) | (ObservationShare.until >= today),
        )
    )
    if cursor is not None:
        created, last_id = decode_cursor("shared-with-me", cursor, 2)
        query = query.where(
            tuple_(ObservationShare.created_at, ObservationShare.id)
            < tuple_(cursor_instant(created), cursor_uuid(last_id))
        )
    rows = (
        await session.execute(
            query.order_by(ObservationShare.created_at.desc(), ObservationShare.id.desc()).limit(
                limit + 1
            )
        )
    ).all()
    found = [
        SharedWithMe(
            share,
            observation,
            Person(observation.observed_staff_id, observed_name),
            Person(observation.observer_staff_id, observer_name),
        )
        for share, observation, observed_name, observer_name in rows
    ]
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        last = found[-1].share
        next_cursor = encode_cursor("shared-with-me", [last.created_at.isoformat(), str(last.id)])
    return found, next_cursor


def _active(share: ObservationShare, today: date) -> bool:
    return share.revoked_at is None and (share.until is None or share.until >= today)
