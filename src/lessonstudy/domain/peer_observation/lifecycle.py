"""How an observation comes about and ends: request, offer, accept, decline, cancel.

Only the observed teacher makes an observation happen: they ask for one, or
accept a colleague's offer to come and watch. They choose the focus, and they
can cancel at any time before the lesson. The observer named in a request may
decline it before it is booked. Each change is one function here, so events
(webhooks) can be added in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain import bookings
from lessonstudy.domain.notifications import notify
from lessonstudy.domain.peer_observation import focus_tags
from lessonstudy.domain.peer_observation.access import (
    ObservationSide,
    has_begun,
    is_booked,
    lesson_begun,
    participant,
    school_today,
)
from lessonstudy.domain.peer_observation.clock import minutes_between
from lessonstudy.domain.peer_observation.matching import FindObserver, find_observer
from lessonstudy.domain.peer_observation.models import Observation, ObservationOrigin, Stage
from lessonstudy.domain.peer_observation.policy import refuse_beyond_policy, unmet_policy
from lessonstudy.domain.peer_observation.records import Lesson, find_lesson
from lessonstudy.domain.staff import Staff, get_staff
from lessonstudy.domain.webhooks import EventType, emit
from lessonstudy.errors import Conflict, Forbidden, NotFound, RuleBroken

ABOUT = "observation"


@dataclass(frozen=True, kw_only=True)
class Request:
    """What the observed teacher asks for."""

    day: date
    period: str
    class_code: str | None
    focus: str
    focus_tags: Sequence[str]
    observer_id: uuid.UUID | None
    find_observer: FindObserver | None
    beyond_policy: bool


def _when(o: Observation | Lesson) -> str:
    period = o.period_code if isinstance(o, Observation) else o.period
    return f"{o.class_code} on {o.day:%a %d %b %Y}, {period}"


async def _colleague(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID, field: str
) -> Staff:
    try:
        person: Staff | None = await get_staff(session, school_id, staff_id)
    except NotFound:
        person = None
    if person is None or not person.active:
        raise RuleBroken(
            "no active member of staff at your school has that id",
            errors=[{"field": field, "message": "unknown member of staff"}],
        )
    return person


async def _ensure_ahead(session: AsyncSession, observation: Observation, now: datetime) -> None:
    if await lesson_begun(session, observation, now):
        raise Conflict("the lesson has already begun, so this can no longer change")


async def request_observation(
    session: AsyncSession,
    school_id: uuid.UUID,
    observed_id: uuid.UUID,
    asked: Request,
    *,
    now: datetime,
) -> Observation:
    """The observed teacher asks to be observed in one of their lessons."""
    if (asked.observer_id is None) == (asked.find_observer is None):
        raise RuleBroken(
            "give one of observer_id (a colleague you name) and find_observer (find one for me)",
            errors=[{"field": "observer_id", "message": "give this or find_observer"}],
        )
    observed = await get_staff(session, school_id, observed_id)
    lesson = await find_lesson(
        session,
        school_id,
        observed_id,
        asked.day,
        asked.period,
        asked.class_code,
        who=observed.name,
    )
    await _ensure_not_begun(session, school_id, lesson, now)
    tags = await focus_tags.check_tags(session, school_id, asked.focus_tags)
    if asked.observer_id is not None:
        if asked.observer_id == observed_id:
            raise RuleBroken(
                "you cannot observe yourself: name a colleague",
                errors=[{"field": "observer_id", "message": "must be someone else"}],
            )
        observer = await _colleague(session, school_id, asked.observer_id, "observer_id")
    else:
        assert asked.find_observer is not None
        found = await find_observer(
            session, school_id, observed_id, lesson.day, lesson.period, asked.find_observer
        )
        observer = await get_staff(session, school_id, found)
    unmet = await unmet_policy(
        session,
        school_id,
        observed_staff_id=observed_id,
        day=lesson.day,
        minutes=lesson.minutes,
        today=await school_today(session, school_id, now),
    )
    if unmet and not asked.beyond_policy:
        raise refuse_beyond_policy(unmet)
    observation = _new(school_id, observed_id, observer.id, lesson, ObservationOrigin.REQUEST)
    observation.stage = Stage.AGREED
    observation.focus = asked.focus
    observation.focus_tags = tags
    observation.beyond_policy = bool(unmet)
    session.add(observation)
    await session.flush()
    await notify(
        session,
        school_id=school_id,
        staff_id=observer.id,
        kind="observation_requested",
        subject=f"{observed.name} asked you to observe {_when(lesson)}",
        body=f"Focus: {asked.focus}",
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-requested:{observation.id}",
    )
    await _announce(session, observation, EventType.OBSERVATION_REQUESTED)
    return observation


async def offer_observation(
    session: AsyncSession,
    school_id: uuid.UUID,
    observer_id: uuid.UUID,
    *,
    observed_id: uuid.UUID,
    day: date,
    period: str,
    class_code: str | None,
    focus: str | None,
    tags: Sequence[str],
    now: datetime,
) -> Observation:
    """A colleague asks to come and watch; nothing happens until the teacher accepts."""
    if observed_id == observer_id:
        raise RuleBroken(
            "to be observed yourself, ask for an observation instead",
            errors=[{"field": "observed_id", "message": "must be someone else"}],
        )
    observed = await _colleague(session, school_id, observed_id, "observed_id")
    observer = await get_staff(session, school_id, observer_id)
    lesson = await find_lesson(
        session, school_id, observed_id, day, period, class_code, who=observed.name
    )
    await _ensure_not_begun(session, school_id, lesson, now)
    observation = _new(school_id, observed_id, observer_id, lesson, ObservationOrigin.OFFER)
    observation.focus = focus
    observation.focus_tags = await focus_tags.check_tags(session, school_id, tags)
    session.add(observation)
    await session.flush()
    await notify(
        session,
        school_id=school_id,
        staff_id=observed_id,
        kind="observation_offered",
        subject=f"{observer.name} would like to observe your lesson {_when(lesson)}",
        body="It happens only if you accept; you choose the focus, and the notes are yours.",
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-offered:{observation.id}",
    )
    await _announce(session, observation, EventType.OBSERVATION_REQUESTED)
    return observation


async def accept_offer(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    focus: str | None,
    tags: Sequence[str] | None,
    beyond_policy: bool,
    now: datetime,
) -> Observation:
    """The observed teacher accepts a colleague's offer, choosing the focus."""
    observation, part = await participant(session, school_id, observation_id, staff_id)
    if part is not ObservationSide.OBSERVED:
        raise Forbidden("only the observed teacher can accept an offer to observe them")
    if observation.stage != Stage.AWAITING_CONSENT:
        raise Conflict(
            f"this observation is {observation.stage}; only an offer awaiting your answer "
            "can be accepted"
        )
    await _ensure_ahead(session, observation, now)
    chosen = focus if focus is not None else observation.focus
    if not chosen:
        raise RuleBroken(
            "choose a focus for the observation: it is yours to choose",
            errors=[{"field": "focus", "message": "required"}],
        )
    if tags is not None:
        observation.focus_tags = await focus_tags.check_tags(session, school_id, tags)
    unmet = await unmet_policy(
        session,
        school_id,
        observed_staff_id=observation.observed_staff_id,
        day=observation.day,
        minutes=minutes_between(observation.starts_at, observation.ends_at),
        today=await school_today(session, school_id, now),
        ignoring=observation.id,
    )
    if unmet and not beyond_policy:
        raise refuse_beyond_policy(unmet)
    observation.focus = chosen
    observation.beyond_policy = bool(unmet)
    observation.stage = Stage.AGREED
    await session.flush()
    observed = await get_staff(session, school_id, observation.observed_staff_id)
    await notify(
        session,
        school_id=school_id,
        staff_id=observation.observer_staff_id,
        kind="observation_accepted",
        subject=f"{observed.name} accepted your offer to observe {_when(observation)}",
        body=f"Focus: {chosen}",
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-accepted:{observation.id}",
    )
    await _announce(session, observation, EventType.OBSERVATION_ACCEPTED)
    return observation


