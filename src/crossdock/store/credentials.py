"""Shared state of connector credentials, for every process of a deployment: sealed token
records with a lock per credential (the connectors' ``TokenStore``), and rate-limit buckets
(their ``RateLimitBackend``). Both satisfy those protocols structurally; connectors never
import the store.

Locks: on PostgreSQL a session advisory lock, so workers on any machine take turns; on SQLite
(one process by design) a lock in this process.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any, Protocol

import anyio
import anyio.to_thread
from sqlalchemy import Engine, Float, LargeBinary, String, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from crossdock.store.base import UTCDateTime, table_of, utcnow
from crossdock.store.tables import Base


class CredentialToken(Base):
    __tablename__ = "credential_tokens"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RateBucket(Base):
    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    at: Mapped[float] = mapped_column(Float)


class Limit(Protocol):
    """What a rate limit is (``crossdock.connectors.http.RateLimit`` has these)."""

    @property
    def rate(self) -> float: ...

    @property
    def burst(self) -> int: ...


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class DatabaseTokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local: dict[str, anyio.Lock] = {}

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            with self.engine.connect() as connection:
                value = connection.execute(
                    select(CredentialToken.value).where(CredentialToken.key == key)
                ).scalar_one_or_none()
            return bytes(value) if value is not None else None

        return await anyio.to_thread.run_sync(read)

    async def put(self, key: str, value: bytes) -> None:
        def write() -> None:
            table = table_of(CredentialToken)
            statement = _insert(self.engine)(table).values(
                key=key, value=value, updated_at=utcnow()
            )
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "value": statement.excluded.value,
                    "updated_at": statement.excluded.updated_at,
                },
            )
            with self.engine.begin() as connection:
                connection.execute(statement)

        await anyio.to_thread.run_sync(write)

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        return self._locked(key)

    @asynccontextmanager
    async def _locked(self, key: str) -> AsyncIterator[None]:
        local = self._local.get(key) or self._local.setdefault(key, anyio.Lock())
        async with local:
            if self.engine.dialect.name != "postgresql":
                yield
                return
            connection = await anyio.to_thread.run_sync(self.engine.connect)
            try:
                await anyio.to_thread.run_sync(
                    lambda: connection.execute(
                        text("SELECT pg_advisory_lock(:id)"), {"id": _lock_id(key)}
                    )
                )
                yield
            finally:

                def release() -> None:
                    connection.execute(
                        text("SELECT pg_advisory_unlock(:id)"), {"id": _lock_id(key)}
                    )
                    connection.commit()
                    connection.close()

                await anyio.to_thread.run_sync(release)


class DatabaseRateLimitBackend:
    """Token buckets shared by every process: read, refill and take one in one transaction
    (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite). Time is the wall
    clock, the one all processes share."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock

    async def reserve(self, key: str, limit: Limit) -> float:
        return await anyio.to_thread.run_sync(self._reserve, key, limit)

    def _reserve(self, key: str, limit: Any) -> float:
        table = table_of(RateBucket)
        with self.engine.begin() as connection:
            now = self.clock()
            connection.execute(
                _insert(self.engine)(table)
                .values(key=key, tokens=float(limit.burst), at=now)
                .on_conflict_do_nothing(index_elements=[table.c.key])
            )
            query = select(table.c.tokens, table.c.at).where(table.c.key == key)
            if self.engine.dialect.name == "postgresql":
                query = query.with_for_update()
            row = connection.execute(query).one()
            tokens = min(float(limit.burst), row.tokens + max(now - row.at, 0.0) * limit.rate) - 1.0
            connection.execute(
                table.update().where(table.c.key == key).values(tokens=tokens, at=now)
            )
        return 0.0 if tokens >= 0 else -tokens / limit.rate


def _insert(engine: Engine) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both databases have it)."""
    return postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
