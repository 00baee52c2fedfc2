"""The demo school's lesson study: a maths triad with one closed cycle and one booked.

Hannah Lewis (NA-003) teaches the focus class 9B/Ma; Daniel Price (NA-004,
an ECT) and Lucy Bennett (NA-009) observe; a university lecturer is the
knowledgeable other. The first research lesson is closed, with its
observations, interviews and discussion, and the group has published what it
learned; the second is planned, with predictions, and booked, ready to teach.
Everything goes through the real domain functions, so the demo obeys the same
rules as the API. Loading again changes nothing: the group is found by its
focus and left alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.demo_timetable import academic_year_start
from lessonstudy.domain import availability
from lessonstudy.domain.lesson_study import (
    booking,
    cycles,
    debrief,
    groups,
    observations,
    plans,
    transitions,
    write_ups,
)
from lessonstudy.domain.lesson_study.booking import BookingRequest
from lessonstudy.domain.lesson_study.cycles import CycleSettings
from lessonstudy.domain.lesson_study.groups import GroupFields, KnowledgeableOther
from lessonstudy.domain.lesson_study.observations import NoteInput
from lessonstudy.domain.lesson_study.plans import CarriedChange, PlanContent, PlanStage, Prediction
from lessonstudy.domain.lesson_study.protocol import Step
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.lesson_study.tables import StudyGroup
from lessonstudy.domain.lesson_study.write_ups import WriteUpFields
from lessonstudy.domain.staff import Role, Staff
from lessonstudy.domain.tokens import Principal
from lessonstudy.errors import ProblemError

FOCUS = "Improve how we teach equivalent fractions to Year 9"
FOCUS_CLASS = "9B/Ma"
TEACHER, OBSERVERS = "NA-003", ("NA-004", "NA-009")
PUPILS = (
    ("A", "Quiet; quick with number facts but rarely explains her thinking."),
    ("B", "Talks readily; often swaps numerator and denominator."),
    ("C", "Joined in Year 8; careful, but loses confidence with diagrams."),
)
STAGES = (
    ("Fraction walls", "Pairs shade 1/2, 2/4 and 3/6 on a fraction wall and compare."),
    ("Why the same?", "Pairs explain to another pair why the shaded parts match."),
    ("Symbols", "From the walls to multiplying top and bottom by the same number."),
)
PREDICTIONS = {
    "A": "Shades accurately but says little; will answer 'because it is' if asked why.",
    "B": "Will try to add the tops and the bottoms; the wall should unsettle that.",
    "C": "Hesitates at the wall; may copy a partner's shading before committing.",
}

_LESSONS_SQL = """
    SELECT d.day, t.period_code FROM school_day d
    JOIN teaching t ON t.version_id = d.version_id AND t.week = d.week AND t.weekday = d.weekday
    JOIN lesson l ON l.id = t.lesson_id
    WHERE d.school_id = :school_id AND t.staff_id = :staff_id AND l.class_code = :class_code
    ORDER BY d.day, t.period_code
