"""Peer observation from request to reflection, on the kit school's Monday of Week B."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import bookings
from lessonstudy.domain.bookings import Seat
from lessonstudy.domain.commitments import Commitment, CommitmentKind
from lessonstudy.domain.cover_requests import CoverRequest
from lessonstudy.domain.notifications import Notification
from lessonstudy.domain.webhooks import EventType, WebhookEvent
from lessonstudy.domain.webhooks.subscriptions import create_subscription
from tests.kit import Client, SchoolKit
from tests.observation_kit import (
    AFTER,
    DURING,
    MONDAY_B,
    SetClock,
    ask,
    book,
    moving_clock,
    write_notes,
)
from tests.timetable_kit import load_timetable


@pytest.fixture
def set_clock(monkeypatch: pytest.MonkeyPatch) -> SetClock:
    return moving_clock(monkeypatch)


@pytest.fixture
async def people(
    client: Client, school: SchoolKit, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, uuid.UUID]:
    return await load_timetable(client, school, sessions)


async def _notified(sessions: async_sessionmaker[AsyncSession], staff_id: uuid.UUID) -> list[str]:
    async with sessions() as session:
        kinds = await session.scalars(
            select(Notification.kind)
            .where(Notification.staff_id == staff_id)
            .order_by(Notification.created_at, Notification.kind)
        )
        return list(kinds.all())


async def _post(
    client: Client, kit: SchoolKit, path: str, who: str, body: dict[str, Any] | None = None
) -> Any:
    return await client.post(path, json=body if body is not None else {}, headers=kit.auth(who))


async def test_request_book_note_and_reflect(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await ask(client, school)
    assert (created["status"], created["origin"]) == ("agreed", "request")
    assert (created["class_code"], created["period"], created["date"]) == ("9B/Ma", "P1", MONDAY_B)
    assert (created["starts_at"], created["ends_at"]) == ("08:55:00", "09:55:00")
    assert created["observer"] == {"staff_id": str(people["T2"]), "name": "Ben Brook"}
    assert created["observed"]["name"] == "Ann Archer"
    assert created["beyond_policy"] is False

    booking = await book(client, school, created["id"])
    assert booking["booked"] is True
    kinds = {(c["staff_id"], c["kind"]) for c in booking["commitments"]}
    assert kinds == {(str(people["T1"]), "teaching"), (str(people["T2"]), "observing")}
    assert booking["cover_requests"] == []
    fetched = await client.get(f"/v1/observations/{created['id']}", headers=school.auth("T2"))
    assert fetched.json()["status"] == "booked"
    again = await _post(client, school, f"/v1/observations/{created['id']}/booking", "T1")
    assert again.status_code == 409

    set_clock(DURING)
    notes = await write_notes(client, school, created["id"])
    assert notes["warnings"] == []
    assert notes["lesson"]["focus"] == created["focus"]
    read = await client.get(f"/v1/observations/{created['id']}/notes", headers=school.auth("T1"))
    assert read.json()["evidence"] == notes["evidence"]

    set_clock(AFTER)
    reflected = await client.put(
        f"/v1/observations/{created['id']}/reflection",
        json={"reflection": "I moved on too soon", "follow_up_action": "Use a hinge question"},
        headers=school.auth("T1"),
    )
    assert reflected.status_code == 200, reflected.text
    assert reflected.json()["follow_up_on"] == "2026-09-14"  # a week after the lesson
    seen = await client.get(
        f"/v1/observations/{created['id']}/reflection", headers=school.auth("T2")
    )
    assert seen.json()["follow_up_action"] == "Use a hinge question"
    fetched = await client.get(f"/v1/observations/{created['id']}", headers=school.auth("T1"))
    assert (fetched.json()["has_notes"], fetched.json()["has_reflection"]) == (True, True)
    assert await _notified(sessions, people["T2"]) == [
        "observation_requested",
        "observation_booked",
    ]
    assert await _notified(sessions, people["T1"]) == []  # Ann booked it herself


async def test_notes_and_reflection_wait_for_a_booked_lesson_that_has_begun(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    created = await ask(client, school)
    path = f"/v1/observations/{created['id']}"
    unbooked = await write_notes(client, school, created["id"], status=409)
    assert "not booked" in unbooked["detail"]
    await book(client, school, created["id"])
    early = await write_notes(client, school, created["id"], status=409)
    assert "not begun" in early["detail"]
    reflection = await client.put(
        f"{path}/reflection", json={"reflection": "Too early"}, headers=school.auth("T1")
    )
    assert reflection.status_code == 409
    set_clock(DURING)
    await write_notes(client, school, created["id"])
    missing = await client.get(f"{path}/reflection", headers=school.auth("T1"))
    assert missing.status_code == 404


async def test_an_observer_is_found_free_least_loaded_then_by_name(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    # Nobody else teaches Maths, so "same department" finds no one for Ann.
    refused = await ask(client, school, find_observer="same_department", status=422)
    assert "in your department" in refused["detail"]
    first = await ask(client, school, find_observer="anyone")
    assert first["observer"]["name"] == "Ben Brook"  # free, no observations yet, first by name
    # Ben now observes once this year: the next request goes to the next free colleague.
    second = await ask(
        client, school, find_observer="anyone", date="2026-09-14", beyond_policy=True
    )
    assert second["observer"]["name"].startswith("Cara Lead")


async def test_same_department_means_sharing_a_subject(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    # Dev teaches History and Science; Cat teaches Science and is free in Monday P1.
    found = await ask(client, school, who="T4", find_observer="same_department")
    assert found["observer"]["name"] == "Cat Cole"
    assert found["class_code"] == "11E/Hi"
    anyone = await ask(client, school, who="T4", find_observer="anyone", date="2026-09-21")
    assert anyone["observer"]["name"] == "Cat Cole"  # same department first, before Ben


async def test_a_colleague_offers_and_the_teacher_accepts(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer = await _post(
        client,
        school,
        "/v1/observations/offers",
        "T2",
        {"observed_id": str(people["T1"]), "date": MONDAY_B, "period": "P1"},
    )
    assert offer.status_code == 201, offer.text
    offered = offer.json()
    assert (offered["status"], offered["origin"], offered["focus"]) == (
        "awaiting_consent",
        "offer",
        None,
    )
    assert await _notified(sessions, people["T1"]) == ["observation_offered"]
    path = f"/v1/observations/{offered['id']}"
    assert (await _post(client, school, f"{path}/booking", "T2")).status_code == 409
    assert (await _post(client, school, f"{path}/accept", "T2")).status_code == 403
    no_focus = await _post(client, school, f"{path}/accept", "T1")
    assert no_focus.status_code == 422
    accepted = await _post(client, school, f"{path}/accept", "T1", {"focus": "Retrieval starter"})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["focus"]) == ("agreed", "Retrieval starter")
    assert await _notified(sessions, people["T2"]) == ["observation_accepted"]
    # Only the observed teacher can call it off now; the observer declines requests, not offers.
    assert (await _post(client, school, f"{path}/cancel", "T2")).status_code == 403
    assert (await _post(client, school, f"{path}/decline", "T2")).status_code == 409
    assert (await _post(client, school, f"{path}/accept", "T1")).status_code == 409


async def test_an_offer_can_be_declined_or_withdrawn(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    body = {"observed_id": str(people["T1"]), "date": MONDAY_B, "period": "P1"}
    first = (await _post(client, school, "/v1/observations/offers", "T2", body)).json()
    declined = await _post(
        client, school, f"/v1/observations/{first['id']}/decline", "T1", {"reason": "Not now"}
    )
    assert (declined.json()["status"], declined.json()["closing_reason"]) == (
        "declined",
        "Not now",
    )
    second = (await _post(client, school, "/v1/observations/offers", "T2", body)).json()
    withdrawn = await _post(client, school, f"/v1/observations/{second['id']}/cancel", "T2")
    assert withdrawn.json()["status"] == "cancelled"


async def test_offers_are_refused_for_oneself_and_unknown_colleagues(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
) -> None:
    for observed in (people["T2"], other_school.staff_ids["teacher"]):
        refused = await _post(
            client,
            school,
            "/v1/observations/offers",
            "T2",
            {"observed_id": str(observed), "date": MONDAY_B, "period": "P1"},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "observed_id"


async def test_the_observer_may_decline_a_request_until_it_is_booked(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    first = await ask(client, school)
    declined = await _post(client, school, f"/v1/observations/{first['id']}/decline", "T2")
    assert declined.json()["status"] == "declined"
    # Ann cannot "decline" her own request: she cancels it.
    second = await ask(client, school)
    assert (
        await _post(client, school, f"/v1/observations/{second['id']}/decline", "T1")
    ).status_code == 409
    await book(client, school, second["id"])
    late = await _post(client, school, f"/v1/observations/{second['id']}/decline", "T2")
    assert late.status_code == 409
    assert "ask the observed teacher to cancel" in late.json()["detail"]


async def test_cancel_before_the_lesson_releases_the_booking_and_its_cover(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Dev teaches 11E/Hi in P1, so he is released with cover (Eve, the first available).
    created = await ask(client, school, observer_id=str(people["T4"]))
    booking = await book(client, school, created["id"])
    [request] = booking["cover_requests"]
    assert (request["class_code"], request["proposed_cover_staff_id"]) == (
        "11E/Hi",
        str(people["CS1"]),
    )
    assert {c["kind"] for c in booking["commitments"]} == {"teaching", "observing", "covering"}
    cancelled = await _post(
        client, school, f"/v1/observations/{created['id']}/cancel", "T1", {"reason": "Mocks"}
    )
    assert cancelled.json()["status"] == "cancelled"
    async with sessions() as session:
        assert (await session.scalars(select(Commitment))).all() == []
        statuses = (await session.scalars(select(CoverRequest.status))).all()
    assert statuses == ["cancelled"]
    again = await _post(client, school, f"/v1/observations/{created['id']}/cancel", "T1")
    assert again.status_code == 409
    assert "observation_cancelled" in await _notified(sessions, people["T4"])


async def test_no_cancelling_once_the_lesson_has_begun(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    created = await ask(client, school)
    set_clock(DURING)
    late = await _post(client, school, f"/v1/observations/{created['id']}/cancel", "T1")
    assert late.status_code == 409
    assert "begun" in late.json()["detail"]


async def test_a_clash_is_409_with_every_reason(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    created = await ask(client, school)
    # Ben is booked elsewhere in P1 before the observation is.
    async with sessions.begin() as session:
        await bookings.book(
            session,
            school.school_id,
            purpose="research_lesson",
            purpose_id=uuid.uuid4(),
            seats=[Seat(people["T2"], date(2026, 9, 7), "P1", CommitmentKind.OBSERVING)],
        )
    clash = await _post(client, school, f"/v1/observations/{created['id']}/booking", "T1")
    assert clash.status_code == 409
    assert clash.json()["unmet"] == ["Ben Brook: is already booked then (2026-09-07 P1)"]


async def test_only_the_observer_opts_in_to_their_protected_time(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    created = await ask(client, school)
    refused = await _post(
        client,
        school,
        f"/v1/observations/{created['id']}/booking",
        "T1",
        {"use_protected": True},
    )
    assert refused.status_code == 403
    # Ben is free in P1 (not protected), so his opting in changes nothing but is allowed.
    assert (await book(client, school, created["id"], who="T2", use_protected=True))["booked"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "P2"}, "period"),  # Ann has no lesson in Monday P2
        ({"period": "LUNCH"}, "period"),
        ({"date": "2026-09-26"}, "period"),  # a Saturday
        ({"class_code": "10A/Ma"}, "class_code"),
        ({"date": "2026-08-31"}, "period"),  # before the timetable starts
        ({"observer_id": None}, "observer_id"),  # neither an observer nor find_observer
        ({"find_observer": "anyone"}, "observer_id"),  # both
        ({"focus_tags": ["no such tag"]}, "focus_tags[0]"),
    ],
)
async def test_requests_that_break_a_rule_are_422(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    body: dict[str, Any],
    field: str,
) -> None:
    payload = {"date": MONDAY_B, "period": "P1", "focus": "Questioning"}
    payload["observer_id"] = str(people["T2"])
    payload.update(body)
    if "observer_id" in body and body["observer_id"] is None:
        del payload["observer_id"]
    response = await client.post("/v1/observations", json=payload, headers=school.auth("T1"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_an_observer_must_be_an_active_colleague(
    client: Client,
    school: SchoolKit,
    other_school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
) -> None:
    for observer in (people["T1"], other_school.staff_ids["teacher"], uuid.uuid4()):
        refused = await ask(client, school, observer_id=str(observer), status=422)
        assert refused["errors"][0]["field"] == "observer_id"


async def test_a_past_lesson_cannot_be_asked_for(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    set_clock(DURING)
    refused = await ask(client, school, status=422)
    assert "already begun" in refused["detail"]


async def test_my_observations_by_part_and_status_a_page_at_a_time(
    client: Client, school: SchoolKit, people: dict[str, uuid.UUID], set_clock: SetClock
) -> None:
    for day in ("2026-09-07", "2026-09-14", "2026-09-21"):
        await ask(client, school, date=day, beyond_policy=True)
    offered = await _post(
        client,
        school,
        "/v1/observations/offers",
        "T1",
        {"observed_id": str(people["T4"]), "date": "2026-09-21", "period": "P1"},
    )
    assert offered.status_code == 201, offered.text
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/v1/observations", params=params, headers=school.auth("T1"))
        ).json()
        seen += [o["date"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["2026-09-21", "2026-09-21", "2026-09-14", "2026-09-07"]
    mine = await client.get(
        "/v1/observations", params={"as": "observer"}, headers=school.auth("T1")
    )
    assert [o["origin"] for o in mine.json()["items"]] == ["offer"]
    waiting = await client.get(
        "/v1/observations", params={"status": "awaiting_consent"}, headers=school.auth("T4")
    )
    assert len(waiting.json()["items"]) == 1
    bad = await client.get(
        "/v1/observations", params={"cursor": "nonsense"}, headers=school.auth("T1")
    )
    assert bad.status_code == 422


async def test_an_offer_and_its_acceptance_reach_webhook_subscribers_without_the_focus(
    client: Client,
    school: SchoolKit,
    people: dict[str, uuid.UUID],
    set_clock: SetClock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await create_subscription(
            session,
            school.school_id,
            url="https://mis.example/hooks",
            events=[EventType.OBSERVATION_REQUESTED, EventType.OBSERVATION_ACCEPTED],
            description=None,
            active=True,
        )
    body = {"observed_id": str(people["T1"]), "date": MONDAY_B, "period": "P1"}
    offered = (await _post(client, school, "/v1/observations/offers", "T2", body)).json()
    path = f"/v1/observations/{offered['id']}/accept"
    accepted = await _post(client, school, path, "T1", {"focus": "Retrieval starter"})
    assert accepted.status_code == 200, accepted.text
    async with sessions() as session:
        events = (
            await session.scalars(select(WebhookEvent).order_by(WebhookEvent.created_at))
        ).all()
    assert [(e.type, e.payload["stage"]) for e in events] == [
        ("observation.requested", "awaiting_consent"),
        ("observation.accepted", "agreed"),
    ]
    assert all(e.payload["observation_id"] == offered["id"] for e in events)
    assert all("Retrieval" not in str(e.payload) for e in events)
