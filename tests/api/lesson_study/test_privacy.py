"""The privacy matrix: every role on every lesson-study endpoint.

The group: Ann (T1) teaches, Ben (T2) and Cat (T3) observe, Eli (a teacher
outside the group) is its knowledgeable other and attends. Its first cycle is
in the observe stage. Each request is chosen so that a caller who gets past
the privacy rules is refused by a business rule (or changes nothing that
matters), so one fixed state serves the whole matrix.

Categories: ``read`` must be 200; ``ok`` means the caller got past the
privacy rules (any status but 401, 403, 404 and 5xx); ``403`` and ``404``
are exact.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.api.lesson_study.flow import LESSON_DAYS, book, form_group, move, plan_body, save_plan
from tests.api.lesson_study.flow import start_cycle as start
from tests.kit import Client, SchoolKit

ROLES = ("member", "ko", "cpd_lead", "admin", "teacher", "cover", "mis", "other_school")
TOKENS = {
    "member": "T2",
    "ko": "ect",
    "cpd_lead": "cpd_lead",
    "admin": "admin",
    "teacher": "teacher",
    "cover": "cover",
    "mis": "mis",
}


def _row(
    member: str, ko: str, overseer: str, outsider: str, other_school: str | None = None
) -> dict[str, str]:
    """Expectations for one endpoint; integrations are always refused (403).

    The other school's caller is its admin: an outsider to this group, and an
    overseer of their own school's (empty) lists.
    """
    return {
        "member": member,
        "ko": ko,
        "cpd_lead": overseer,
        "admin": overseer,
        "teacher": outsider,
        "cover": outsider,
        "mis": "403",
        "other_school": other_school or outsider,
    }


G = "/v1/study-groups/{group}"
C = "/v1/cycles/{cycle}"
# (name, method, path, json body, extra headers, expectations)
MATRIX: list[tuple[str, str, str, Any, dict[str, str], dict[str, str]]] = [
    ("listStudyGroups", "GET", "/v1/study-groups", None, {}, _row("read", "read", "read", "read")),
    ("getStudyGroup", "GET", G, None, {}, _row("read", "read", "read", "404")),
    (
        "updateStudyGroup",
        "PATCH",
        G,
        {"retention_date": "2020-01-01"},
        {},
        _row("ok", "403", "403", "404"),
    ),
    ("listCasePupils", "GET", G + "/pupils", None, {}, _row("read", "read", "404", "404")),
    ("addCasePupil", "POST", G + "/pupils", {"code": "D"}, {}, _row("ok", "403", "403", "404")),
    (
        "updateCasePupil",
        "PATCH",
        G + "/pupils/A",
        {"profile": "Prefers to work alone"},
        {},
        _row("ok", "403", "403", "404"),
    ),
    ("removeCasePupil", "DELETE", G + "/pupils/C", None, {}, _row("ok", "403", "403", "404")),
    ("startCycle", "POST", G + "/cycles", {}, {}, _row("ok", "403", "403", "404")),
    ("getCycle", "GET", C, None, {}, _row("read", "read", "404", "404")),
    ("updateCycle", "PATCH", C, {"class_code": "9C/Ma"}, {}, _row("ok", "403", "404", "404")),
    (
        "moveCycle",
        "POST",
        C + "/transitions",
        {"to": "closed"},
        {},
        _row("ok", "403", "404", "404"),
    ),
    ("getCycleBooking", "GET", C + "/booking", None, {}, _row("read", "read", "404", "404")),
    (
        "bookCycleLesson",
        "PUT",
        C + "/booking",
        {"date": "2026-09-21", "period": "P1"},
        {},
        _row("ok", "403", "404", "404"),
    ),
    ("cancelCycleBooking", "DELETE", C + "/booking", None, {}, _row("ok", "403", "404", "404")),
    ("getPlan", "GET", C + "/plan", None, {}, _row("read", "read", "404", "404")),
    ("savePlan", "PUT", C + "/plan", {}, {"If-Match": '"999"'}, _row("ok", "403", "404", "404")),
    ("listPlanVersions", "GET", C + "/plan/versions", None, {}, _row("read", "read", "404", "404")),
    ("getPlanVersion", "GET", C + "/plan/versions/1", None, {}, _row("read", "read", "404", "404")),
    ("listObservations", "GET", C + "/observations", None, {}, _row("read", "read", "404", "404")),
    (
        "saveMyObservations",
        "PUT",
        C + "/observations/mine",
        {"notes": []},
        {},
        _row("ok", "ok", "404", "404"),
    ),
    (
        "submitMyObservations",
        "POST",
        C + "/observations/mine/submit",
        None,
        {},
        _row("ok", "ok", "404", "404"),
    ),
    ("listInterviews", "GET", C + "/interviews", None, {}, _row("read", "read", "404", "404")),
    (
        "recordInterview",
        "PUT",
        C + "/interviews/A",
        {"consent": False},
        {},
        _row("ok", "ok", "404", "404"),
    ),
    ("getDebrief", "GET", C + "/debrief", None, {}, _row("read", "read", "404", "404")),
    (
        "updateDebrief",
        "PATCH",
        C + "/debrief",
        {"held_on": "2026-09-07"},
        {},
        _row("ok", "403", "404", "404"),
    ),
    (
        "addDebriefEntry",
        "POST",
        C + "/debrief/entries",
        {"step": "learning", "body": "Too early"},
        {},
        _row("ok", "ok", "404", "404"),
    ),
    ("getWriteUp", "GET", G + "/write-up", None, {}, _row("read", "read", "404", "404")),
    (
        "saveWriteUp",
        "PUT",
        G + "/write-up",
        {"learned": "x"},
        {"If-Match": '"999"'},
        _row("ok", "403", "403", "404"),
    ),
    ("publishWriteUp", "POST", G + "/write-up/publish", None, {}, _row("ok", "403", "403", "404")),
    (
        "unpublishWriteUp",
        "POST",
        G + "/write-up/unpublish",
        None,
        {},
        _row("ok", "403", "403", "404"),
    ),
    (
        "exportWriteUpMarkdown",
        "GET",
        G + "/write-up.md",
        None,
        {},
        _row("read", "read", "404", "404"),
    ),
    (
        "exportWriteUpHtml",
        "GET",
        G + "/write-up.html",
        None,
        {},
        _row("read", "read", "404", "404"),
    ),
    (
        "listPublishedWriteUps",
        "GET",
        "/v1/write-ups",
        None,
        {},
        _row("read", "read", "read", "read"),
    ),
    ("getGroupFidelity", "GET", G + "/fidelity", None, {}, _row("read", "read", "read", "404")),
    ("listFidelity", "GET", "/v1/fidelity", None, {}, _row("403", "403", "read", "403", "read")),
    ("listGroupAudit", "GET", G + "/audit", None, {}, _row("read", "read", "read", "404")),
    (
        "getLessonStudyPolicy",
        "GET",
        "/v1/lesson-study/policy",
        None,
        {},
        _row("read", "read", "read", "read"),
    ),
    (
        "setLessonStudyPolicy",
        "PUT",
        "/v1/lesson-study/policy",
        {"discussion_allowance_days": 0},
        {},
        _row("403", "403", "read", "403", "read"),
    ),
    (
        "createStudyGroup",
        "POST",
        "/v1/study-groups",
        {
            "research_focus": "Improve how we teach ratio to Year 8",
            "focus_class": "8C/En",
            "academic_year": "2026-27",
            "member_ids": [],
        },
        {},
        _row("ok", "ok", "ok", "ok"),
    ),
]


def _allowed(category: str, status: int) -> bool:
    if category == "read":
        return status == 200
    if category == "ok":
        return status not in (401, 403, 404) and status < 500
    return status == int(category)


@pytest.fixture
async def observing_cycle(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> tuple[str, str]:
    group = await form_group(
        client, school, knowledgeable_other={"staff_id": str(school.staff_ids["ect"])}
    )
    cycle = await start(client, school, group["id"])
    assert cycle["knowledgeable_other_attends"] is True
    assert (await save_plan(client, school, cycle["id"], plan_body())).status_code == 200
    assert (await book(client, school, cycle["id"], LESSON_DAYS[0])).status_code == 200
    assert (await move(client, school, cycle["id"], "teach")).status_code == 200
    assert (await move(client, school, cycle["id"], "observe")).status_code == 200
    return group["id"], cycle["id"]


async def test_every_role_on_every_endpoint(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    observing_cycle: tuple[str, str],
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    group_id, cycle_id = observing_cycle
    mismatches = []
    for name, method, template, body, extra, expected in MATRIX:
        path = template.format(group=group_id, cycle=cycle_id)
        for role in ROLES:
            kit, who = (other_school, "admin") if role == "other_school" else (school, TOKENS[role])
            json_body = body
            if name == "createStudyGroup" and role != "mis":
                # Members who do not include the caller: a teacher is refused, a CPD lead is not.
                json_body = {
                    **body,
                    "member_ids": [str(kit.staff_ids["teacher"]), str(kit.staff_ids["ect"])],
                }
            response = await client.request(
                method, path, json=json_body, headers={**kit.auth(who), **extra}
            )
            if not _allowed(expected[role], response.status_code):
                mismatches.append(
                    (name, role, expected[role], response.status_code, response.text[:200])
                )
    assert mismatches == []


async def test_outsiders_do_not_see_the_group_in_lists(
    client: Client, school: SchoolKit, observing_cycle: tuple[str, str]
) -> None:
    group_id, _ = observing_cycle
    for who, sees in (("T1", True), ("ect", True), ("cpd_lead", True), ("teacher", False)):
        listed = await client.get("/v1/study-groups", headers=school.auth(who))
        assert (group_id in [g["id"] for g in listed.json()["items"]]) is sees, who


async def test_an_overseer_sees_progress_but_no_content(
    client: Client, school: SchoolKit, observing_cycle: tuple[str, str]
) -> None:
    group_id, _cycle_id = observing_cycle
    group = (
        await client.get(f"/v1/study-groups/{group_id}", headers=school.auth("cpd_lead"))
    ).json()
    assert group["cycles"][0]["stage"] == "observe"
    assert group["case_pupils"] == 3
    assert "profile" not in str(group)
    figures = (await client.get("/v1/fidelity", headers=school.auth("cpd_lead"))).json()
    [mine] = [g for g in figures["items"] if g["group_id"] == group_id]
    assert mine["cycles"][0]["predictions_made"] == 6
    assert "prediction" not in str(mine).replace("predictions_", "")
