"""The query compiler every list endpoint shares: query-string filters and sorts to SQL, and
keyset pagination with page tokens, byte budgets and scroll cursors (see docs/query.md)."""

from __future__ import annotations

from crossdock.store.query.declare import Field, JsonField, Kind, Listing, QueryError
from crossdock.store.query.paginate import MAX_PAGE_BYTES, Page, filter_clauses, paginate
from crossdock.store.query.parse import Query, parse_query
from crossdock.store.query.scroll import scroll_cursors

__all__ = [
    "MAX_PAGE_BYTES",
    "Field",
    "JsonField",
    "Kind",
    "Listing",
    "Page",
    "Query",
    "QueryError",
    "filter_clauses",
    "paginate",
    "parse_query",
    "scroll_cursors",
]
