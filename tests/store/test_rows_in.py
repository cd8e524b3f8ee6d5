"""``rows_in``: exactly the rows asked for, on SQLite and PostgreSQL, looked up in the
composite index rather than by scanning the table (SQLite's row-value IN scans)."""

from __future__ import annotations

import sqlalchemy as sa

from crossdock.store.base import rows_in

metadata = sa.MetaData()
links = sa.Table(
    "pairs",
    metadata,
    sa.Column("a", sa.String(20), primary_key=True),
    sa.Column("b", sa.String(20), primary_key=True),
    sa.Column("c", sa.Integer, primary_key=True),
)


def test_exactly_the_rows_asked_for(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(links),
            [{"a": a, "b": b, "c": c} for a in "xyz" for b in "pqr" for c in range(3)],
        )
        wanted = [("x", "p", 0), ("x", "q", 2), ("y", "p", 1), ("x", "p", 0), ("z", "r", 2)]
        found = conn.execute(
            sa.select(links.c.a, links.c.b, links.c.c).where(
                rows_in((links.c.a, links.c.b, links.c.c), wanted)
            )
        ).all()
        assert sorted(tuple(row) for row in found) == sorted(set(wanted))
        nothing = conn.execute(sa.select(links).where(rows_in((links.c.a, links.c.b), [])))
        assert nothing.all() == []
    engine.dispose()


def test_sqlite_looks_the_rows_up_in_the_index(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(links), [{"a": "x", "b": str(n), "c": 0} for n in range(2000)])
        conn.exec_driver_sql("ANALYZE")
        wanted = [("x", "5", 0), ("x", "7", 0)]
        for columns, rows in (
            ((links.c.a, links.c.b, links.c.c), wanted),
            ((links.c.a, links.c.b), [row[:2] for row in wanted]),
        ):
            query = sa.select(links).where(rows_in(columns, rows))
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            plan = " | ".join(
                str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            )
            assert "USING" in plan, plan
            assert "SCAN pairs" not in plan, plan
    engine.dispose()
