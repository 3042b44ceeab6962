"""Dropped marks: each mark of a stored classification its extractor could not use, with the
reason, so that a project counts and lists them after the post that reported them.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "dropped_marks",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("classification_pk", BIG_ID, sa.ForeignKey("classifications.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("classification_id", sa.String(40), nullable=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("extractor", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_dropped_marks_project_id", "dropped_marks", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_dropped_marks_project_id", table_name="dropped_marks")
    op.drop_table("dropped_marks")
