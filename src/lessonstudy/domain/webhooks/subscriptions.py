"""Webhook subscriptions of a school, their delivery log, and redelivery."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from msgspec import UNSET, UnsetType
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lessonstudy.domain.webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from lessonstudy.domain.webhooks.signing import new_secret
from lessonstudy.errors import NotFound, RuleBroken
from lessonstudy.pagination import cursor_datetime, cursor_uuid, decode_cursor, encode_cursor

# Every event fans out to every subscriber in the writer's transaction: keep that bounded.
MAX_SUBSCRIPTIONS_PER_SCHOOL = 20


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials in it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    problem = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "must be an absolute http:// or https:// URL"
    elif parts.username is not None or parts.password is not None:
        problem = "must not hold a user name or password; the signature authenticates us"
    elif port == 0:
        problem = "must not use port 0"
    if problem is not None:
        raise RuleBroken(
            f"the webhook URL {problem}", errors=[{"field": "url", "message": problem}]
        )
    return url


def _store_events(events: Sequence[EventType]) -> list[str]:
    return [e.value for e in EventType if e in set(events)]


async def get_subscription(
    session: AsyncSession, school_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription:
    found = await session.get(WebhookSubscription, subscription_id)
    if found is None or found.school_id != school_id:
        raise NotFound("no webhook subscription with that id")
    return found


async def list_subscriptions(
    session: AsyncSession, school_id: uuid.UUID
) -> list[WebhookSubscription]:
    stmt = (
        select(WebhookSubscription)
        .where(WebhookSubscription.school_id == school_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    return list((await session.scalars(stmt)).all())


async def create_subscription(
    session: AsyncSession,
    school_id: uuid.UUID,
    *,
    url: str,
    events: Sequence[EventType],
    description: str | None,
    active: bool,
) -> WebhookSubscription:
    count = await session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.school_id == school_id)
    )
    if (count or 0) >= MAX_SUBSCRIPTIONS_PER_SCHOOL:
        raise RuleBroken(
            f"a school may have at most {MAX_SUBSCRIPTIONS_PER_SCHOOL} webhook subscriptions; "
            "delete one it no longer needs"
        )
    subscription = WebhookSubscription(
        school_id=school_id,
        url=check_url(url),
        events=_store_events(events),
        description=description,
        secret=new_secret(),
        active=active,
    )
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    return subscription


async def update_subscription(
    session: AsyncSession,
    school_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    url: str | UnsetType = UNSET,
    events: Sequence[EventType] | UnsetType = UNSET,
    description: str | UnsetType | None = UNSET,
    active: bool | UnsetType = UNSET,
) -> WebhookSubscription:
    """Only what is given changes. Deliveries already queued keep going to the new URL."""
    subscription = await get_subscription(session, school_id, subscription_id)
    if not isinstance(url, UnsetType):
        subscription.url = check_url(url)
    if not isinstance(events, UnsetType):
        subscription.events = _store_events(events)
    if not isinstance(description, UnsetType):
        subscription.description = description
    if not isinstance(active, UnsetType):
        subscription.active = active
    await session.flush()
    await session.refresh(subscription)
    return subscription


async def rotate_secret(
    session: AsyncSession, school_id: uuid.UUID, subscription_id: uuid.UUID
) -> WebhookSubscription:
    """A new secret at once: deliveries from now on are signed with it."""
    subscription = await get_subscription(session, school_id, subscription_id)
    subscription.secret = new_secret()
    await session.flush()
    await session.refresh(subscription)
    return subscription


async def delete_subscription(
    session: AsyncSession, school_id: uuid.UUID, subscription_id: uuid.UUID
) -> None:
    """Its pending deliveries and its log go with it."""
    subscription = await get_subscription(session, school_id, subscription_id)
    await session.delete(subscription)
    await session.flush()


async def list_deliveries(
    session: AsyncSession,
    school_id: uuid.UUID,
    subscription_id: uuid.UUID,
    *,
    status: DeliveryStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[tuple[WebhookDelivery, str]], str | None]:
    """The subscription's deliveries, newest first, each with its event type."""
    await get_subscription(session, school_id, subscription_id)
    stmt = (
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == subscription_id)
    )
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status.value)
    if cursor is not None:
        created_at, last_id = decode_cursor("deliveries", cursor, 2)
        after = (cursor_datetime(created_at), cursor_uuid(last_id))
        stmt = stmt.where(
            (WebhookDelivery.created_at < after[0])
            | ((WebhookDelivery.created_at == after[0]) & (WebhookDelivery.id < after[1]))
        )
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    result = await session.execute(stmt.limit(limit + 1))
    rows = [(delivery, event_type) for delivery, event_type in result]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1][0]
        next_cursor = encode_cursor("deliveries", [last.created_at.isoformat(), str(last.id)])
    return rows, next_cursor


async def redeliver(
    session: AsyncSession, school_id: uuid.UUID, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, str]:
    """Send a delivery's event again, as a new delivery due now.

    The event keeps its id, so a receiver that already has it can tell. The
    old delivery's log stays as it was.
    """
    subscription = await get_subscription(session, school_id, subscription_id)
    original = await session.get(WebhookDelivery, delivery_id)
    if original is None or original.subscription_id != subscription.id:
        raise NotFound("no delivery with that id for this subscription")
    again = WebhookDelivery(
        school_id=school_id,
        event_id=original.event_id,
        subscription_id=subscription.id,
        redelivery_of=original.id,
    )
    session.add(again)
    await session.flush()
    await session.refresh(again)
    event_type = await session.scalar(
        select(WebhookEvent.type).where(WebhookEvent.id == original.event_id)
    )
    assert event_type is not None
    return again, event_type
