"""dashboard images

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 17:43:22.885700
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_metrics",
        sa.Column("metric_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("metric_type", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=500), nullable=True),
        sa.Column("event_group", sa.String(length=200), nullable=True),
        sa.Column("event_action", sa.String(length=200), nullable=True),
        sa.Column("event_tracker", sa.String(length=200), nullable=True),
        sa.Column(
            "event_query_params",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("range", sa.String(length=100), nullable=True),
        sa.Column("state_api", sa.String(length=200), nullable=True),
        sa.Column("username", sa.String(length=320), nullable=True),
        sa.Column("view_format", sa.String(length=100), nullable=True),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("metric_id", name=op.f("pk_dashboard_metrics")),
    )
    with op.batch_alter_table("dashboard_metrics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dashboard_metrics_agency_id"), ["agency_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dashboard_metrics_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dashboard_metrics_username"), ["username"], unique=False
        )

    op.create_table(
        "images",
        sa.Column("image_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_images")),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_images_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_images_company_id"), ["company_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_images_company_id"))
        batch_op.drop_index(batch_op.f("ix_images_agency_id"))

    op.drop_table("images")
    with op.batch_alter_table("dashboard_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_metrics_username"))
        batch_op.drop_index(batch_op.f("ix_dashboard_metrics_company_id"))
        batch_op.drop_index(batch_op.f("ix_dashboard_metrics_agency_id"))

    op.drop_table("dashboard_metrics")
