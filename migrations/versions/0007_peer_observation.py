"""peer observation: observations, notes, reflections, shares, read log, policy, focus tags

Revision ID: 0007_peer_observation
Revises: 0006_lesson_study
Create Date: 2026-11-22 23:29:11.690429
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_peer_observation"
down_revision: str | None = "0006_lesson_study"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "observation_focus_tag",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_focus_tag_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_focus_tag")),
        sa.UniqueConstraint(
            "school_id", "name", name=op.f("uq_observation_focus_tag_school_id_name")
        ),
    )
    op.create_index(
        "ix_observation_focus_tag_school_name",
        "observation_focus_tag",
        ["school_id", "name", "id"],
        unique=False,
    )
    op.create_table(
        "observation_policy",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("max_per_year", sa.SmallInteger(), nullable=True),
        sa.Column("max_minutes_per_year", sa.Integer(), nullable=True),
        sa.Column("min_notice_days", sa.SmallInteger(), nullable=False),
        sa.Column("guard_mode", sa.String(length=16), nullable=False),
        sa.Column("guard_patterns", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.CheckConstraint(
            "guard_mode IN ('refuse','warn')", name=op.f("ck_observation_policy_guard_mode")
        ),
        sa.CheckConstraint(
            "coalesce(max_per_year, 0) >= 0 AND coalesce(max_minutes_per_year, 0) >= 0 AND min_notice_days >= 0",
            name=op.f("ck_observation_policy_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_policy_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_observation_policy")),
    )
    op.create_table(
        "observation_tally",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("term_starts_on", sa.Date(), nullable=False),
        sa.Column("term_name", sa.String(length=100), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.CheckConstraint("deleted >= 0", name=op.f("ck_observation_tally_deleted")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_tally_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "school_id", "term_starts_on", "term_name", name=op.f("pk_observation_tally")
        ),
    )
    op.create_table(
        "observation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("observed_staff_id", sa.Uuid(), nullable=False),
        sa.Column("observer_staff_id", sa.Uuid(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("class_code", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("room", sa.String(length=100), nullable=True),
        sa.Column("focus", sa.Text(), nullable=True),
        sa.Column("focus_tags", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("beyond_policy", sa.Boolean(), nullable=False),
        sa.Column("closing_reason", sa.String(length=500), nullable=True),
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
        sa.CheckConstraint("origin IN ('request','offer')", name=op.f("ck_observation_origin")),
        sa.CheckConstraint(
            "stage IN ('awaiting_consent','agreed','declined','cancelled')",
            name=op.f("ck_observation_stage"),
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_observation_ends_after_start")),
        sa.CheckConstraint(
            "observer_staff_id <> observed_staff_id", name=op.f("ck_observation_two_people")
        ),
        sa.ForeignKeyConstraint(
            ["observed_staff_id"],
            ["staff.id"],
            name=op.f("fk_observation_observed_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["observer_staff_id"],
            ["staff.id"],
            name=op.f("fk_observation_observer_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
    )
    op.create_index(
        "ix_observation_observed",
        "observation",
        ["school_id", "observed_staff_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_observation_observer",
        "observation",
        ["school_id", "observer_staff_id", "day"],
        unique=False,
    )
    op.create_table(
        "observation_notes",
        sa.Column("observation_id", sa.Uuid(), nullable=False),
        sa.Column("evidence", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("questions", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("takeaways", postgresql.ARRAY(sa.Text()), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_observation_notes_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("observation_id", name=op.f("pk_observation_notes")),
    )
    op.create_table(
        "observation_reflection",
        sa.Column("observation_id", sa.Uuid(), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=False),
        sa.Column("follow_up_action", sa.Text(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_observation_reflection_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("observation_id", name=op.f("pk_observation_reflection")),
    )
    op.create_index(
        "ix_observation_reflection_due", "observation_reflection", ["follow_up_on"], unique=False
    )
    op.create_table(
        "observation_share",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("observation_id", sa.Uuid(), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("include_reflection", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_observation_share_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_share_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_share")),
    )
    op.create_index(
        "ix_observation_share_observation",
        "observation_share",
        ["observation_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "observation_read",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("observation_id", sa.Uuid(), nullable=False),
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("reader_staff_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column(
            "read_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "part IN ('notes', 'reflection')", name=op.f("ck_observation_read_part")
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name=op.f("fk_observation_read_observation_id_observation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reader_staff_id"],
            ["staff.id"],
            name=op.f("fk_observation_read_reader_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_observation_read_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["observation_share.id"],
            name=op.f("fk_observation_read_share_id_observation_share"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_read")),
    )
    op.create_index(
        "ix_observation_read_observation",
        "observation_read",
        ["observation_id", "read_at", "id"],
        unique=False,
    )
    op.create_table(
        "observation_share_member",
        sa.Column("share_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["share_id"],
            ["observation_share.id"],
            name=op.f("fk_observation_share_member_share_id_observation_share"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_observation_share_member_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("share_id", "staff_id", name=op.f("pk_observation_share_member")),
    )
    op.create_index(
        op.f("ix_observation_share_member_staff_id"),
        "observation_share_member",
        ["staff_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_observation_share_member_staff_id"), table_name="observation_share_member"
    )
    op.drop_table("observation_share_member")
    op.drop_index("ix_observation_read_observation", table_name="observation_read")
    op.drop_table("observation_read")
    op.drop_index("ix_observation_share_observation", table_name="observation_share")
    op.drop_table("observation_share")
    op.drop_index("ix_observation_reflection_due", table_name="observation_reflection")
    op.drop_table("observation_reflection")
    op.drop_table("observation_notes")
    op.drop_index("ix_observation_observer", table_name="observation")
    op.drop_index("ix_observation_observed", table_name="observation")
    op.drop_table("observation")
    op.drop_table("observation_tally")
    op.drop_table("observation_policy")
    op.drop_index("ix_observation_focus_tag_school_name", table_name="observation_focus_tag")
    op.drop_table("observation_focus_tag")
