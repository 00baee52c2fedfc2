"""scheduling runs, proposals, policy and preferences

Revision ID: 0004_scheduling
Revises: 0003_bookings
Create Date: 2026-11-22 23:24:59.969412
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_scheduling"
down_revision: str | None = "0003_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduling_policy",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("notice_days", sa.SmallInteger(), nullable=False),
        sa.Column("max_observations_per_term", sa.SmallInteger(), nullable=True),
        sa.Column("max_observations_per_year", sa.SmallInteger(), nullable=True),
        sa.Column("discussion_within_days", sa.SmallInteger(), nullable=False),
        sa.Column("min_days_between_cycles", sa.SmallInteger(), nullable=False),
        sa.Column("classes_never_covered", postgresql.ARRAY(sa.String(length=100)), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "notice_days BETWEEN 0 AND 90 AND discussion_within_days BETWEEN 0 AND 14 AND min_days_between_cycles BETWEEN 0 AND 120 AND coalesce(max_observations_per_term, 0) >= 0 AND coalesce(max_observations_per_year, 0) >= 0",
            name=op.f("ck_scheduling_policy_ranges"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_scheduling_policy_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_scheduling_policy")),
    )
    op.create_table(
        "scheduling_preference",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("observe_in_protected_time", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_scheduling_preference_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_scheduling_preference_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_scheduling_preference")),
    )
    op.create_index(
        op.f("ix_scheduling_preference_school_id"),
        "scheduling_preference",
        ["school_id"],
        unique=False,
    )
    op.create_table(
        "scheduling_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requests", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("participant_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("time_limit_seconds", sa.Float(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("build_seconds", sa.Float(), nullable=True),
        sa.Column("solve_seconds", sa.Float(), nullable=True),
        sa.Column("solver_status", sa.String(length=16), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("levels", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued','solving','solved','failed')",
            name=op.f("ck_scheduling_run_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_scheduling_run_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_scheduling_run_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduling_run")),
    )
    op.create_index(
        "ix_scheduling_run_school_created",
        "scheduling_run",
        ["school_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_scheduling_run_status", "scheduling_run", ["status", "claimed_at"], unique=False
    )
    op.create_table(
        "scheduling_proposal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposal", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("account", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed','unscheduled','accepted')",
            name=op.f("ck_scheduling_proposal_status"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"],
            ["staff.id"],
            name=op.f("fk_scheduling_proposal_accepted_by_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["scheduling_run.id"],
            name=op.f("fk_scheduling_proposal_run_id_scheduling_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_scheduling_proposal_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduling_proposal")),
        sa.UniqueConstraint(
            "run_id", "request_id", name=op.f("uq_scheduling_proposal_run_id_request_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("scheduling_proposal")
    op.drop_index("ix_scheduling_run_status", table_name="scheduling_run")
    op.drop_index("ix_scheduling_run_school_created", table_name="scheduling_run")
    op.drop_table("scheduling_run")
    op.drop_index(op.f("ix_scheduling_preference_school_id"), table_name="scheduling_preference")
    op.drop_table("scheduling_preference")
    op.drop_table("scheduling_policy")
