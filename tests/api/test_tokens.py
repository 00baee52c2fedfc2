"""Tokens: issued once, stored only as a hash, revocable, with last-used time."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.kit import Client, SchoolKit


async def test_issue_use_and_revoke(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> None:
    issued = await client.post(
        "/v1/tokens",
        json={"label": "laptop", "staff_id": str(school.staff_ids["teacher"])},
        headers=school.auth("admin"),
    )
    assert issued.status_code == 201
    body = issued.json()
    secret = body["secret"]
    assert secret.startswith("lst_")
    assert body["token"]["hint"] == secret[:10]
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/v1/me", headers=headers)).json()["staff"]["id"] == str(
        school.staff_ids["teacher"]
    )

    listed = (
        await client.get(
            f"/v1/tokens?staff_id={school.staff_ids['teacher']}", headers=school.auth("admin")
        )
    ).json()
    assert {t["label"] for t in listed["items"]} == {"test", "laptop"}
    assert all("secret" not in t for t in listed["items"])

    async with sessions() as session:
        stored = (await session.execute(text("SELECT token_hash::text, hint FROM api_token"))).all()
    assert all(secret not in row[0] for row in stored)

    revoke = await client.post(
        f"/v1/tokens/{body['token']['id']}/revoke", headers=school.auth("admin")
    )
    first_revoked_at = revoke.json()["revoked_at"]
    again = await client.post(
        f"/v1/tokens/{body['token']['id']}/revoke", headers=school.auth("admin")
    )
    assert again.json()["revoked_at"] == first_revoked_at
    assert (await client.get("/v1/me", headers=headers)).status_code == 401


async def test_token_needs_exactly_one_holder(client: Client, school: SchoolKit) -> None:
    neither = await client.post("/v1/tokens", json={"label": "x"}, headers=school.auth("admin"))
    assert neither.status_code == 422
    both = await client.post(
        "/v1/tokens",
        json={
            "label": "x",
            "staff_id": str(school.staff_ids["teacher"]),
            "integration_client_id": str(school.client_ids["mis"]),
        },
        headers=school.auth("admin"),
    )
    assert both.status_code == 422


async def test_no_token_for_a_deactivated_person(client: Client, school: SchoolKit) -> None:
    target = str(school.staff_ids["teacher"])
    await client.post(f"/v1/staff/{target}/deactivate", headers=school.auth("admin"))
    response = await client.post(
        "/v1/tokens", json={"label": "x", "staff_id": target}, headers=school.auth("admin")
    )
    assert response.status_code == 422


async def test_integration_client_management(client: Client, school: SchoolKit) -> None:
    headers = school.auth("admin")
    created = await client.post(
        "/v1/integration-clients",
        json={"name": "Cover desk", "scopes": ["cover:read"]},
        headers=headers,
    )
    assert created.status_code == 201
    duplicate = await client.post(
        "/v1/integration-clients", json={"name": "Cover desk", "scopes": []}, headers=headers
    )
    assert duplicate.status_code == 409
    bad_scope = await client.post(
        "/v1/integration-clients", json={"name": "X", "scopes": ["everything"]}, headers=headers
    )
    assert bad_scope.status_code == 400
    listed = (await client.get("/v1/integration-clients", headers=headers)).json()
    assert "Cover desk" in {c["name"] for c in listed["items"]}
