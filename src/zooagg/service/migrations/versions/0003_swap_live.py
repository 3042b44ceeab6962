"""Live SWAP: the team's settings per yes/no task, each subject's and volunteer's state, and
the history of decisions, one row per classification (service/swap_live.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _project_fk(primary_key: bool = True) -> sa.Column:
    return sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id", ondelete="CASCADE"),
                     primary_key=primary_key, nullable=False)


def upgrade() -> None:
    op.create_table(
        "swap_settings", _project_fk(),
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "swap_subjects", _project_fk(),
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("subject_id", sa.String(200), primary_key=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("classifications", sa.Integer(), nullable=False),
        sa.Column("truth", sa.Text(), nullable=True),
    )
    op.create_table(
        "swap_volunteers", _project_fk(),
        sa.Column("task", sa.String(100), primary_key=True),
        sa.Column("volunteer", sa.String(200), primary_key=True),
        sa.Column("user_name", sa.String(200), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in ("pl", "pd", "nl", "nd")),
        sa.Column("training", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
    )
    op.create_table(
        "swap_decisions",
        sa.Column("id", BIG_ID, primary_key=True),
        _project_fk(primary_key=False),
        sa.Column("task", sa.String(100), nullable=False),
        sa.Column("classification_id", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("volunteer", sa.String(200), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("probability_before", sa.Float(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_at", WHEN, nullable=False),
        sa.UniqueConstraint("project_id", "task", "classification_id", name="uq_swap_decision"),
    )
    op.create_index("ix_swap_decision_subject", "swap_decisions", ["project_id", "task", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_swap_decision_subject", table_name="swap_decisions")
    for table in ("swap_decisions", "swap_volunteers", "swap_subjects", "swap_settings"):
        op.drop_table(table)
