"""The first schema: members, tokens, projects, workflows, parameters, classifications,
extracts, reductions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _project_fk() -> sa.Column:
    return sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
    )
    op.create_index("ix_tokens_member_id", "tokens", ["member_id"])
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("filter_how", sa.String(10), nullable=False),
        sa.Column("config_rev", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "project_members",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("workflow_id", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("display_name", sa.String(300), nullable=False),
        sa.Column("tasks", sa.JSON(), nullable=False),
        sa.Column("strings", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
    )
    op.create_table(
        "task_parameters",
        sa.Column("id", sa.Integer(), primary_key=True),
        _project_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("extractor", sa.String(100), nullable=False),
        sa.Column("extractor_params", sa.JSON(), nullable=False),
        sa.Column("reducer", sa.String(100), nullable=False),
        sa.Column("reducer_params", sa.JSON(), nullable=False),
    )
    op.create_index("ix_task_parameters_project_id", "task_parameters", ["project_id"])
    op.create_table(
        "classifications",
        sa.Column("id", BIG_ID, primary_key=True),
        _project_fk(),
        sa.Column("classification_id", sa.String(40), nullable=False),
        sa.Column("subject_ids", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("received_at", WHEN, nullable=False),
        sa.UniqueConstraint("project_id", "classification_id", name="uq_classification"),
    )
    op.create_table(
        "extracts",
        sa.Column("id", BIG_ID, primary_key=True),
        _project_fk(),
        sa.Column("classification_pk", BIG_ID, sa.ForeignKey("classifications.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("extractor", sa.String(100), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("classification_id", sa.String(40), nullable=False),
        sa.Column("classification_number", sa.BigInteger(), nullable=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_extract_group", "extracts", ["project_id", "extractor", "task", "subject_id"])
    op.create_index("ix_extracts_classification_pk", "extracts", ["classification_pk"])
    op.create_table(
        "extract_columns",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("extractor", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(400), primary_key=True),
        sa.Column("first_number", sa.BigInteger(), nullable=False),
        sa.Column("first_id", sa.String(40), nullable=False),
        sa.Column("first_position", sa.Integer(), nullable=False),
        sa.Column("first_index", sa.Integer(), nullable=False),
    )
    op.create_table(
        "reductions",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("extractor", sa.String(100), primary_key=True),
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("subject_id", sa.String(200), primary_key=True),
        sa.Column("reducer", sa.String(100), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(40), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in ("reductions", "extract_columns", "extracts", "classifications", "task_parameters", "workflows",
                  "project_members", "projects", "tokens", "members"):
        op.drop_table(table)
