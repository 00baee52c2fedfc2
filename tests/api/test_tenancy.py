"""One school never sees or touches another's rows: they answer 404, as if absent."""

from __future__ import annotations

from tests.kit import Client, SchoolKit


async def test_list_shows_only_own_school(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    mine = (await client.get("/v1/staff?limit=200", headers=other_school.auth("admin"))).json()
    ids = {row["id"] for row in mine["items"]}
    assert ids == {str(i) for i in other_school.staff_ids.values()}
    assert not ids & {str(i) for i in school.staff_ids.values()}


async def test_other_schools_staff_are_404_by_id(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    target = school.staff_ids["teacher"]
    headers = other_school.auth("admin")
    assert (await client.get(f"/v1/staff/{target}", headers=headers)).status_code == 404
    patched = await client.patch(f"/v1/staff/{target}", json={"name": "Hacked"}, headers=headers)
    assert patched.status_code == 404
    deactivated = await client.post(f"/v1/staff/{target}/deactivate", headers=headers)
    assert deactivated.status_code == 404
    # And the row is untouched.
    row = (await client.get(f"/v1/staff/{target}", headers=school.auth("admin"))).json()
    assert row["name"].startswith("Tess Teacher")
    assert row["active"] is True


async def test_other_schools_tokens_and_clients_are_404(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    headers = other_school.auth("admin")
    token = school.token_ids["teacher"]
    assert (await client.post(f"/v1/tokens/{token}/revoke", headers=headers)).status_code == 404
    assert (await client.get("/v1/me", headers=school.auth("teacher"))).status_code == 200
    client_id = school.client_ids["mis"]
    response = await client.get(f"/v1/integration-clients/{client_id}", headers=headers)
    assert response.status_code == 404
    issued = await client.post(
        "/v1/tokens",
        json={"label": "steal", "staff_id": str(school.staff_ids["admin"])},
        headers=headers,
    )
    assert issued.status_code == 404


async def test_school_is_the_callers_own(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    body = (await client.get("/v1/school", headers=other_school.auth("teacher"))).json()
    assert body["id"] == str(other_school.school_id)
