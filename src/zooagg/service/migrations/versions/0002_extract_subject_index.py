"""An index on extracts by (project_id, subject_id): live ingest reads all the extracts of the
subjects a transaction touched in one query.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_extract_subject", "extracts", ["project_id", "subject_id"])


def downgrade() -> None:
    op.drop_index("ix_extract_subject", table_name="extracts")
