"""A small, complete two-week school timetable for tests, as an import payload."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import tokens
from lessonstudy.domain.staff import Staff
from tests.kit import Client, SchoolKit

# Autumn term 2026, Week A/B continuing across half term. Monday 7 September is Week 2 (B).
TERM_1 = {"name": "Autumn 1", "starts_on": "2026-09-01", "ends_on": "2026-10-16"}
TERM_2 = {"name": "Autumn 2", "starts_on": "2026-11-02", "ends_on": "2026-12-18"}
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
TEACHING = ["P1", "P2", "P3", "P4", "P5"]
TIMES = {
    "REG": ("08:40", "08:55"),
    "P1": ("08:55", "09:55"),
    "P2": ("09:55", "10:55"),
    "P3": ("11:15", "12:15"),
    "LUNCH": ("12:15", "13:00"),
    "P4": ("13:00", "14:00"),
    "P5": ("14:00", "15:00"),
}


def school_payload() -> dict[str, Any]:
    periods = [
        {
            "weekday": day,
            "code": code,
            "starts_at": start,
            "ends_at": end,
            "teaching": code in TEACHING,
        }
        for day in DAYS
        for code, (start, end) in TIMES.items()
    ]
    staff = [
        {"external_id": "T1", "name": "Ann Archer", "email": "ann@school.example"},
        {"external_id": "T2", "name": "Ben Brook", "email": "ben@school.example", "ect_year": 1},
        {
            "external_id": "T3",
            "name": "Cat Cole",
            "email": "cat@school.example",
            "working_days": ["monday", "tuesday", "wednesday"],
        },
        {"external_id": "T4", "name": "Dev Dale", "email": "dev@school.example"},
        {"external_id": "CS1", "name": "Eve Ellis", "roles": ["cover_supervisor"]},
        {"external_id": "ADM", "name": "Fay Ford", "roles": ["admin"]},
    ]
    lessons = [
        # Ann teaches 9B maths Monday P1 in both weeks, and a double on Tuesday of Week 1.
        {
            "external_id": "L1",
            "class_code": "9B/Ma",
            "subject": "Maths",
            "room": "M1",
            "teachers": ["T1"],
            "weekday": "monday",
            "periods": ["P1"],
            "week": 1,
        },
        {
            "external_id": "L2",
            "class_code": "9B/Ma",
            "subject": "Maths",
            "room": "M1",
            "teachers": ["T1"],
            "weekday": "monday",
            "periods": ["P1"],
            "week": 2,
        },
        {
            "external_id": "L3",
            "class_code": "10A/Ma",
            "subject": "Maths",
            "room": "M1",
            "teachers": ["T1"],
            "weekday": "tuesday",
            "periods": ["P2", "P3"],
            "week": 1,
        },
        {
            "external_id": "L4",
            "class_code": "8C/En",
            "subject": "English",
            "room": "E2",
            "teachers": ["T2"],
            "weekday": "monday",
            "periods": ["P2"],
            "week": 2,
        },
        {
            "external_id": "L5",
            "class_code": "7D/Sc",
            "subject": "Science",
            "room": "S1",
            "teachers": ["T3", "T4"],
            "weekday": "monday",
            "periods": ["P3"],
            "week": 2,
        },
        {
            "external_id": "L6",
            "class_code": "11E/Hi",
            "subject": "History",
            "room": "H1",
            "teachers": ["T4"],
            "weekday": "monday",
            "periods": ["P1"],
            "week": 2,
        },
    ]
    return {
        "effective_from": "2026-09-01",
        "calendar": {
            "timetable_weeks": 2,
            "week_numbering": "continuous",
            "terms": [TERM_1, TERM_2],
            "closures": [
                {
                    "name": "INSET",
                    "kind": "inset",
                    "starts_on": "2026-09-25",
                    "ends_on": "2026-09-25",
                },
            ],
        },
        "periods": periods,
        "staff": staff,
        "lessons": lessons,
        "duties": [
            {
                "external_id": "D1",
                "staff": "T4",
                "description": "Yard duty",
                "weekday": "monday",
                "period": "P4",
                "week": 2,
            },
        ],
        "protected_periods": [
            {"staff": "T1", "kind": "ppa", "weekday": "monday", "period": "P5", "week": 2},
            {"staff": "T2", "kind": "ect", "weekday": "monday", "period": "P4", "week": 2},
        ],
        "cover_slots": [
            {"staff": "CS1", "weekday": "monday", "period": code, "week": 2} for code in TEACHING
        ],
        "cover_caps": [{"staff": "CS1", "max_per_day": 3}],
        "cover_policy": {"teacher_cover_allowed": False},
        "absences": [
            {
                "external_id": "A1",
                "staff": "T2",
                "starts_on": "2026-09-14",
                "ends_on": "2026-09-14",
                "reason": "course",
            },
            {
                "external_id": "A2",
                "staff": "T4",
                "starts_on": "2026-09-07",
                "ends_on": "2026-09-07",
                "periods": ["P5"],
                "kind": "event",
            },
        ],
    }


def changed(payload: dict[str, Any], **updates: Any) -> dict[str, Any]:
    result = copy.deepcopy(payload)
    result.update(updates)
    return result


async def load_timetable(
    client: Client,
    kit: SchoolKit,
    sessions: async_sessionmaker[AsyncSession],
    payload: dict[str, Any] | None = None,
) -> dict[str, uuid.UUID]:
    """Import the kit timetable (or `payload`) into a test school; give each imported
    person a token.

    Returns the imported people's ids by external id (T1..T4, CS1, ADM); their
    tokens are in ``kit.secrets`` under the same keys, so ``kit.auth("T1")`` works.
    """
    response = await client.post(
        "/v1/timetable/imports", json=payload or school_payload(), headers=kit.auth("mis")
    )
    assert response.status_code == 200, response.text
    async with sessions.begin() as session:
        rows = await session.execute(
            select(Staff.external_id, Staff.id).where(
                Staff.school_id == kit.school_id, Staff.external_id.is_not(None)
            )
        )
        people = {str(ext): staff_id for ext, staff_id in rows.all()}
        for ext, staff_id in people.items():
            issued = await tokens.issue_token(
                session, kit.school_id, label="test", staff_id=staff_id
            )
            kit.staff_ids[ext] = staff_id
            kit.token_ids[ext] = issued.token.id
            kit.secrets[ext] = issued.secret
    return people
