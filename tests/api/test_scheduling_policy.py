"""The school's scheduling rules, and each person's own choice about their protected time."""

from __future__ import annotations

from tests.kit import Client, SchoolKit

POLICY = "/v1/scheduling/policy"
PREFERENCES = "/v1/scheduling/preferences"


async def test_the_policy_starts_from_defaults_and_cpd_leads_set_it(
    client: Client, school: SchoolKit
) -> None:
    first = await client.get(POLICY, headers=school.auth("teacher"))
    assert first.status_code == 200
    assert first.json() == {
        "notice_days": 0,
        "max_observations_per_term": None,
        "max_observations_per_year": None,
        "discussion_within_days": 0,
        "min_days_between_cycles": 7,
        "classes_never_covered": [],
    }
    rules = {
        "notice_days": 14,
        "max_observations_per_term": 6,
        "classes_never_covered": ["13A/Ma", "13A/Ma", "11E/Hi"],
    }
    changed = await client.put(POLICY, json=rules, headers=school.auth("cpd_lead"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["classes_never_covered"] == ["11E/Hi", "13A/Ma"]
    assert (await client.get(POLICY, headers=school.auth("admin"))).json() == changed.json()


async def test_only_cpd_leads_and_admins_set_the_policy(
    client: Client, school: SchoolKit, other_school: SchoolKit
) -> None:
    refused = await client.put(POLICY, json={"notice_days": 1}, headers=school.auth("teacher"))
    assert refused.status_code == 403
    await client.put(POLICY, json={"notice_days": 3}, headers=other_school.auth("admin"))
    assert (await client.get(POLICY, headers=school.auth("admin"))).json()["notice_days"] == 0


async def test_protected_time_is_given_by_its_owner_alone(
    client: Client, school: SchoolKit
) -> None:
    mine = await client.get(PREFERENCES, headers=school.auth("ect"))
    assert mine.json() == {"observe_in_protected_time": False}
    given = await client.put(
        PREFERENCES, json={"observe_in_protected_time": True}, headers=school.auth("ect")
    )
    assert given.json() == {"observe_in_protected_time": True}
    assert (await client.get(PREFERENCES, headers=school.auth("ect"))).json() == given.json()
    others = await client.get(PREFERENCES, headers=school.auth("teacher"))
    assert others.json() == {"observe_in_protected_time": False}
    assert (await client.get(PREFERENCES, headers=school.auth("mis"))).status_code == 403


async def test_a_mistyped_field_is_refused_not_converted(client: Client, school: SchoolKit) -> None:
    response = await client.put(
        PREFERENCES, json={"observe_in_protected_time": 0}, headers=school.auth("ect")
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "observe_in_protected_time"
    priority = await client.put(POLICY, json={"notice_days": "3"}, headers=school.auth("admin"))
    assert priority.status_code == 400
