"""Staff API: list, get, create, update, deactivate."""

from __future__ import annotations

import pytest

from tests.kit import Client, SchoolKit


async def _create(client: Client, kit: SchoolKit, **body: object) -> dict[str, object]:
    payload = {"name": "New Teacher", "roles": ["teacher"], **body}
    response = await client.post("/v1/staff", json=payload, headers=kit.auth("admin"))
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_pages_cover_everyone_exactly_once(client: Client, school: SchoolKit) -> None:
    for n in range(8):
        await _create(client, school, name=f"Person {n:02d}", email=f"p{n}@riverside.example")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/staff", params=params, headers=school.auth("teacher"))).json()
        assert len(page["items"]) <= 3
        seen.extend(row["name"] for row in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8 + 5
    assert len(set(seen)) == len(seen)
    assert seen == sorted(seen)
    assert pages == 5


async def test_filter_by_role_and_active(client: Client, school: SchoolKit) -> None:
    headers = school.auth("admin")
    covers = (await client.get("/v1/staff?role=cover_supervisor", headers=headers)).json()
    assert [row["id"] for row in covers["items"]] == [str(school.staff_ids["cover"])]
    await client.post(f"/v1/staff/{school.staff_ids['ect']}/deactivate", headers=headers)
    inactive = (await client.get("/v1/staff?active=false", headers=headers)).json()
    assert [row["id"] for row in inactive["items"]] == [str(school.staff_ids["ect"])]
    active = (await client.get("/v1/staff?active=true", headers=headers)).json()
    assert str(school.staff_ids["ect"]) not in {row["id"] for row in active["items"]}


async def test_create_and_get(client: Client, school: SchoolKit) -> None:
    created = await _create(
        client,
        school,
        name="Nadia Noor",
        email="N.Noor@Riverside.example",
        roles=["teacher", "cpd_lead", "teacher"],
        working_days=["wednesday", "monday"],
        ect_year=2,
        external_id="MIS-42",
    )
    assert created["email"] == "n.noor@riverside.example"
    assert created["roles"] == ["teacher", "cpd_lead"]
    assert created["working_days"] == ["monday", "wednesday"]
    assert created["active"] is True
    fetched = await client.get(f"/v1/staff/{created['id']}", headers=school.auth("teacher"))
    assert fetched.json() == created


async def test_defaults_to_full_time(client: Client, school: SchoolKit) -> None:
    created = await _create(client, school)
    assert created["working_days"] == ["monday", "tuesday", "wednesday", "thursday", "friday"]
    assert created["ect_year"] is None


@pytest.mark.parametrize("field", ["email", "external_id"])
async def test_duplicate_is_409_naming_the_field(
    client: Client, school: SchoolKit, field: str
) -> None:
    value = "tess@dup.example" if field == "email" else "mis-1"
    await _create(client, school, **{field: value})
    response = await client.post(
        "/v1/staff",
        json={"name": "Other", "roles": ["teacher"], field: value.upper()},
        headers=school.auth("admin"),
    )
    if field == "external_id":  # external ids are case-sensitive, as the MIS gives them
        assert response.status_code == 201
        return
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == field


async def test_update_changes_only_sent_fields(client: Client, school: SchoolKit) -> None:
    created = await _create(client, school, email="a@b.example", ect_year=1)
    response = await client.patch(
        f"/v1/staff/{created['id']}",
        json={"name": "Renamed", "email": None},
        headers=school.auth("admin"),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["email"] is None
    assert body["ect_year"] == 1
    assert body["roles"] == ["teacher"]


async def test_admin_cannot_lock_themselves_out(client: Client, school: SchoolKit) -> None:
    me = school.staff_ids["admin"]
    headers = school.auth("admin")
    demoted = await client.patch(f"/v1/staff/{me}", json={"roles": ["teacher"]}, headers=headers)
    assert demoted.status_code == 422
    assert demoted.json()["errors"][0]["field"] == "roles"
    deactivated = await client.post(f"/v1/staff/{me}/deactivate", headers=headers)
    assert deactivated.status_code == 422
    assert (await client.get("/v1/me", headers=headers)).status_code == 200


async def test_deactivate_keeps_record(client: Client, school: SchoolKit) -> None:
    target = school.staff_ids["teacher"]
    response = await client.post(f"/v1/staff/{target}/deactivate", headers=school.auth("admin"))
    assert response.json()["active"] is False
    fetched = await client.get(f"/v1/staff/{target}", headers=school.auth("admin"))
    assert fetched.status_code == 200
    assert fetched.json()["active"] is False


async def test_unknown_id_is_404(client: Client, school: SchoolKit) -> None:
    response = await client.get(
        "/v1/staff/00000000-0000-4000-8000-000000000000", headers=school.auth("admin")
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "roles": ["teacher"], "grade": "outstanding"}, "grade"),
        ({"name": 5, "roles": ["teacher"]}, "name"),
        ({"name": "", "roles": ["teacher"]}, "name"),
        ({"name": "x" * 201, "roles": ["teacher"]}, "name"),
        ({"name": "A", "roles": []}, "roles"),
        ({"name": "A", "roles": ["wizard"]}, "roles"),
        ({"name": "A", "roles": ["teacher"], "ect_year": 3}, "ect_year"),
        ({"name": "A", "roles": ["teacher"], "email": "not-an-email"}, "email"),
        ({"name": "A", "roles": ["teacher"], "email": "a\u0000@b.example"}, "email"),
        ({"name": "Nul\u0000Name", "roles": ["teacher"]}, "name"),
        ({"name": "   ", "roles": ["teacher"]}, "name"),
        ({"name": "A", "roles": ["teacher"], "working_days": ["funday"]}, "working_days"),
        ({"roles": ["teacher"]}, "name"),
    ],
)
async def test_invalid_body_names_the_field(
    client: Client, school: SchoolKit, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/staff", json=body, headers=school.auth("admin"))
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400
    assert problem["type"].endswith(":validation")
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    listed = (await client.get("/v1/staff?limit=200", headers=school.auth("admin"))).json()
    assert len(listed["items"]) == 5  # nothing was created


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "role=wizard", "active=maybe", "cursor=" + "c" * 1001],
)
async def test_invalid_query_is_400(client: Client, school: SchoolKit, query: str) -> None:
    response = await client.get(f"/v1/staff?{query}", headers=school.auth("admin"))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_cursor_from_another_list_is_refused(client: Client, school: SchoolKit) -> None:
    from lessonstudy.pagination import encode_cursor

    forged = encode_cursor("tokens", ["a", "b"])
    for cursor in (forged, "%%%", "bm90IGpzb24"):
        response = await client.get(f"/v1/staff?cursor={cursor}", headers=school.auth("admin"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"
