"""control plane

Revision ID: 0001
Revises:
Create Date: 2026-11-23 16:08:17.474607
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import crossdock.store.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "app_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_app_clients")),
    )
    op.create_table(
        "companies",
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("logo", sa.Text(), nullable=True),
        sa.Column("agency_level", sa.Boolean(), nullable=True),
        sa.Column(
            "agency_data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_companies")),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_companies_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_companies_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "email_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_outbox")),
    )
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "users",
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column(
            "syncs", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("template_id", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("password_temporary", sa.Boolean(), nullable=False),
        sa.Column(
            "password_updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("password_expires_in", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("resource", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=320), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=True),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("company_id", sa.String(length=64), nullable=True),
        sa.Column("at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_versions_resource", ["resource", "resource_id", "version"], unique=True
        )

    op.create_table(
        "auth_challenges",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name=op.f("fk_auth_challenges_username_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_auth_challenges")),
    )
    op.create_table(
        "integrations",
        sa.Column("integration_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("sync_type", sa.String(length=64), nullable=False),
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("get", sa.Boolean(), nullable=False),
        sa.Column("update", sa.Boolean(), nullable=False),
        sa.Column("add", sa.Boolean(), nullable=False),
        sa.Column("delete", sa.Boolean(), nullable=False),
        sa.Column("meta", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("min_from_date", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "system_settings",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.company_id"],
            name=op.f("fk_integrations_company_id_companies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("integration_id", name=op.f("pk_integrations")),
    )
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_integrations_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_integrations_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_integrations_sync_type"), ["sync_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_integrations_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", crossdock.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
            name=op.f("fk_refresh_tokens_username_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_tokens_username"), ["username"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_username"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("integrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrations_updated_at"))
        batch_op.drop_index(batch_op.f("ix_integrations_sync_type"))
        batch_op.drop_index(batch_op.f("ix_integrations_company_id"))
        batch_op.drop_index(batch_op.f("ix_integrations_agency_id"))

    op.drop_table("integrations")
    op.drop_table("auth_challenges")
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_resource")

    op.drop_table("versions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_updated_at"))
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_company_id"))
        batch_op.drop_index(batch_op.f("ix_users_agency_id"))

    op.drop_table("users")
    op.drop_table("login_failures")
    op.drop_table("email_outbox")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_updated_at"))
        batch_op.drop_index(batch_op.f("ix_companies_agency_id"))

    op.drop_table("companies")
    op.drop_table("app_clients")
