"""Engines and sessions for the embedded SQLite default and for PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import orjson
from sqlalchemy import Engine, event
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.orm import Session, sessionmaker


def json_dumps(value: Any) -> str:
    """JSON columns' serializer: orjson, with the standard library for what orjson refuses
    (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def json_loads(text: str | bytes) -> Any:
    return orjson.loads(text)


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL mode, foreign keys and a busy timeout.

    JSON columns are read and written with orjson: records are JSON from end to end, and the
    standard library's decoder was the largest single cost of processing them.
    """
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", json_loads)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = sa_create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa_create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy, not the driver, starts transactions (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction starts, not at its first write.

    A deferred transaction that reads, then writes after another connection committed, fails
    at once with SQLITE_BUSY in WAL mode; starting immediately makes it wait its turn instead
    (up to the busy timeout), so the API and the embedded worker never fail on each other.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# The tables that grow with every sync, whose plans depend on knowing their size.
GROWING_TABLES = (
    "ingest_items",
    "master_records",
    "master_versions",
    "record_keys",
    "publish_jobs",
    "channel_payloads",
    "destination_links",
    "system_results",
)


def refresh_statistics(engine: Engine) -> None:
    """Give the query planner fresh table statistics.

    SQLite keeps none of its own: without them it walks a listing index in sort order and
    tests every row against a selective filter, instead of starting from the filter's index
    (``analysis_limit`` keeps this to a sample of each index, so it is cheap on large tables).
    PostgreSQL's autovacuum analyzes tables as they grow; where an operator turned it off, the
    growing tables are analyzed here instead, since a planner that believes ``publish_jobs``
    is empty reads every job of an integration to find a hundred.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
            connection.exec_driver_sql("ANALYZE")
        elif engine.dialect.name == "postgresql":
            if connection.exec_driver_sql("SHOW autovacuum").scalar() == "on":
                return
            connection.exec_driver_sql("ANALYZE " + ", ".join(GROWING_TABLES))
        connection.commit()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
