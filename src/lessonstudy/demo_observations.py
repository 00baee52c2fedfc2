"""Peer observations in the demo school, made through the same domain functions as the API.

Hannah Lewis (the demo teacher) asked Daniel Price to observe a recent lesson:
it is booked, has his notes and her reflection, and she shared the notes with
Lucy Bennett for department CPD. She has also asked Lucy to observe a lesson
still to come. The school has a few focus tags. Loaded once: a demo school
that already has Hannah's observations is left as it is.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import availability
from lessonstudy.domain.peer_observation import booking, focus_tags, lifecycle, notes, shares
from lessonstudy.domain.peer_observation import reflection as reflections
from lessonstudy.domain.peer_observation.models import FocusTag, Observation
from lessonstudy.domain.school_time import school_instant, school_today
from lessonstudy.domain.staff import Staff

OBSERVED, PAST_OBSERVER, FUTURE_OBSERVER = "NA-003", "NA-004", "NA-009"
TIME_ZONE = "Europe/London"
TAGS = (
    ("questioning", "How questions check and deepen understanding"),
    ("retrieval practice", "Low-stakes recall of earlier learning"),
    ("modelling", "Worked examples and thinking aloud"),
    ("adaptive teaching", "Adjusting in the moment to what pupils show"),
)
SEARCH_DAYS = 60


async def load_demo_observations(
    session: AsyncSession, school_id: uuid.UUID, staff: dict[str | None, Staff], now: datetime
) -> None:
    observed = staff[OBSERVED]
    already = await session.scalar(
        select(Observation.id)
        .where(Observation.school_id == school_id, Observation.observed_staff_id == observed.id)
        .limit(1)
    )
    if already is not None:
        return
    existing = set(
        (await session.scalars(select(FocusTag.name).where(FocusTag.school_id == school_id))).all()
    )
    for name, description in TAGS:
        if name not in existing:
            await focus_tags.create_tag(session, school_id, name=name, description=description)
    today = school_today(TIME_ZONE, now)
    past = await _lesson_with_free_observer(
        session, school_id, observed.id, staff[PAST_OBSERVER].id, today, -1, now
    )
    if past is None:  # the very start of the year: use the first lesson to come
        past = await _lesson_with_free_observer(
            session, school_id, observed.id, staff[PAST_OBSERVER].id, today, 1, now
        )
    if past is not None:
        await _booked_with_notes(session, school_id, staff, past)
    # A few days ahead (the default notice is two days), and after the booked one.
    start = max(today + timedelta(days=3), past[0] + timedelta(days=1) if past else today)
    future = await _lesson_with_free_observer(
        session, school_id, observed.id, staff[FUTURE_OBSERVER].id, start, 1, now
    )
    if future is not None:
        await lifecycle.request_observation(
            session,
            school_id,
            observed.id,
            lifecycle.Request(
                day=future[0],
                period=future[1],
                class_code=None,
                focus="Whether my retrieval starter shows me who has remembered last week",
                focus_tags=["retrieval practice"],
                observer_id=staff[FUTURE_OBSERVER].id,
                find_observer=None,
                beyond_policy=True,
            ),
            now=now,
        )


async def _lesson_with_free_observer(
    session: AsyncSession,
    school_id: uuid.UUID,
    observed_id: uuid.UUID,
    observer_id: uuid.UUID,
    start: date,
    step: int,
    now: datetime,
) -> tuple[date, str, datetime] | None:
    """The nearest lesson of the observed teacher, walking from ``start`` by ``step`` days,
    in which the observer is free (not in protected time): (date, period, its start)."""
    first, last = sorted((start, start + timedelta(days=step * SEARCH_DAYS)))
    entries = await availability.staff_timetable(session, school_id, observed_id, first, last)
    lessons = [e for e in entries if e.activity == "lesson"]
    for entry in sorted(lessons, key=lambda e: (e.day, e.starts_at), reverse=step < 0):
        begins = school_instant(TIME_ZONE, entry.day, entry.starts_at)
        if (step < 0) != (begins < now):
            continue
        slot = await availability.slot_availability(session, school_id, entry.day, entry.period)
        if any(p.staff_id == observer_id and p.protected is None for p in slot.free):
            return entry.day, entry.period, begins
    return None


async def _booked_with_notes(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff: dict[str | None, Staff],
    lesson: tuple[date, str, datetime],
) -> None:
    day, period, begins = lesson
    observed, observer = staff[OBSERVED], staff[PAST_OBSERVER]
    asked_at = begins - timedelta(days=7)
    made = await lifecycle.request_observation(
        session,
        school_id,
        observed.id,
        lifecycle.Request(
            day=day,
            period=period,
            class_code=None,
            focus="How I use questioning to check understanding before moving on",
            focus_tags=["questioning"],
            observer_id=observer.id,
            find_observer=None,
            beyond_policy=True,
        ),
        now=asked_at,
    )
    await booking.book_observation(
        session,
        school_id,
        made.id,
        observed.id,
        cover_by=None,
        use_protected=False,
        now=asked_at,
    )
    await notes.write_notes(
        session,
        school_id,
        made.id,
        observer.id,
        evidence=[
            "Starter: 6 of 28 pupils answered the cold-call questions; the same hands went up.",
            "Mini whiteboards at 10 minutes: most showed 3/4 > 2/3; four showed the reverse.",
            "You moved on after the whiteboards without returning to the four pupils.",
        ],
        questions=[
            "What did the four whiteboards tell you, and what might you do with them next time?",
            "How do you decide whom to cold-call?",
        ],
        takeaways=["I will try whiteboards before moving on in my Year 8 fractions lesson."],
        now=begins + timedelta(minutes=30),
    )
    reflected_at = begins + timedelta(days=1)
    await reflections.write_reflection(
        session,
        school_id,
        made.id,
        observed.id,
        reflection="I saw the four boards but chose pace. A hinge question would have let "
        "me check everyone before moving on.",
        follow_up_action="Plan a hinge question before each new step in the fractions unit",
        now=reflected_at,
    )
    await shares.share_notes(
        session,
        school_id,
        made.id,
        observed.id,
        people=[staff[FUTURE_OBSERVER].id],
        group_name=None,
        purpose="Maths department CPD on questioning",
        until=None,
        include_reflection=False,
        now=reflected_at,
    )
