"""Migrations produce exactly the schema the models declare, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from crossdock.store import migrate
from crossdock.store.engine import create_engine
from crossdock.store.models import metadata


def test_migrations_match_models(db_url: str) -> None:
    engine = create_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    migrate.upgrade(engine)
    head = migrate.current(engine)
    migrate.upgrade(engine)
    assert migrate.current(engine) == head is not None
    engine.dispose()
