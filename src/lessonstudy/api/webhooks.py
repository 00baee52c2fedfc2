"""Webhook subscriptions, their delivery log and redelivery.

Managed by a school's admins, or by an integration holding `webhooks:manage`
(the MIS sync registering its own receiver).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import UNSET, UnsetType

from lessonstudy.api.deps import Caller, Session
from lessonstudy.api.problems import COMMON, problem_responses
from lessonstudy.api.schemas import DEFAULT_LIMIT, Cursor, Limit, Name
from lessonstudy.auth import scope_or_role
from lessonstudy.domain.integration_clients import Scope
from lessonstudy.domain.staff import Role
from lessonstudy.domain.webhooks import DeliveryStatus, EventType, WebhookDelivery, subscriptions
from lessonstudy.domain.webhooks.models import WebhookSubscription
from lessonstudy.domain.webhooks.signing import SECRET_PREFIX

Url = Annotated[
    str,
    msgspec.Meta(
        min_length=10,
        max_length=2000,
        pattern=r"^https?://[^\x00-\x20\x7f-\x9f]+$",
        examples=["https://mis.example/hooks/lessonstudy"],
    ),
]
Events = Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=len(EventType))]


class SubscriptionStatus(enum.StrEnum):
    """A word, not a boolean: the framework would read 0 or "false" as a boolean too."""

    ACTIVE = "active"
    PAUSED = "paused"  # deliveries wait, and go out when it is active again


class WebhookSubscriptionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    url: str
    events: list[EventType]
    description: str | None
    status: SubscriptionStatus
    secret_hint: str
    """The secret's first characters; the secret itself is shown only when created or rotated."""
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    url: Url
    events: Events
    description: Name | None = None
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE


class WebhookSubscriptionUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change."""

    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    description: Name | UnsetType | None = UNSET
    status: SubscriptionStatus | UnsetType = UNSET
    """`paused` holds deliveries back; they go out when it is `active` again."""


class WebhookSubscriptionSecret(msgspec.Struct, kw_only=True):
    subscription: WebhookSubscriptionOut
    secret: str
    """Verify each delivery's `X-Lessonstudy-Signature` with it. It cannot be shown again."""


class WebhookSubscriptionList(msgspec.Struct, kw_only=True):
    items: list[WebhookSubscriptionOut]


class WebhookDeliveryOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    event_id: uuid.UUID
    """The same for a redelivery of the event: receivers drop what they have seen."""
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    """When the next attempt is due, while pending."""
    last_attempt_at: datetime | None
    last_status_code: int | None
    """What the receiver answered last, if it answered."""
    last_error: str | None
    delivered_at: datetime | None
    redelivery_of: uuid.UUID | None
    created_at: datetime


