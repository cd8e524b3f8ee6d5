"""system results

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:34:53.824142
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "system_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cresco_id", sa.String(length=64), nullable=True),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "errors", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column(
            "response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_results")),
    )
    with op.batch_alter_table("system_results", schema=None) as batch_op:
        batch_op.create_index("ix_system_results_company", ["company_id", "at"], unique=False)
        batch_op.create_index(
            "ix_system_results_record", ["cresco_id", "integration_id", "id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("system_results", schema=None) as batch_op:
        batch_op.drop_index("ix_system_results_record")
        batch_op.drop_index("ix_system_results_company")

    op.drop_table("system_results")