"""


def _principal(person: Staff) -> Principal:
    return Principal(
        token_id=uuid.uuid4(),
        school_id=person.school_id,
        staff_id=person.id,
        integration_client_id=None,
        roles=frozenset(Role(r) for r in person.roles),
        scopes=frozenset(),
    )


def _plan(carried: Sequence[CarriedChange] = ()) -> PlanContent:
    return PlanContent(
        learning_goal="Pupils explain why two fractions are equivalent, using a diagram.",
        stages=[
            PlanStage(
                title=title,
                minutes=15,
                activity=activity,
                predictions=[
                    Prediction(pupil=code, prediction=PREDICTIONS[code]) for code, _ in PUPILS
                ],
            )
            for title, activity in STAGES
        ],
        carried_changes=list(carried),
    )


async def _book_one_of(
    session: AsyncSession,
    teacher: Principal,
    cycle_id: uuid.UUID,
    candidates: Sequence[tuple[date, str]],
    observers: Sequence[uuid.UUID],
) -> date | None:
    """Book the first candidate lesson the observers can attend (with cover if needed)."""
    assert teacher.staff_id is not None
    for day, period in candidates:
        slot = await availability.slot_availability(session, teacher.school_id, day, period)
        free = {p.staff_id for p in slot.free if p.protected is None}
        teaching = {r.staff_id: r for r in slot.releasable}
        cover: dict[uuid.UUID, uuid.UUID] = {}
        for observer in observers:
            if observer in free:
                continue
            options = [
                o.staff_id
                for o in (teaching[observer].cover if observer in teaching else ())
                if o.staff_id not in cover.values() and o.staff_id not in observers
            ]
            if not options:
                break
            cover[observer] = options[0]
        else:
            try:
                async with session.begin_nested():
                    request = BookingRequest(day=day, period=period, cover=cover)
                    await booking.book(session, teacher, cycle_id, request)
            except ProblemError:
                continue
            return day
    return None


async def load_lesson_study_demo(
    session: AsyncSession, school_id: uuid.UUID, staff: Mapping[str | None, Staff], today: date
) -> None:
    found = await session.scalar(
        select(StudyGroup.id).where(
            StudyGroup.school_id == school_id, StudyGroup.research_focus == FOCUS
        )
    )
    if found is not None:
        return
    now = datetime.now(UTC)
    hannah = _principal(staff[TEACHER])
    daniel, lucy = (_principal(staff[code]) for code in OBSERVERS)
    observer_ids = [staff[code].id for code in OBSERVERS]
    start = academic_year_start(today)
    group = await groups.create_group(
        session,
        hannah,
        GroupFields(
            research_focus=FOCUS,
            focus_class=FOCUS_CLASS,
            academic_year=f"{start.year}-{(start.year + 1) % 100:02d}",
            member_ids=[staff[TEACHER].id, *observer_ids],
            knowledgeable_other=KnowledgeableOther(
                name="Dr Ruth Evans", email="r.evans@university.example"
            ),
            pupils=PUPILS,
        ),
        now=now,
    )
    lessons = [
        (r.day, r.period_code)
        for r in await session.execute(
            text(_LESSONS_SQL),
            {"school_id": school_id, "staff_id": hannah.staff_id, "class_code": FOCUS_CLASS},
        )
    ]
    past = [s for s in lessons if s[0] <= today - timedelta(days=7)]
    future = [s for s in lessons if s[0] >= today + timedelta(days=7)]
    first = await cycles.start_cycle(
        session, hannah, group.id, CycleSettings(teacher_id=hannah.staff_id)
    )
    await plans.save_plan(session, daniel, first.id, if_match='"1"', content=_plan())
    # The last lessons before today first; early in the year, the first ones there are.
    # The year's last lessons are kept for the second cycle, whatever the date.
    keep = set(lessons[-2:])
    candidates = [s for s in [*reversed(past), *lessons] if s not in keep]
    taught_on = await _book_one_of(session, hannah, first.id, candidates, observer_ids)
    if taught_on is None:
        return  # a timetable with no lesson the triad can share: the group stays in planning
    await _close_first_cycle(session, hannah, daniel, lucy, first.id, taught_on, now)
    await write_ups.save_write_up(
        session,
        lucy,
        group.id,
        if_match='"0"',
        fields=WriteUpFields(
            learned=(
                "Pupils who could already 'do' equivalent fractions could not say why. "
                "Shading and comparing on a fraction wall before any symbols gave all three "
                "case pupils words for it."
            ),
            evidence=(
                "Observers' notes per case pupil and stage, and five-minute interviews: "
                "B stopped adding tops and bottoms once the wall showed the sizes differ."
            ),
            recommendations=(
                "In Year 9, start equivalence with fraction walls and paired explanation; "
                "bring in the multiply-top-and-bottom rule only after pupils can say why."
            ),
        ),
    )
    await write_ups.publish(session, lucy, group.id, now=now)
    second = await cycles.start_cycle(
        session, hannah, group.id, CycleSettings(teacher_id=hannah.staff_id)
    )
    carried = [
        CarriedChange(change=c.change, response="Stage 2 now has pairs explain to another pair.")
        for c in second.plan.content.carried_changes
    ]
    await plans.save_plan(session, lucy, second.id, if_match='"1"', content=_plan(carried))
    later = [s for s in (future or lessons) if s[0] > taught_on]
    await _book_one_of(session, hannah, second.id, later, observer_ids)


async def _close_first_cycle(
    session: AsyncSession,
    hannah: Principal,
    daniel: Principal,
    lucy: Principal,
    cycle_id: uuid.UUID,
    taught_on: date,
    now: datetime,
) -> None:
    await transitions.move(session, hannah, cycle_id, Stage.TEACH, reason=None, now=now)
    await transitions.move(session, hannah, cycle_id, Stage.OBSERVE, reason=None, now=now)
    for observer, seen in ((daniel, "shaded 2/4 and 3/6"), (lucy, "compared with a partner")):
        notes = [
            NoteInput(
                pupil=code,
                stage=stage,
                did=f"{code} {seen} in stage {stage}",
                said="'They take up the same room on the wall.'" if stage == 2 else None,
            )
            for code, _ in PUPILS
            for stage in range(1, len(STAGES) + 1)
        ]
        await observations.save_sheet(session, observer, cycle_id, notes)
        await observations.submit_sheet(session, observer, cycle_id, now=now)
    for code, _ in PUPILS:
        await observations.record_interview(
            session,
            lucy,
            cycle_id,
            code,
            consent=True,
            notes="Said the wall made it 'obvious'; wanted more time on stage 3.",
            minutes=5,
        )
    await transitions.move(session, lucy, cycle_id, Stage.DEBRIEF, reason=None, now=now)
    if taught_on <= now.date():
        await debrief.set_held_on(session, hannah, cycle_id, taught_on, now=now)
    entries = [
        (daniel, Step.EVIDENCE, "A", "Shaded correctly; explained only when asked twice."),
        (lucy, Step.EVIDENCE, "B", "Added tops and bottoms at first, then corrected himself."),
        (daniel, Step.EVIDENCE, "C", "Copied her partner in stage 1; confident by stage 3."),
        (hannah, Step.REFLECTION, None, "Stage 2 was rushed; the pairs needed longer."),
        (lucy, Step.LEARNING, None, "Explaining to another pair is where the reasoning grew."),
        (daniel, Step.CHANGES, None, "Give stage 2 twenty minutes and pair A with C."),
        (hannah, Step.FINAL_COMMENTS, None, "Dr Evans: notice how B's error became useful."),
    ]
    for who, step, pupil, body in entries:
        await debrief.add_entry(
            session, who, cycle_id, step=step, pupil=pupil, plan_stage=None, body=body, now=now
        )
    await transitions.move(session, hannah, cycle_id, Stage.CLOSED, reason=None, now=now)
