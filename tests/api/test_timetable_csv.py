"""CSV import: the same dataset as JSON, with every bad cell reported by file, row and column."""

from __future__ import annotations

import csv
import io
from typing import Any

from lessonstudy.integrations.csv_import import COLUMNS
from tests.kit import Client, SchoolKit
from tests.timetable_kit import school_payload

CSV = "/v1/timetable/imports/csv"


def _csv(section: str, rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS[section]))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: ";".join(v) if isinstance(v, list) else ("" if v is None else v)
                for k, v in row.items()
            }
        )
    return out.getvalue().encode()


def csv_files(payload: dict[str, Any]) -> dict[str, tuple[str, bytes, str]]:
    calendar = [{"kind": "term", **t} for t in payload["calendar"]["terms"]] + list(
        payload["calendar"]["closures"]
    )
    sections = {
        "calendar": calendar,
        "periods": [{**p, "teaching": str(p["teaching"]).lower()} for p in payload["periods"]],
        "staff": payload["staff"],
        "lessons": payload["lessons"],
        "duties": payload["duties"],
        "protected_periods": payload["protected_periods"],
        "cover_slots": payload["cover_slots"],
        "cover_caps": payload["cover_caps"],
        "absences": payload["absences"],
    }
    return {name: (f"{name}.csv", _csv(name, rows), "text/csv") for name, rows in sections.items()}


def _fields(payload: dict[str, Any]) -> dict[str, str]:
    return {
        "effective_from": payload["effective_from"],
        "timetable_weeks": str(payload["calendar"]["timetable_weeks"]),
        "week_numbering": payload["calendar"]["week_numbering"],
    }


async def test_csv_imports_the_same_dataset_as_json(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    payload = school_payload()
    by_csv = await client.post(
        CSV, data=_fields(payload), files=csv_files(payload), headers=school.auth("mis")
    )
    assert by_csv.status_code == 200, by_csv.text
    assert by_csv.json()["counts"]["lessons"]["created"] == 6
    by_json = await client.post(
        "/v1/timetable/imports", json=payload, headers=other_school.auth("mis")
    )
    assert by_json.status_code == 200
    exported_csv = (await client.get("/v1/timetable/export", headers=school.auth("mis"))).json()
    exported_json = (
        await client.get("/v1/timetable/export", headers=other_school.auth("mis"))
    ).json()
    assert exported_csv == exported_json


async def test_every_bad_cell_is_reported(client: Client, school: SchoolKit) -> None:
    payload = school_payload()
    files = csv_files(payload)
    files["lessons"] = (
        "lessons.csv",
        b"external_id,class_code,teachers,week,weekday,periods\n"
        b"L1,9B,T1,three,monday,P1\n"
        b"L2,9B,T1,1,someday,P1\n",
        "text/csv",
    )
    files["staff"] = ("staff.csv", b"external_id,name,shoe_size\nT1,Ann,7\n", "text/csv")
    response = await client.post(
        CSV, data=_fields(payload), files=files, headers=school.auth("mis")
    )
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert "staff.csv" in fields
    assert "lessons.csv row 2 (week)" in fields
    assert "lessons.csv row 3 (weekday)" in fields


async def test_rules_checked_after_parsing_are_reported_too(
    client: Client, school: SchoolKit
) -> None:
    payload = school_payload()
    payload["lessons"][0]["teachers"] = ["NOBODY"]
    response = await client.post(
        CSV, data=_fields(payload), files=csv_files(payload), headers=school.auth("mis")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lessons[0].teachers[0]"


async def test_a_missing_required_file_is_400(client: Client, school: SchoolKit) -> None:
    payload = school_payload()
    files = csv_files(payload)
    del files["periods"]
    response = await client.post(
        CSV, data=_fields(payload), files=files, headers=school.auth("mis")
    )
    assert response.status_code == 400
    assert "periods" in response.json()["detail"]


async def test_a_form_field_that_is_not_utf8_is_422(client: Client, school: SchoolKit) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="effective_from"\r\n\r\n'.encode()
        + b"\x89\xff\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = await client.post(
        CSV,
        content=body,
        headers={**school.auth("mis"), "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422
    assert "filename" in response.json()["detail"]


async def test_text_where_a_file_belongs_is_422(client: Client, school: SchoolKit) -> None:
    payload = school_payload()
    files = csv_files(payload)
    text_part = files.pop("duties")[1].decode()
    response = await client.post(
        CSV, data={**_fields(payload), "duties": text_part}, files=files, headers=school.auth("mis")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "duties"
