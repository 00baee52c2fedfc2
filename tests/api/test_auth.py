"""Authentication and authorisation: who may call what."""

from __future__ import annotations

import pytest

from tests.kit import Client, SchoolKit

PROBLEM = "application/problem+json"


async def test_no_token_is_401_problem(client: Client, school: SchoolKit) -> None:
    response = await client.get("/v1/staff")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"].endswith(":unauthenticated")


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "lst_abc", "Token lst_abc"],
)
async def test_malformed_authorization_is_401(
    client: Client, school: SchoolKit, header: str
) -> None:
    response = await client.get("/v1/staff", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_unknown_token_is_401(client: Client, school: SchoolKit) -> None:
    response = await client.get("/v1/staff", headers={"Authorization": "Bearer lst_" + "x" * 43})
    assert response.status_code == 401


async def test_revoked_token_is_401(client: Client, school: SchoolKit) -> None:
    assert (await client.get("/v1/me", headers=school.auth("teacher"))).status_code == 200
    revoked = await client.post(
        f"/v1/tokens/{school.token_ids['teacher']}/revoke", headers=school.auth("admin")
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    response = await client.get("/v1/me", headers=school.auth("teacher"))
    assert response.status_code == 401


async def test_deactivated_staff_token_is_401(client: Client, school: SchoolKit) -> None:
    response = await client.post(
        f"/v1/staff/{school.staff_ids['teacher']}/deactivate", headers=school.auth("admin")
    )
    assert response.status_code == 200
    assert (await client.get("/v1/me", headers=school.auth("teacher"))).status_code == 401
    await client.post(
        f"/v1/staff/{school.staff_ids['teacher']}/reactivate", headers=school.auth("admin")
    )
    assert (await client.get("/v1/me", headers=school.auth("teacher"))).status_code == 200


async def test_deactivated_integration_client_token_is_401(
    client: Client, school: SchoolKit
) -> None:
    response = await client.patch(
        f"/v1/integration-clients/{school.client_ids['mis']}",
        json={"active": False},
        headers=school.auth("admin"),
    )
    assert response.status_code == 200
    assert (await client.get("/v1/me", headers=school.auth("mis"))).status_code == 401


@pytest.mark.parametrize("who", ["teacher", "cpd_lead", "cover", "ect"])
async def test_non_admin_cannot_create_staff(client: Client, school: SchoolKit, who: str) -> None:
    response = await client.post(
        "/v1/staff", json={"name": "New Person", "roles": ["teacher"]}, headers=school.auth(who)
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "admin" in response.json()["detail"]


async def test_integration_client_on_staff_only_route_is_403(
    client: Client, school: SchoolKit
) -> None:
    for method, path in [
        ("POST", "/v1/staff"),
        ("GET", "/v1/tokens"),
        ("GET", "/v1/integration-clients"),
        ("PATCH", "/v1/school"),
    ]:
        response = await client.request(method, path, json={}, headers=school.auth("mis"))
        assert response.status_code == 403, (method, path, response.text)
        assert "staff" in response.json()["detail"]


async def test_integration_needs_staff_read_scope_to_list_staff(
    client: Client, school: SchoolKit
) -> None:
    allowed = await client.get("/v1/staff", headers=school.auth("mis"))
    assert allowed.status_code == 200
    refused = await client.get("/v1/staff", headers=school.auth("mis_no_staff"))
    assert refused.status_code == 403
    assert "staff:read" in refused.json()["detail"]


async def test_health_and_schema_need_no_token(client: Client, school: SchoolKit) -> None:
    assert (await client.get("/health/live")).status_code == 200
    assert (await client.get("/health/ready")).status_code == 200
    assert (await client.get("/schema/openapi.json")).status_code == 200


async def test_me_for_staff_and_integration(client: Client, school: SchoolKit) -> None:
    me = (await client.get("/v1/me", headers=school.auth("cpd_lead"))).json()
    assert me["kind"] == "staff"
    assert me["staff"]["id"] == str(school.staff_ids["cpd_lead"])
    assert me["school"]["id"] == str(school.school_id)
    assert me["integration_client"] is None
    me = (await client.get("/v1/me", headers=school.auth("mis"))).json()
    assert me["kind"] == "integration"
    assert me["integration_client"]["id"] == str(school.client_ids["mis"])
    assert "cover:write" in me["integration_client"]["scopes"]