async def decline(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    reason: str | None,
) -> Observation:
    """The person being asked says no: the teacher to an offer, the observer to a request."""
    observation, part = await participant(session, school_id, observation_id, staff_id)
    if part is ObservationSide.OBSERVED and observation.stage != Stage.AWAITING_CONSENT:
        raise Conflict(
            f"this observation is {observation.stage}; you can decline an offer awaiting your "
            "answer, and cancel anything else before the lesson"
        )
    if part is ObservationSide.OBSERVER:
        if observation.origin != ObservationOrigin.REQUEST or observation.stage != Stage.AGREED:
            raise Conflict(
                f"this observation is {observation.stage}; an observer can decline a request "
                "made of them, or withdraw their own offer with cancel"
            )
        if await is_booked(session, observation):
            raise Conflict(
                "it is booked already: ask the observed teacher to cancel it if you cannot come"
            )
    observation.stage = Stage.DECLINED
    observation.closing_reason = reason
    await session.flush()
    other = (
        observation.observer_staff_id
        if part is ObservationSide.OBSERVED
        else observation.observed_staff_id
    )
    me = await get_staff(session, school_id, staff_id)
    await notify(
        session,
        school_id=school_id,
        staff_id=other,
        kind="observation_declined",
        subject=f"{me.name} declined the observation of {_when(observation)}",
        body=reason or "",
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-declined:{observation.id}",
    )
    return observation


