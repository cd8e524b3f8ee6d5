"""pulls

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 17:09:55.561391
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "pull_states",
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column(
            "checkpoint", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("records_last_run", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("integration_id", name=op.f("pk_pull_states")),
    )


def downgrade() -> None:

    op.drop_table("pull_states")
