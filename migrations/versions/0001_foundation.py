"""foundation: schools, staff, integration clients, tokens

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22 21:53:01.904228
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
    )
    op.create_table(
        "integration_client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scopes", sa.ARRAY(sa.String(length=32)), nullable=False),
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
            "scopes <@ ARRAY['timetable:read','timetable:write','cover:read','cover:write','staff:read']::varchar[]",
            name=op.f("ck_integration_client_scopes"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_integration_client_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_client")),
        sa.UniqueConstraint("school_id", "name", name=op.f("uq_integration_client_school_id_name")),
    )
    op.create_table(
        "staff",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("roles", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("working_days", sa.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("ect_year", sa.SmallInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
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
            "cardinality(roles) > 0 AND roles <@ ARRAY['teacher','cover_supervisor','cpd_lead','admin']::varchar[]",
            name=op.f("ck_staff_roles"),
        ),
        sa.CheckConstraint("ect_year IN (1, 2)", name=op.f("ck_staff_ect_year")),
        sa.CheckConstraint(
            "working_days <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
            name=op.f("ck_staff_working_days_are_iso_weekdays"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_staff_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("school_id", "email", name=op.f("uq_staff_school_id_email")),
        sa.UniqueConstraint(
            "school_id", "external_id", name=op.f("uq_staff_school_id_external_id")
        ),
    )
    op.create_index(
        "ix_staff_school_id_name_id", "staff", ["school_id", "name", "id"], unique=False
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=True),
        sa.Column("integration_client_id", sa.Uuid(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(staff_id IS NULL) <> (integration_client_id IS NULL)",
            name=op.f("ck_api_token_exactly_one_holder"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_client_id"],
            ["integration_client.id"],
            name=op.f("fk_api_token_integration_client_id_integration_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_api_token_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_api_token_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(
        op.f("ix_api_token_integration_client_id"),
        "api_token",
        ["integration_client_id"],
        unique=False,
    )
    op.create_index(op.f("ix_api_token_school_id"), "api_token", ["school_id"], unique=False)
    op.create_index(op.f("ix_api_token_staff_id"), "api_token", ["staff_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_api_token_staff_id"), table_name="api_token")
    op.drop_index(op.f("ix_api_token_school_id"), table_name="api_token")
    op.drop_index(op.f("ix_api_token_integration_client_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index("ix_staff_school_id_name_id", table_name="staff")
    op.drop_table("staff")
    op.drop_table("integration_client")
    op.drop_table("school")
