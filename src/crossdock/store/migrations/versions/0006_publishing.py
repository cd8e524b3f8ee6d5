"""publishing

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:57:50.300019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "channel_payloads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_payloads")),
    )
    with op.batch_alter_table("channel_payloads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_payloads_current", ["current", "company_id", "at"], unique=False
        )
        batch_op.create_index(
            "ix_channel_payloads_record", ["integration_id", "cresco_id", "id"], unique=False
        )

    op.create_table(
        "destination_links",
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=500), nullable=True),
        sa.Column("sent_version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("integration_id", "cresco_id", name=op.f("pk_destination_links")),
    )
    op.create_table(
        "publish_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("claimed_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_jobs")),
    )
    with op.batch_alter_table("publish_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_publish_jobs_due", ["status", "next_attempt_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_publish_jobs_record", ["integration_id", "cresco_id", "id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("publish_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_publish_jobs_record")
        batch_op.drop_index("ix_publish_jobs_due")

    op.drop_table("publish_jobs")
    op.drop_table("destination_links")
    with op.batch_alter_table("channel_payloads", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_payloads_record")
        batch_op.drop_index("ix_channel_payloads_current")

    op.drop_table("channel_payloads")
