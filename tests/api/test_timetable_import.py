"""Timetable import: atomic, idempotent, versioned, with every error listed."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain.staff import Staff
from tests.kit import Client, SchoolKit
from tests.timetable_kit import school_payload

IMPORT = "/v1/timetable/imports"


async def _import(client: Client, kit: SchoolKit, payload: dict[str, Any], **params: str) -> Any:
    response = await client.post(IMPORT, json=payload, params=params, headers=kit.auth("mis"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_first_import_creates_everything(client: Client, school: SchoolKit) -> None:
    report = await _import(client, school, school_payload())
    counts = report["counts"]
    assert report["version_created"] is True
    assert counts["staff"] == {"created": 6, "updated": 0, "removed": 0}
    assert counts["lessons"]["created"] == 6
    assert counts["periods"]["created"] == 35
    assert counts["terms"]["created"] == 2
    assert counts["absences"]["created"] == 2
    assert report["conflicts"] == []


async def test_same_payload_twice_changes_nothing(client: Client, school: SchoolKit) -> None:
    first = await _import(client, school, school_payload())
    second = await _import(client, school, school_payload())
    assert second["version_created"] is False
    assert second["version_id"] == first["version_id"]
    assert all(c == {"created": 0, "updated": 0, "removed": 0} for c in second["counts"].values())


async def test_dry_run_reports_but_writes_nothing(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    report = await _import(client, school, school_payload(), dry_run="true")
    assert report["dry_run"] is True
    assert report["counts"]["lessons"]["created"] == 6
    assert report["version_id"] is None
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM timetable_version")) == 0
        assert await session.scalar(text("SELECT count(*) FROM lesson")) == 0
        managed = await session.scalar(
            select(func.count()).select_from(Staff).where(Staff.external_id.in_(["T1", "CS1"]))
        )
        assert managed == 0


async def test_changes_are_counted(client: Client, school: SchoolKit) -> None:
    await _import(client, school, school_payload())
    payload = school_payload()
    payload["lessons"][0]["room"] = "M9"  # updated
    del payload["lessons"][5]  # removed
    payload["staff"][0]["name"] = "Ann Archer-Lee"
    payload["staff"] = [s for s in payload["staff"] if s["external_id"] != "ADM"]
    report = await _import(client, school, payload)
    assert report["counts"]["lessons"] == {"created": 0, "updated": 1, "removed": 1}
    assert report["counts"]["staff"] == {"created": 0, "updated": 1, "removed": 1}


async def test_bad_import_lists_every_error_and_changes_nothing(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    payload = school_payload()
    payload["lessons"][0]["teachers"] = ["NOBODY"]
    payload["lessons"][1]["periods"] = ["P9"]
    payload["lessons"][2]["external_id"] = "L1"
    payload["lessons"][3]["week"] = 2
    payload["calendar"]["timetable_weeks"] = 1  # now week 2 lessons are errors too
    payload["absences"][0]["ends_on"] = "2026-09-01"
    payload["cover_slots"][0]["staff"] = "T1"  # a teacher, not a cover supervisor
    response = await client.post(IMPORT, json=payload, headers=school.auth("mis"))
    assert response.status_code == 422
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert {
        "lessons[0].teachers[0]",
        "lessons[1].periods[0]",
        "lessons[0].external_id",
        "lessons[2].external_id",
        "lessons[3].week",
        "absences[0].ends_on",
        "cover_slots[0].staff",
    } <= fields
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM lesson")) == 0
        assert await session.scalar(text("SELECT count(*) FROM term")) == 0


async def test_schema_errors_name_the_field(client: Client, school: SchoolKit) -> None:
    payload = school_payload()
    payload["periods"][0]["starts_at"] = "9am"
    response = await client.post(IMPORT, json=payload, headers=school.auth("mis"))
    assert response.status_code == 400
    assert any("periods" in e["field"] for e in response.json()["errors"])


@pytest.mark.parametrize("who", ["teacher", "cpd_lead", "mis_no_staff"])
async def test_import_needs_timetable_write_or_admin(
    client: Client, school: SchoolKit, who: str
) -> None:
    response = await client.post(IMPORT, json=school_payload(), headers=school.auth(who))
    assert response.status_code == 403


async def test_admin_may_import(client: Client, school: SchoolKit) -> None:
    response = await client.post(IMPORT, json=school_payload(), headers=school.auth("admin"))
    assert response.status_code == 200


async def test_export_round_trips(client: Client, school: SchoolKit) -> None:
    await _import(client, school, school_payload())
    exported = await client.get("/v1/timetable/export", headers=school.auth("mis"))
    assert exported.status_code == 200
    again = await _import(client, school, exported.json())
    assert again["version_created"] is False
    assert all(c == {"created": 0, "updated": 0, "removed": 0} for c in again["counts"].values())
    body = exported.json()
    assert {lesson["external_id"] for lesson in body["lessons"]} == {f"L{i}" for i in range(1, 7)}
    assert next(p for p in body["periods"] if p["code"] == "P1")["starts_at"] == "08:55"


async def test_export_is_tenant_scoped(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    await _import(client, school, school_payload())
    response = await client.get("/v1/timetable/export", headers=other_school.auth("mis"))
    assert response.status_code == 404


async def test_a_later_version_keeps_history_and_replaces_the_future(
    client: Client, school: SchoolKit
) -> None:
    await _import(client, school, school_payload())
    later = copy.deepcopy(school_payload())
    later["effective_from"] = "2026-11-02"
    later["lessons"] = [x for x in later["lessons"] if x["external_id"] != "L2"]
    report = await _import(client, school, later)
    assert report["version_created"] is True
    assert report["counts"]["lessons"] == {"created": 0, "updated": 0, "removed": 1}

    old = await client.get(
        "/v1/timetable/export", params={"as_of": "2026-10-01"}, headers=school.auth("mis")
    )
    assert len(old.json()["lessons"]) == 6
    new = await client.get("/v1/timetable/export", headers=school.auth("mis"))
    assert len(new.json()["lessons"]) == 5

    # Importing from an earlier date replaces the later version. Its content is
    # the September timetable's, so no redundant version is made either.
    middle = copy.deepcopy(school_payload())
    middle["effective_from"] = "2026-10-05"
    report = await _import(client, school, middle)
    assert report["version_created"] is False
    latest = (await client.get("/v1/timetable/export", headers=school.auth("mis"))).json()
    assert latest["effective_from"] == "2026-09-01"
    assert len(latest["lessons"]) == 6


async def test_contradicted_commitments_are_listed_not_changed(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _import(client, school, school_payload())
    async with sessions.begin() as session:
        ben = await session.scalar(
            select(Staff.id).where(Staff.school_id == school.school_id, Staff.external_id == "T2")
        )
        # Ben observes on Monday 7 September (Week 2), period 1, when he is free.
        await session.execute(
            text(
                "INSERT INTO commitment (id, school_id, staff_id, day, period_code, kind, purpose)"
                " VALUES (gen_random_uuid(), :school, :staff, '2026-09-07', 'P1', 'observing',"
                " 'peer_observation')"
            ),
            {"school": school.school_id, "staff": ben},
        )
    payload = school_payload()
    payload["lessons"].append(
        {
            "external_id": "L7",
            "class_code": "7A/En",
            "teachers": ["T2"],
            "weekday": "monday",
            "periods": ["P1"],
            "week": 2,
        }
    )
    report = await _import(client, school, payload)
    assert [(c["date"], c["period"], c["staff_external_id"]) for c in report["conflicts"]] == [
        ("2026-09-07", "P1", "T2")
    ]
    assert "teaching" in report["conflicts"][0]["reason"]
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM commitment")) == 1
