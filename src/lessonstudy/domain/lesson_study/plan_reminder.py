"""The knowledgeable other's copy of the plan, a week before the research lesson.

A reminder in the sense of domain/reminders.py: the worker calls it hourly
with ``now``. A cycle is due once its lesson is booked (a teaching commitment
for the cycle, made by hand or by the scheduler) and falls within the next
seven school-local days, so a lesson booked at shorter notice is sent at once
rather than never. Each cycle is sent once, whatever the hour or a rebooking
(the dedupe key names the cycle only).

A knowledgeable other on the staff reads the plan in the service, so they are
told where it is. One from outside has no login and the service sends no
email, so the members are asked to send it to them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.commitments import CommitmentKind
from lessonstudy.domain.lesson_study.access import members_of
from lessonstudy.domain.lesson_study.booking import PURPOSE
from lessonstudy.domain.lesson_study.plans import from_json
from lessonstudy.domain.lesson_study.stages import Stage
from lessonstudy.domain.notifications import notify

KIND = "plan_for_knowledgeable_other"
DAYS_AHEAD = 7

# Booked cycles, still before their lesson, whose lesson is within DAYS_AHEAD days of
# each school's own today; the date range narrows the scan before that is applied.
_DUE_SQL = text(
    """
    SELECT DISTINCT ON (rc.id)
           rc.id, rc.school_id, rc.group_id, rc.class_code, c.day, c.period_code,
           g.ko_staff_id, g.ko_name, g.ko_email, teacher.name AS teacher_name,
           pv.content AS plan
    FROM research_cycle rc
    JOIN study_group g ON g.id = rc.group_id
    JOIN school s ON s.id = rc.school_id
    JOIN commitment c ON c.school_id = rc.school_id AND c.purpose = :purpose
         AND c.purpose_id = rc.id AND c.kind = :teaching
    JOIN plan_version pv ON pv.cycle_id = rc.id AND pv.version = rc.plan_version
    LEFT JOIN staff teacher ON teacher.id = rc.teacher_id
    WHERE rc.stage IN (:plan, :teach)
      AND (g.ko_staff_id IS NOT NULL OR g.ko_name IS NOT NULL)
      AND c.day BETWEEN :first AND :last
      AND c.day - (CAST(:now AS timestamptz) AT TIME ZONE s.time_zone)::date BETWEEN 1 AND :days
    ORDER BY rc.id, c.day, c.period_code
    """
)


def dedupe_key(cycle_id: uuid.UUID) -> str:
    return f"ko_plan:{cycle_id}"


def _lesson(teacher: str | None, class_code: str, day: date, period: str) -> str:
    who = teacher or "The teaching member"
    return f"{who} teaches {class_code} on {day:%A} {day.day} {day:%B} ({period})"


async def send_plan_to_knowledgeable_others(session: AsyncSession, now: datetime) -> int:
    """Notify each due cycle's knowledgeable other (or, from outside, its members) once."""
    today = now.date()
    rows = (
        await session.execute(
            _DUE_SQL,
            {
                "now": now,
                "purpose": PURPOSE,
                "teaching": CommitmentKind.TEACHING.value,
                "plan": Stage.PLAN.value,
                "teach": Stage.TEACH.value,
                "first": today - timedelta(days=1),
                "last": today + timedelta(days=DAYS_AHEAD + 1),
                "days": DAYS_AHEAD,
            },
        )
    ).all()
    members = await members_of(session, list({row.group_id for row in rows}))
    sent = 0
    for row in rows:
        goal = (from_json(row.plan).learning_goal or "").strip() or "not written yet"
        lesson = _lesson(row.teacher_name, row.class_code, row.day, row.period_code)
        if row.ko_staff_id is not None:
            sent += await notify(
                session,
                school_id=row.school_id,
                staff_id=row.ko_staff_id,
                kind=KIND,
                subject=f"The plan for the research lesson on {row.day:%A} {row.day.day} "
                f"{row.day:%B}",
                body=f"{lesson}.\nLearning goal: {goal}\n"
                "The plan is in the cycle: read it and add your comments before the lesson.",
                about="cycle",
                about_id=row.id,
                dedupe_key=dedupe_key(row.id),
            )
            continue
        email = f" <{row.ko_email}>" if row.ko_email else ""
        for member in members.get(row.group_id, ()):
            sent += await notify(
                session,
                school_id=row.school_id,
                staff_id=member.staff_id,
                kind=KIND,
                subject=f"Send the plan to {row.ko_name} before the research lesson",
                body=f"{lesson}.\nYour knowledgeable other has no login here and the service "
                f"sends no email: send the plan to {row.ko_name}{email}.\nLearning goal: {goal}",
                about="cycle",
                about_id=row.id,
                dedupe_key=dedupe_key(row.id),
            )
    return sent
