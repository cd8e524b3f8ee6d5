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
