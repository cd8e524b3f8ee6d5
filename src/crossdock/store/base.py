"""The one ``MetaData`` every table joins, with portable column types.

A single naming convention for constraints (so migrations are stable across dialects), a UTC
datetime type, and JSON that becomes JSONB on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    MetaData,
    Table,
    TypeDecorator,
    and_,
    false,
    or_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import QueryableAttribute

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every dialect (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def table_of(model: type[Any]) -> Table:
    """The Core table of a mapped class, for bulk statements on hot paths."""
    return cast("Table", model.__table__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """A stored time as the API writes it (ISO 8601 with its offset), or None."""
    return value.isoformat() if value is not None else None


def rows_in(
    columns: Sequence[ColumnElement[Any] | QueryableAttribute[Any]],
    rows: Iterable[Sequence[Any]],
) -> ColumnElement[bool]:
    """``(a, b, ...) IN rows`` that every database answers from an index.

    SQLite (3.40 here) scans the whole table for a row-value ``IN (VALUES ...)``, so the rows
    are grouped by all but their last value: ``(a = ? AND b IN (...)) OR ...``, which SQLite
    and PostgreSQL both look up in a composite index. Exact, not a superset."""
    *leading, last = columns
    grouped: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[:-1]), []).append(row[-1])
    if not grouped:
        return false()
    return or_(
        *(
            and_(
                *(column == value for column, value in zip(leading, head, strict=True)),
                last.in_(list(dict.fromkeys(tails))),
            )
            for head, tails in grouped.items()
        )
    )
