"""Every error leaves as RFC 9457 problem+json; malformed input is never a 500."""

from __future__ import annotations

from lessonstudy.app import create_app
from lessonstudy.settings import Settings
from tests.kit import Client, SchoolKit

PROBLEM = "application/problem+json"


async def test_malformed_json_is_400(client: Client, school: SchoolKit) -> None:
    response = await client.post(
        "/v1/staff",
        content=b'{"name": "A", "roles": [',
        headers={**school.auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["detail"]


async def test_non_object_body_is_400(client: Client, school: SchoolKit) -> None:
    for raw in (b"[]", b"null", b'"text"', b"12"):
        response = await client.post(
            "/v1/staff",
            content=raw,
            headers={**school.auth("admin"), "content-type": "application/json"},
        )
        assert response.status_code == 400, raw


async def test_body_over_the_limit_is_413(settings: Settings, school: SchoolKit) -> None:
    from litestar.testing import AsyncTestClient

    small = Settings(
        database_url=settings.database_url, redis_url=settings.redis_url, max_body_bytes=1000
    )
    async with AsyncTestClient(app=create_app(small)) as client:
        response = await client.post(
            "/v1/staff",
            json={"name": "A" * 2000, "roles": ["teacher"]},
            headers=school.auth("admin"),
        )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_unknown_route_and_method(client: Client, school: SchoolKit) -> None:
    missing = await client.get("/v1/nowhere", headers=school.auth("admin"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    wrong = await client.delete("/v1/staff", headers=school.auth("admin"))
    assert wrong.status_code == 405
    assert wrong.headers["content-type"].startswith(PROBLEM)


async def test_bad_path_id_is_a_4xx_problem(client: Client, school: SchoolKit) -> None:
    response = await client.get("/v1/staff/not-a-uuid", headers=school.auth("admin"))
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_unknown_time_zone_is_422(client: Client, school: SchoolKit) -> None:
    response = await client.patch(
        "/v1/school", json={"time_zone": "Mars/Olympus"}, headers=school.auth("admin")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "time_zone"
    renamed = await client.patch(
        "/v1/school",
        json={"name": "Riverside", "time_zone": "Europe/Helsinki"},
        headers=school.auth("admin"),
    )
    assert renamed.json()["time_zone"] == "Europe/Helsinki"
