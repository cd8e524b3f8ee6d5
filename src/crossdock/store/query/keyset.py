"""Keyset ordering: the sort attribute plus the unique key, and "rows after this one".

NULLs sort last ascending and first descending on both databases, so a position with a NULL
value has a well-defined successor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, literal, or_, tuple_
from sqlalchemy.sql.elements import UnaryExpression

from crossdock.store.query.declare import Kind, Listing, QueryError, is_decimal
from crossdock.store.query.parse import Sort
from crossdock.store.query.sql import json_sort_bind, sort_expression
from crossdock.store.query.tokens import from_token_value, to_token_value


@dataclass(frozen=True)
class SortKey:
    expression: ColumnElement[Any]
    descending: bool
    nullable: bool
    kind: Kind | Literal["json"]
    dialect: str = "sqlite"

    def bind(self, value: Any) -> Any:
        if self.kind == "json":
            return json_sort_bind(value, self.dialect)
        # Typed, so a UTCDateTime or Numeric column's bind processing applies.
        return literal(value, self.expression.type)

    def order(self) -> UnaryExpression[Any]:
        ordered = self.expression.desc() if self.descending else self.expression.asc()
        if not self.nullable:
            return ordered  # bare, so an index on the column can deliver the order
        return ordered.nulls_first() if self.descending else ordered.nulls_last()


def sort_keys(listing: Listing, sort: Sort, dialect: str) -> list[SortKey]:
    """The requested sort, then the listing's unique key in the same direction."""
    declared = sort.target.field
    first = SortKey(
        expression=sort_expression(sort.target, dialect),
        descending=sort.descending,
        nullable=True if declared is None else declared.nullable,
        kind="json" if declared is None else declared.kind,
        dialect=dialect,
    )
    # Same direction as the sort, so one composite index (sort column, key) serves both ways.
    tie_breaker = SortKey(
        expression=listing.key_column,
        descending=sort.descending,
        nullable=False,
        kind=listing.key_kind,
        dialect=dialect,
    )
    return [first, tie_breaker]


def row_position(keys: Sequence[SortKey], row: Sequence[Any]) -> list[Any]:
    """The JSON-ready sort values of a row whose last ``len(keys)`` columns are the keys."""
    return [to_token_value(value) for value in row[len(row) - len(keys) :]]


def decode_position(keys: Sequence[SortKey], values: list[Any]) -> list[Any]:
    if len(values) != len(keys):
        raise QueryError("page", "is not a page token issued for this list")
    decoded = []
    for key, value in zip(keys, values, strict=True):
        if value is None and not key.nullable:
            raise QueryError("page", "is not a page token issued for this list")
        asdecimal = is_decimal(key.expression.type)
        decoded.append(from_token_value(key.kind, value, asdecimal=asdecimal))
    return decoded


def after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys``."""
    directions = {key.descending for key in keys}
    if len(directions) == 1 and not any(key.nullable for key in keys):
        # One row-value comparison: what a composite index on the sort columns answers.
        left = tuple_(*(key.expression for key in keys))
        right = tuple_(*(key.bind(value) for key, value in zip(keys, values, strict=True)))
        return left < right if keys[0].descending else left > right
    alternatives: list[ColumnElement[bool]] = []
    same: list[ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        expression = key.expression
        beyond: ColumnElement[bool] | None
        if value is None:
            # NULLs come last ascending (nothing after them) and first descending.
            beyond = expression.is_not(None) if key.descending else None
            equal = expression.is_(None)
        else:
            bound = key.bind(value)
            if key.descending:
                beyond = expression < bound
            else:
                beyond = expression > bound
                if key.nullable:
                    beyond = or_(beyond, expression.is_(None))
            equal = expression == bound
        if beyond is not None:
            alternatives.append(and_(*same, beyond))
        same.append(equal)
    return or_(*alternatives) if alternatives else false()
