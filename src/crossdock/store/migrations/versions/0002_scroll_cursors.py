"""scroll cursors

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:13:16.058342
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "scroll_cursors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "position", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("expires_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scroll_cursors")),
    )
    with op.batch_alter_table("scroll_cursors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scroll_cursors_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("scroll_cursors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scroll_cursors_expires_at"))

    op.drop_table("scroll_cursors")
