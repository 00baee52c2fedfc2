"""Staff: the people of a school, with their roles and working pattern."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from msgspec import UNSET, UnsetType
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lessonstudy.db import Base, TimestampedMixin, new_id
from lessonstudy.errors import Conflict, NotFound, RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor


class Role(enum.StrEnum):
    TEACHER = "teacher"
    COVER_SUPERVISOR = "cover_supervisor"
    CPD_LEAD = "cpd_lead"
    ADMIN = "admin"


class Weekday(enum.StrEnum):
    """Working-pattern days; stored as ISO weekday numbers (Monday = 1)."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def iso(self) -> int:
        return _ISO_OF[self]

    @classmethod
    def from_iso(cls, number: int) -> Weekday:
        return _WEEKDAYS[number - 1]


# Looked up on every row of a large import: computed once.
_WEEKDAYS = tuple(Weekday)
_ISO_OF = {day: number for number, day in enumerate(_WEEKDAYS, start=1)}

FULL_TIME = (Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY)

_ROLE_LIST = ",".join(f"'{r.value}'" for r in Role)


class Staff(TimestampedMixin, Base):
    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("school_id", "external_id"),
        UniqueConstraint("school_id", "email"),
        # Serves the default list order and its keyset cursor.
        Index("ix_staff_school_id_name_id", "school_id", "name", "id"),
        CheckConstraint(
            f"cardinality(roles) > 0 AND roles <@ ARRAY[{_ROLE_LIST}]::varchar[]", name="roles"
        ),
        CheckConstraint(
            "working_days <@ ARRAY[1,2,3,4,5,6,7]::smallint[]", name="working_days_are_iso_weekdays"
        ),
        CheckConstraint("ect_year IN (1, 2)", name="ect_year"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    school_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), nullable=False
    )
    # The MIS's id for this person, used by the timetable integration to match rows.
    external_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # Stored lower-cased so uniqueness ignores case.
    email: Mapped[str | None] = mapped_column(String(320))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    working_days: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), nullable=False)
    # Early career teacher: year 1 or 2 of induction, with protected time.
    ect_year: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True, kw_only=True)
class StaffFields:
    """The editable fields of a new staff record, already validated in shape."""

    name: str
    roles: Sequence[Role]
    working_days: Sequence[Weekday] = FULL_TIME
    email: str | None = None
    ect_year: int | None = None
    external_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class StaffChanges:
    """A partial update: fields left UNSET keep their value."""

    name: str | UnsetType = UNSET
    roles: Sequence[Role] | UnsetType = UNSET
    working_days: Sequence[Weekday] | UnsetType = UNSET
    email: str | UnsetType | None = UNSET
    ect_year: int | UnsetType | None = UNSET
    external_id: str | UnsetType | None = UNSET


def _store_roles(roles: Sequence[Role]) -> list[str]:
    # Deduplicated and in a stable order so equal sets compare equal.
    return [r.value for r in Role if r in set(roles)]


def _store_days(days: Sequence[Weekday]) -> list[int]:
    return sorted({d.iso for d in days})


def _store_email(email: str | None) -> str | None:
    return email.strip().lower() if email is not None else None


async def _ensure_unique(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    email: str | None,
    external_id: str | None,
    except_id: uuid.UUID | None = None,
) -> None:
    """Check uniqueness first for a clear message; the database has the last word."""
    for field, value in (("email", email), ("external_id", external_id)):
        if value is None:
            continue
        stmt = select(Staff.id).where(Staff.school_id == school_id, getattr(Staff, field) == value)
        if except_id is not None:
            stmt = stmt.where(Staff.id != except_id)
        if (await session.execute(stmt.limit(1))).first() is not None:
            raise Conflict(
                f"another member of staff already has {field} {value!r}",
                errors=[{"field": field, "message": "already in use"}],
            )


async def _flush_or_conflict(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent writer won the race between our check and the insert.
        raise Conflict("another member of staff already has that email or external id") from exc


async def get_staff(session: AsyncSession, school_id: uuid.UUID, staff_id: uuid.UUID) -> Staff:
    staff = await session.get(Staff, staff_id)
    if staff is None or staff.school_id != school_id:
        raise NotFound("no member of staff with that id")
    return staff


async def list_staff(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    role: Role | None = None,
    active: bool | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Staff], str | None]:
    """One page of staff in name order, and the cursor of the next page if any."""
    stmt = select(Staff).where(Staff.school_id == school_id)
    if role is not None:
        stmt = stmt.where(Staff.roles.contains([role.value]))
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    if cursor is not None:
        name, last_id = decode_cursor("staff", cursor, 2)
        after_id = cursor_uuid(last_id)
        stmt = stmt.where(tuple_(Staff.name, Staff.id) > tuple_(name, after_id))
    stmt = stmt.order_by(Staff.name, Staff.id).limit(limit + 1)
    rows = list((await session.scalars(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor("staff", [last.name, str(last.id)])
    return rows, next_cursor


async def create_staff(session: AsyncSession, school_id: uuid.UUID, fields: StaffFields) -> Staff:
    email = _store_email(fields.email)
    await _ensure_unique(session, school_id, email=email, external_id=fields.external_id)
    staff = Staff(
        school_id=school_id,
        name=fields.name.strip(),
        email=email,
        roles=_store_roles(fields.roles),
        working_days=_store_days(fields.working_days),
        ect_year=fields.ect_year,
        external_id=fields.external_id,
    )
    session.add(staff)
    await _flush_or_conflict(session)
    await session.refresh(staff)
    return staff


async def update_staff(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    changes: StaffChanges,
    *,
    acting_staff_id: uuid.UUID | None = None,
) -> Staff:
    staff = await get_staff(session, school_id, staff_id)
    # An admin cannot lock themselves out; another admin must make that change.
    if (
        staff.id == acting_staff_id
        and not isinstance(changes.roles, UnsetType)
        and Role.ADMIN in staff.roles
        and Role.ADMIN not in changes.roles
    ):
        raise RuleBroken(
            "you cannot remove your own admin role; ask another admin",
            errors=[{"field": "roles", "message": "must keep admin"}],
        )
    email = _store_email(changes.email) if not isinstance(changes.email, UnsetType) else None
    external_id = changes.external_id if not isinstance(changes.external_id, UnsetType) else None
    await _ensure_unique(
        session, school_id, email=email, external_id=external_id, except_id=staff.id
    )
    if not isinstance(changes.name, UnsetType):
        staff.name = changes.name.strip()
    if not isinstance(changes.roles, UnsetType):
        staff.roles = _store_roles(changes.roles)
    if not isinstance(changes.working_days, UnsetType):
        staff.working_days = _store_days(changes.working_days)
    if not isinstance(changes.email, UnsetType):
        staff.email = email
    if not isinstance(changes.ect_year, UnsetType):
        staff.ect_year = changes.ect_year
    if not isinstance(changes.external_id, UnsetType):
        staff.external_id = changes.external_id
    await _flush_or_conflict(session)
    await session.refresh(staff)
    return staff


async def set_active(
    session: AsyncSession,
    school_id: uuid.UUID,
    staff_id: uuid.UUID,
    *,
    active: bool,
    acting_staff_id: uuid.UUID | None = None,
) -> Staff:
    """Deactivating keeps the record (history refers to it) but its tokens stop working."""
    staff = await get_staff(session, school_id, staff_id)
    if not active and staff.id == acting_staff_id:
        raise RuleBroken("you cannot deactivate yourself; ask another admin")
    if staff.active != active:
        staff.active = active
        staff.deactivated_at = None if active else func.now()
        await session.flush()
        await session.refresh(staff)
    return staff
