"""taxonomies: groups, attributes and options of channel taxonomies

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:53:57.286434
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxonomies",
        sa.Column("taxonomy_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=True),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("taxonomy_id", name=op.f("pk_taxonomies")),
    )
    with op.batch_alter_table("taxonomies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taxonomies_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_taxonomies_company_id"), ["company_id"], unique=False)

    op.create_table(
        "taxonomy_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("parent_group_id", sa.String(length=255), nullable=True),
        sa.Column("is_leaf", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("taxonomy_id", sa.String(length=255), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.taxonomy_id"],
            name=op.f("fk_taxonomy_groups_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_groups")),
    )
    with op.batch_alter_table("taxonomy_groups", schema=None) as batch_op:
        batch_op.create_index("ix_taxonomy_groups_key", ["taxonomy_id", "group_id"], unique=True)
        batch_op.create_index(
            "ix_taxonomy_groups_listing", ["taxonomy_id", "position", "id"], unique=False
        )

    op.create_table(
        "taxonomy_attributes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_pk", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("attribute_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("reserved", sa.Boolean(), nullable=True),
        sa.Column("has_options", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column(
            "constraints", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "options", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("taxonomy_id", sa.String(length=255), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_pk"],
            ["taxonomy_groups.id"],
            name=op.f("fk_taxonomy_attributes_group_pk_taxonomy_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.taxonomy_id"],
            name=op.f("fk_taxonomy_attributes_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_attributes")),
    )
    with op.batch_alter_table("taxonomy_attributes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_taxonomy_attributes_key", ["group_pk", "attribute_id"], unique=True
        )
        batch_op.create_index(
            "ix_taxonomy_attributes_listing", ["group_pk", "position", "id"], unique=False
        )
        batch_op.create_index("ix_taxonomy_attributes_taxonomy", ["taxonomy_id"], unique=False)

    op.create_table(
        "taxonomy_options",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("attribute_pk", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("attribute_id", sa.String(length=255), nullable=False),
        sa.Column("option_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "constraints", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("taxonomy_id", sa.String(length=255), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_pk"],
            ["taxonomy_attributes.id"],
            name=op.f("fk_taxonomy_options_attribute_pk_taxonomy_attributes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["taxonomies.taxonomy_id"],
            name=op.f("fk_taxonomy_options_taxonomy_id_taxonomies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_options")),
    )
    with op.batch_alter_table("taxonomy_options", schema=None) as batch_op:
        batch_op.create_index("ix_taxonomy_options_key", ["attribute_pk", "option_id"], unique=True)
        batch_op.create_index(
            "ix_taxonomy_options_listing", ["attribute_pk", "position", "id"], unique=False
        )
        batch_op.create_index("ix_taxonomy_options_taxonomy", ["taxonomy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("taxonomy_options", schema=None) as batch_op:
        batch_op.drop_index("ix_taxonomy_options_taxonomy")
        batch_op.drop_index("ix_taxonomy_options_listing")
        batch_op.drop_index("ix_taxonomy_options_key")

    op.drop_table("taxonomy_options")
    with op.batch_alter_table("taxonomy_attributes", schema=None) as batch_op:
        batch_op.drop_index("ix_taxonomy_attributes_taxonomy")
        batch_op.drop_index("ix_taxonomy_attributes_listing")
        batch_op.drop_index("ix_taxonomy_attributes_key")

    op.drop_table("taxonomy_attributes")
    with op.batch_alter_table("taxonomy_groups", schema=None) as batch_op:
        batch_op.drop_index("ix_taxonomy_groups_listing")
        batch_op.drop_index("ix_taxonomy_groups_key")

    op.drop_table("taxonomy_groups")
    with op.batch_alter_table("taxonomies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taxonomies_company_id"))
        batch_op.drop_index(batch_op.f("ix_taxonomies_agency_id"))

    op.drop_table("taxonomies")
