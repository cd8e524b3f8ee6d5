"""One page of a listing: filters, keyset position, byte budget, total, next token."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from crossdock.store.base import utcnow
from crossdock.store.query import scroll, tokens
from crossdock.store.query.declare import Listing, QueryError
from crossdock.store.query.keyset import after, decode_position, row_position, sort_keys
from crossdock.store.query.parse import Query, parse_query
from crossdock.store.query.scroll import Executor, ScrollCursor
from crossdock.store.query.sql import check_dialect, condition_clause

#: The API answers at most about this many bytes of JSON per page.
MAX_PAGE_BYTES = 400_000
#: Listings matching more records than this answer without ``x-cresco-total``.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    #: The ``x-cresco-page`` value; None on the last page.
    next_page: str | None
    #: The ``x-cresco-total`` value: every record matching the filters, on all pages; None
    #: when more than ``count_limit`` match (counting them all would cost more than the page).
    total: int | None

    def headers(self) -> dict[str, str]:
        headers = {} if self.total is None else {"x-cresco-total": str(self.total)}
        if self.next_page is not None:
            headers["x-cresco-page"] = self.next_page
        return headers


def dialect_of(conn: Executor) -> str:
    if isinstance(conn, Session):
        return conn.get_bind().dialect.name
    return conn.dialect.name


def filter_clauses(
    listing: Listing, params: Iterable[tuple[str, str]], dialect: str
) -> list[ColumnElement[bool]]:
    """The WHERE clauses for a query string, for endpoints that filter without paging."""
    return [condition_clause(c, dialect) for c in parse_query(listing, params).conditions]


def paginate(
    conn: Executor,
    listing: Listing,
    select_stmt: Select[Any],
    params: Iterable[tuple[str, str]],
    *,
    serialize: Callable[[Any], dict[str, Any]],
    extra_where: Sequence[ColumnElement[bool]] = (),
    max_bytes: int = MAX_PAGE_BYTES,
    count_limit: int = COUNT_LIMIT,
    clock: Callable[[], datetime] = utcnow,
) -> Page:
    """Run ``select_stmt`` filtered, sorted and paged by the request's ``params``.

    ``select_stmt`` is the endpoint's base select (its tenancy filters included); ``params``
    the raw multi-valued query string. ``serialize`` gets what one row of ``select_stmt``
    would be: the entity or value for a one-column select (``select(Company)``), else the
    whole ``Row`` (with the sort columns appended at its end). Runs inside the caller's
    transaction; a scroll writes its cursor there too. Raises ``QueryError`` for anything the
    client must fix.
    """
    dialect = dialect_of(conn)
    check_dialect(dialect)
    query = parse_query(listing, params)
    keys = sort_keys(listing, query.sort, dialect)
    filtered = select_stmt.where(
        *(condition_clause(c, dialect) for c in query.conditions), *extra_where
    ).order_by(None)

    position, cursor = _start(conn, query, clock)
    start = None if position is None else decode_position(keys, position)

    # The count stops at count_limit + 1 rows, so a page of a huge listing costs the same as a
    # page of a small one; the docs allow x-cresco-total to be absent.
    counted = conn.execute(
        select(func.count()).select_from(filtered.limit(count_limit + 1).subquery())
    ).scalar_one()
    total = counted if counted <= count_limit else None

    statement = filtered.add_columns(
        *(key.expression.label(f"_crossdock_sort_{i}") for i, key in enumerate(keys))
    ).order_by(*(key.order() for key in keys))
    if start is not None:
        statement = statement.where(after(keys, start))
    statement = statement.limit(query.limit + 1)

    single = len(select_stmt.column_descriptions) == 1
    items: list[dict[str, Any]] = []
    used = 2  # the enclosing brackets
    last: Any = None
    more = False
    result = conn.execute(statement)
    try:
        for row in result:
            if len(items) == query.limit:
                more = True
                break
            item = serialize(row[0] if single else row)
            size = len(_encode(item)) + (1 if items else 0)  # and a comma
            if items and used + size > max_bytes:
                more = True
                break
            items.append(item)
            used += size
            last = row
    finally:
        result.close()

    next_position = row_position(keys, last) if more else None
    return Page(
        items=items,
        next_page=_next_token(conn, query, cursor, next_position, clock),
        total=total,
    )


def _start(
    conn: Executor, query: Query, clock: Callable[[], datetime]
) -> tuple[list[Any] | None, ScrollCursor | None]:
    """The position to continue from, and the scroll cursor when the token names one."""
    if query.page is None:
        return None, None
    payload = tokens.decode(query.page)
    if "s" in payload:
        cursor = scroll.load_cursor(conn, payload["s"], query.fingerprint, clock())
        return cursor.after, cursor
    return tokens.parse_keyset(payload, query.fingerprint).values, None


def _next_token(
    conn: Executor,
    query: Query,
    cursor: ScrollCursor | None,
    position: list[Any] | None,
    clock: Callable[[], datetime],
) -> str | None:
    if cursor is None and query.scroll is None:
        if position is None:
            return None
        return tokens.keyset_token(tokens.Position(query.fingerprint, position))
    if position is None:
        if cursor is not None:
            scroll.close_cursor(conn, cursor)
        return None
    if cursor is None:
        assert query.scroll is not None
        # Opened only once a second page exists. A keyset token given with ``scroll`` starts
        # the scroll from where it points.
        cursor = scroll.open_cursor(conn, query.fingerprint, query.scroll, position, clock())
    else:
        scroll.advance(conn, cursor, position, query.scroll or cursor.minutes, clock())
    return tokens.scroll_token(cursor.id)


def _encode(item: dict[str, Any]) -> bytes:
    # Measured as Starlette's JSONResponse renders it; ``default=str`` only so that a
    # serializer returning datetimes is measured instead of failing here.
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


__all__ = ["MAX_PAGE_BYTES", "Page", "QueryError", "filter_clauses", "paginate"]
