"""pull retries, and who holds a pull or a publish claim

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import crossdock.store.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pull_states") as batch:
        batch.add_column(
            sa.Column("retry_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("failures", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("holder", sa.String(length=100), nullable=True))
    with op.batch_alter_table("publish_jobs") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("publish_jobs") as batch:
        batch.drop_column("claimed_by")
    with op.batch_alter_table("pull_states") as batch:
        batch.drop_column("holder")
        batch.drop_column("failures")
        batch.drop_column("retry_at")
