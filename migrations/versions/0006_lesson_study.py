"""lesson study

Revision ID: 0006_lesson_study
Revises: 0005_delivery
Create Date: 2026-11-22 23:33:39.389095
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_lesson_study"
down_revision: str | None = "0005_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lesson_study_policy",
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("discussion_allowance_days", sa.SmallInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "discussion_allowance_days BETWEEN 0 AND 30",
            name=op.f("ck_lesson_study_policy_discussion_allowance_days"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_lesson_study_policy_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("school_id", name=op.f("pk_lesson_study_policy")),
    )
    op.create_table(
        "study_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("research_focus", sa.String(length=300), nullable=False),
        sa.Column("focus_class", sa.String(length=100), nullable=False),
        sa.Column("academic_year", sa.String(length=7), nullable=False),
        sa.Column("planned_cycles", sa.SmallInteger(), nullable=False),
        sa.Column("ko_staff_id", sa.Uuid(), nullable=True),
        sa.Column("ko_name", sa.String(length=200), nullable=True),
        sa.Column("ko_email", sa.String(length=320), nullable=True),
        sa.Column("retention_date", sa.Date(), nullable=False),
        sa.Column("pupil_data_erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
            "academic_year ~ '^[0-9]{4}-[0-9]{2}$'", name=op.f("ck_study_group_academic_year")
        ),
        sa.CheckConstraint(
            "(ko_name IS NULL) = (ko_email IS NULL) AND NOT (ko_staff_id IS NOT NULL AND ko_name IS NOT NULL)",
            name=op.f("ck_study_group_knowledgeable_other"),
        ),
        sa.CheckConstraint(
            "planned_cycles BETWEEN 1 AND 6", name=op.f("ck_study_group_planned_cycles")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff.id"],
            name=op.f("fk_study_group_created_by_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ko_staff_id"],
            ["staff.id"],
            name=op.f("fk_study_group_ko_staff_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_study_group_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study_group")),
    )
    op.create_index("ix_study_group_retention", "study_group", ["retention_date"], unique=False)
    op.create_index(
        "ix_study_group_school_created",
        "study_group",
        ["school_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "case_pupil",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("profile", sa.String(length=500), nullable=True),
        sa.CheckConstraint("code ~ '^[A-Z][A-Z0-9]{0,3}$'", name=op.f("ck_case_pupil_code")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_group.id"],
            name=op.f("fk_case_pupil_group_id_study_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_pupil")),
        sa.UniqueConstraint("group_id", "code", name=op.f("uq_case_pupil_group_id_code")),
    )
    op.create_table(
        "research_cycle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column(
            "stage_changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
        sa.Column("class_code", sa.String(length=100), nullable=False),
        sa.Column("ko_attends", sa.Boolean(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("lesson_date", sa.Date(), nullable=True),
        sa.Column("lesson_period", sa.String(length=20), nullable=True),
        sa.Column("lesson_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taught_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("predictions_made", sa.SmallInteger(), nullable=True),
        sa.Column("predictions_expected", sa.SmallInteger(), nullable=True),
        sa.Column("observers_submitted", sa.SmallInteger(), nullable=True),
        sa.Column("observers_expected", sa.SmallInteger(), nullable=True),
        sa.Column("interviews_done", sa.SmallInteger(), nullable=True),
        sa.Column("interviews_expected", sa.SmallInteger(), nullable=True),
        sa.Column("override_reason", sa.String(length=1000), nullable=True),
        sa.Column("discussion_held_on", sa.Date(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
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
            "stage IN ('plan','teach','observe','debrief','closed')",
            name=op.f("ck_research_cycle_stage"),
        ),
        sa.CheckConstraint("number BETWEEN 1 AND 6", name=op.f("ck_research_cycle_number")),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_group.id"],
            name=op.f("fk_research_cycle_group_id_study_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_research_cycle_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["staff.id"],
            name=op.f("fk_research_cycle_teacher_id_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_cycle")),
        sa.UniqueConstraint("group_id", "number", name=op.f("uq_research_cycle_group_id_number")),
    )
    op.create_index(
        "ix_research_cycle_one_open",
        "research_cycle",
        ["group_id"],
        unique=True,
        postgresql_where=sa.text("stage <> 'closed'"),
    )
    op.create_table(
        "study_group_member",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_group.id"],
            name=op.f("fk_study_group_member_group_id_study_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_study_group_member_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "staff_id", name=op.f("pk_study_group_member")),
    )
    op.create_index("ix_study_group_member_staff", "study_group_member", ["staff_id"], unique=False)
    op.create_table(
        "study_write_up",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("focus", sa.String(length=4000), nullable=True),
        sa.Column("learned", sa.String(length=4000), nullable=True),
        sa.Column("evidence", sa.String(length=4000), nullable=True),
        sa.Column("recommendations", sa.String(length=4000), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_group.id"],
            name=op.f("fk_study_write_up_group_id_study_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["staff.id"],
            name=op.f("fk_study_write_up_published_by_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_study_write_up_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["staff.id"],
            name=op.f("fk_study_write_up_updated_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_study_write_up")),
    )
    op.create_table(
        "debrief_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.SmallInteger(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("pupil_id", sa.Uuid(), nullable=True),
        sa.Column("plan_stage", sa.SmallInteger(), nullable=True),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(step = 1) = (pupil_id IS NOT NULL)",
            name=op.f("ck_debrief_entry_evidence_names_a_pupil"),
        ),
        sa.CheckConstraint("step BETWEEN 1 AND 5", name=op.f("ck_debrief_entry_step")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff.id"],
            name=op.f("fk_debrief_entry_author_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_debrief_entry_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["case_pupil.id"],
            name=op.f("fk_debrief_entry_pupil_id_case_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debrief_entry")),
    )
    op.create_index(
        "ix_debrief_entry_cycle", "debrief_entry", ["cycle_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "lesson_study_audit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("school_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_stage", sa.String(length=10), nullable=True),
        sa.Column("to_stage", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff.id"],
            name=op.f("fk_lesson_study_audit_actor_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_lesson_study_audit_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["study_group.id"],
            name=op.f("fk_lesson_study_audit_group_id_study_group"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
            name=op.f("fk_lesson_study_audit_school_id_school"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesson_study_audit")),
    )
    op.create_index(
        "ix_lesson_study_audit_group", "lesson_study_audit", ["group_id", "at", "id"], unique=False
    )
    op.create_table(
        "observation_note",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("observer_id", sa.Uuid(), nullable=False),
        sa.Column("pupil_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column("did", sa.String(length=2000), nullable=True),
        sa.Column("said", sa.String(length=2000), nullable=True),
        sa.CheckConstraint("stage BETWEEN 1 AND 12", name=op.f("ck_observation_note_stage")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_observation_note_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["observer_id"],
            ["staff.id"],
            name=op.f("fk_observation_note_observer_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["case_pupil.id"],
            name=op.f("fk_observation_note_pupil_id_case_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_note")),
        sa.UniqueConstraint(
            "cycle_id",
            "observer_id",
            "pupil_id",
            "stage",
            name=op.f("uq_observation_note_cycle_id_observer_id_pupil_id_stage"),
        ),
    )
    op.create_table(
        "observation_sheet",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("observer_id", sa.Uuid(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_observation_sheet_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["observer_id"],
            ["staff.id"],
            name=op.f("fk_observation_sheet_observer_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "observer_id", name=op.f("pk_observation_sheet")),
    )
    op.create_table(
        "plan_version",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("saved_by", sa.Uuid(), nullable=True),
        sa.Column(
            "saved_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_plan_version_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["saved_by"],
            ["staff.id"],
            name=op.f("fk_plan_version_saved_by_staff"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "version", name=op.f("pk_plan_version")),
    )
    op.create_table(
        "pupil_interview",
        sa.Column("cycle_id", sa.Uuid(), nullable=False),
        sa.Column("pupil_id", sa.Uuid(), nullable=False),
        sa.Column("interviewer_id", sa.Uuid(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(length=4000), nullable=True),
        sa.Column("minutes", sa.SmallInteger(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "consent OR notes IS NULL", name=op.f("ck_pupil_interview_notes_need_consent")
        ),
        sa.CheckConstraint("minutes BETWEEN 1 AND 30", name=op.f("ck_pupil_interview_minutes")),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["research_cycle.id"],
            name=op.f("fk_pupil_interview_cycle_id_research_cycle"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"],
            ["staff.id"],
            name=op.f("fk_pupil_interview_interviewer_id_staff"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"],
            ["case_pupil.id"],
            name=op.f("fk_pupil_interview_pupil_id_case_pupil"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cycle_id", "pupil_id", name=op.f("pk_pupil_interview")),
    )


def downgrade() -> None:
    op.drop_table("pupil_interview")
    op.drop_table("plan_version")
    op.drop_table("observation_sheet")
    op.drop_table("observation_note")
    op.drop_index("ix_lesson_study_audit_group", table_name="lesson_study_audit")
    op.drop_table("lesson_study_audit")
    op.drop_index("ix_debrief_entry_cycle", table_name="debrief_entry")
    op.drop_table("debrief_entry")
    op.drop_table("study_write_up")
    op.drop_index("ix_study_group_member_staff", table_name="study_group_member")
    op.drop_table("study_group_member")
    op.drop_index(
        "ix_research_cycle_one_open",
        table_name="research_cycle",
        postgresql_where=sa.text("stage <> 'closed'"),
    )
    op.drop_table("research_cycle")
    op.drop_table("case_pupil")
    op.drop_index("ix_study_group_school_created", table_name="study_group")
    op.drop_index("ix_study_group_retention", table_name="study_group")
    op.drop_table("study_group")
    op.drop_table("lesson_study_policy")
