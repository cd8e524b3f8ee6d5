from __future__ import annotations

import sqlalchemy as sa

from crossdock.store.engine import create_engine


def test_engine_round_trips_json(db_url: str) -> None:
    engine = create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table(
        "probe", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("doc", sa.JSON)
    )
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), {"id": 1, "doc": {"a": [1, 2]}})
        assert conn.execute(sa.select(table.c.doc)).scalar_one() == {"a": [1, 2]}
    engine.dispose()


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_statistics_are_refreshed_where_nothing_else_does_it(db_url: str) -> None:
    """SQLite always gets its statistics from Crossdock; PostgreSQL only when autovacuum (which
    keeps them otherwise) is off."""
    from crossdock.store import migrate
    from crossdock.store.engine import GROWING_TABLES, refresh_statistics

    engine = create_engine(db_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:  # SQLite writes no statistics for an empty table
        conn.exec_driver_sql(
            "INSERT INTO destination_links (integration_id, cresco_id, sent_version, deleted, "
            "updated_at) VALUES ('i', 'c', 1, false, '2026-01-01 00:00:00')"
        )
    refresh_statistics(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            analyzed = {row[0] for row in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
            assert "destination_links" in analyzed
        else:
            autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar()
            analyzed = {
                row[0]
                for row in conn.exec_driver_sql(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                    "AND schemaname = current_schema()"
                )
            }
            expected = set() if autovacuum == "on" else set(GROWING_TABLES)
            assert analyzed == expected
    engine.dispose()
