"""Importing a real school's week (St Paul's) from XHSTT through the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.kit import Client, SchoolKit
from tests.xhstt_data import (
    ST_PAUL,
    ST_PAUL_GROUP,
    busy_periods_by_teacher,
    time_slot,
    xhstt_folder,
)

XHSTT = "/v1/timetable/imports/xhstt"
CALENDAR = {"terms": [{"name": "Spring", "starts_on": "2027-01-04", "ends_on": "2027-03-26"}]}
# St Paul's names its days in Dutch: maandag .. vrijdag.
DAY_NUMBER = {"ma": 1, "di": 2, "wo": 3, "do": 4, "vr": 5}
WEEK = ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"]


def _form(**overrides: str) -> dict[str, str]:
    return {
        "solution_group": ST_PAUL_GROUP,
        "effective_from": "2027-01-04",
        "calendar": json.dumps(CALENDAR),
        **overrides,
    }


async def _upload(client: Client, kit: SchoolKit, content: bytes, **overrides: str) -> Any:
    return await client.post(
        XHSTT,
        data=_form(**overrides),
        files={"file": ("timetable.xml", content, "application/xml")},
        headers=kit.auth("mis"),
    )


@pytest.fixture(scope="module")
def st_paul_path() -> Path:
    return xhstt_folder() / ST_PAUL


@pytest.fixture(scope="module")
def st_paul(st_paul_path: Path) -> bytes:
    return st_paul_path.read_bytes()


async def test_st_pauls_week_is_imported(client: Client, school: SchoolKit, st_paul: bytes) -> None:
    response = await _upload(client, school, st_paul)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["counts"]["staff"]["created"] == 68
    assert report["counts"]["lessons"]["created"] == 1227
    assert report["counts"]["periods"]["created"] == 25
    assert report["warnings"] == []
    exported = (await client.get("/v1/timetable/export", headers=school.auth("mis"))).json()
    assert len(exported["lessons"]) == 1227
    assert {len(lesson["periods"]) for lesson in exported["lessons"]} == {1}


async def test_free_periods_match_an_independent_reading_of_the_file(
    client: Client, school: SchoolKit, st_paul: bytes, st_paul_path: Path
) -> None:
    assert (await _upload(client, school, st_paul)).status_code == 200
    staff = (await client.get("/v1/staff?limit=200", headers=school.auth("admin"))).json()
    ids = {row["external_id"]: row["id"] for row in staff["items"] if row["external_id"]}
    all_times, busy = busy_periods_by_teacher(st_paul_path, ST_PAUL_GROUP)

    def as_slot(time_id: str) -> tuple[int, str]:
        day, number = time_slot(time_id)
        return DAY_NUMBER[day], f"P{number}"

    # The busiest, the least busy, and some in between.
    by_load = sorted(busy, key=lambda t: (len(busy[t]), t))
    chosen = {by_load[0], by_load[-1], by_load[len(by_load) // 2], by_load[10], by_load[-10]}
    for teacher in sorted(chosen):
        expected = {as_slot(t) for t in all_times - busy[teacher]}
        response = await client.get(
            f"/v1/staff/{ids[teacher]}/free-periods",
            params={"from": WEEK[0], "to": WEEK[-1]},
            headers=school.auth("teacher"),
        )
        got = {(WEEK.index(i["date"]) + 1, i["period"]) for i in response.json()["items"]}
        assert got == expected, teacher


async def test_unknown_solution_group_is_422_naming_the_groups(
    client: Client, school: SchoolKit, st_paul: bytes
) -> None:
    response = await _upload(client, school, st_paul, solution_group="nope")
    assert response.status_code == 422
    assert ST_PAUL_GROUP in response.json()["detail"]


async def test_bad_calendar_is_422_and_bad_date_400(
    client: Client, school: SchoolKit, st_paul: bytes
) -> None:
    bad_calendar = await _upload(client, school, st_paul, calendar='{"terms": []}')
    assert bad_calendar.status_code == 422
    assert bad_calendar.json()["errors"][0]["field"].startswith("calendar")
    bad_date = await _upload(client, school, st_paul, effective_from="next term")
    assert bad_date.status_code == 400


async def test_not_xml_is_422(client: Client, school: SchoolKit) -> None:
    response = await _upload(client, school, b"this is not xml")
    assert response.status_code == 422
