"""Calendar feeds: a secret iCalendar URL per member of staff with their lesson-study duties.

The URL is the credential (calendar apps cannot send a bearer token), so
only its SHA-256 digest is stored, it is shown once, issuing a new one
replaces the old, and it can be revoked. The feed lists the person's
commitments (teaching a research lesson, observing, discussing, covering)
from a month ago onwards, at the clock times of their periods.

Calendar apps apply updates by UID and SEQUENCE and need to be told about
cancellations, but bookings delete their commitments when cancelled. So
each feed remembers what it last published (``calendar_entry``): on every
read the current commitments are compared with it; a changed event gets a
higher SEQUENCE and a new LAST-MODIFIED, and one that has gone is published
as STATUS:CANCELLED (with a higher SEQUENCE) until it is two months old.
Something booked and cancelled between two reads never reached the
calendar, so it needs no cancellation. UIDs are stable: the purpose's id,
the kind of commitment, the date and the period.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base
from lessonstudy.errors import NotFound
from lessonstudy.integrations import icalendar

TOKEN_PREFIX = "lscal_"  # noqa: S105 (marks our feed secrets so scanners can find leaks)
PAST = timedelta(days=31)
KEEP = timedelta(days=62)


class CalendarFeed(Base):
    """A person's feed: at most one live secret each."""

    __tablename__ = "calendar_feed"

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CalendarEntry(Base):
    """An event as a person's feed last published it."""

    __tablename__ = "calendar_entry"
    __table_args__ = (
        CheckConstraint("status IN ('CONFIRMED', 'TENTATIVE', 'CANCELLED')", name="status"),
    )

    staff_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    uid: Mapped[str] = mapped_column(String(200), primary_key=True)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    day: Mapped[date] = mapped_column(Date, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    summary: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    location: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    modified_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def issue_feed(session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID) -> str:
    """A new secret for the person's feed; any earlier URL stops working at once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    statement = insert(CalendarFeed).values(
        staff_id=staff_id, school_id=school_id, token_hash=_digest(secret)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["staff_id"],
            set_={
                "token_hash": statement.excluded.token_hash,
                "created_at": func.now(),
                "revoked_at": None,
            },
        )
    )
    return secret


async def get_feed(
    session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID
) -> CalendarFeed:
    feed = await session.get(CalendarFeed, staff_id)
    if feed is None or feed.school_id != school_id or feed.revoked_at is not None:
        raise NotFound("you have no calendar feed; create one")
    return feed


async def revoke_feed(session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID) -> None:
    """The URL stops working at once. Revoking a revoked (or absent) feed is harmless."""
    await session.execute(
        update(CalendarFeed)
        .where(
            CalendarFeed.staff_id == staff_id,
            CalendarFeed.school_id == school_id,
            CalendarFeed.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )


_PURPOSES = {"research_lesson": "research lesson", "observation": "peer observation"}
_VERBS = {"teaching": "Teaching", "observing": "Observing", "discussing": "Discussing"}


def describe(kind: str, purpose: str, class_code: str | None, subject: str | None) -> str:
    """A commitment in a few words, as a calendar or a reminder shows it."""
    label = _PURPOSES.get(purpose, purpose.replace("_", " "))
    if kind == "covering":
        if class_code is None:
            return f"Cover for a {label}"
        return f"Cover: {class_code}" + (f" ({subject})" if subject else "")
    words = f"{_VERBS.get(kind, kind.capitalize())} the {label}"
    if class_code is not None and kind != "discussing":
        words += f" ({class_code})"
    return words


# The person's commitments with their clock times, and what the cover requests say about them.
_CURRENT_SQL = text(
    """
    SELECT c.id, c.day, c.period_code, c.kind, c.purpose, c.purpose_id, p.starts_at, p.ends_at,
           covered.class_code AS cover_class, covered.subject AS cover_subject,
           covered.room AS cover_room, covered.status AS cover_status,
           released.class_code AS own_class, released.status AS own_status,
           taught.class_code AS lesson_class, taught.room AS lesson_room
    FROM commitment c
    JOIN school_day d ON d.school_id = c.school_id AND d.day = c.day
    JOIN bell_period p ON p.version_id = d.version_id AND p.weekday = d.weekday
         AND p.code = c.period_code
    LEFT JOIN LATERAL (
        SELECT cr.class_code, cr.subject, cr.room, cr.status FROM cover_request cr
        WHERE c.kind = 'covering' AND cr.purpose_id = c.purpose_id AND cr.day = c.day
          AND cr.period_code = c.period_code AND cr.status IN ('requested', 'confirmed')
          AND coalesce(cr.cover_staff_id, cr.proposed_cover_staff_id) = c.staff_id
        LIMIT 1
    ) covered ON true
    LEFT JOIN LATERAL (
        SELECT cr.class_code, cr.status FROM cover_request cr
        WHERE cr.released_staff_id = c.staff_id AND cr.purpose_id = c.purpose_id
          AND cr.day = c.day AND cr.period_code = c.period_code AND cr.status <> 'cancelled'
        LIMIT 1
    ) released ON true
    LEFT JOIN LATERAL (
        SELECT l.class_code, l.room FROM commitment tc
        JOIN teaching t ON t.staff_id = tc.staff_id AND t.version_id = d.version_id
             AND t.week = d.week AND t.weekday = d.weekday AND t.period_code = tc.period_code
        JOIN lesson l ON l.id = t.lesson_id
        WHERE c.kind IN ('teaching', 'observing') AND tc.purpose_id = c.purpose_id
          AND tc.day = c.day AND tc.period_code = c.period_code AND tc.kind = 'teaching'
        LIMIT 1
    ) taught ON true
    WHERE c.staff_id = :staff_id AND c.school_id = :school_id AND c.day >= :since
    """
)


@dataclass(frozen=True, slots=True)
class _Holder:
    staff_id: uuid.UUID
    school_id: uuid.UUID
    name: str
    zone: ZoneInfo


def _entry(row: Any, zone: ZoneInfo) -> dict[str, Any]:
    class_code = row.cover_class if row.kind == "covering" else row.lesson_class
    summary = describe(row.kind, row.purpose, class_code, row.cover_subject)
    lines = [f"Period {row.period_code}."]
    status = "CONFIRMED"
    location = row.cover_room if row.kind == "covering" else row.lesson_room
    if row.kind == "covering" and row.cover_status == "requested":
        status = "TENTATIVE"
        lines.append("Cover requested: the timetable system has not confirmed it yet.")
    elif row.kind == "covering" and row.cover_status == "confirmed":
        lines.append("Cover confirmed by the timetable system.")
    if row.own_class is not None:
        if row.own_status == "declined":
            lines.append(
                f"Cover for your class {row.own_class} was declined: this booking is at risk."
            )
        else:
            lines.append(f"Your class {row.own_class} is covered (cover {row.own_status}).")
    uid = f"{row.purpose_id or row.id}-{row.kind}-{row.day:%Y%m%d}-{row.period_code}@lessonstudy"
    starts_at = datetime.combine(row.day, row.starts_at, tzinfo=zone)
    ends_at = datetime.combine(row.day, row.ends_at, tzinfo=zone)
    description = "\n".join(lines)
    fingerprint = "\x1f".join(
        [summary, description, location or "", status, starts_at.isoformat(), ends_at.isoformat()]
    )
    return {
        "uid": uid,
        "day": row.day,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "summary": summary[:200],
        "description": description,
        "location": location,
        "status": status,
        "content_hash": hashlib.sha256(fingerprint.encode()).hexdigest(),
    }


async def _sync(session: AsyncSession, holder: _Holder, since: date) -> None:
    """Bring the published entries in line with the current commitments."""
    rows = await session.execute(
        _CURRENT_SQL, {"staff_id": holder.staff_id, "school_id": holder.school_id, "since": since}
    )
    current = {entry["uid"]: entry for entry in (_entry(row, holder.zone) for row in rows)}
    if current:
        statement = insert(CalendarEntry).values(
            [
                {"staff_id": holder.staff_id, "school_id": holder.school_id, **entry}
                for entry in current.values()
            ]
        )
        changed = {
            name: statement.excluded[name]
            for name in (
                "day",
                "starts_at",
                "ends_at",
                "summary",
                "description",
                "location",
                "status",
                "content_hash",
            )
        }
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["staff_id", "uid"],
                set_={**changed, "sequence": CalendarEntry.sequence + 1, "modified_at": func.now()},
                where=CalendarEntry.content_hash != statement.excluded.content_hash,
            )
        )
    gone = update(CalendarEntry).where(
        CalendarEntry.staff_id == holder.staff_id,
        CalendarEntry.status != "CANCELLED",
        CalendarEntry.day >= since,
    )
    if current:
        gone = gone.where(CalendarEntry.uid.not_in(list(current)))
    await session.execute(
        gone.values(
            status="CANCELLED",
            sequence=CalendarEntry.sequence + 1,
            modified_at=func.now(),
            # No live event hashes to this, so booking it again counts as a change.
            content_hash="cancelled",
        )
    )


async def _holder(session: AsyncSession, secret: str) -> _Holder:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise NotFound("no calendar feed at this address")
    row = (
        await session.execute(
            text(
                "SELECT f.staff_id, f.school_id, s.name, sc.time_zone FROM calendar_feed f "
                "JOIN staff s ON s.id = f.staff_id AND s.active "
                "JOIN school sc ON sc.id = f.school_id "
                "WHERE f.token_hash = :token_hash AND f.revoked_at IS NULL"
            ),
            {"token_hash": _digest(secret)},
        )
    ).first()
    if row is None:
        raise NotFound("no calendar feed at this address")
    return _Holder(row.staff_id, row.school_id, row.name, ZoneInfo(row.time_zone))


async def render_feed(session: AsyncSession, secret: str, *, now: datetime | None = None) -> str:
    """The iCalendar text of the feed the secret opens; 404 for unknown or revoked ones."""
    holder = await _holder(session, secret)
    today = (now or datetime.now(holder.zone)).astimezone(holder.zone).date()
    since = today - PAST
    await _sync(session, holder, since)
    entries = await session.scalars(
        select(CalendarEntry)
        .where(CalendarEntry.staff_id == holder.staff_id, CalendarEntry.day >= since)
        .order_by(CalendarEntry.starts_at, CalendarEntry.uid)
    )
    events = [
        icalendar.Event(
            uid=entry.uid,
            sequence=entry.sequence,
            starts_at=entry.starts_at,
            ends_at=entry.ends_at,
            summary=entry.summary,
            description=entry.description,
            location=entry.location,
            status=_status(entry.status),
            last_modified=entry.modified_at,
        )
        for entry in entries
    ]
    return icalendar.calendar(f"Lesson study: {holder.name}", events)


def _status(value: str) -> icalendar.EventStatus:
    if value == "CANCELLED":
        return "CANCELLED"
    return "TENTATIVE" if value == "TENTATIVE" else "CONFIRMED"


async def forget_old_entries(session: AsyncSession) -> int:
    """Published events two months past are of no use to any calendar."""
    result = await session.execute(
        delete(CalendarEntry)
        .where(CalendarEntry.day < func.current_date() - KEEP.days)
        .returning(CalendarEntry.uid)
    )
    return len(result.all())
