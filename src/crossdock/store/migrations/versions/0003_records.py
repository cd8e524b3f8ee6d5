"""records

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:22:18.031012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "ingest_requests",
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("received_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_ingest_requests")),
    )
    with op.batch_alter_table("ingest_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ingest_requests_integration_id"), ["integration_id"], unique=False
        )

    op.create_table(
        "master_records",
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("object_key", sa.String(length=520), nullable=False),
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column(
            "record", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("parts", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("force_refreshed", sa.Boolean(), nullable=False),
        sa.Column(
            "force_refreshed_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cresco_id", name=op.f("pk_master_records")),
    )
    with op.batch_alter_table("master_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_master_records_listing",
            ["sync_type", "company_id", "updated_at", "cresco_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_master_records_object", ["integration_id", "object_key"], unique=True
        )
        batch_op.create_index(
            "ix_master_records_sync_updated", ["sync_type", "updated_at", "cresco_id"], unique=False
        )

    op.create_table(
        "ingest_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("group_id", sa.String(length=500), nullable=True),
        sa.Column("merge", sa.Boolean(), nullable=False),
        sa.Column(
            "record", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "errors", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("cresco_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("processed_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["ingest_requests.request_id"],
            name=op.f("fk_ingest_items_request_id_ingest_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_items")),
    )
    with op.batch_alter_table("ingest_items", schema=None) as batch_op:
        batch_op.create_index("ix_ingest_items_request", ["request_id", "position"], unique=False)
        batch_op.create_index("ix_ingest_items_status", ["status", "id"], unique=False)

    op.create_table(
        "master_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=200), nullable=False),
        sa.Column("object_id", sa.String(length=500), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cresco_id"],
            ["master_records.cresco_id"],
            name=op.f("fk_master_versions_cresco_id_master_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_master_versions")),
    )
    with op.batch_alter_table("master_versions", schema=None) as batch_op:
        batch_op.create_index("ix_master_versions_record", ["cresco_id", "version"], unique=True)

    op.create_table(
        "record_keys",
        sa.Column("cresco_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cresco_id"],
            ["master_records.cresco_id"],
            name=op.f("fk_record_keys_cresco_id_master_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cresco_id", "name", "value", name=op.f("pk_record_keys")),
    )
    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.create_index("ix_record_keys_lookup", ["name", "value"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("record_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_record_keys_lookup")

    op.drop_table("record_keys")
    with op.batch_alter_table("master_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_master_versions_record")

    op.drop_table("master_versions")
    with op.batch_alter_table("ingest_items", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_items_status")
        batch_op.drop_index("ix_ingest_items_request")

    op.drop_table("ingest_items")
    with op.batch_alter_table("master_records", schema=None) as batch_op:
        batch_op.drop_index("ix_master_records_sync_updated")
        batch_op.drop_index("ix_master_records_object")
        batch_op.drop_index("ix_master_records_listing")

    op.drop_table("master_records")
    with op.batch_alter_table("ingest_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_requests_integration_id"))

    op.drop_table("ingest_requests")
