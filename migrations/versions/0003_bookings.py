"""cover requests and notifications

Revision ID: 0003_bookings
Revises: 0002_timetable
Create Date: 2026-11-22 23:13:07.008528
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_bookings"
down_revision: str | None = "0002_timetable"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cover_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("class_code", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("room", sa.String(length=40), nullable=True),
        sa.Column("released_staff_id", sa.Uuid(), nullable=False),
        sa.Column("proposed_cover_staff_id", sa.Uuid(), nullable=True),
        sa.Column("cover_staff_id", sa.Uuid(), nullable=True),
        sa.Column("teacher_cover", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("purpose_id", sa.Uuid(), nullable=False),
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
            "status IN ('requested','confirmed','declined','cancelled')",
            name=op.f("ck_cover_request_status"),
        ),
        sa.ForeignKeyConstraint(
            ["cover_staff_id"],
            ["staff.id"],
            name=op.f("fk_cover_request_cover_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_cover_staff_id"],
            ["staff.id"],
            name=op.f("fk_cover_request_proposed_cover_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["released_staff_id"],
            ["staff.id"],
            name=op.f("fk_cover_request_released_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_cover_request_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cover_request")),
        sa.UniqueConstraint(
            "released_staff_id",
            "day",
            "period_code",
            "purpose_id",
            name=op.f("uq_cover_request_released_staff_id_day_period_code_purpose_id"),
        ),
    )
    op.create_index("ix_cover_request_purpose", "cover_request", ["purpose_id"], unique=False)
    op.create_index(
        "ix_cover_request_school_day", "cover_request", ["school_id", "day"], unique=False
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("about", sa.String(length=40), nullable=True),
        sa.Column("about_id", sa.Uuid(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_notification_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_notification_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "staff_id", "dedupe_key", name=op.f("uq_notification_staff_id_dedupe_key")
        ),
    )
    op.create_index(
        "ix_notification_staff_created",
        "notification",
        ["staff_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notification_staff_created", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_cover_request_school_day", table_name="cover_request")
    op.drop_index("ix_cover_request_purpose", table_name="cover_request")
    op.drop_table("cover_request")
