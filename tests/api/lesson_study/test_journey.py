"""End to end through HTTP: a triad's journey through three cycles to a published write-up."""

from __future__ import annotations

import uuid

from tests.api.lesson_study.flow import (
    LESSON_DAYS,
    PUPILS,
    book,
    discuss,
    form_group,
    move,
    observe,
    plan_body,
    save_plan,
    start_cycle,
)
from tests.kit import Client, SchoolKit


async def test_a_triad_runs_three_cycles_and_publishes_its_findings(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID]
) -> None:
    group = await form_group(
        client,
        school,
        knowledgeable_other={"name": "Dr Rae Moss", "email": "rae.moss@uni.example"},
        case_pupils=[
            {"code": "A", "profile": "Quiet; strong on number, avoids explaining"},
            {"code": "B", "profile": "Talks readily; mixes up numerator and denominator"},
            {"code": "C", "profile": "New to the school this year"},
        ],
    )
    group_id = group["id"]
    assert [m["name"] for m in group["members"]] == ["Ann Archer", "Ben Brook", "Cat Cole"]
    assert group["knowledgeable_other"]["email"] == "rae.moss@uni.example"
    assert group["planned_cycles"] == 3
    assert group["retention_date"] == "2027-08-31"

    for number, day in enumerate(LESSON_DAYS, start=1):
        cycle = await start_cycle(client, school, group_id)
        cycle_id = cycle["id"]
        assert (cycle["number"], cycle["stage"]) == (number, "plan")
        body = plan_body()
        if number > 1:
            # The next cycle starts from a copy of the last plan and its agreed changes.
            assert cycle["plan"]["stages"] == plan_body()["stages"]
            carried = cycle["plan"]["carried_changes"]
            assert carried == [
                {"change": "Start with a fraction wall before symbols", "response": None}
            ]
            body["carried_changes"] = [
                {"change": carried[0]["change"], "response": "Stage 1 is now the fraction wall"}
            ]
        saved = await save_plan(client, school, cycle_id, body, by="T2")
        assert saved.status_code == 200, saved.text
        assert saved.json()["missing_predictions"] == []

        booked = await book(client, school, cycle_id, day)
        assert booked.status_code == 200, booked.text
        assert booked.json()["gaps"] == []
        taught = await move(client, school, cycle_id, "teach")
        assert taught.status_code == 200, taught.text
        assert (taught.json()["lesson_date"], taught.json()["lesson_period"]) == (
            day.isoformat(),
            "P1",
        )
        observing = await move(client, school, cycle_id, "observe", by="T3")
        assert observing.status_code == 200, observing.text

        for observer in ("T2", "T3"):
            await observe(client, school, cycle_id, observer)
        for code in PUPILS:
            interview = await client.put(
                f"/v1/cycles/{cycle_id}/interviews/{code}",
                json={"consent": True, "notes": "Liked the wall; 'halves are easy'", "minutes": 5},
                headers=school.auth("T2"),
            )
            assert interview.status_code == 200, interview.text

        debriefing = await move(client, school, cycle_id, "debrief", by="T2")
        assert debriefing.status_code == 200, debriefing.text
        held = await client.patch(
            f"/v1/cycles/{cycle_id}/debrief",
            json={"held_on": day.isoformat()},
            headers=school.auth("T1"),
        )
        assert held.status_code == 200, held.text
        assert held.json()["late"] is False
        # The outside knowledgeable other has no login: a member types in their comments.
        await discuss(client, school, cycle_id, final_by="T3")
        closed = await move(client, school, cycle_id, "closed", by="T3")
        assert closed.status_code == 200, closed.text
        whole = closed.json()
        assert whole["stage"] == "closed"
        assert [e["step"] for e in whole["debrief"]["entries"]] == [
            "evidence",
            "evidence",
            "evidence",
            "reflection",
            "learning",
            "changes",
            "final_comments",
        ]
        assert whole["debrief"]["still_needed"] == []

    # A fourth cycle was not planned.
    refused = await client.post(
        f"/v1/study-groups/{group_id}/cycles", json={}, headers=school.auth("T1")
    )
    assert refused.status_code == 409
    assert "raise planned_cycles" in refused.json()["unmet"][0]

    figures = await client.get(
        f"/v1/study-groups/{group_id}/fidelity", headers=school.auth("cpd_lead")
    )
    assert figures.status_code == 200, figures.text
    fidelity = figures.json()
    assert (fidelity["cycles_closed"], fidelity["planned_cycles"]) == (3, 3)
    for n, cycle_figures in enumerate(fidelity["cycles"]):
        assert cycle_figures["predictions_made"] == cycle_figures["predictions_expected"] == 6
        assert cycle_figures["observers_submitted"] == cycle_figures["observers_expected"] == 2
        assert cycle_figures["interviews_done"] == cycle_figures["interviews_expected"] == 3
        assert cycle_figures["days_to_discussion"] == 0
        assert cycle_figures["discussion_late"] is False
        if n == 0:
            assert cycle_figures["changes_agreed_last_cycle"] is None
        else:
            assert cycle_figures["changes_agreed_last_cycle"] == 1
            assert cycle_figures["changes_carried_forward"] == 1

    # Before publication, other staff see nothing of the group.
    outsider = school.auth("teacher")
    assert (await client.get(f"/v1/study-groups/{group_id}", headers=outsider)).status_code == 404
    write_up = await client.get(f"/v1/study-groups/{group_id}/write-up", headers=school.auth("T1"))
    assert write_up.status_code == 200
    assert write_up.headers["etag"] == '"0"'
    saved_write_up = await client.put(
        f"/v1/study-groups/{group_id}/write-up",
        json={
            "learned": "Pupils reason about equivalence once they can see it <first>.",
            "evidence": "All three case pupils explained equivalence by the third lesson.",
            "recommendations": "Teach fraction walls before the algorithm in Year 9.",
        },
        headers={**school.auth("T3"), "If-Match": '"0"'},
    )
    assert saved_write_up.status_code == 200, saved_write_up.text
    published = await client.post(
        f"/v1/study-groups/{group_id}/write-up/publish", headers=school.auth("T1")
    )
    assert published.status_code == 200, published.text
    assert published.json()["published_at"] is not None

    # Now the whole school can read the write-up, and only the write-up.
    assert (await client.get(f"/v1/study-groups/{group_id}", headers=outsider)).status_code == 200
    listed = (await client.get("/v1/write-ups", headers=outsider)).json()["items"]
    assert [w["group_id"] for w in listed] == [group_id]
    markdown = await client.get(f"/v1/study-groups/{group_id}/write-up.md", headers=outsider)
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"# Lesson study: {'Improve how we teach'}")
    assert "Research lessons: 3 of 3 planned" in markdown.text
    assert "\\<first\\>" in markdown.text
    page = await client.get(f"/v1/study-groups/{group_id}/write-up.html", headers=outsider)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "&lt;first&gt;" in page.text
    assert "<first>" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    cycle_id = group["id"]
    pupils = await client.get(f"/v1/study-groups/{group_id}/pupils", headers=outsider)
    assert pupils.status_code == 404
    assert (await client.get(f"/v1/cycles/{cycle_id}", headers=outsider)).status_code == 404

    audit = await client.get(f"/v1/study-groups/{group_id}/audit", headers=school.auth("cpd_lead"))
    actions = [(e["action"], e["to_stage"]) for e in audit.json()["items"]]
    assert actions[0] == ("group_created", None)
    assert actions.count(("transition", "closed")) == 3
    assert actions[-1] == ("write_up_published", None)
