"""Properties of the timetable import on generated schools, against real PostgreSQL.

- Import then export gives back the same dataset (up to ordering and case).
- Nobody is ever reported free in a period where the dataset gives them a
  lesson, duty, absence or non-working day; checked by a computation written
  here from the dataset alone, not by the service's SQL.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.kit import Client, make_school

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
CODES = ["P1", "P2", "P3", "P4"]
TERM_START = date(2027, 1, 4)


@st.composite
def datasets(draw: st.DrawFn) -> dict[str, Any]:
    weeks = draw(st.sampled_from([1, 2]))
    numbering = draw(st.sampled_from(["continuous", "by_term"]))
    first_end = TERM_START + timedelta(days=draw(st.integers(4, 30)))
    second_start = first_end + timedelta(days=draw(st.integers(3, 12)))
    terms = [
        {"name": "One", "starts_on": TERM_START.isoformat(), "ends_on": first_end.isoformat()},
        {
            "name": "Two",
            "starts_on": second_start.isoformat(),
            "ends_on": (second_start + timedelta(days=draw(st.integers(0, 20)))).isoformat(),
        },
    ]
    closure_day = TERM_START + timedelta(days=draw(st.integers(0, 10)))
    closures = (
        [
            {
                "name": "INSET",
                "kind": "inset",
                "starts_on": closure_day.isoformat(),
                "ends_on": closure_day.isoformat(),
            },
        ]
        if draw(st.booleans())
        else []
    )
    periods = [
        {"weekday": d, "code": c, "starts_at": f"{9 + i:02d}:00", "ends_at": f"{9 + i:02d}:50"}
        for d in DAYS
        for i, c in enumerate(CODES)
    ]
    n_teachers = draw(st.integers(1, 4))
    staff: list[dict[str, Any]] = [
        {
            "external_id": f"T{i}",
            "name": f"Teacher {i}",
            "email": f"T{i}@Gen.example",
            "working_days": draw(
                st.lists(st.sampled_from(DAYS), min_size=1, max_size=5, unique=True)
            ),
            "roles": ["teacher"],
            "ect_year": draw(st.sampled_from([None, 1, 2])),
        }
        for i in range(n_teachers)
    ] + [{"external_id": "C0", "name": "Cover Zero", "roles": ["cover_supervisor"]}]
    teachers = [f"T{i}" for i in range(n_teachers)]
    lessons = []
    for i in range(draw(st.integers(0, 12))):
        first = draw(st.integers(0, len(CODES) - 1))
        length = draw(st.integers(1, min(2, len(CODES) - first)))
        lessons.append(
            {
                "external_id": f"L{i}",
                "class_code": f"{7 + i % 5}X",
                "teachers": draw(
                    st.lists(st.sampled_from(teachers), min_size=1, max_size=2, unique=True)
                ),
                "weekday": draw(st.sampled_from(DAYS)),
                "periods": CODES[first : first + length],
                "week": draw(st.integers(1, weeks)),
                "subject": draw(st.sampled_from([None, "Maths"])),
            }
        )
    slot = st.tuples(st.sampled_from(DAYS), st.sampled_from(CODES), st.integers(1, weeks))
    duties = [
        {
            "external_id": f"D{i}",
            "staff": draw(st.sampled_from(teachers)),
            "description": "Duty",
            "weekday": d,
            "period": c,
            "week": w,
        }
        for i, (d, c, w) in enumerate(draw(st.lists(slot, max_size=3)))
    ]
    protected = [
        {"staff": t, "kind": k, "weekday": d, "period": c, "week": w}
        for t, k, (d, c, w) in draw(
            st.lists(
                st.tuples(st.sampled_from(teachers), st.sampled_from(["ppa", "ect"]), slot),
                max_size=3,
                unique_by=lambda x: (x[0], x[2]),
            )
        )
    ]
    cover_slots = [
        {"staff": "C0", "weekday": d, "period": c, "week": w}
        for d, c, w in draw(st.lists(slot, max_size=4, unique=True))
    ]
    absences = []
    for i in range(draw(st.integers(0, 3))):
        start = TERM_START + timedelta(days=draw(st.integers(0, 25)))
        absences.append(
            {
                "external_id": f"A{i}",
                "staff": draw(st.sampled_from(teachers)),
                "starts_on": start.isoformat(),
                "ends_on": (start + timedelta(days=draw(st.integers(0, 3)))).isoformat(),
                "periods": draw(st.sampled_from([None, ["P2"], ["P1", "P4"]])),
            }
        )
    return {
        "effective_from": TERM_START.isoformat(),
        "calendar": {
            "timetable_weeks": weeks,
            "week_numbering": numbering,
            "terms": terms,
            "closures": closures,
        },
        "periods": periods,
        "staff": staff,
        "lessons": lessons,
        "duties": duties,
        "protected_periods": protected,
        "cover_slots": cover_slots,
        "absences": absences,
    }


def normalised(dataset: dict[str, Any]) -> dict[str, Any]:
    """Equal for datasets that mean the same: lists in a canonical order, emails lower-cased."""
    from lessonstudy.integrations.dataset import Dataset

    decoded = msgspec.convert(dataset, Dataset)
    plain: dict[str, Any] = msgspec.to_builtins(decoded)
    for person in plain["staff"]:
        if person.get("email"):
            person["email"] = person["email"].lower()
        person["working_days"] = sorted(person["working_days"], key=DAYS.index)
    for lesson in plain["lessons"]:
        lesson["teachers"] = sorted(lesson["teachers"])
    for key, value in plain.items():
        if isinstance(value, list):
            plain[key] = sorted(value, key=lambda item: msgspec.json.encode(item))
    for key in ("terms", "closures"):
        plain["calendar"][key] = sorted(plain["calendar"][key], key=lambda t: t["starts_on"])
    return plain


def school_days(dataset: dict[str, Any]) -> dict[date, int]:
    """Each school date and its cycle week, worked out here from the dataset alone."""
    calendar = dataset["calendar"]
    closed = set()
    for closure in calendar["closures"]:
        day = date.fromisoformat(closure["starts_on"])
        while day <= date.fromisoformat(closure["ends_on"]):
            closed.add(day)
            day += timedelta(days=1)
    result: dict[date, int] = {}
    school_weeks = 0
    seen_mondays: set[date] = set()
    for term in sorted(calendar["terms"], key=lambda t: t["starts_on"]):
        if calendar["week_numbering"] == "by_term":
            school_weeks, seen_mondays = 0, set()
        day = date.fromisoformat(term["starts_on"])
        while day <= date.fromisoformat(term["ends_on"]):
            if day.weekday() < 5 and day not in closed:
                monday = day - timedelta(days=day.weekday())
                if monday not in seen_mondays:
                    seen_mondays.add(monday)
                    school_weeks += 1
                result[day] = (school_weeks - 1) % calendar["timetable_weeks"] + 1
            day += timedelta(days=1)
    return result


def busy(dataset: dict[str, Any], person: str, day: date, week: int, code: str) -> bool:
    weekday = DAYS[day.weekday()]
    staff = next(s for s in dataset["staff"] if s["external_id"] == person)
    if weekday not in staff.get("working_days", DAYS):
        return True
    for lesson in dataset["lessons"]:
        if (
            person in lesson["teachers"]
            and lesson["weekday"] == weekday
            and lesson["week"] == week
            and code in lesson["periods"]
        ):
            return True
    for duty in dataset["duties"]:
        if (duty["staff"], duty["weekday"], duty["week"], duty["period"]) == (
            person,
            weekday,
            week,
            code,
        ):
            return True
    for absence in dataset["absences"]:
        if (
            absence["staff"] == person
            and date.fromisoformat(absence["starts_on"])
            <= day
            <= date.fromisoformat(absence["ends_on"])
            and (absence["periods"] is None or code in absence["periods"])
        ):
            return True
    return False


SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(dataset=datasets())
async def test_import_then_export_gives_the_same_dataset(
    client: Client, sessions: async_sessionmaker[AsyncSession], dataset: dict[str, Any]
) -> None:
    kit = await make_school(sessions, f"Generated {uuid.uuid4().hex[:8]}")
    response = await client.post("/v1/timetable/imports", json=dataset, headers=kit.auth("mis"))
    assert response.status_code == 200, response.text
    exported = await client.get("/v1/timetable/export", headers=kit.auth("mis"))
    assert exported.status_code == 200
    body = exported.json()
    body.pop("cover_policy")
    body.pop("cover_caps")
    assert normalised(body) == normalised(dataset)


@SETTINGS
@given(dataset=datasets())
async def test_nobody_is_free_when_busy(
    client: Client, sessions: async_sessionmaker[AsyncSession], dataset: dict[str, Any]
) -> None:
    kit = await make_school(sessions, f"Generated {uuid.uuid4().hex[:8]}")
    response = await client.post("/v1/timetable/imports", json=dataset, headers=kit.auth("mis"))
    assert response.status_code == 200, response.text
    staff = (await client.get("/v1/staff?limit=200", headers=kit.auth("admin"))).json()
    ids = {row["external_id"]: row["id"] for row in staff["items"] if row["external_id"]}
    days = school_days(dataset)
    first, last = min(days), max(days)
    for person in ids:
        if not person.startswith("T"):
            continue
        free = await client.get(
            f"/v1/staff/{ids[person]}/free-periods",
            params={"from": first.isoformat(), "to": last.isoformat()},
            headers=kit.auth("mis"),
        )
        assert free.status_code == 200
        reported = {(date.fromisoformat(i["date"]), i["period"]) for i in free.json()["items"]}
        expected = {
            (day, code)
            for day, week in days.items()
            for code in CODES
            if not busy(dataset, person, day, week, code)
        }
        assert reported == expected, person
