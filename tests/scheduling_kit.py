"""The kit school, re-dated around today with a one-week timetable and an after-school period.

Scheduling looks forward from the school's today, so the kit's fixed dates
would drift into the past; here the term runs from four weeks before `MONDAY`
(the first Monday a week or more away) to ten weeks after, and every week is
the kit's Week B. Each Monday: Ann (T1) teaches 9B/Ma in P1 and has PPA in
P5; Ben (T2) teaches 8C/En in P2 and has ECT time in P4; Cat (T3, Monday to
Wednesday) and Dev (T4) teach 7D/Sc in P3; Dev teaches 11E/Hi in P1 and is on
duty in P4. On `MONDAY` Dev is away in P5, and Ben is away all the next
Monday. Eve (CS1) covers any Monday teaching period, 3 a day at most. After
school (AS) is the one period after P1 in which Ann, Ben and Cat can meet.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.kit import Client, SchoolKit
from tests.timetable_kit import DAYS, load_timetable, school_payload

AFTER_SCHOOL = "AS"


def _next_monday(today: date) -> date:
    start = today + timedelta(days=7)
    return start + timedelta(days=-start.weekday() % 7)


MONDAY_DATE = _next_monday(date.today())
MONDAY = MONDAY_DATE.isoformat()
NEXT_MONDAY = (MONDAY_DATE + timedelta(days=7)).isoformat()
TERM_START = MONDAY_DATE - timedelta(days=28)


def payload(after_school: bool = True, **changes: Any) -> dict[str, Any]:
    data = school_payload()
    data["effective_from"] = TERM_START.isoformat()
    data["calendar"] = {
        "timetable_weeks": 1,
        "terms": [
            {
                "name": "This term",
                "starts_on": TERM_START.isoformat(),
                "ends_on": (MONDAY_DATE + timedelta(days=70)).isoformat(),
            }
        ],
    }
    # Week B becomes the only week; Ann's Week A copy of her Monday lesson goes.
    data["lessons"] = [
        {**lesson, "week": 1} for lesson in data["lessons"] if lesson["external_id"] != "L1"
    ]
    for section in ("duties", "protected_periods", "cover_slots"):
        data[section] = [{**row, "week": 1} for row in data[section] if row["week"] == 2]
    data["absences"] = [
        {**data["absences"][0], "starts_on": NEXT_MONDAY, "ends_on": NEXT_MONDAY},
        {**data["absences"][1], "starts_on": MONDAY, "ends_on": MONDAY},
    ]
    if after_school:
        data["periods"] += [
            {
                "weekday": day,
                "code": AFTER_SCHOOL,
                "starts_at": "15:15",
                "ends_at": "16:15",
                "teaching": False,
            }
            for day in DAYS
        ]
    data.update(changes)
    return data


async def load(
    client: Client,
    kit: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    after_school: bool = True,
    **changes: Any,
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, kit, sessions, payload(after_school, **changes))


def research_lesson(
    people: dict[str, uuid.UUID], first: str = MONDAY, last: str = MONDAY, **extra: Any
) -> dict[str, Any]:
    """Ann teaches 9B/Ma while Ben and Cat watch."""
    return {
        "kind": "research_lesson",
        "teacher_id": str(people["T1"]),
        "class_code": "9B/Ma",
        "member_ids": [str(people["T2"]), str(people["T3"])],
        "window": {"from": first, "to": last},
        **extra,
    }


def observation(
    people: dict[str, uuid.UUID],
    observer: str = "T4",
    first: str = MONDAY,
    last: str = MONDAY,
    **extra: Any,
) -> dict[str, Any]:
    """Someone watches Ann's 9B/Ma lesson (Dev by default, who must be released then)."""
    return {
        "kind": "observation",
        "observed_id": str(people["T1"]),
        "observer_ids": [str(people[observer])],
        "window": {"from": first, "to": last},
        "class_code": "9B/Ma",
        **extra,
    }