class WebhookDeliveryPage(msgspec.Struct, kw_only=True):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last page."""


def subscription_out(subscription: WebhookSubscription) -> WebhookSubscriptionOut:
    return WebhookSubscriptionOut(
        id=subscription.id,
        url=subscription.url,
        events=[EventType(e) for e in subscription.events],
        description=subscription.description,
        status=SubscriptionStatus.ACTIVE if subscription.active else SubscriptionStatus.PAUSED,
        secret_hint=subscription.secret[: len(SECRET_PREFIX) + 4],
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def delivery_out(delivery: WebhookDelivery, event_type: str) -> WebhookDeliveryOut:
    pending = delivery.status == DeliveryStatus.PENDING
    return WebhookDeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=EventType(event_type),
        status=DeliveryStatus(delivery.status),
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if pending else None,
        last_attempt_at=delivery.last_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        redelivery_of=delivery.redelivery_of,
        created_at=delivery.created_at,
    )


SubscriptionId = Annotated[uuid.UUID, PathParameter(description="The subscription's id.")]
DeliveryId = Annotated[uuid.UUID, PathParameter(description="The delivery's id.")]


class WebhookSubscriptionController(Controller):
    path = "/v1/webhooks/subscriptions"
    tags = ["Webhooks"]
    guards = [scope_or_role(Scope.WEBHOOKS_MANAGE, Role.ADMIN)]

    @get(
        operation_id="listWebhookSubscriptions",
        summary="List webhook subscriptions",
        responses=problem_responses(*COMMON),
    )
    async def list_subscriptions(
        self, session: Session, principal: Caller
    ) -> WebhookSubscriptionList:
        rows = await subscriptions.list_subscriptions(session, principal.school_id)
        return WebhookSubscriptionList(items=[subscription_out(s) for s in rows])

    @post(
        operation_id="createWebhookSubscription",
        summary="Subscribe a URL to events",
        description="The response holds the signing secret, shown this once.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 422),
    )
    async def create_subscription(
        self, session: Session, principal: Caller, data: JSONBody[WebhookSubscriptionCreate]
    ) -> WebhookSubscriptionSecret:
        created = await subscriptions.create_subscription(
            session,
            principal.school_id,
            url=data.url,
            events=data.events,
            description=data.description,
            active=data.status == SubscriptionStatus.ACTIVE,
        )
        return WebhookSubscriptionSecret(
            subscription=subscription_out(created), secret=created.secret
        )

    @get(
        "/{subscription_id:uuid}",
        operation_id="getWebhookSubscription",
        summary="Get a webhook subscription",
        responses=problem_responses(*COMMON, 404),
    )
    async def get_subscription(
        self, session: Session, principal: Caller, subscription_id: SubscriptionId
    ) -> WebhookSubscriptionOut:
        found = await subscriptions.get_subscription(session, principal.school_id, subscription_id)
        return subscription_out(found)

    @patch(
        "/{subscription_id:uuid}",
        operation_id="updateWebhookSubscription",
        summary="Change a webhook subscription",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def update_subscription(
        self,
        session: Session,
        principal: Caller,
        subscription_id: SubscriptionId,
        data: JSONBody[WebhookSubscriptionUpdate],
    ) -> WebhookSubscriptionOut:
        updated = await subscriptions.update_subscription(
            session,
            principal.school_id,
            subscription_id,
            url=data.url,
            events=data.events,
            description=data.description,
            active=UNSET
            if isinstance(data.status, UnsetType)
            else data.status == SubscriptionStatus.ACTIVE,
        )
        return subscription_out(updated)

    @delete(
        "/{subscription_id:uuid}",
        operation_id="deleteWebhookSubscription",
        summary="Delete a webhook subscription",
        description="Its pending deliveries and its delivery log go with it.",
        status_code=HTTP_204_NO_CONTENT,
        responses=problem_responses(*COMMON, 404),
    )
    async def delete_subscription(
        self, session: Session, principal: Caller, subscription_id: SubscriptionId
    ) -> None:
        await subscriptions.delete_subscription(session, principal.school_id, subscription_id)

    @post(
        "/{subscription_id:uuid}/secret",
        operation_id="rotateWebhookSecret",
        summary="Rotate the signing secret",
        description="Deliveries from now on are signed with the new secret, shown this once.",
        status_code=HTTP_200_OK,
        responses=problem_responses(*COMMON, 404),
    )
    async def rotate_secret(
        self, session: Session, principal: Caller, subscription_id: SubscriptionId
    ) -> WebhookSubscriptionSecret:
        rotated = await subscriptions.rotate_secret(session, principal.school_id, subscription_id)
        return WebhookSubscriptionSecret(
            subscription=subscription_out(rotated), secret=rotated.secret
        )

    @get(
        "/{subscription_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        summary="The delivery log",
        responses=problem_responses(*COMMON, 404, 422),
    )
    async def list_deliveries(
        self,
        session: Session,
        principal: Caller,
        subscription_id: SubscriptionId,
        status: Annotated[
            DeliveryStatus | None, QueryParameter(description="Only deliveries in this state.")
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> WebhookDeliveryPage:
        """Newest first: each delivery's attempts, last answer and what happens next."""
        rows, next_cursor = await subscriptions.list_deliveries(
            session,
            principal.school_id,
            subscription_id,
            status=status,
            limit=limit,
            cursor=cursor,
        )
        return WebhookDeliveryPage(
            items=[delivery_out(d, t) for d, t in rows], next_cursor=next_cursor
        )

    @post(
        "/{subscription_id:uuid}/deliveries/{delivery_id:uuid}/redeliver",
        operation_id="redeliverWebhook",
        summary="Send a delivery's event again",
        description="A new delivery of the same event (same event id), due at once.",
        status_code=HTTP_201_CREATED,
        responses=problem_responses(*COMMON, 404),
    )
    async def redeliver(
        self,
        session: Session,
        principal: Caller,
        subscription_id: SubscriptionId,
        delivery_id: DeliveryId,
    ) -> WebhookDeliveryOut:
        again, event_type = await subscriptions.redeliver(
            session, principal.school_id, subscription_id, delivery_id
        )
        return delivery_out(again, event_type)