async def cancel(
    session: AsyncSession,
    school_id: uuid.UUID,
    observation_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    reason: str | None,
    now: datetime,
) -> Observation:
    """The observed teacher calls it off before the lesson (an observer may withdraw an offer)."""
    observation, part = await participant(session, school_id, observation_id, staff_id)
    if part is ObservationSide.OBSERVER and observation.stage != Stage.AWAITING_CONSENT:
        raise Forbidden(
            "only the observed teacher can cancel an agreed observation; "
            "an observer can decline a request before it is booked"
        )
    if observation.stage not in (Stage.AWAITING_CONSENT, Stage.AGREED):
        raise Conflict(f"this observation is already {observation.stage}")
    await _ensure_ahead(session, observation, now)
    await bookings.cancel(session, school_id, purpose_id=observation.id)
    observation.stage = Stage.CANCELLED
    observation.closing_reason = reason
    await session.flush()
    other = (
        observation.observer_staff_id
        if part is ObservationSide.OBSERVED
        else observation.observed_staff_id
    )
    me = await get_staff(session, school_id, staff_id)
    await notify(
        session,
        school_id=school_id,
        staff_id=other,
        kind="observation_cancelled",
        subject=f"{me.name} cancelled the observation of {_when(observation)}",
        body=reason or "",
        about=ABOUT,
        about_id=observation.id,
        dedupe_key=f"observation-cancelled:{observation.id}",
    )
    return observation


async def _announce(session: AsyncSession, observation: Observation, event: EventType) -> None:
    """Tell the school's other systems, in this transaction: who, when, never the focus or notes."""
    await emit(
        session,
        observation.school_id,
        event,
        {
            "observation_id": observation.id,
            "observed_staff_id": observation.observed_staff_id,
            "observer_staff_id": observation.observer_staff_id,
            "date": observation.day,
            "period": observation.period_code,
            "origin": observation.origin,
            "stage": observation.stage,
        },
    )


def _new(
    school_id: uuid.UUID,
    observed_id: uuid.UUID,
    observer_id: uuid.UUID,
    lesson: Lesson,
    origin: ObservationOrigin,
) -> Observation:
    return Observation(
        id=uuid.uuid4(),
        school_id=school_id,
        observed_staff_id=observed_id,
        observer_staff_id=observer_id,
        origin=origin,
        stage=Stage.AWAITING_CONSENT,
        day=lesson.day,
        period_code=lesson.period,
        starts_at=lesson.starts_at,
        ends_at=lesson.ends_at,
        class_code=lesson.class_code,
        subject=lesson.subject,
        room=lesson.room,
        focus_tags=[],
        beyond_policy=False,
    )


async def _ensure_not_begun(
    session: AsyncSession, school_id: uuid.UUID, lesson: Lesson, now: datetime
) -> None:
    if await has_begun(session, school_id, lesson.day, lesson.starts_at, now):
        raise RuleBroken(
            f"the lesson {_when(lesson)} has already begun; choose a lesson still to come",
            errors=[{"field": "date", "message": "in the past"}],
        )
