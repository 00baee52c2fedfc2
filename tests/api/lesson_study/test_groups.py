"""Study groups and case pupils: who may form a group, who may be in one, and pupil records."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.lesson_study.flow import (
    FOCUS,
    LESSON_DAYS,
    book,
    form_group,
    ids,
    move,
    plan_body,
    save_plan,
    start_cycle,
)
from tests.kit import Client, SchoolKit


def _body(kit: SchoolKit, *members: str, **extra: Any) -> dict[str, Any]:
    return {
        "research_focus": FOCUS,
        "focus_class": "9B/Ma",
        "academic_year": "2026-27",
        "member_ids": ids(kit, *members),
        **extra,
    }


@pytest.mark.parametrize(
    ("who", "members", "extra", "field"),
    [
        ("T2", ("T1", "T3"), {}, "member_ids"),  # a teacher forms groups they belong to
        ("T1", ("T1", "CS1"), {}, "member_ids[1]"),  # a cover supervisor is not a teacher
        ("T1", ("T1", "T1"), {}, "member_ids"),
        ("T1", ("T1", "T2"), {"academic_year": "2026-28"}, "academic_year"),
        ("T1", ("T1", "T2"), {"academic_year": "9999-00"}, "academic_year"),
        ("T1", ("T1", "T2"), {"retention_date": "2020-08-31"}, "retention_date"),
        (
            "T1",
            ("T1", "T2"),
            {"knowledgeable_other": {"name": "Dr Rae Moss"}},
            "knowledgeable_other",
        ),
        (
            "T1",
            ("T1", "T2"),
            {"case_pupils": [{"code": "A"}, {"code": "A"}]},
            "case_pupils",
        ),
    ],
)
async def test_groups_that_break_a_rule_are_refused(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    who: str,
    members: tuple[str, ...],
    extra: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(
        "/v1/study-groups", json=_body(school, *members, **extra), headers=school.auth(who)
    )
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_a_staff_knowledgeable_other_is_not_also_a_member(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    body = _body(school, "T1", "T2", knowledgeable_other={"staff_id": str(school.staff_ids["T2"])})
    response = await client.post("/v1/study-groups", json=body, headers=school.auth("T1"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "knowledgeable_other.staff_id"


async def test_a_cpd_lead_may_form_a_group_for_others(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school, by="cpd_lead", planned_cycles=2)
    assert group["planned_cycles"] == 2
    assert group["case_pupils"] == 3
    # The CPD lead sees the group but is not in it: changing it is for its members.
    patched = await client.patch(
        f"/v1/study-groups/{group['id']}",
        json={"planned_cycles": 3},
        headers=school.auth("cpd_lead"),
    )
    assert patched.status_code == 403
    by_member = await client.patch(
        f"/v1/study-groups/{group['id']}", json={"planned_cycles": 3}, headers=school.auth("T3")
    )
    assert by_member.json()["planned_cycles"] == 3


async def test_there_is_nowhere_to_put_a_pupils_name(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    path = f"/v1/study-groups/{group['id']}/pupils"
    named = await client.post(
        path, json={"code": "D", "name": "Jamie Smith"}, headers=school.auth("T1")
    )
    assert named.status_code == 400
    long_code = await client.post(path, json={"code": "Jamie"}, headers=school.auth("T1"))
    assert long_code.status_code == 400
    too_long = await client.post(
        path, json={"code": "D", "profile": "x" * 501}, headers=school.auth("T1")
    )
    assert too_long.status_code == 400


async def test_case_pupils_are_added_changed_and_removed_between_lessons(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    path = f"/v1/study-groups/{group['id']}/pupils"
    added = await client.post(
        path, json={"code": "D", "profile": "Likes diagrams"}, headers=school.auth("T2")
    )
    assert added.status_code == 201
    assert (
        await client.post(path, json={"code": "D"}, headers=school.auth("T2"))
    ).status_code == 409
    for code in ("E", "F"):
        assert (
            await client.post(path, json={"code": code}, headers=school.auth("T2"))
        ).status_code == 201
    full = await client.post(path, json={"code": "G"}, headers=school.auth("T2"))
    assert full.status_code == 409
    changed = await client.patch(
        f"{path}/D", json={"profile": "Works best in pairs"}, headers=school.auth("T3")
    )
    assert changed.json() == {"code": "D", "profile": "Works best in pairs"}
    assert (await client.delete(f"{path}/F", headers=school.auth("T1"))).status_code == 204
    listed = (await client.get(path, headers=school.auth("T1"))).json()["items"]
    assert [p["code"] for p in listed] == ["A", "B", "C", "D", "E"]

    # While a research lesson is under way, the pupils and the people stay the same.
    cycle_id = (await start_cycle(client, school, group["id"]))["id"]
    for code in ("D", "E"):
        await client.delete(f"{path}/{code}", headers=school.auth("T1"))
    await save_plan(client, school, cycle_id, plan_body())
    await book(client, school, cycle_id, LESSON_DAYS[0])
    assert (await move(client, school, cycle_id, "teach")).status_code == 200
    assert (await client.delete(f"{path}/C", headers=school.auth("T1"))).status_code == 409
    assert (
        await client.post(path, json={"code": "D"}, headers=school.auth("T1"))
    ).status_code == 409
    members = await client.patch(
        f"/v1/study-groups/{group['id']}",
        json={"member_ids": ids(school, "T1", "T2")},
        headers=school.auth("T1"),
    )
    assert members.status_code == 409
    assert members.json()["unmet"] == ["close the current cycle (or postpone its lesson) first"]


async def test_one_cycle_at_a_time(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    await start_cycle(client, school, group["id"])
    second = await client.post(
        f"/v1/study-groups/{group['id']}/cycles", json={}, headers=school.auth("T2")
    )
    assert second.status_code == 409
    assert second.json()["unmet"] == ["close cycle 1 first"]
    not_a_member = await client.post(
        f"/v1/study-groups/{group['id']}/cycles",
        json={"teacher_id": str(school.staff_ids["T4"])},
        headers=school.auth("T2"),
    )
    assert not_a_member.status_code == 422
    assert not_a_member.json()["errors"][0]["field"] == "teacher_id"


async def test_a_teacher_who_leaves_the_group_stops_teaching_its_planned_lesson(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school, members=("T1", "T2", "T3"))
    cycle = await start_cycle(client, school, group["id"], teacher="T3")
    assert cycle["teacher_id"] == str(school.staff_ids["T3"])
    patched = await client.patch(
        f"/v1/study-groups/{group['id']}",
        json={"member_ids": ids(school, "T1", "T2")},
        headers=school.auth("T1"),
    )
    assert patched.status_code == 200
    after = (await client.get(f"/v1/cycles/{cycle['id']}", headers=school.auth("T1"))).json()
    assert after["teacher_id"] is None
    gone = await client.get(f"/v1/cycles/{cycle['id']}", headers=school.auth("T3"))
    assert gone.status_code == 404


async def test_lists_are_paged_with_cursors(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    created = [(await form_group(client, school, by="cpd_lead"))["id"] for _ in range(3)]
    headers = school.auth("cpd_lead")
    for path, key in (("/v1/study-groups", "id"), ("/v1/fidelity", "group_id")):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await client.get(path, params=params, headers=headers)).json()
            seen += [item[key] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(created)), path  # newest first
    audit_path = f"/v1/study-groups/{created[0]}/audit"
    await start_cycle(client, school, created[0])
    first = (await client.get(audit_path, params={"limit": "1"}, headers=headers)).json()
    rest = await client.get(audit_path, params={"cursor": first["next_cursor"]}, headers=headers)
    actions = [e["action"] for e in first["items"] + rest.json()["items"]]
    assert actions == ["group_created", "cycle_started"]
    tampered = await client.get(audit_path, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)
    assert tampered.status_code == 422


async def test_query_and_path_values_are_checked_before_use(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(client, school)
    for path in ("/v1/study-groups", "/v1/fidelity"):
        for bad in ("2026", "2026-27\x00", "twenty"):
            response = await client.get(
                path, params={"academic_year": bad}, headers=school.auth("cpd_lead")
            )
            assert response.status_code == 400, (path, bad, response.text)
    for code in ("a", "TOOLONG", "A%00"):
        response = await client.patch(
            f"/v1/study-groups/{group['id']}/pupils/{code}",
            json={"profile": "x"},
            headers=school.auth("T1"),
        )
        assert response.status_code == 400, (code, response.text)
