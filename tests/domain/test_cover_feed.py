"""The cover request change feed: in order, resumable, no gaps when commits come out of order."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lessonstudy.domain import cover_changes
from lessonstudy.domain.cover_changes import Change, CoverRequestChange
from lessonstudy.domain.cover_requests import get_cover_request, record_cover_change
from lessonstudy.errors import RuleBroken
from lessonstudy.pagination import encode_cursor
from tests.cover_kit import MONDAY_B, add_request
from tests.kit import SchoolKit


async def drain(
    sessions: async_sessionmaker[AsyncSession],
    school_id: uuid.UUID,
    want: int,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Change], str]:
    """Read the feed until ``want`` changes have come (a deadline, not a timed assertion).

    The feed may hold a committed change back for a moment while an older
    transaction anywhere on the server is still open, so readers poll.
    """
    seen: list[Change] = []
    deadline = time.monotonic() + 60
    while len(seen) < want:
        async with sessions() as session:
            page = await cover_changes.read(session, school_id, cursor=cursor, limit=limit)
        seen += page.changes
        cursor = page.cursor
        if not page.changes:
            assert time.monotonic() < deadline, f"the feed gave {len(seen)} of {want} changes"
            await asyncio.sleep(0.05)
    assert cursor is not None
    return seen, cursor


async def test_a_change_committed_first_waits_for_an_older_open_transaction(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit
) -> None:
    first, second = sessions(), sessions()
    try:
        early = await add_request(first, school.school_id, school.staff_ids["teacher"])
        late = await add_request(second, school.school_id, school.staff_ids["ect"])
        await second.commit()
        async with sessions() as reader:
            # The later change is committed and visible: a reader going by sequence number
            # alone would take it now and never see the earlier one.
            visible = await reader.scalar(select(func.count()).select_from(CoverRequestChange))
            assert visible == 1
            page = await cover_changes.read(reader, school.school_id, cursor=None, limit=50)
            assert page.changes == []
        await first.commit()
    finally:
        await first.close()
        await second.close()
    changes, cursor = await drain(sessions, school.school_id, 2)
    assert [c.document["id"] for c in changes] == [str(early.id), str(late.id)]
    assert [c.change for c in changes] == ["created", "created"]
    async with sessions() as reader:
        again = await cover_changes.read(reader, school.school_id, cursor=cursor, limit=50)
    assert again.changes == []
    assert again.cursor == cursor


async def test_a_requests_changes_stay_in_order_when_the_later_writer_started_first(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit
) -> None:
    async with sessions.begin() as session:
        request = await add_request(session, school.school_id, school.staff_ids["teacher"])
    later = sessions()  # takes its transaction id first, by writing something else
    try:
        await add_request(later, school.school_id, school.staff_ids["ect"])
        async with sessions.begin() as sooner:
            found = await get_cover_request(sooner, school.school_id, request.id, lock=True)
            found.room = "A1"
            await record_cover_change(sooner, found)
        found = await get_cover_request(later, school.school_id, request.id, lock=True)
        found.room = "B2"
        await record_cover_change(later, found)
        await later.commit()
    finally:
        await later.close()
    changes, _ = await drain(sessions, school.school_id, 4)
    mine = [(c.version, c.document["room"]) for c in changes if c.document["id"] == str(request.id)]
    assert mine == [(1, None), (2, "A1"), (3, "B2")]


async def test_no_change_is_missed_or_repeated_under_concurrent_writers(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit
) -> None:
    rng = random.Random(20260907)
    people = [school.staff_ids[k] for k in ("teacher", "ect", "cpd_lead", "cover", "admin")]
    created: list[uuid.UUID] = []  # committed requests, for writers to change later
    committed = 0
    writing = True

    async def writer(number: int) -> None:
        nonlocal committed
        for round_ in range(6):
            async with sessions() as session:
                changes = 1
                request = await add_request(
                    session,
                    school.school_id,
                    people[number % len(people)],
                    day=MONDAY_B + timedelta(days=7 * round_),
                    period=f"W{number}",
                )
                if created and rng.random() < 0.6:
                    # Change someone else's request too: row locks order these writers.
                    target = rng.choice(created)
                    found = await get_cover_request(session, school.school_id, target, lock=True)
                    found.room = f"R{number}-{round_}"
                    await record_cover_change(session, found)
                    changes += 1
                await asyncio.sleep(rng.random() * 0.02)  # commit in a scrambled order
                if rng.random() < 0.15:
                    await session.rollback()  # never committed: must never appear
                    continue
                await session.commit()
                committed += changes
                created.append(request.id)

    seen: list[Change] = []

    async def reader() -> None:
        cursor = None
        while writing:
            async with sessions() as session:
                page = await cover_changes.read(session, school.school_id, cursor=cursor, limit=7)
            seen.extend(page.changes)
            cursor = page.cursor
            await asyncio.sleep(0.005)
        rest, _ = await drain(sessions, school.school_id, committed - len(seen), cursor)
        seen.extend(rest)

    reading = asyncio.create_task(reader())
    await asyncio.gather(*(writer(n) for n in range(8)))
    writing = False
    await reading

    async with sessions() as session:
        truth = {
            (str(r.cover_request_id), r.version)
            for r in await session.execute(
                select(CoverRequestChange.cover_request_id, CoverRequestChange.version)
            )
        }
    got = [(c.document["id"], c.version) for c in seen]
    assert len(got) == len(set(got)) == committed == len(truth)
    assert set(got) == truth
    versions: dict[str, list[int]] = {}
    for request_id, version in got:
        versions.setdefault(request_id, []).append(version)
    for history in versions.values():
        assert history == list(range(1, len(history) + 1))


@pytest.mark.parametrize(
    "bad",
    [
        "nonsense",
        encode_cursor("cover-changes", ["x", "1"]),
        encode_cursor("cover-changes", ["9" * 30, "1"]),
        encode_cursor("staff", ["1", "1"]),
    ],
)
async def test_a_cursor_the_feed_did_not_issue_is_refused(
    sessions: async_sessionmaker[AsyncSession], school: SchoolKit, bad: str
) -> None:
    async with sessions() as session:
        with pytest.raises(RuleBroken):
            await cover_changes.read(session, school.school_id, cursor=bad, limit=5)
