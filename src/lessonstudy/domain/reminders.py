"""Reminders: in-app notifications the worker sends on a clock, not on a change.

Every reminder is a function ``async (session, now) -> int`` (how many it
sent) that the worker's hourly job calls, each in its own transaction; they
are listed in ``worker.REMINDERS``. A reminder must be safe to run every
hour and twice in a row: it decides from ``now`` and the data what is due
and notifies with a dedupe key, so each person hears about each thing once.
Features add theirs to that list (the observation follow-up date, the
knowledgeable other's copy of the plan a week before the lesson).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.calendar_feeds import describe
from lessonstudy.domain.notifications import notify

# From this local time on the day before, tomorrow's commitments are reminded of:
# late enough that most bookings for tomorrow exist, early enough to plan the evening.
REMIND_FROM = time(12, 0)

# Tomorrow's commitments, in schools where it is past REMIND_FROM, with their clock times.
# The date range narrows the scan to the index before each school's own "tomorrow" is applied.
_TOMORROW_SQL = text(
    """
    SELECT c.school_id, c.staff_id, c.kind, c.purpose, c.purpose_id, c.id, c.day, c.period_code,
           p.starts_at, p.ends_at, covered.class_code, covered.subject
    FROM commitment c
    JOIN school s ON s.id = c.school_id
    LEFT JOIN school_day d ON d.school_id = c.school_id AND d.day = c.day
    LEFT JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday
         AND p.code = c.period_code
    LEFT JOIN LATERAL (
        SELECT cr.class_code, cr.subject FROM cover_request cr
        WHERE c.kind = 'covering' AND cr.purpose_id = c.purpose_id AND cr.day = c.day
          AND cr.period_code = c.period_code
          AND coalesce(cr.cover_staff_id, cr.proposed_cover_staff_id) = c.staff_id
        LIMIT 1
    ) covered ON true
    WHERE c.day BETWEEN :first AND :last
      AND c.day = (CAST(:now AS timestamptz) AT TIME ZONE s.time_zone)::date + 1
      AND (CAST(:now AS timestamptz) AT TIME ZONE s.time_zone)::time >= :remind_from
    ORDER BY c.staff_id, c.purpose_id, p.starts_at NULLS LAST, c.period_code
    """
)


async def day_before_reminders(session: AsyncSession, now: datetime) -> int:
    """One notification per person per booking for what they are booked into tomorrow."""
    today = now.date()
    rows = await session.execute(
        _TOMORROW_SQL,
        {
            "now": now,
            "first": today,
            "last": today + timedelta(days=2),
            "remind_from": REMIND_FROM,
        },
    )
    grouped: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], list[str]] = defaultdict(list)
    about: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], tuple[str, uuid.UUID | None, date]] = {}
    summaries: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID], str] = {}
    for row in rows:
        key = (row.school_id, row.staff_id, row.purpose_id or row.id)
        when = f" ({row.starts_at:%H:%M}-{row.ends_at:%H:%M})" if row.starts_at is not None else ""
        what = describe(row.kind, row.purpose, row.class_code, row.subject)
        grouped[key].append(f"Period {row.period_code}{when}: {what}")
        about.setdefault(key, (row.purpose, row.purpose_id, row.day))
        summaries.setdefault(key, what)
    sent = 0
    for key, lines in grouped.items():
        school_id, staff_id, purpose_key = key
        purpose, purpose_id, day = about[key]
        sent += await notify(
            session,
            school_id=school_id,
            staff_id=staff_id,
            kind="reminder",
            subject=f"Tomorrow: {summaries[key]}",
            body=f"{day:%A} {day.day} {day:%B}:\n" + "\n".join(lines),
            about=purpose,
            about_id=purpose_id,
            dedupe_key=f"reminder:{purpose_key}:{day.isoformat()}",
        )
    return sent
