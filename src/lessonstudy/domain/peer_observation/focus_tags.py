"""Focus tags: the school's shared words for what an observation looks at.

A teacher always writes their focus in their own words; tags (such as
"questioning" or "retrieval practice") are optional and come from the
school's list, so a CPD lead can see which themes teachers are working on
without reading anyone's notes. Observations keep the tag names they were
given, so removing a tag from the list changes no observation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.peer_observation.models import FocusTag
from lessonstudy.errors import Conflict, NotFound, RuleBroken
from lessonstudy.pagination import cursor_uuid, decode_cursor, encode_cursor


def normalise(name: str) -> str:
    """Tags compare ignoring case and spacing: "Retrieval  Practice" is "retrieval practice"."""
    return " ".join(name.split()).lower()


async def list_tags(
    session: AsyncSession, school_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[FocusTag], str | None]:
    query = select(FocusTag).where(FocusTag.school_id == school_id)
    if cursor is not None:
        name, last_id = decode_cursor("focus-tags", cursor, 2)
        query = query.where(tuple_(FocusTag.name, FocusTag.id) > tuple_(name, cursor_uuid(last_id)))
    rows = list(
        (await session.scalars(query.order_by(FocusTag.name, FocusTag.id).limit(limit + 1))).all()
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor("focus-tags", [rows[-1].name, str(rows[-1].id)])
    return rows, next_cursor


async def create_tag(
    session: AsyncSession, school_id: uuid.UUID, *, name: str, description: str | None
) -> FocusTag:
    tag = FocusTag(school_id=school_id, name=normalise(name), description=description)
    existing = await session.scalar(
        select(FocusTag.id).where(FocusTag.school_id == school_id, FocusTag.name == tag.name)
    )
    if existing is not None:
        raise Conflict(
            f"the school already has the focus tag {tag.name!r}",
            errors=[{"field": "name", "message": "already in use"}],
        )
    try:
        async with session.begin_nested():
            session.add(tag)
            await session.flush()
    except IntegrityError:
        raise Conflict(f"the school already has the focus tag {tag.name!r}") from None
    return tag


async def delete_tag(session: AsyncSession, school_id: uuid.UUID, tag_id: uuid.UUID) -> None:
    tag = await session.get(FocusTag, tag_id)
    if tag is None or tag.school_id != school_id:
        raise NotFound("no focus tag with that id")
    await session.delete(tag)
    await session.flush()


async def check_tags(
    session: AsyncSession, school_id: uuid.UUID, names: Sequence[str]
) -> list[str]:
    """The tags, normalised and deduplicated; any the school does not define are refused."""
    wanted = list(dict.fromkeys(normalise(n) for n in names))
    if not wanted:
        return []
    known = set(
        (
            await session.scalars(
                select(FocusTag.name).where(
                    FocusTag.school_id == school_id, FocusTag.name.in_(wanted)
                )
            )
        ).all()
    )
    given = [normalise(n) for n in names]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise RuleBroken(
            "the school has no focus tag "
            + ", ".join(repr(n) for n in unknown)
            + " (GET /v1/focus-tags lists them; describe anything else in the focus)",
            errors=[
                {"field": f"focus_tags[{given.index(n)}]", "message": "unknown tag"}
                for n in unknown
            ],
        )
    return wanted
