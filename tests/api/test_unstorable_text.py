"""Text PostgreSQL cannot store never reaches it as a 500."""

from __future__ import annotations

from lessonstudy.pagination import encode_cursor
from tests.kit import Client, SchoolKit


async def test_nul_in_a_period_code_is_400(client: Client, school: SchoolKit) -> None:
    response = await client.get(
        "/v1/availability",
        params={"date": "2026-09-07", "period": "P\x001"},
        headers=school.auth("teacher"),
    )
    assert response.status_code == 400


async def test_nul_inside_a_cursor_is_a_4xx(client: Client, school: SchoolKit) -> None:
    forged = encode_cursor("staff", ["A\x00", "00000000-0000-4000-8000-000000000000"])
    response = await client.get(f"/v1/staff?cursor={forged}", headers=school.auth("teacher"))
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
