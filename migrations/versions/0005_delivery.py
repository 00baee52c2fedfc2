"""delivery: cover feed, idempotency, webhooks, calendar feeds

Revision ID: 0005_delivery
Revises: 0004_scheduling
Create Date: 2026-11-22 23:26:31.436140
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

_OLD_SCOPES = "'timetable:read','timetable:write','cover:read','cover:write','staff:read'"
_NEW_SCOPES = _OLD_SCOPES + ",'webhooks:manage'"

revision: str = "0005_delivery"
down_revision: str | None = "0004_scheduling"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("caller_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_idempotency_key_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint("caller_id", "key", name=op.f("uq_idempotency_key_caller_id_key")),
    )
    op.create_index(
        op.f("ix_idempotency_key_created_at"), "idempotency_key", ["created_at"], unique=False
    )
    op.create_table(
        "webhook_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_webhook_event_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_event")),
    )
    op.create_index(
        "ix_webhook_event_school_id_created_at",
        "webhook_event",
        ["school_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("events", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "cardinality(events) > 0 AND events <@ ARRAY['cover_request.created','cover_request.changed','booking.created','booking.cancelled','cycle.stage_changed','observation.requested','observation.accepted']::varchar[]",
            name=op.f("ck_webhook_subscription_events"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_webhook_subscription_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    op.create_index(
        "ix_webhook_subscription_school_id", "webhook_subscription", ["school_id"], unique=False
    )
    op.create_table(
        "calendar_entry",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "modified_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('CONFIRMED', 'TENTATIVE', 'CANCELLED')",
            name=op.f("ck_calendar_entry_status"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_calendar_entry_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_calendar_entry_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", "uid", name=op.f("pk_calendar_entry")),
    )
    op.create_table(
        "calendar_feed",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_calendar_feed_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_calendar_feed_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_token_hash")),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("subscription_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redelivery_of", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending','delivered','dead')", name=op.f("ck_webhook_delivery_status")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["webhook_event.id"],
            name=op.f("fk_webhook_delivery_event_id_webhook_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["redelivery_of"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_delivery_redelivery_of_webhook_delivery"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_webhook_delivery_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index(
        "ix_webhook_delivery_due",
        "webhook_delivery",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("ix_webhook_delivery_event_id", "webhook_delivery", ["event_id"], unique=False)
    op.create_index(
        "ix_webhook_delivery_subscription_log",
        "webhook_delivery",
        ["subscription_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "cover_request_change",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("cover_request_id", sa.Uuid(), nullable=False),
        sa.Column("feed_position", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cover_request_id"],
            ["cover_request.id"],
            name=op.f("fk_cover_request_change_cover_request_id_cover_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_cover_request_change_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_cover_request_change")),
    )
    op.create_index(
        "ix_cover_request_change_feed",
        "cover_request_change",
        ["school_id", "feed_position", "seq"],
        unique=False,
    )
    op.create_index(
        "ix_cover_request_change_request",
        "cover_request_change",
        ["cover_request_id", "feed_position"],
        unique=False,
    )
    op.add_column(
        "cover_request", sa.Column("version", sa.Integer(), server_default="0", nullable=False)
    )
    # Requests made before the change feed existed enter it as created, in one transaction.
    op.execute(
        "WITH recorded AS (UPDATE cover_request SET version = 1 RETURNING *) "
        "INSERT INTO cover_request_change (school_id, cover_request_id, feed_position, change, "
        "version, document) SELECT school_id, id, pg_current_xact_id()::text::bigint, 'created', 1, "
        "jsonb_build_object('id', id, 'date', day, 'period', period_code, 'class_code', class_code, "
        "'subject', subject, 'room', room, 'released_staff_id', released_staff_id, "
        "'proposed_cover_staff_id', proposed_cover_staff_id, 'cover_staff_id', cover_staff_id, "
        "'teacher_cover', teacher_cover, 'status', status, 'decline_reason', decline_reason, "
        "'purpose', purpose, 'purpose_id', purpose_id, 'version', 1, 'created_at', created_at, "
        "'updated_at', updated_at) FROM recorded ORDER BY created_at, id"
    )
    op.drop_constraint(op.f("ck_integration_client_scopes"), "integration_client", type_="check")
    op.create_check_constraint(
        op.f("ck_integration_client_scopes"),
        "integration_client",
        f"scopes <@ ARRAY[{_NEW_SCOPES}]::varchar[]",
    )
    # Only open requests are unique per released teacher and period: declined and cancelled
    # ones are history, and the period may be booked again.
    op.drop_constraint(
        op.f("uq_cover_request_released_staff_id_day_period_code_purpose_id"),
        "cover_request",
        type_="unique",
    )
    op.create_index(
        "uq_cover_request_open",
        "cover_request",
        ["released_staff_id", "day", "period_code"],
        unique=True,
        postgresql_where=sa.text("status IN ('requested', 'confirmed')"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_cover_request_open",
        table_name="cover_request",
        postgresql_where=sa.text("status IN ('requested', 'confirmed')"),
    )
    op.create_unique_constraint(
        op.f("uq_cover_request_released_staff_id_day_period_code_purpose_id"),
        "cover_request",
        ["released_staff_id", "day", "period_code", "purpose_id"],
    )
    op.execute("UPDATE integration_client SET scopes = array_remove(scopes, 'webhooks:manage')")
    op.drop_constraint(op.f("ck_integration_client_scopes"), "integration_client", type_="check")
    op.create_check_constraint(
        op.f("ck_integration_client_scopes"),
        "integration_client",
        f"scopes <@ ARRAY[{_OLD_SCOPES}]::varchar[]",
    )
    op.drop_column("cover_request", "version")
    op.drop_index("ix_cover_request_change_request", table_name="cover_request_change")
    op.drop_index("ix_cover_request_change_feed", table_name="cover_request_change")
    op.drop_table("cover_request_change")
    op.drop_index("ix_webhook_delivery_subscription_log", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_event_id", table_name="webhook_delivery")
    op.drop_index(
        "ix_webhook_delivery_due",
        table_name="webhook_delivery",
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.drop_table("webhook_delivery")
    op.drop_table("calendar_feed")
    op.drop_table("calendar_entry")
    op.drop_index("ix_webhook_subscription_school_id", table_name="webhook_subscription")
    op.drop_table("webhook_subscription")
    op.drop_index("ix_webhook_event_school_id_created_at", table_name="webhook_event")
    op.drop_table("webhook_event")
    op.drop_index(op.f("ix_idempotency_key_created_at"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
