"""OPTIONS lists every method a path supports (working around a Litestar 2 bug)."""

from __future__ import annotations

from tests.kit import Client, SchoolKit


async def test_options_lists_all_methods_of_a_path(client: Client, school: SchoolKit) -> None:
    school_allow = await client.options("/v1/school", headers=school.auth("admin"))
    assert school_allow.headers["allow"] == "GET, OPTIONS, PATCH"
    staff = f"/v1/staff/{school.staff_ids['teacher']}"
    staff_allow = await client.options(staff, headers=school.auth("admin"))
    assert staff_allow.headers["allow"] == "GET, OPTIONS, PATCH"
