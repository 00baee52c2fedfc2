"""timetable, calendar, absences, cover, commitments

Revision ID: 0002_timetable
Revises: 0001_foundation
Create Date: 2026-11-22 22:13:56.505702
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_timetable"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "closure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'inset', 'closure')", name=op.f("ck_closure_kind")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_closure_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_closure_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure")),
    )
    op.create_index(
        "ix_closure_school_id_starts_on", "closure", ["school_id", "starts_on"], unique=False
    )
    op.create_table(
        "cover_policy",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("cover_staff_max_per_day", sa.SmallInteger(), nullable=False),
        sa.Column("cover_staff_max_per_week", sa.SmallInteger(), nullable=False),
        sa.Column("cover_staff_max_per_term", sa.SmallInteger(), nullable=False),
        sa.Column("teacher_cover_allowed", sa.Boolean(), nullable=False),
        sa.Column("teacher_max_per_week", sa.SmallInteger(), nullable=False),
        sa.Column("teacher_max_per_term", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "cover_staff_max_per_day >= 0 AND cover_staff_max_per_week >= 0 AND cover_staff_max_per_term >= 0 AND teacher_max_per_week >= 0 AND teacher_max_per_term >= 0",
            name=op.f("ck_cover_policy_caps_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_cover_policy_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_cover_policy")),
    )
    op.create_table(
        "term",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_term_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_term_school_id_school"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term")),
    )
    op.create_index("ix_term_school_id_starts_on", "term", ["school_id", "starts_on"], unique=False)
    op.create_table(
        "timetable_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_timetable_version_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timetable_version")),
        sa.UniqueConstraint(
            "school_id",
            "effective_from",
            name=op.f("uq_timetable_version_school_id_effective_from"),
        ),
    )
    op.create_table(
        "absence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("period_codes", postgresql.ARRAY(sa.String(length=20)), nullable=True),
        sa.CheckConstraint("kind IN ('absence', 'event')", name=op.f("ck_absence_kind")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_absence_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_absence_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_absence_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
        sa.UniqueConstraint(
            "school_id", "external_id", name=op.f("uq_absence_school_id_external_id")
        ),
    )
    op.create_index(
        "ix_absence_staff_dates", "absence", ["staff_id", "starts_on", "ends_on"], unique=False
    )
    op.create_table(
        "bell_period",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("teaching", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_bell_period_ends_after_start")),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name=op.f("ck_bell_period_weekday")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_bell_period_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "weekday", "code", name=op.f("pk_bell_period")),
    )
    op.create_table(
        "commitment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("purpose_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('teaching','observing','covering','discussing')",
            name=op.f("ck_commitment_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_commitment_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_commitment_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
        sa.UniqueConstraint(
            "staff_id", "day", "period_code", name=op.f("uq_commitment_staff_id_day_period_code")
        ),
    )
    op.create_index("ix_commitment_school_day", "commitment", ["school_id", "day"], unique=False)
    op.create_table(
        "cover_cap",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("max_per_day", sa.SmallInteger(), nullable=True),
        sa.Column("max_per_week", sa.SmallInteger(), nullable=True),
        sa.Column("max_per_term", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "coalesce(max_per_day, 0) >= 0 AND coalesce(max_per_week, 0) >= 0 AND coalesce(max_per_term, 0) >= 0",
            name=op.f("ck_cover_cap_caps_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_cover_cap_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_cover_cap_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_cover_cap")),
    )
    op.create_index(op.f("ix_cover_cap_school_id"), "cover_cap", ["school_id"], unique=False)
    op.create_table(
        "cover_slot",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "week BETWEEN 1 AND 2 AND weekday BETWEEN 1 AND 7", name=op.f("ck_cover_slot_cycle_day")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_cover_slot_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_cover_slot_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id", "staff_id", "week", "weekday", "period_code", name=op.f("pk_cover_slot")
        ),
    )
    op.create_index(
        "ix_cover_slot_version_slot",
        "cover_slot",
        ["version_id", "week", "weekday", "period_code"],
        unique=False,
    )
    op.create_table(
        "duty",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.CheckConstraint("kind IN ('duty', 'meeting')", name=op.f("ck_duty_kind")),
        sa.CheckConstraint(
            "week BETWEEN 1 AND 2 AND weekday BETWEEN 1 AND 7", name=op.f("ck_duty_cycle_day")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_duty_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_duty_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty")),
        sa.UniqueConstraint(
            "version_id", "external_id", name=op.f("uq_duty_version_id_external_id")
        ),
    )
    op.create_index("ix_duty_version_staff", "duty", ["version_id", "staff_id"], unique=False)
    op.create_table(
        "lesson",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("class_code", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=True),
        sa.Column("room", sa.String(length=100), nullable=True),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("period_codes", postgresql.ARRAY(sa.String(length=20)), nullable=False),
        sa.CheckConstraint("cardinality(period_codes) > 0", name=op.f("ck_lesson_has_periods")),
        sa.CheckConstraint(
            "week BETWEEN 1 AND 2 AND weekday BETWEEN 1 AND 7", name=op.f("ck_lesson_cycle_day")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_lesson_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson")),
        sa.UniqueConstraint(
            "version_id", "external_id", name=op.f("uq_lesson_version_id_external_id")
        ),
    )
    op.create_table(
        "protected_period",
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.CheckConstraint("kind IN ('ppa', 'ect')", name=op.f("ck_protected_period_kind")),
        sa.CheckConstraint(
            "week BETWEEN 1 AND 2 AND weekday BETWEEN 1 AND 7",
            name=op.f("ck_protected_period_cycle_day"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_protected_period_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_protected_period_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "version_id",
            "staff_id",
            "week",
            "weekday",
            "period_code",
            name=op.f("pk_protected_period"),
        ),
    )
    op.create_table(
        "school_day",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_school_day_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["term.id"], name=op.f("fk_school_day_term_id_term"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_school_day_version_id_timetable_version"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("school_id", "day", name=op.f("pk_school_day")),
    )
    op.create_index(op.f("ix_school_day_term_id"), "school_day", ["term_id"], unique=False)
    op.create_index(op.f("ix_school_day_version_id"), "school_day", ["version_id"], unique=False)
    op.create_table(
        "teaching",
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("period_code", sa.String(length=20), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("week", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lesson.id"],
            name=op.f("fk_teaching_lesson_id_lesson"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_teaching_staff_id_staff"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["timetable_version.id"],
            name=op.f("fk_teaching_version_id_timetable_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lesson_id", "staff_id", "period_code", name=op.f("pk_teaching")),
    )
    op.create_index(
        "ix_teaching_version_slot",
        "teaching",
        ["version_id", "week", "weekday", "period_code"],
        unique=False,
    )
    op.create_index(
        "ix_teaching_version_staff",
        "teaching",
        ["version_id", "staff_id", "week", "weekday"],
        unique=False,
    )
    op.add_column(
        "school",
        sa.Column("timetable_weeks", sa.SmallInteger(), server_default="1", nullable=False),
    )
    op.add_column(
        "school",
        sa.Column(
            "week_numbering", sa.String(length=16), server_default="continuous", nullable=False
        ),
    )
    # Autogenerate does not see check constraints added to an existing table.
    op.create_check_constraint(
        op.f("ck_school_timetable_weeks"), "school", "timetable_weeks IN (1, 2)"
    )
    op.create_check_constraint(
        op.f("ck_school_week_numbering"), "school", "week_numbering IN ('continuous', 'by_term')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_school_week_numbering"), "school", type_="check")
    op.drop_constraint(op.f("ck_school_timetable_weeks"), "school", type_="check")
    op.drop_column("school", "week_numbering")
    op.drop_column("school", "timetable_weeks")
    op.drop_index("ix_teaching_version_staff", table_name="teaching")
    op.drop_index("ix_teaching_version_slot", table_name="teaching")
    op.drop_table("teaching")
    op.drop_index(op.f("ix_school_day_version_id"), table_name="school_day")
    op.drop_index(op.f("ix_school_day_term_id"), table_name="school_day")
    op.drop_table("school_day")
    op.drop_table("protected_period")
    op.drop_table("lesson")
    op.drop_index("ix_duty_version_staff", table_name="duty")
    op.drop_table("duty")
    op.drop_index("ix_cover_slot_version_slot", table_name="cover_slot")
    op.drop_table("cover_slot")
    op.drop_index(op.f("ix_cover_cap_school_id"), table_name="cover_cap")
    op.drop_table("cover_cap")
    op.drop_index("ix_commitment_school_day", table_name="commitment")
    op.drop_table("commitment")
    op.drop_table("bell_period")
    op.drop_index("ix_absence_staff_dates", table_name="absence")
    op.drop_table("absence")
    op.drop_table("timetable_version")
    op.drop_index("ix_term_school_id_starts_on", table_name="term")
    op.drop_table("term")
    op.drop_table("cover_policy")
    op.drop_index("ix_closure_school_id_starts_on", table_name="closure")
    op.drop_table("closure")
